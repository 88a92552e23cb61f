"""The yearly summary says what the seed's 2015 summary counts beside the cases (四(一), 四(三)): built from data
matching its figures, the narrative, the API block, the report page and the XLSX/DOCX downloads say them in its
words: 在网上公开行政处罚决定书47份 … 组织抽查各类案卷187宗 … 9宗 … 优秀案卷 … 完成司法确认案件4件 …
开展了6次集中整治执法专项行动 … 入驻…等8个大型展会开展巡查."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import openpyxl
import pytest

from hotline.extensions import db
from tests.stats.builders import add_case
from tests.stats.page_helpers import CHANGSHA, ZHUZHOU, people

__all__ = ["people"]

FAIRS = ["中国(湖南)第三届矿物宝石博览会", "中国中部(长沙)国际装备制造业博览会", "中国(长沙)国际工程机械展",
         "湖南国际农博会", "中国(湘潭)红色旅游博览会", "中国(岳阳)食品博览会", "中国(常德)柳叶湖博览会",
         "中国(株洲)动力谷博览会"]
SEED_SENTENCES = (
    "在网上公开行政处罚决定书47份",
    "组织抽查各类案卷187宗",
    "评选出9宗专利行政执法优秀案卷",
    "完成司法确认案件4件",
    "开展了6次集中整治执法专项行动",
    "先后入驻中国(湖南)第三届矿物宝石博览会、中国中部(长沙)国际装备制造业博览会等8个大型展会开展巡查",
)


@pytest.fixture
def seed_2015(app, people):
    """47 decisions published in 2015 (besides one withdrawn and one published in 2016), 187 files reviewed in 2015
    of which 9 rated 优秀 (besides one reviewed in 2016 and one still pending), 4 judicial confirmations, 2 cases
    transferred to judicial organs, 6 campaigns begun in 2015 (one more in 2014), 8 stationed fairs (one more not
    stationed)."""
    from hotline.campaigns.models import Campaign, Exhibition
    from hotline.reference.models import Region
    from hotline.review.models import CaseReview

    with app.app_context():
        published = []
        for i in range(47):
            day = date(2015, 1 + i % 12, 5)
            published.append(add_case(case_type="counterfeit", region_code=CHANGSHA if i % 2 else ZHUZHOU,
                                      received_on=day, filed_on=day, closed_on=day, outcome="penalized",
                                      fine_amount="1000.00", published_on=date(2015, 1 + i % 12, 20)))
        add_case(case_type="counterfeit", received_on=date(2015, 3, 2), filed_on=date(2015, 3, 2),
                 closed_on=date(2015, 3, 9), outcome="penalized", published_on=date(2015, 3, 20),
                 publication_withdrawn_on=date(2015, 4, 1), publication_withdrawal_reason="复议撤销")
        add_case(case_type="counterfeit", received_on=date(2015, 12, 1), filed_on=date(2015, 12, 1),
                 closed_on=date(2015, 12, 20), outcome="penalized", published_on=date(2016, 1, 4))
        for i in range(4):
            add_case(received_on=date(2015, 4, 1), filed_on=date(2015, 4, 1), closed_on=date(2015, 6, 1 + i),
                     outcome="mediated", judicial_confirmation=True)
        for i in range(2):
            add_case(case_type="counterfeit", received_on=date(2015, 5, 4), filed_on=date(2015, 5, 4),
                     closed_on=date(2015, 8, 3 + i), outcome="transferred_police", transferred_judicial=True)
        # 187 reviews completed in 2015 (Beijing dates), 9 rated 优秀; one done on 2016-01-01 00:30 Beijing time
        # (2015-12-31 16:30 UTC) counts for 2016; one pending counts nowhere.
        n = 0
        for label in ("2015 年度评查", "2015 上半年抽查", "2015 下半年抽查", "2015 专项评查"):
            for case in published:
                if n == 187:
                    break
                db.session.add(CaseReview(case_id=case.id, sample_label=label, region_code=case.region_code,
                                          status="done", score=95 if n < 9 else 80, grade="优秀" if n < 9 else "合格",
                                          reviewed_at=datetime(2015, 6, 1, 2, 0, tzinfo=UTC)))
                n += 1
        db.session.add(CaseReview(case_id=published[0].id, sample_label="2016 年度评查", region_code=CHANGSHA,
                                  status="done", score=95, grade="优秀",
                                  reviewed_at=datetime(2015, 12, 31, 16, 30, tzinfo=UTC)))
        db.session.add(CaseReview(case_id=published[1].id, sample_label="2016 年度评查", region_code=CHANGSHA,
                                  status="pending"))
        province, changsha = db.session.get(Region, "430000"), db.session.get(Region, CHANGSHA)
        for i in range(6):
            db.session.add(Campaign(name=f"2015年第{i + 1}次集中整治执法专项行动", starts_on=date(2015, 2 * i + 1, 1),
                                    ends_on=date(2015, 2 * i + 1, 28), regions=[changsha] if i else [province]))
        db.session.add(Campaign(name="2014年冬季专项行动", starts_on=date(2014, 11, 1), ends_on=date(2015, 1, 31),
                                regions=[province]))
        for i, name in enumerate(FAIRS):
            db.session.add(Exhibition(name=name, venue="长沙国际会展中心", starts_on=date(2015, i + 3, 10),
                                      ends_on=date(2015, i + 3, 13), region_code=CHANGSHA if i < 2 else ZHUZHOU,
                                      stationed=True))
        db.session.add(Exhibition(name="未入驻的展会", venue="某馆", starts_on=date(2015, 2, 1),
                                  ends_on=date(2015, 2, 3), region_code=CHANGSHA, stationed=False))
        db.session.commit()


def test_the_yearly_summary_says_the_seeds_2015_enforcement_figures(app, seed_2015):
    from hotline.stats.yearly import yearly_summary

    with app.app_context():
        summary = yearly_summary(2015)
    assert summary["enforcement"] == {
        "decisions_published": 47, "files_reviewed": 187, "files_excellent": 9, "transferred_judicial": 2,
        "judicial_confirmations": 4, "campaigns": 6, "exhibitions_stationed": 8}
    text = summary["narrative"]
    for sentence in SEED_SENTENCES:
        assert sentence in text, sentence
    assert "移送司法机关2件" in text
    assert text.endswith(SEED_SENTENCES[-1] + "。")


def test_a_region_counts_its_own(app, seed_2015):
    """长沙: its decisions and reviews, the campaigns naming it (not the province-wide one: the province ran it), its
    fairs."""
    from hotline.stats.yearly import yearly_summary

    with app.app_context():
        block = yearly_summary(2015, CHANGSHA)["enforcement"]
        narrative = yearly_summary(2015, CHANGSHA)["narrative"]
    assert block["decisions_published"] == 23  # the odd ones of 47
    assert block["files_reviewed"] == 92 and block["files_excellent"] == 4  # its files: the odd ones
    assert block["campaigns"] == 5  # the province-wide one is the province's, not named for 长沙
    assert block["exhibitions_stationed"] == 2
    assert "先后入驻中国(湖南)第三届矿物宝石博览会、中国中部(长沙)国际装备制造业博览会2个大型展会开展巡查" in narrative


def test_api_page_and_downloads_say_them(app, client, login, make_token, people, seed_2015):
    token = make_token(people.province_officer)
    body = client.get("/api/v1/reports/yearly/2015", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["enforcement"]["decisions_published"] == 47
    assert body["enforcement"]["exhibitions_stationed"] == 8
    assert "在网上公开行政处罚决定书47份" in body["narrative"]

    login(people.province_officer)
    page = client.get("/stats/yearly?year=2015")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-figure="files_reviewed">187<' in html and 'data-figure="campaigns">6<' in html

    book = openpyxl.load_workbook(io.BytesIO(client.get("/stats/yearly/2015.xlsx").data))
    rows = {row[0].value: row[1].value for row in book["执法工作"].iter_rows(min_row=2)}
    assert rows == {"网上公开行政处罚决定书(份)": 47, "抽查案卷(宗)": 187, "优秀案卷(宗)": 9, "移送司法机关案件(件)": 2,
                    "司法确认案件(件)": 4, "集中整治执法专项行动(次)": 6, "入驻大型展会开展巡查(个)": 8}
    narrative_cell = next(c.value for row in book["概要"].iter_rows() for c in row
                          if isinstance(c.value, str) and "12330知识产权维权援助" in c.value)
    for sentence in SEED_SENTENCES:
        assert sentence in narrative_cell

    document = docx.Document(io.BytesIO(client.get("/stats/yearly/2015.docx").data))
    text = "\n".join(p.text for p in document.paragraphs)
    for sentence in SEED_SENTENCES:
        assert sentence in text
    table = {row.cells[0].text: row.cells[1].text for row in document.tables[1].rows}
    assert table["抽查案卷(宗)"] == "187" and table["司法确认案件(件)"] == "4"
