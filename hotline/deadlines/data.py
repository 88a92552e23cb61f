"""The rule sets shipped with the product (product.md "Deadlines"; domain-reference.md §0, §1.3, §2.4, §4.1)."""

from __future__ import annotations

from datetime import date

_DISPUTES = ("infringement_dispute", "other_dispute")


def _rules(close_months: int, regime: str) -> list[dict]:
    rules = []
    for case_type in _DISPUTES:
        rules += [
            dict(kind="file", applies_to=case_type, source_group="any", amount=5, unit="working_days",
                 from_event="received", label="立案或不予受理",
                 article=f"专利行政执法办法({regime}): 收到请求书之日起5个工作日内立案或不予受理"),
            dict(kind="close", applies_to=case_type, source_group="any", amount=close_months, unit="months",
                 from_event="filed", extension_amount=1, extension_unit="months", label="结案",
                 article=f"专利行政执法办法({regime}): 立案之日起{close_months}个月内结案; "
                         "经负责人批准可延长1个月"),
        ]
    rules += [
        dict(kind="file", applies_to="counterfeit", source_group="discovered", amount=5, unit="working_days",
             from_event="received", label="立案(自行发现)",
             article=f"专利行政执法办法({regime}): 发现之日起5个工作日内立案"),
        dict(kind="file", applies_to="counterfeit", source_group="reported", amount=10, unit="working_days",
             from_event="received", label="立案(举报投诉)",
             article=f"专利行政执法办法({regime}): 收到举报投诉之日起10个工作日内立案"),
        dict(kind="close", applies_to="counterfeit", source_group="any", amount=1, unit="months",
             from_event="filed", extension_amount=15, extension_unit="days", label="结案",
             article=f"专利行政执法办法({regime}): 立案之日起1个月内结案; 经负责人批准可延长15日"),
        dict(kind="publish", applies_to="counterfeit", source_group="any", amount=20, unit="working_days",
             from_event="decided", label="公开处罚决定",
             article="关于依法公开制售假冒伪劣商品和侵犯知识产权行政处罚案件信息的意见(试行): "
                     "作出决定之日起20个工作日内"),
        dict(kind="publish_target", applies_to="counterfeit", source_group="any", amount=7, unit="working_days",
             from_event="decided", label="公开处罚决定(双公示目标)",
             article="双公示: 作出决定之日起7个工作日内"),
        dict(kind="accept", applies_to="call", source_group="any", amount=5, unit="working_days",
             from_event="received", label="受理或转办",
             article="12330 热线: 收到之日起5个工作日内决定受理或转办"),
    ]
    return rules + [dict(rule) for rule in TRANSFER_RULES]


#: The transfer cycle's clock (domain-reference.md §2.4: 粤知〔2011〕208号, the product's defaults). The same rows go
#: into every rule set; the migration that introduced transfers inserts them into existing databases.
TRANSFER_RULES = [
    dict(kind="sign", applies_to="transfer", source_group="any", amount=15, unit="working_days",
         from_event="transferred", label="签收",
         article="粤知〔2011〕208号: 收到案件转办通知书之日起15个工作日内回执(签收或退回)"),
    dict(kind="answer", applies_to="transfer", source_group="any", amount=90, unit="days",
         from_event="transferred", label="反馈处理结果",
         article="粤知〔2011〕208号: 转办之日起90日内反馈处理结果"),
    dict(kind="answer", applies_to="transfer", source_group="complex", amount=120, unit="days",
         from_event="transferred", label="反馈处理结果(复杂)",
         article="粤知〔2011〕208号: 争议较大或案情复杂的, 转办之日起120日内反馈处理结果"),
    dict(kind="callback", applies_to="transfer", source_group="any", amount=5, unit="working_days",
         from_event="answered", label="回访",
         article="粤知〔2011〕208号: 收到处理结果之日起5个工作日内告知投诉举报人"),
]


RULE_SETS = [
    {"code": "2011", "name": "专利行政执法办法(国家知识产权局令第60号, 2011-02-01施行)",
     "effective_from": date(2011, 2, 1), "rules": _rules(4, "2010")},
    {"code": "2015", "name": "专利行政执法办法(2015年修订, 国家知识产权局令第71号, 2015-07-01施行)",
     "effective_from": date(2015, 7, 1), "rules": _rules(3, "2015")},
]

#: Counterfeit cases from a report or complaint get 10 working days to be filed; ones the office found itself, 5.
REPORTED_SOURCES = frozenset({"hotline_call", "request", "referral"})
DISCOVERED_SOURCES = frozenset({"inspection", "exhibition", "ecommerce"})
