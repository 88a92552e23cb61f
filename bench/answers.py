#!/usr/bin/env python3
"""The intake page's standard-answer suggestions at size: p95 of ``GET /answers/suggest?q=`` with 1,000 standard
answers and 1,000,000 calls on PostgreSQL.

    .venv/bin/python bench/answers.py [--db hotline_bench_mix] [-n 600] [--answers 1000] [--no-write]

The database is the mixed load's (bench/load_mix.py, shared with bench/inbox.py): an existing ``hotline_bench_mix``
with 1M calls is reused (``flask db upgrade``, ANALYZE), else built exactly as inbox.py builds it. The seed's
starter answers (~40) are topped up to ``--answers`` with generated ones — bench data only, never in the seed:
varied Chinese questions and answers from the domain's vocabulary (hotline/demo/vocabulary.py: products, markets,
trade fairs, geographical indications, patent types …), each written through the product's own operation
(hotline.answers.operations.create_answer: versions, search document, audit), by a bench supervisor. They stay in
the database for the next run (counted, not added twice).

What is timed is what the intake page asks while an operator types a call's summary (hotline/static/js/intake.js:
after each pause, the summary typed so far): the summaries of 400 random calls of the database, each sent at three
lengths (its first 6 and 12 characters and whole), through the product's app in-process (Flask test client,
production configuration, a session from the real login form): server time of one request at a time, no network.
-n timed requests after 30 warm-up ones; p50/p95/p99/max, the suggestions returned, SQL statements per request.
Writes the "Standard-answer suggestions" section of RESULTS.md between its markers (the rest is kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from inbox import percentile, prepare_database  # noqa: E402
from intake import BenchError, git_revision, loadavg, pg_url  # noqa: E402
from load_mix import DEFAULT_DB, counts, database_size, log, pg  # noqa: E402

BEGIN = "<!-- answers.py: begin (written by bench/answers.py; edits here are overwritten) -->"
END = "<!-- answers.py: end -->"
GOAL_MS = 50.0
SUPERVISOR = "bench-answers-sup"
OPERATOR = "bench-answers-op"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


# Generated standard answers ----------------------------------------------------------------------------------

PATENT_ASPECTS = {
    "保护期限": ("发明专利权的期限为二十年，实用新型专利权的期限为十年，"
             "外观设计专利权的期限为十五年，均自申请日起计算。",
             "《专利法》第四十二条"),
    "年费缴纳": ("专利权人应当自被授予专利权的当年开始缴纳年费；期满未缴纳的，可以在六个月滞纳期内补缴并缴纳滞纳金。",
             "《专利法》第四十三条；《专利法实施细则》"),
    "费用减缴": ("个人或者企业、事业单位符合条件的，可以请求减缴申请费、年费等费用，"
             "通过专利业务办理系统提交费用减缴请求。",
             "《专利收费减缴办法》"),
    "权属纠纷": ("专利申请权或者专利权权属发生纠纷的，可以请求管理专利工作的部门调解，也可以向人民法院起诉。",
             "《专利法实施细则》第八十五条"),
    "无效宣告": ("任何单位或者个人认为专利权的授予不符合规定的，可以请求国务院专利行政部门宣告该专利权无效。",
             "《专利法》第四十五条"),
    "许可备案": ("专利实施许可合同应当自合同生效之日起三个月内向国务院专利行政部门备案。",
             "《专利实施许可合同备案办法》"),
    "转让登记": ("转让专利申请权或者专利权的，当事人应当订立书面合同，并向国务院专利行政部门登记，由其予以公告。",
             "《专利法》第十条"),
    "质押登记": ("以专利权出质的，出质人和质权人应当订立书面合同，共同向国务院专利行政部门办理出质登记。",
             "《专利权质押登记办法》"),
    "侵权判定": ("判定是否侵权，以专利权利要求的内容为准；外观设计以图片或者照片中的该产品外观设计为准。",
             "《专利法》第六十四条"),
    "法律状态查询": ("可以通过国家知识产权局的专利检索系统或者中国及多国专利审查信息查询系统查询专利的法律状态。",
               "国家知识产权局公开查询服务"),
}
PTYPES = ("发明", "实用新型", "外观设计")
REPORT_FORMS = ("外包装标注已终止的专利号", "标注“专利产品”字样但未标注专利号", "宣传拥有发明专利与事实不符",
                "标注他人的专利号", "把专利申请称为专利")
TRADEMARK_ITEMS = ("注册申请", "续展", "转让", "许可备案", "异议", "撤销连续三年不使用", "变更名义地址")
COPYRIGHT_ITEMS = ("计算机软件著作权登记", "美术作品登记", "摄影作品被网站使用", "图书被盗印", "短视频被搬运")
CHANNEL_ITEMS = ("12330热线", "微信公众号", "网上举报平台", "来信", "来访")


def _patent_question(rng: random.Random, v) -> tuple[str, str, str, str]:
    aspect = rng.choice(list(PATENT_ASPECTS))
    answer, basis = PATENT_ASPECTS[aspect]
    category = "fees" if aspect in ("年费缴纳", "费用减缴") else "patent_dispute"
    return f"{rng.choice(PTYPES)}专利的{aspect}怎么办理？产品是{rng.choice(v.PRODUCTS)}", answer, category, basis


def generated_answers(count: int, vocabulary, rng: random.Random) -> list[dict]:
    """``count`` distinct (question, answer, category, basis) of the hotline's kind, from the demo vocabulary."""
    v = vocabulary
    makers = [
        lambda: _patent_question(rng, v),
        lambda: (f"在{rng.choice(v.MARKETS)}发现{rng.choice(v.PRODUCTS)}{rng.choice(REPORT_FORMS)}，怎样举报？",
                 "属于假冒专利或者专利标识不规范的，可以向违法行为发生地的知识产权局（市场监督管理局）举报，"
                 "提供商户名称、地址、产品照片和购买凭证；经查实的依法处理并反馈举报人。",
                 "counterfeit", "《专利法》第六十八条；《专利标识标注办法》"),
        lambda: (f"{rng.choice(v.EXHIBITIONS)}期间发现展出的{rng.choice(v.PRODUCTS)}侵犯专利权，向谁投诉？",
                 "展会期间可以向展会知识产权投诉机构投诉，提交专利权有效证明、涉嫌侵权展品照片和展位信息；"
                 "投诉机构及时将投诉移交展会所在地管理专利工作的部门处理。",
                 "patent_dispute", "《展会知识产权保护办法》"),
        lambda: (f"{rng.choice(v.GEO_PRODUCTS)}地理标志专用标志怎样申请使用？{rng.choice(v.INDUSTRIES)}企业可以吗",
                 "地理标志产品产地范围内的生产者，可以向当地知识产权管理部门提出使用专用标志的申请，经审核后公告。",
                 "other", "《地理标志产品保护办法》"),
        lambda: (f"{rng.choice(v.INDUSTRIES)}企业的{rng.choice(v.PRODUCTS)}被仿冒，怎样申请知识产权维权援助？",
                 "可以向知识产权维权援助中心提交援助申请表、身份或主体资格证明、权利证明和侵权线索；"
                 "中心审查后提供咨询、侵权判定参考意见或者推荐专业服务机构。",
                 "hotline", "知识产权维权援助工作规定"),
        lambda: (f"商标{rng.choice(TRADEMARK_ITEMS)}要多长时间？{rng.choice(v.PRODUCTS)}类别",
                 "商标业务由国家知识产权局商标局办理，可以通过商标网上服务系统提交并查询进度；"
                 "本热线可告知办理渠道，不代为办理。",
                 "trademark", "《商标法》；《商标法实施条例》"),
        lambda: (f"{rng.choice(COPYRIGHT_ITEMS)}，{rng.choice(v.INDUSTRIES)}公司应该找哪个部门？",
                 "著作权登记由中国版权保护中心或者省版权局办理；侵权投诉可以向版权行政管理部门或者文化市场综合执法机构提出。",
                 "copyright", "《著作权法》；《作品自愿登记试行办法》"),
        lambda: (f"通过{rng.choice(CHANNEL_ITEMS)}举报{rng.choice(v.PRODUCTS)}假冒专利，多久能收到答复？",
                 "热线在受理后5个工作日内决定是否受理或者转办；转办的，承办部门在规定期限内办结并反馈，热线回访来电人。",
                 "time_limits", "12330知识产权举报投诉服务规范"),
    ]
    seen: set[str] = set()
    out = []
    attempts = 0
    while len(out) < count and attempts < count * 50:
        attempts += 1
        question, answer, category, basis = rng.choice(makers)()
        if question in seen or len(question) > 300:
            continue
        seen.add(question)
        out.append({"question": question, "answer": answer, "category": category, "basis": basis})
    return out


def top_up_answers(app, target: int, rng: random.Random) -> tuple[int, int]:
    """Add generated answers until the knowledge base holds ``target`` (active ones); returns (before, added)."""
    from sqlalchemy import func, select

    from hotline.accounts.models import User
    from hotline.answers.models import StandardAnswer
    from hotline.answers.operations import create_answer
    from hotline.demo import vocabulary
    from hotline.extensions import db

    with app.test_request_context():
        before = db.session.scalar(select(func.count()).select_from(StandardAnswer))
        missing = max(0, target - before)
        if missing:
            sup = db.session.scalar(select(User).where(User.username == SUPERVISOR))
            if sup is None:
                sup = User(username=SUPERVISOR, display_name="知识库维护（基准）", role="supervisor",
                           region_code="430000", password_hash="!bench-unusable", is_active=True)
                db.session.add(sup)
                db.session.flush()
            existing = set(db.session.scalars(select(StandardAnswer.question)))
            fresh = [a for a in generated_answers(missing * 2, vocabulary, rng) if a["question"] not in existing]
            for data in fresh[:missing]:
                create_answer(data, actor=sup)
            db.session.commit()
            missing = min(missing, len(fresh))
        return before, missing


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--answers", type=int, default=1000, help="standard answers in the knowledge base (default 1000)")
    p.add_argument("-n", type=int, default=600, help="timed requests (default 600)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"))
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)

    started = dt.datetime.now(dt.UTC)
    rev = git_revision()
    data_note = prepare_database(args.db, args.calls, args.cases)

    os.environ.update(DATABASE_URL=pg_url(args.db), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
                      SESSION_COOKIE_SECURE="0", LOG_LEVEL="WARNING")
    os.environ.pop("REDIS_URL", None)
    from sqlalchemy import event, select

    from hotline import create_app
    from hotline.accounts import security
    from hotline.accounts.models import User
    from hotline.calls.models import Call
    from hotline.extensions import db

    app = create_app("production")
    rng = random.Random(args.seed)
    before, added = top_up_answers(app, args.answers, rng)
    log(f"standard answers: {before} before, {added} generated")
    with pg(args.db) as conn:
        conn.execute("ANALYZE standard_answers")
        active = conn.execute("SELECT count(*) FROM standard_answers WHERE status = 'active'").fetchone()[0]
        summaries = [r[0] for r in conn.execute(
            "SELECT summary FROM calls TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 400").fetchall()]
    data = counts(args.db)
    size = database_size(args.db)

    password = "bench-" + secrets.token_urlsafe(12)
    with app.app_context():
        op = db.session.scalar(select(User).where(User.username == OPERATOR))
        if op is None:
            op = User(username=OPERATOR, display_name="话务员（建议基准）", role="operator", region_code="430000",
                      password_hash="!", is_active=True)
            db.session.add(op)
        op.password_hash = security.hash_password(password)
        op.must_change_password = False
        db.session.commit()
        assert db.session.scalar(select(Call.id).limit(1)) is not None
    client = app.test_client()
    page = client.get("/login")
    m = _CSRF.search(page.get_data(as_text=True))
    resp = client.post("/login", data={"csrf_token": m.group(1) or m.group(2), "username": OPERATOR,
                                       "password": password})
    if resp.status_code != 302:
        raise BenchError(f"login as {OPERATOR} failed: {resp.status_code}")

    # What the page sends while the summary is typed: the text so far at each pause.
    queries = []
    for s in summaries:
        queries += [s[:6], s[:12], s]
    rng.shuffle(queries)
    statements = [0]

    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args):
            statements[0] += 1

    for q in queries[:30]:
        assert client.get("/answers/suggest", query_string={"q": q}).status_code == 200
    times, stmts, found = [], [], []
    for i in range(args.n):
        q = queries[i % len(queries)]
        statements[0] = 0
        t0 = time.perf_counter()
        r = client.get("/answers/suggest", query_string={"q": q}, headers={"Accept": "application/json"})
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise BenchError(f"suggest {q!r}: {r.status_code} {r.get_data(as_text=True)[:300]}")
        stmts.append(statements[0])
        found.append(len(r.get_json()["items"]))
    p50, p95, p99 = statistics.median(times), percentile(times, 95), percentile(times, 99)
    some = sum(1 for f in found if f) / len(found) * 100
    log(f"suggest: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max(times):.1f} ms; "
        f"{statistics.mean(found):.1f} suggestions on average ({some:.0f} % with some)")
    met = p95 < GOAL_MS
    lines = [
        BEGIN, "# Standard-answer suggestions: GET /answers/suggest at 1,000 answers and 1,000,000 calls", "",
        "Written by `bench/answers.py` (see its docstring) — measured figures, not edited by hand.", "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; commit `{rev}`; load average after: {loadavg()}",
        f"- Data: {data['calls']:,} calls, {data['cases']:,} cases (database {size}); {data_note}",
        f"- Knowledge base: {active:,} active standard answers ({before} before this run, {added} generated now; "
        "the generated ones are bench data, not in the seed)",
        "- Queries: the summaries of 400 random calls, each as typed so far (first 6 and 12 characters, whole), as "
        "the intake page sends them; in-process (Flask test client, production configuration, a logged-in "
        f"operator's session), one request at a time, {args.n} timed after 30 warm-up ones",
        "",
        "| requests | p50 ms | p95 ms | p99 ms | max ms | SQL / request | suggestions (mean) | with any |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {args.n} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {max(times):.1f} | {statistics.median(stmts):.0f} | "
        f"{statistics.mean(found):.1f} | {some:.0f} % |",
        "", f"Goal: p95 < {GOAL_MS:.0f} ms: **{'met' if met else 'NOT met'}**.", "", "Command:", "", "```",
        ".venv/bin/python bench/answers.py" + (f" -n {args.n}" if args.n != 600 else ""), "```", END,
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_write:
        from results import write_between

        path = Path(args.output)
        write_between(path, BEGIN, END, section)
        log(f"wrote {path}")
    return 0 if met else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
