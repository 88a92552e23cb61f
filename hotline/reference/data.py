"""The reference data `flask seed` loads (domain-reference.md §2.2, §2.3, §5)."""

from __future__ import annotations

PROVINCE = {"code": "430000", "name": "湖南省", "short_name": "湖南", "stat_label": "全省", "area_code": None}

#: The deciding authority a region starts with (an admin edits it afterwards; the seed never overwrites it):
#: the province's IP office, and each 市州's "<市州名>知识产权局".
PROVINCE_AUTHORITY = "湖南省知识产权局"


def default_authority(region_name: str) -> str:
    return f"{region_name}知识产权局"

#: Official order of the statistics tables (amr.hunan.gov.cn), GB/T 2260 codes, current area codes.
PREFECTURES = [
    ("430100", "长沙市", "长沙", "长沙市", "0731"),
    ("430200", "株洲市", "株洲", "株洲市", "0731"),
    ("430300", "湘潭市", "湘潭", "湘潭市", "0731"),
    ("430400", "衡阳市", "衡阳", "衡阳市", "0734"),
    ("430500", "邵阳市", "邵阳", "邵阳市", "0739"),
    ("430600", "岳阳市", "岳阳", "岳阳市", "0730"),
    ("430700", "常德市", "常德", "常德市", "0736"),
    ("430800", "张家界市", "张家界", "张家界", "0744"),
    ("430900", "益阳市", "益阳", "益阳市", "0737"),
    ("431000", "郴州市", "郴州", "郴州市", "0735"),
    ("431100", "永州市", "永州", "永州市", "0746"),
    ("431200", "怀化市", "怀化", "怀化市", "0745"),
    ("431300", "娄底市", "娄底", "娄底市", "0738"),
    ("433100", "湘西土家族苗族自治州", "湘西", "湘西州", "0743"),
]

REQUEST_TYPES = [
    ("consultation", "咨询", "Consultation"),
    ("report", "举报", "Report"),
    ("complaint", "投诉", "Complaint"),
    ("aid_request", "维权援助申请", "Aid request"),
    ("other", "其他", "Other"),
]

CHANNELS = [
    ("phone", "电话", "Phone"),
    ("wechat", "微信", "WeChat"),
    ("web", "网站", "Web"),
    ("email", "电子邮件", "E-mail"),
    ("letter", "信函", "Letter"),
    ("visit", "来访", "Walk-in"),
    ("exhibition", "展会工作站", "Trade-fair booth"),
    ("transfer_12345", "12345转办", "Transfer from 12345"),
    ("transfer_other", "其他中心转办", "Transfer from another centre"),
]

IP_TYPES = [
    ("patent", "专利", "Patent"),
    ("trademark", "商标", "Trademark"),
    ("copyright", "著作权", "Copyright"),
    ("trade_secret", "商业秘密", "Trade secret"),
    ("geo_indication", "地理标志", "Geographical indication"),
    ("plant_variety", "植物新品种", "Plant variety"),
    ("ic_layout", "集成电路布图设计", "IC layout design"),
    ("special_mark", "特殊标志", "Special mark"),
    ("criminal", "知识产权犯罪", "IP crime"),
    ("other", "其他", "Other"),
]
