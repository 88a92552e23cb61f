"""Several machines (product.md): two web hosts behind nginx and a worker host with beat share PostgreSQL and
Redis; one of them failing loses no request that was answered and no record.

The hosts are network namespaces on this machine (tests/multihost/cluster.py). Threads drive a mixed workload
through the balancer — calls logged, cases opened and edited, reads of what was written (through whichever web
host nginx picks), evidence uploaded straight to one web host and read back through the other. Mid-run web
host A's gunicorn dies (SIGKILL to its master and workers), then the worker (SIGKILL, beat with it); the worker
is restarted, later web host A too, and the load keeps going. Then:

- every write that was answered (2xx with its id) is in the database, as answered; nothing is there that no
  request asked for (records beyond the answered ones come only from requests that got no answer);
- the only failed requests (5xx, connection errors) were in flight when web host A died;
- every uploaded file reads back with its SHA-256 through either web host;
- the worker's outbox processing catches up: no outbox row left pending, and the month's snapshot counts
  every call and case in the database.

Runs in the PostgreSQL half of ``make test`` (several hosts share PostgreSQL; SQLite is the embedded mode) and
needs root (namespaces); CI installs nginx if it is missing. ``HOTLINE_MULTIHOST_KEEP=1`` keeps the logs.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import IN_CI
from tests.multihost.cluster import Cluster, ClusterError, ensure_nginx, missing_tools, wait_http

pytestmark = [pytest.mark.services, pytest.mark.multihost]

BEIJING = ZoneInfo("Asia/Shanghai")
#: The load runs this long; web host A dies at KILL_WEB_AT, the worker at KILL_WORKER_AT (restarted at
#: RESTART_WORKER_AT), web host A comes back at RESTART_WEB_AT (seconds from the start).
DURATION, KILL_WEB_AT, KILL_WORKER_AT, RESTART_WORKER_AT, RESTART_WEB_AT = 32.0, 8.0, 12.0, 16.0, 20.0
#: A request that failed must have been in flight when web host A died: started before the kill (or within this
#: many seconds after it, for nginx to notice) and ended after it.
KILL_GRACE = 1.5
#: Each client thread waits this long between its requests: a steady load (tens of requests a second), not a
#: benchmark hogging the machine the hosts share.
PACE = 0.05
#: How long the statistics may take to catch up once the load stops (beat's sweep runs every minute; a refresh
#: waits up to 30 s for more changes).
STATS_TIMEOUT = 180.0


def _unavailable(message: str):
    if IN_CI:
        pytest.fail(f"{message} (CI is set: the multi-host test must run)", pytrace=False)
    pytest.skip(message)


@dataclass
class Tokens:
    intake: str
    officer: str


@pytest.fixture(scope="module")
def cluster(backend):
    if backend != "postgresql":
        pytest.skip("several hosts share PostgreSQL (SQLite is the single-host embedded mode): "
                    "runs with --db=postgresql")
    if os.geteuid() != 0:
        _unavailable("network namespaces need root")
    if IN_CI:
        ensure_nginx()
    missing = missing_tools()
    if missing:
        _unavailable(f"missing: {', '.join(missing)}")
    cluster = Cluster()
    try:
        try:
            cluster.build_network()
            cluster.start_postgres()
            cluster.start_redis()
            cluster.flask("db", "upgrade")
            cluster.flask("seed")
            with ThreadPoolExecutor(2) as pool:
                intake = pool.submit(_service_token, cluster, "mh-intake", "operator", "430000")
                officer = pool.submit(_officer_token, cluster)
                cluster.tokens = Tokens(intake.result(), officer.result())
            for host in ("web-a", "web-b"):
                cluster.start_web(host, wait=False)
            cluster.start_worker()
            for host in ("web-a", "web-b"):
                cluster.wait_web(host)
            cluster.start_lb()
            wait_http(f"{cluster.lb_url}/api/v1/health", 30, what="nginx")
        except ClusterError as exc:
            pytest.fail(f"the cluster did not start: {exc}\n{cluster.logs_tail()}", pytrace=False)
        yield cluster
    finally:
        cluster.close()


def _service_token(cluster: Cluster, username: str, role: str, region: str) -> str:
    cluster.flask("users", "create", username, "--service", "--role", role, "--region", region)
    return cluster.flask("users", "token", username, "--name", "multihost").strip().splitlines()[-1]


def _officer_token(cluster: Cluster) -> str:
    cluster.flask("users", "create", "mh-officer", "--role", "officer", "--region", "430100", "--no-must-change")
    return cluster.flask("users", "token", "mh-officer", "--name", "multihost").strip().splitlines()[-1]


# The workload ------------------------------------------------------------------------------------------------

@dataclass
class Attempt:
    what: str
    via: str
    started: float
    ended: float
    status: int | None
    error: str | None = None


@dataclass(repr=False)  # an assertion's message shows what matters, not thousands of attempts
class Ledger:
    """What the clients saw: every attempt, and the writes that were answered."""

    t0: float = field(default_factory=time.monotonic)
    attempts: list[Attempt] = field(default_factory=list)
    calls: dict[int, str] = field(default_factory=dict)  # id -> summary
    #: id -> (the summaries it may have: the answered one, or either when the edit got no answer; version)
    cases: dict[int, tuple[set[str], int]] = field(default_factory=dict)
    files: dict[int, tuple[int, str]] = field(default_factory=dict)  # attachment id -> (case id, sha256)
    mismatches: list[str] = field(default_factory=list)
    #: Evidence uploaded on one web host that the other did not give back (shared storage, product.md).
    unshared: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    web_a_up: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    kill_at: float | None = None
    web_a_back_at: float | None = None
    notes: list[str] = field(default_factory=list)
    sessions: list = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.t0


class Client:
    def __init__(self, ledger: Ledger, token: str):
        import requests

        self.ledger = ledger
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        with ledger.lock:
            ledger.sessions.append(self.session)

    def __call__(self, what: str, via: str, method: str, url: str, **kwargs):
        import requests

        started = self.ledger.now()
        try:
            response = self.session.request(method, url, timeout=30, **kwargs)
        except requests.RequestException as exc:
            with self.ledger.lock:
                self.ledger.attempts.append(Attempt(what, via, started, self.ledger.now(), None,
                                                    f"{type(exc).__name__}: {exc}"[:300]))
            self.session.close()  # a connection to a dead host is not reused
            return None
        error = None if response.status_code < 400 else response.text[:300]
        with self.ledger.lock:
            self.ledger.attempts.append(Attempt(what, via, started, self.ledger.now(), response.status_code, error))
        return response


def _intake(ledger: Ledger, cluster: Cluster, worker: int, received_at: str) -> None:
    client = Client(ledger, cluster.tokens.intake)
    n = 0
    while not ledger.stop.is_set():
        n += 1
        summary = f"mh-{cluster.run_id} 第{worker}-{n}号来电: 某公司销售假冒专利产品"
        response = client("POST /calls", "lb", "POST", f"{cluster.lb_url}/api/v1/calls", json={
            "received_at": received_at, "channel": "phone", "request_type": "complaint", "ip_type": "patent",
            "region_code": "430100", "caller_phone": f"13{worker}{n:08d}", "summary": summary})
        if response is not None and response.status_code == 201:
            body = response.json()
            with ledger.lock:
                ledger.calls[body["id"]] = summary
            if body.get("summary") != summary:
                ledger.mismatches.append(f"call {body['id']}: answered summary {body.get('summary')!r}")
        ledger.stop.wait(PACE)


def _casework(ledger: Ledger, cluster: Cluster, received_on: str) -> None:
    client = Client(ledger, cluster.tokens.officer)
    n = 0
    while not ledger.stop.is_set():
        n += 1
        summary = f"mh-{cluster.run_id} 案件{n}: 专利侵权纠纷处理请求"
        created = client("POST /cases", "lb", "POST", f"{cluster.lb_url}/api/v1/cases", json={
            "case_type": "infringement_dispute", "region_code": "430100", "received_on": received_on,
            "source": "request", "summary": summary, "respondent_name": f"长沙某某科技有限公司{n}"})
        if created is None or created.status_code != 201:
            continue
        case = created.json()
        with ledger.lock:
            ledger.cases[case["id"]] = ({summary}, case["version"])
        edited_summary = summary + "（已补充材料）"
        edited = client("PATCH /cases/<id>", "lb", "PATCH", f"{cluster.lb_url}/api/v1/cases/{case['id']}",
                        json={"summary": edited_summary, "version": case["version"]})
        with ledger.lock:
            if edited is not None and edited.status_code == 200:
                ledger.cases[case["id"]] = ({edited_summary}, edited.json()["version"])
            elif edited is None or edited.status_code >= 500:  # no answer: the edit may or may not be stored
                ledger.cases[case["id"]] = ({summary, edited_summary}, case["version"])
        ledger.stop.wait(PACE)


def _reads(ledger: Ledger, cluster: Cluster) -> None:
    """Read back what was answered, through the balancer (so through either web host)."""
    intake, officer = Client(ledger, cluster.tokens.intake), Client(ledger, cluster.tokens.officer)
    while not ledger.stop.is_set():
        with ledger.lock:
            calls = list(ledger.calls.items())[-20:]
            cases = list(ledger.cases.items())[-5:]
        for call_id, summary in calls[-3:]:
            response = intake("GET /calls/<id>", "lb", "GET", f"{cluster.lb_url}/api/v1/calls/{call_id}")
            if response is not None and response.status_code == 200 and response.json()["summary"] != summary:
                ledger.mismatches.append(f"call {call_id} read back as {response.json()['summary']!r}")
        for case_id, (_summary, version) in cases[-2:]:
            response = officer("GET /cases/<id>", "lb", "GET", f"{cluster.lb_url}/api/v1/cases/{case_id}")
            if response is not None and response.status_code == 200 and response.json()["version"] < version:
                ledger.mismatches.append(f"case {case_id} read back at version {response.json()['version']}")
        intake("GET /calls", "lb", "GET", f"{cluster.lb_url}/api/v1/calls", params={"page_size": 20})
        ledger.stop.wait(PACE)


def _evidence(ledger: Ledger, cluster: Cluster, case_id: int) -> None:
    """Upload straight to one web host (A while it lives, else B), read back through the other one."""
    client = Client(ledger, cluster.tokens.officer)
    n = 0
    while not ledger.stop.is_set():
        n += 1
        up, down = ("web-a", "web-b") if ledger.web_a_up.is_set() else ("web-b", "lb")
        data = f"证据材料 {cluster.run_id} #{n}\n{secrets.token_hex(2000)}\n".encode()
        digest = hashlib.sha256(data).hexdigest()
        response = client("POST /attachments", up, "POST",
                          f"{cluster.web_url(up)}/api/v1/cases/{case_id}/attachments",
                          files={"file": (f"evidence-{n}.txt", data, "text/plain")},
                          data={"description": f"第{n}份证据"})
        if response is not None and response.status_code == 201:
            attachment = response.json()
            with ledger.lock:
                ledger.files[attachment["id"]] = (case_id, digest)
            base = cluster.lb_url if down == "lb" else cluster.web_url(down)
            got = client("GET /attachments/<id>", down, "GET",
                         f"{base}/api/v1/cases/{case_id}/attachments/{attachment['id']}")
            if got is not None and (got.status_code != 200 or hashlib.sha256(got.content).hexdigest() != digest):
                ledger.unshared.append(f"attachment {attachment['id']} uploaded on {up}: {got.status_code} on "
                                       f"{down}, SHA-256 {hashlib.sha256(got.content).hexdigest()[:12]}")
        ledger.stop.wait(0.7)


# Checks -------------------------------------------------------------------------------------------------------

def _db(cluster: Cluster):
    import psycopg

    return psycopg.connect(cluster.database_url, autocommit=True)


def _statistics_caught_up(cluster: Cluster, month_start) -> tuple[bool, str]:
    with _db(cluster) as conn:
        pending = conn.execute("SELECT count(*) FROM outbox WHERE processed_at IS NULL").fetchone()[0]
        calls = conn.execute("SELECT count(*) FROM calls").fetchone()[0]
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        row = conn.execute("SELECT data FROM monthly_snapshots WHERE month = %s AND region_code = '430000'",
                           (month_start,)).fetchone()
    counted = (row[0]["calls"]["total"], row[0]["cases"]["received"]) if row else None
    state = f"outbox pending {pending}; database calls/cases {calls}/{cases}; snapshot {counted}"
    return pending == 0 and counted == (calls, cases), state


def _summary(ledger: Ledger) -> str:
    counts = Counter((a.what, a.via, a.status) for a in ledger.attempts)
    lines = [f"  {what} via {via}: {status} x{n}" for (what, via, status), n in sorted(counts.items(), key=str)]
    return (f"web host A killed at {ledger.kill_at} s, back at {ledger.web_a_back_at} s; answered: "
            f"{len(ledger.calls)} calls, {len(ledger.cases)} cases, {len(ledger.files)} files\n"
            + "\n".join(lines + ledger.notes))


def test_answered_writes_survive_a_web_host_and_the_worker_dying(cluster):
    ledger = Ledger()
    received_at = datetime.now(UTC) - timedelta(minutes=5)
    beijing_day = received_at.astimezone(BEIJING).date()
    month_start = beijing_day.replace(day=1)

    def report(message: str) -> str:
        return f"{message}\n{_summary(ledger)}\n{cluster.logs_tail()}"

    import requests

    # The case that collects the evidence files, opened through the balancer.
    evidence_case = requests.post(f"{cluster.lb_url}/api/v1/cases", timeout=30,
                                  headers={"Authorization": f"Bearer {cluster.tokens.officer}"}, json={
        "case_type": "counterfeit", "region_code": "430100", "received_on": beijing_day.isoformat(),
        "source": "inspection", "summary": f"mh-{cluster.run_id} 证据案件", "respondent_name": "株洲某某贸易有限公司"})
    assert evidence_case.status_code == 201, report(evidence_case.text)
    evidence_case_id = evidence_case.json()["id"]

    ledger.web_a_up.set()
    threads = [threading.Thread(target=_intake, args=(ledger, cluster, w, received_at.isoformat()), daemon=True)
               for w in range(2)]
    threads += [threading.Thread(target=_casework, args=(ledger, cluster, beijing_day.isoformat()), daemon=True),
                threading.Thread(target=_reads, args=(ledger, cluster), daemon=True),
                threading.Thread(target=_evidence, args=(ledger, cluster, evidence_case_id), daemon=True)]
    ledger.t0 = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        def at(second: float) -> None:
            time.sleep(max(0.0, second - ledger.now()))

        at(KILL_WEB_AT)
        ledger.web_a_up.clear()
        ledger.kill_at = round(ledger.now(), 2)
        cluster.kill("web-a")  # SIGKILL to the gunicorn master and its workers: the host is gone
        at(KILL_WORKER_AT)
        cluster.kill("worker")  # SIGKILL: the worker, its pool and beat
        at(RESTART_WORKER_AT)
        cluster.start_worker()
        at(RESTART_WEB_AT)
        cluster.start_web("web-a")
        ledger.web_a_back_at = round(ledger.now(), 2)
        ledger.web_a_up.set()
        # However long the restart took, the restarted host takes load for a while before the end.
        at(max(DURATION, ledger.web_a_back_at + 8.0))
    finally:
        ledger.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        for session in ledger.sessions:
            session.close()

    # The load ran on both hosts, and kept running after the kill.
    assert len(ledger.calls) >= 20 and len(ledger.cases) >= 3 and len(ledger.files) >= 3, report("too little load")
    assert any(a.started > ledger.web_a_back_at and a.status == 201 for a in ledger.attempts), report(
        "no writes at the end")
    assert any(a.started > ledger.web_a_back_at and a.via == "web-a" and a.status == 201
               for a in ledger.attempts), report("the restarted web host A took no uploads")
    assert not ledger.mismatches, report("\n".join(ledger.mismatches))
    # nginx spread the load over both web hosts (so the kill hit a host that was serving).
    hosts = {cluster.addr(host): host for host in ("web-a", "web-b")}
    served = Counter(hosts.get(m.group(2)) for m in re.finditer(r'" (2\d\d) ([\d.]+):\d+ 2\d\d ',
                                                                  (cluster.workdir / "lb" / "access.log").read_text()))
    assert served["web-a"] >= 10 and served["web-b"] >= 10, report(f"answered through nginx: {dict(served)}")
    ledger.notes.append(f"answered through nginx by host: {dict(served)}")

    # No failure outside the kill window: a failed request was in flight when web host A died.
    failed = [a for a in ledger.attempts if a.status is None or a.status >= 500]
    outside = [a for a in failed if not (a.started <= ledger.kill_at + KILL_GRACE and a.ended >= ledger.kill_at)]
    assert not outside, report(f"failures outside the kill window: {outside[:10]}")
    refused = [a for a in ledger.attempts if a.status is not None and 400 <= a.status < 500
               and a.what != "GET /attachments/<id>"]  # checked last, with the evidence
    assert not refused, report(f"requests refused: {refused[:10]}")

    # Every answered write is in the database, as answered; nothing else but what unanswered requests may have done.
    with _db(cluster) as conn:
        calls = dict(conn.execute("SELECT id, summary FROM calls").fetchall())
        cases = {row[0]: (row[1], row[2]) for row in conn.execute("SELECT id, summary, version FROM cases")}
        files = dict(conn.execute("SELECT id, sha256 FROM attachments").fetchall())
    lost = {i: s for i, s in ledger.calls.items() if calls.get(i) != s}
    assert not lost, report(f"answered calls missing or changed: {lost}")
    extra_calls = set(calls) - set(ledger.calls)
    unanswered_intakes = sum(1 for a in failed if a.what == "POST /calls")
    assert len(extra_calls) <= unanswered_intakes, report(f"calls nobody was answered for: {extra_calls}")
    for case_id, (summaries, version) in ledger.cases.items():
        assert case_id in cases and cases[case_id][0] in summaries and cases[case_id][1] >= version, report(
            f"case {case_id}: answered {summaries} v{version}, stored {cases.get(case_id)}")
    assert len(cases) - 1 - len(ledger.cases) <= sum(1 for a in failed if a.what == "POST /cases"), report(
        "cases nobody was answered for")
    for attachment_id, (_case, digest) in ledger.files.items():
        assert files.get(attachment_id) == digest, report(f"attachment {attachment_id} missing or changed")

    # The statistics catch up: the worker (restarted) drains the outbox and the month counts everything.
    waited = time.monotonic()
    caught_up, state = _statistics_caught_up(cluster, month_start)
    while not caught_up and time.monotonic() < waited + STATS_TIMEOUT:
        time.sleep(2)
        caught_up, state = _statistics_caught_up(cluster, month_start)
    assert caught_up, report(f"statistics did not catch up within {STATS_TIMEOUT:.0f} s: {state}")
    ledger.notes.append(f"statistics caught up {time.monotonic() - waited:.0f} s after the load: {state}")

    # Every evidence file reads back, with its hash, through either web host (A is the restarted one).
    officer = {"Authorization": f"Bearer {cluster.tokens.officer}"}
    unreadable = []
    for attachment_id, (case_id, digest) in sorted(ledger.files.items()):
        for host in ("web-a", "web-b"):
            got = requests.get(f"{cluster.web_url(host)}/api/v1/cases/{case_id}/attachments/{attachment_id}",
                               headers=officer, timeout=30)
            if got.status_code != 200 or hashlib.sha256(got.content).hexdigest() != digest:
                unreadable.append(f"{attachment_id} via {host}: {got.status_code}")
    assert not ledger.unshared, report("evidence uploaded on one web host was not served by the other during the "
                                       "run:\n" + "\n".join(ledger.unshared))
    assert not unreadable, report(f"evidence not readable through every web host: {unreadable}")
    print(_summary(ledger))
