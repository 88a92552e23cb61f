"""Python twin of the body generator in post_call.lua: realistic, varied call intake bodies.

Used by bench/intake.py for the sanity request before the run and by its Python load generator (the fallback
when wrk is not installed). Same distributions and pools as the Lua script (not byte-identical: the random
number generators differ).
"""

from __future__ import annotations

import json
import random
import time

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

REGIONS = ["430000", "430100", "430200", "430300", "430400", "430500", "430600", "430700", "430800", "430900",
           "431000", "431100", "431200", "431300", "433100"]
CHANNELS = [("phone", 70), ("wechat", 8), ("web", 6), ("email", 2), ("letter", 2), ("visit", 4), ("exhibition", 2),
            ("transfer_12345", 5), ("transfer_other", 1)]
REQUEST_TYPES = [("consultation", 55), ("report", 15), ("complaint", 20), ("aid_request", 7), ("other", 3)]
IP_TYPES = [("patent", 40), ("trademark", 30), ("copyright", 10), ("trade_secret", 3), ("geo_indication", 3),
            ("plant_variety", 2), ("ic_layout", 1), ("special_mark", 1), ("criminal", 2), ("other", 8)]
IP_LABELS = {
    "patent": "专利", "trademark": "商标", "copyright": "著作权", "trade_secret": "商业秘密",
    "geo_indication": "地理标志", "plant_variety": "植物新品种", "ic_layout": "集成电路布图设计",
    "special_mark": "特殊标志", "criminal": "知识产权", "other": "知识产权",
}
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗谭彭曾邓") + ["欧阳"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超") + ["秀英", "桂兰", "志强", "建华", "晓燕", "海燕", "国平", "湘云"]
CITIES = ["长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化",
          "娄底", "湘西"]
TRADE = ["恒信", "华瑞", "鑫源", "金桥", "宏达", "天成", "佳美", "润泽", "博远", "星辰", "湘江", "楚天", "芙蓉",
         "岳麓", "洞庭"]
TRADE_KIND = ["电子科技", "家居用品", "机械制造", "食品", "医疗器械", "服饰", "农业科技", "建材", "文化传媒",
              "汽车配件"]
SUFFIX = ["有限公司", "有限责任公司", "商贸有限公司", "经营部"]
PRODUCTS = ["电动牙刷", "空气净化器", "保温杯", "LED台灯", "儿童座椅", "茶叶", "辣椒酱", "电饭煲", "运动鞋", "手机壳",
            "充电器", "中药饮片", "农用喷雾器", "防盗门锁", "湘绣工艺品"]
SUMMARIES = {
    "consultation": ["咨询{0}生产的{1}是否侵犯其{2}，询问维权途径。",
                     "来电咨询：{0}销售的{1}与其{2}相似，如何确认侵权。"],
    "report": ["举报{0}销售的{1}涉嫌假冒{2}，并提供了购买凭证。", "举报{0}在网店销售的{1}涉嫌侵犯{2}，请求查处。"],
    "complaint": ["投诉{0}在展会上展出的{1}仿冒其{2}，要求现场处理。",
                  "投诉{0}在电商平台销售的{1}侵犯其{2}，要求下架。"],
    "aid_request": ["申请维权援助：{0}生产的{1}涉嫌侵犯其{2}，请求提供咨询意见。"],
    "other": ["来电反映{0}的{1}存在{2}问题，已告知相关渠道。"],
}
MOBILE_PREFIXES = ["138", "139", "135", "136", "137", "150", "151", "158", "186", "187", "188", "177", "182", "131"]


def patent_check_character(digits: str) -> str:
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False)) % 11
    return "X" if remainder == 10 else str(remainder)


def _weighted(rng: random.Random, items):
    return rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _shared_pools():
    rng = random.Random(12330)
    phones = []
    for _ in range(400):
        kind = rng.randint(1, 10)
        if kind <= 7:
            n = rng.choice(MOBILE_PREFIXES) + _digits(rng, 8)
            style = rng.randint(1, 10)
            phones.append(n if style <= 6 else f"{n[:3]} {n[3:7]} {n[7:]}" if style <= 8
                          else f"+86 {n}" if style == 9 else f"{n[:3]}-{n[3:7]}-{n[7:]}")
        elif kind <= 9:
            phones.append("0731-8" + _digits(rng, 7))
        else:
            phones.append("8" + _digits(rng, 7))
    parties = [rng.choice(CITIES) + "市" + rng.choice(TRADE) + rng.choice(TRADE_KIND) + rng.choice(SUFFIX)
               for _ in range(80)]
    patents = []
    for _ in range(200):
        d = f"{rng.randint(2004, 2023)}{rng.choice('123')}{_digits(rng, 7)}"
        c = patent_check_character(d)
        patents.append(rng.choice([f"ZL{d}.{c}", f"{d}.{c}", f"ZL {d[:4]} {d[4]} {d[5:]}.{c}", f"CN{d}{c}"]))
    return phones, parties, patents


PHONES, PARTIES, PATENTS = _shared_pools()


def _iso_local(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch + 8 * 3600)) + "+08:00"


def make_call(rng: random.Random, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    ip_type = _weighted(rng, IP_TYPES)
    request_type = _weighted(rng, REQUEST_TYPES)
    party = rng.choice(PARTIES)
    return {
        "received_at": _iso_local(now - rng.randint(60, 5 * 86400)),
        "channel": _weighted(rng, CHANNELS),
        "request_type": request_type,
        "ip_type": ip_type,
        "region_code": rng.choice(REGIONS),
        "caller_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "caller_phone": rng.choice(PHONES),
        "accused_party": party,
        "patent_number": rng.choice(PATENTS) if ip_type == "patent" else None,
        "summary": rng.choice(SUMMARIES[request_type]).format(party, rng.choice(PRODUCTS), IP_LABELS[ip_type]),
    }


def make_bodies(seed: int, n: int = 2000) -> list[bytes]:
    rng = random.Random(seed)
    now = time.time()
    return [json.dumps(make_call(rng, now), ensure_ascii=False).encode() for _ in range(n)]
