"""Words, names and templates the demo data is made of (Hunan, 2010s), and the mixes it is drawn with.

The mixes follow domain-reference.md §2–§3 and the seed document: consultations dominate the hotline, phone
is four calls in five, patents are about half of what callers ask about, 长沙 is the largest 市州.
"""

from __future__ import annotations

#: Filed cases (办案总量 = disputes + counterfeit) and phone calls a month, province-wide, at --scale 1.
#: 2014: 2,815 cases (人民网 2015-01-14); 2015: 3,115, of which disputes 359 (+70 %), and "月平均接听举报投诉
#: 电话近300个" (the seed's 2015 work summary). Other years grow from the nearest known year.
BASE_YEARS = {
    2014: {"disputes": 211, "counterfeit": 2604, "phone_per_month": 270},
    2015: {"disputes": 359, "counterfeit": 2756, "phone_per_month": 299},
}
#: Year-over-year growth used outside the known years.
OTHER_YEARS_GROWTH = 0.08
#: Share of infringement disputes among disputes (national 2014: 7,671 of 8,220).
INFRINGEMENT_SHARE = 0.94
#: Requests not accepted (不予受理), per filed case of the type.
REJECTED_PER_FILED = {"infringement_dispute": 0.10, "other_dispute": 0.10, "counterfeit": 0.02}

#: Relative volume per 市州 (calls and cases), official order; 430000 (其他, the province itself) gets calls only.
REGION_WEIGHTS = {
    "430100": 24, "430200": 9, "430300": 7, "430400": 9, "430500": 6, "430600": 8, "430700": 7,
    "430800": 2, "430900": 5, "431000": 7, "431100": 5, "431200": 5, "431300": 4, "433100": 2,
}
PROVINCE_CALL_SHARE = 0.03

CHANNEL_MIX = {
    "phone": 80.0, "wechat": 5.0, "web": 5.0, "email": 2.0, "letter": 1.5, "visit": 3.0, "exhibition": 1.0,
    "transfer_12345": 2.0, "transfer_other": 0.5,
}
REQUEST_TYPE_MIX = {"consultation": 60.0, "report": 15.0, "complaint": 15.0, "aid_request": 5.0, "other": 5.0}
#: IP type per request type (None: not stated); overall about 55 % patent, 25 % trademark.
IP_TYPE_MIX = {
    "consultation": {"patent": 52, "trademark": 26, "copyright": 10, "trade_secret": 3, "geo_indication": 2,
                     "plant_variety": 1, "ic_layout": 0.5, "special_mark": 0.5, "other": 5},
    "report": {"patent": 62, "trademark": 28, "copyright": 5, "geo_indication": 1, "criminal": 2, "other": 2},
    "complaint": {"patent": 60, "trademark": 27, "copyright": 9, "trade_secret": 2, "other": 2},
    "aid_request": {"patent": 70, "trademark": 20, "copyright": 6, "ic_layout": 1, "other": 3},
    "other": {None: 60, "other": 40},
}
#: How a call is decided, per request type (a few stay open: "undecided").
DECISION_MIX = {
    "consultation": {"answered": 96, "transferred": 1, "not_accepted": 3},
    "report": {"transferred": 55, "case_opened": 22, "not_accepted": 15, "answered": 8},
    "complaint": {"transferred": 50, "case_opened": 28, "not_accepted": 12, "answered": 10},
    "aid_request": {"answered": 55, "transferred": 35, "not_accepted": 10},
    "other": {"answered": 55, "transferred": 25, "not_accepted": 20},
}
UNDECIDED_SHARE = 0.002
#: Share of decided calls that get their feedback (and are closed).
FEEDBACK_SHARE = {"answered": 0.6, "transferred": 0.7, "case_opened": 0.8, "not_accepted": 0.85}

CASE_SOURCE_MIX = {
    "infringement_dispute": {"request": 80, "hotline_call": 10, "referral": 5, "exhibition": 3, "ecommerce": 2},
    "other_dispute": {"request": 90, "hotline_call": 5, "referral": 5},
    "counterfeit": {"inspection": 50, "hotline_call": 12, "request": 10, "referral": 8, "exhibition": 8,
                    "ecommerce": 12},
}
OUTCOME_MIX = {
    "infringement_dispute": {"infringement_found": 35, "mediated": 35, "withdrawn": 18, "request_dismissed": 8,
                             "revoked": 4},
    "other_dispute": {"mediated": 45, "infringement_found": 20, "withdrawn": 20, "request_dismissed": 10,
                      "revoked": 5},
    "counterfeit": {"penalized": 45, "exempted": 30, "revoked": 22, "transferred_police": 3},
}
PATENT_TYPE_MIX = {"invention": 15, "utility_model": 45, "design": 40}
PATENT_TYPE_DIGIT = {"invention": "1", "utility_model": "2", "design": "3"}
PATENT_TYPE_ZH = {"invention": "发明", "utility_model": "实用新型", "design": "外观设计"}

#: Day weights for calls (a working day is 1).
DAY_WEIGHTS = {"workday": 1.0, "makeup_workday": 0.9, "weekend": 0.12, "holiday": 0.06}
#: Beijing hour → weight, office hours 08:00–18:00 with the lunch dip.
HOUR_WEIGHTS = {8: 0.6, 9: 1.0, 10: 1.1, 11: 0.9, 12: 0.25, 13: 0.45, 14: 1.0, 15: 1.0, 16: 0.9, 17: 0.6}
#: Non-phone contacts (web, WeChat, e-mail) arrive at any hour this often; phone calls almost never.
OFF_HOURS_SHARE = {"phone": 0.01, "wechat": 0.35, "web": 0.35, "email": 0.35}

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187", "188",
    "189", "199",
)

SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余"
    "叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段"
    "雷黎史龙陶贺顾毛郝龚邵万钱严覃武"
)
GIVEN_NAMES = ("建国", "志强", "海燕", "丽华", "伟", "芳", "敏", "静", "军", "勇", "艳", "杰", "娟", "涛", "明",
               "超", "秀英", "霞", "平", "刚", "桂英", "文", "斌", "辉", "红", "波", "磊", "琳", "湘君", "赛男")
BRANDS = ("鑫源", "华泰", "宏达", "恒通", "天诚", "金盛", "瑞丰", "盛世", "中联", "新星", "永旺", "博远", "力拓",
          "康达", "蓝天", "绿源", "汇丰", "兴业", "嘉禾", "湘汇", "楚天", "潇湘", "芙蓉", "岳麓", "某某")
INDUSTRIES = ("科技", "电器", "机械", "建材", "贸易", "电子", "照明", "家具", "农业科技", "生物科技", "五金",
              "包装", "新材料", "环保设备", "食品")
COMPANY_FORMS = ("有限公司", "有限公司", "有限责任公司", "商贸有限公司", "经营部", "商行")
PRODUCTS = ("LED灯具", "电动车充电器", "保温杯", "太阳能热水器", "农用喷雾器", "手机保护壳", "净水器", "插线板",
            "防盗门", "抛光砖", "茶叶包装盒", "电饭煲", "空气净化器", "儿童安全座椅", "汽车脚垫", "电焊机",
            "节能灶具", "水泵", "塑料管材", "烟花包装", "湘绣工艺品", "黑茶砖", "电热水壶", "晾衣架",
            "蓄电池", "门窗铝型材", "农用播种机", "输液器", "钢筋连接套筒", "竹制餐具")
MARKETS = ("某建材市场", "某电子城", "某商业广场", "某批发市场", "某家居城", "某农资市场", "某大型超市",
           "某小商品市场", "某汽配城")
EXHIBITIONS = ("中国（湖南）国际矿物宝石博览会", "中部农业博览会", "长沙国际工程机械展览会",
               "中国国际食品餐饮博览会", "湖南汽车博览会", "中国（长沙）国际茶业博览会")
GEO_PRODUCTS = ("安化黑茶", "湘莲", "君山银针", "炎陵黄桃", "永州异蛇", "宁乡花猪", "浏阳花炮", "邵阳蓝印花布")
OTHER_DISPUTE_SUBJECTS = ("专利申请权权属", "专利权权属", "发明人资格", "职务发明奖励报酬", "临时保护期使用费")

CONSULTATIONS = {
    "patent": ("咨询专利申请流程及所需材料", "咨询实用新型专利的保护期限", "咨询专利费减缴的办理条件",
               "咨询专利权无效宣告程序", "咨询如何查询专利{pn}的法律状态", "咨询发现他人仿冒其外观设计后如何维权",
               "咨询职务发明奖励报酬的计算方式", "咨询专利权质押融资政策", "咨询申请专利资助的条件",
               "咨询{product}相关专利是否可以转让许可"),
    "trademark": ("咨询商标注册申请流程", "咨询商标被抢注如何处理", "咨询驰名商标认定条件",
                  "咨询商标许可合同备案"),
    "copyright": ("咨询计算机软件著作权登记", "咨询作品被他人在网上转载如何维权"),
    "trade_secret": ("咨询员工离职带走客户资料是否构成侵犯商业秘密",),
    "geo_indication": ("咨询{geo}地理标志产品保护及专用标志使用申请",),
    "plant_variety": ("咨询水稻新品种权的申请与保护",),
    "ic_layout": ("咨询集成电路布图设计登记",),
    "special_mark": ("咨询特殊标志登记及使用规定",),
    "criminal": ("咨询侵犯知识产权犯罪的立案标准",),
    "other": ("咨询知识产权维权援助的申请条件", "咨询知识产权托管服务"),
    None: ("咨询知识产权相关政策",),
}
REPORTS = {
    "patent": ("举报{party}在{place}销售的{product}外包装标注专利号{pn}，经查该专利已终止，涉嫌假冒专利",
               "举报{party}生产的{product}标注“专利产品”字样但未标注专利号，涉嫌假冒专利",
               "举报{party}在网店宣传其{product}拥有发明专利，与事实不符",
               "举报{place}有商户销售标注虚假专利号的{product}"),
    "trademark": ("举报{place}有商户销售假冒注册商标的{product}", "举报{party}生产的{product}使用与他人近似的商标"),
    "copyright": ("举报{place}有商户销售盗版图书和音像制品",),
    "geo_indication": ("举报{party}冒用{geo}地理标志",),
    "criminal": ("举报{party}大量制售假冒注册商标的{product}，涉嫌犯罪",),
    "other": ("举报{party}冒用他人企业名称",),
}
COMPLAINTS = {
    "patent": ("投诉{party}生产销售的{product}侵犯其{ptype}专利权（专利号{pn}），请求处理",
               "反映{party}在{place}销售的{product}涉嫌侵犯其{ptype}专利权",
               "投诉{party}在电商平台销售的{product}仿冒其专利产品（专利号{pn}）"),
    "trademark": ("投诉{party}在{product}上使用其注册商标", "投诉{party}的店招与其注册商标近似"),
    "copyright": ("投诉{party}未经许可在其网站使用其摄影作品", "投诉{party}复制其软件并对外销售"),
    "trade_secret": ("投诉原员工跳槽至{party}后使用其技术秘密",),
    "other": ("投诉{party}擅自使用其知名商品特有包装",),
}
AID_REQUESTS = {
    "patent": ("申请维权援助：其{product}相关专利被{party}仿冒，请求提供侵权判定咨询",
               "申请维权援助：出口{product}在展会上遭遇专利侵权指控，请求应对指导",
               "申请维权援助：请求对{party}的{product}是否落入其专利{pn}保护范围出具咨询意见"),
    "trademark": ("申请维权援助：商标被{party}恶意抢注，请求提供法律咨询",),
    "copyright": ("申请维权援助：作品被{party}侵权，请求推荐维权律师",),
    "ic_layout": ("申请维权援助：布图设计被复制，请求专家意见",),
    "other": ("申请维权援助：请求知识产权法律援助",),
}
OTHER_REQUESTS = ("来电询问社保缴费问题，非知识产权事项，已告知拨打12345", "询问商品质量问题，已告知拨打12315",
                  "来电无声", "骚扰电话", "询问工商注册登记事项，已告知相关部门电话",
                  "来电咨询车辆违章处理，非本热线受理范围")
DESCRIPTIONS = ("来电人表示已保存购买凭证和产品实物照片，可提供。", "来电人称该商户已多次销售同类产品。",
                "来电人提供了网店链接和截图。", "来电人希望尽快处理并反馈结果。", "来电人要求对其身份保密。")

NOT_ACCEPTED_REASONS = ("非知识产权事项，已告知拨打12345", "缺少明确的被举报对象和具体事实",
                        "已由其他执法机关受理", "不属于本部门管辖，已告知向有管辖权的部门反映", "重复来电，已合并处理")
FEEDBACK_NOTES = {
    "answered": ("已当场解答", "已电话解答并告知相关办理渠道"),
    "transferred": ("已告知来电人转办单位的处理结果", "转办单位已受理，已告知来电人"),
    "case_opened": ("已告知来电人执法机关已立案查处", "已告知来电人案件处理结果"),
    "not_accepted": ("已告知来电人不予受理的理由", "已告知来电人向有管辖权的部门反映"),
}
FEEDBACK_METHOD_BY_CHANNEL = {"phone": "phone", "wechat": "wechat", "web": "sms", "email": "email",
                              "letter": "letter", "visit": "visit", "exhibition": "phone",
                              "transfer_12345": "phone", "transfer_other": "phone"}
AGENCY_BY_IP_TYPE = {
    "trademark": "工商行政管理局", "trade_secret": "工商行政管理局", "special_mark": "工商行政管理局",
    "copyright": "文化广电新闻出版局（版权局）", "geo_indication": "质量技术监督局", "plant_variety": "农业委员会",
    "ic_layout": "国家知识产权局", "criminal": "公安局",
}
REJECT_REASONS = ("请求人不是专利权人或者利害关系人", "被请求人不明确", "已向人民法院起诉", "不属于本局受理范围",
                  "缺少侵权证据，经补正仍不符合立案条件")
SUSPEND_REASONS = ("被请求人提出无效宣告请求，中止处理", "需等待司法鉴定结果", "当事人申请中止，待和解")
PENALTY_BASIS = "《中华人民共和国专利法》第六十三条、《专利法实施细则》第八十四条"
PENALTY_TERMS = ("责令立即改正，消除影响，并处罚款", "责令立即改正，没收违法所得，并处罚款")
