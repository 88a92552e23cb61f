"""The checklist `flask seed` loads (domain-reference.md §4.2: provincial 评查 standards share this shape).

Veto items fail the whole file; form items total 20 points, content items 80. ``auto_check`` names a check the
system scores from the case data; the rest a reviewer judges. All of it is editable data.
"""

from __future__ import annotations

from decimal import Decimal

# (code, category, title, deduction, auto_check, applies_to)
ITEMS = [
    ("V01", "veto", "实施主体合法", 0, None, "all"),
    ("V02", "veto", "执法人员具有执法资格且人数符合规定(纠纷3人以上单数, 假冒专利2人以上)", 0, "officer_count", "all"),
    ("V03", "veto", "当事人(被请求人/被处罚主体)认定准确", 0, None, "all"),
    ("V04", "veto", "事实清楚", 0, None, "all"),
    ("V05", "veto", "定性准确", 0, None, "all"),
    ("V06", "veto", "证据充分(真实性、关联性、合法性)", 0, None, "all"),
    ("V07", "veto", "适用法律正确(条、款、项引用准确)", 0, None, "all"),
    ("V08", "veto", "程序合法", 0, None, "all"),
    ("V09", "veto", "在追诉时效内", 0, None, "counterfeit"),
    ("V10", "veto", "涉嫌犯罪应移送的已依法移送", 0, None, "counterfeit"),
    ("F01", "form", "使用规范文书格式", 2, None, "all"),
    ("F02", "form", "文书齐全", 4, None, "all"),
    ("F03", "form", "一案一卷", 2, None, "all"),
    ("F04", "form", "案卷封面规范", 2, None, "all"),
    ("F05", "form", "卷内目录及页码规范(阿拉伯数字, 右下角, 封面和目录不编页)", 4, None, "all"),
    ("F06", "form", "文书按立案、调查取证、审查、决定、送达、执行顺序排列", 4, None, "all"),
    ("F07", "form", "备考表", 2, None, "all"),
    ("C01", "content", "立案及时", 1, "file_on_time", "all"),
    ("C02", "content", "有立案审批", 2, None, "all"),
    ("C03", "content", "结案在法定期限内(含批准的延期和中止)", 5, "close_on_time", "all"),
    ("C04", "content", "先行登记保存及时处理", 5, None, "counterfeit"),
    ("C05", "content", "有调查终结报告", 3, None, "counterfeit"),
    ("C06", "content", "告知(陈述申辩、听证权利)完整", 2, None, "counterfeit"),
    ("C07", "content", "当事人要求听证的已依法组织听证", 5, None, "counterfeit"),
    ("C08", "content", "送达有记录", 2, "served_recorded", "all"),
    ("C09", "content", "处理或处罚决定有记录", 2, "decision_recorded", "all"),
    ("C10", "content", "处罚决定在20个工作日内公开", 3, "published_on_time", "counterfeit"),
    ("C11", "content", "文书规范(非规范文书)", 2, None, "all"),
]


def item_rows() -> list[dict]:
    return [
        {"code": code, "category": category, "title": title, "deduction": Decimal(deduction), "auto_check": auto,
         "applies_to": applies_to, "sort_order": index}
        for index, (code, category, title, deduction, auto, applies_to) in enumerate(ITEMS, 1)
    ]


def seed_review_items() -> int:
    """Insert missing checklist items (by code); items an admin edited are left as they are."""
    from sqlalchemy import select

    from hotline.extensions import db
    from hotline.review.models import ReviewItem

    existing = set(db.session.scalars(select(ReviewItem.code)))
    added = 0
    for row in item_rows():
        if row["code"] not in existing:
            db.session.add(ReviewItem(**row))
            added += 1
    db.session.flush()
    return added
