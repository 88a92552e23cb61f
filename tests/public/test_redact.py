"""Redaction of phone numbers, ID numbers and e-mail addresses in published text."""

from __future__ import annotations

import pytest

from hotline.public.redact import PLACEHOLDER, mask_in_text, redact


@pytest.mark.parametrize("secret", [
    "13812345678",
    "138-1234-5678",
    "138 1234 5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "(+86)13812345678",
    "008613812345678",
    "19912345678",
    "１３８１２３４５６７８",  # full-width digits, as an IME types them
    "0731-88888888",
    "073188888888",
    "0734-8888888",
    "(0731)8888 8888",
    "（０７３１）８８８８８８８８",
    "+86 731 8888 8888",
    "430102199001011234",
    "43010219900101123X",
    "43010219900101123x",
    "430102 19900101 1234",
    "430102900101123",
    "zhang.san@example.com",
    "li-si_2015@mail.hn.gov.cn",
])
def test_redact_removes_personal_numbers_and_addresses(secret):
    text = f"当事人联系方式:{secret},请核实。"
    assert redact(text) == f"当事人联系方式:{PLACEHOLDER},请核实。"


@pytest.mark.parametrize("text", [
    "罚款人民币12500.00元",
    "专利号ZL201710601862.3",
    "2015-10-12作出决定",
    "湘知执字〔2015〕第12号",
    "没收违法所得3000元, 货值金额120000元",
    "产品型号P30, 批号20150512",
    "12330",
])
def test_redact_keeps_amounts_dates_and_numbers_that_are_not_personal(text):
    assert redact(text) == text


def test_redact_handles_several_items_and_empty_text():
    text = "电话13812345678,身份证430102199001011234,邮箱a@b.cn,座机0731-84445555。"
    assert redact(text) == f"电话{PLACEHOLDER},身份证{PLACEHOLDER},邮箱{PLACEHOLDER},座机{PLACEHOLDER}。"
    assert redact(None) is None and redact("") == ""


def test_mask_in_text_masks_a_persons_name():
    assert mask_in_text("张三丰在其店铺销售", "张三丰", "张**") == "张**在其店铺销售"
    assert mask_in_text("张三在店铺销售", "张", "张*") == "张三在店铺销售"  # one character is not a name to find
    assert mask_in_text(None, "张三", "张*") is None


# Generated variants (hypothesis): however a number is written, its digits do not reach the public page -------

import re  # noqa: E402
import unicodedata  # noqa: E402
from datetime import date  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hotline.core.patents import check_character  # noqa: E402

GENERATED = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
DIGIT = st.sampled_from("0123456789")
#: What people put between digits: spaces of every width, hyphens and dashes, dots, slashes, underscores, commas,
#: 、, and invisible zero-width characters.
SEPARATORS = st.sampled_from([" ", "  ", "-", " - ", "/", "_", ",", ", ", ".", "\u3000", "\uff0d", "\uff0c", "\u3001",
                              "\u2014", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u00a0"])
BEFORE = st.sampled_from(["", "当事人联系电话:", "电话：", "经查，当事人（手机", "联系方式 ", "身份证号码", "Tel ",
                          "。"])
AFTER = st.sampled_from(["", "，请核实。", "）于", " 联系。", "；", "。该店"])


def _digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdecimal())


@st.composite
def written(draw, digits: str) -> str:
    """``digits`` as a person might write them: split anywhere, joined by any separators, perhaps full-width."""
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=len(digits) - 1)))
    pieces = [digits[i:j] for i, j in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    text = pieces[0] + "".join(draw(SEPARATORS) + piece for piece in pieces[1:])
    if draw(st.booleans()):
        text = text.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    return text


def _digit_string(n: int, first: str = "0123456789"):
    return st.tuples(st.sampled_from(first), st.text(DIGIT, min_size=n - 1, max_size=n - 1)).map("".join)


def _not_a_date(digits: str) -> bool:
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return True
    return len(digits) != 8 or digits[:2] not in ("19", "20")


MOBILE = st.tuples(st.sampled_from(["13", "14", "15", "16", "17", "18", "19"]), _digit_string(9)).map("".join)
AREA_LANDLINE = st.tuples(st.sampled_from(["0731", "0734", "010", "021", "0743"]),
                          st.one_of(_digit_string(7, "23456789"), _digit_string(8, "23456789"))).map("".join)
LOCAL_LANDLINE = st.one_of(_digit_string(7, "23456789"), _digit_string(8, "23456789")).filter(_not_a_date)
ID_NUMBER = st.one_of(_digit_string(18, "123456789"), _digit_string(15, "123456789"))
PERSONAL = st.one_of(MOBILE, st.tuples(st.sampled_from(["86", "0086"]), MOBILE).map("".join),
                     AREA_LANDLINE, LOCAL_LANDLINE, ID_NUMBER)


@GENERATED
@given(st.data(), PERSONAL, BEFORE, AFTER)
def test_generated_personal_numbers_are_redacted_however_written(data, digits, before, after):
    text = before + data.draw(written(digits)) + after
    redacted = redact(text)
    assert _digits(redacted) == "", (text, redacted)
    assert PLACEHOLDER in redacted


@GENERATED
@given(st.data(), _digit_string(17, "123456789"), BEFORE, AFTER)
def test_generated_id_numbers_ending_in_x_are_redacted(data, digits, before, after):
    text = before + data.draw(written(digits)) + data.draw(st.sampled_from(["X", "x", "\uff38", " X"])) + after
    redacted = redact(text)
    assert _digits(redacted) == "" and "X" not in redacted.upper().replace("[已隐去]", ""), (text, redacted)


@GENERATED
@given(st.data(), st.lists(PERSONAL, min_size=2, max_size=4),
       st.sampled_from([", ", "，", "、", " / ", "；", " 或 ", "和"]))
def test_generated_lists_of_numbers_are_each_redacted(data, numbers, joiner):
    text = "联系电话" + joiner.join(data.draw(written(n)) for n in numbers) + "。"
    redacted = redact(text)
    assert _digits(redacted) == "", (text, redacted)


@GENERATED
@given(st.data(), st.sampled_from(["QQ", "qq", "QQ号", "QQ号码：", "Q Q:", "ＱＱ", "扣扣", "QQ 号是"]),
       _digit_string(11, "123456789"), BEFORE, AFTER)
def test_generated_qq_numbers_are_redacted(data, keyword, digits, before, after):
    length = data.draw(st.integers(5, 11))
    number = digits[:length]
    text = before + keyword + data.draw(st.sampled_from(["", " ", "：", ": "])) + data.draw(written(number)) + after
    redacted = redact(text)
    assert _digits(redacted) == "", (text, redacted)


_LOCAL = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789._-"), min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum())
_DOMAIN = st.lists(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=8),
                   min_size=1, max_size=3).map(".".join)


@GENERATED
@given(_LOCAL, _DOMAIN, st.sampled_from(["com", "cn", "net", "org", "gov.cn"]), st.booleans(),
       st.sampled_from(["@", "＠", " @ "]), BEFORE, AFTER)
def test_generated_email_addresses_are_redacted_half_or_full_width(local, domain, tld, full_width, at, before,
                                                                   after):
    address = f"{local}{at}{domain}.{tld}"
    if full_width:
        address = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in address)
    redacted = redact(before + address + after)
    folded = unicodedata.normalize("NFKC", redacted)
    assert "@" not in folded and f"{domain}.{tld}" not in folded, (address, redacted)


def _patent(digits12: str) -> str:
    return f"ZL{digits12}.{check_character(digits12)}"


AMOUNT = st.one_of(st.integers(1, 10**9).map(lambda n: f"{n}元"), st.integers(1, 10**9).map(lambda n: f"{n:,}.00元"),
                   st.integers(1, 10**9).map(lambda n: f"¥{n:,.2f}"),
                   st.integers(1, 10**6).map(lambda n: f"人民币{n}元"))
DATE = st.dates(date(2000, 1, 1), date(2030, 12, 31)).flatmap(lambda d: st.sampled_from(
    [d.isoformat(), d.strftime("%Y%m%d"), d.strftime("%Y.%m.%d"), d.strftime("%Y/%m/%d"),
     f"{d.year}年{d.month}月{d.day}日"]))
PATENT = st.tuples(st.sampled_from(["2015", "2017", "2020"]), st.sampled_from("1238"), _digit_string(7)).map(
    lambda t: _patent("".join(t)))


@GENERATED
@given(st.lists(st.one_of(AMOUNT, DATE, PATENT), min_size=1, max_size=4))
def test_generated_amounts_dates_and_patent_numbers_stay(items):
    text = "，".join(f"第{i}项{item}" for i, item in enumerate(items))
    assert redact(text) == text


@GENERATED
@given(st.data(), PERSONAL, AMOUNT, DATE, PATENT)
def test_generated_number_among_amounts_dates_and_patents(data, digits, amount, day, patent):
    secret = data.draw(written(digits))
    text = f"{day}，当事人（电话{secret}）销售侵犯{patent}的产品，货值{amount}。"
    redacted = redact(text)
    assert redacted == f"{day}，当事人（电话{PLACEHOLDER}）销售侵犯{patent}的产品，货值{amount}。", text


CJK_NAME = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4)
GAPS = st.sampled_from(["", " ", "  ", "\u3000", "\u200b", "\u00a0", " \u200b"])


@GENERATED
@given(st.data(), CJK_NAME)
def test_generated_names_written_with_spaces_are_masked(data, name):
    masked = name[0] + "*" * (len(name) - 1)
    written_name = name[0] + "".join(data.draw(GAPS) + ch for ch in name[1:])
    text = f"经查，当事人{written_name}在其经营的店铺销售，{written_name}称不知情。"
    result = mask_in_text(text, name, masked)
    assert re.sub(r"[\s\u200b]", "", result).count(name) == 0 or name in masked, (text, result)
    assert result.count(masked) == 2


def test_redact_catches_what_the_issue_names():
    for text in ("座机88889999", "电话138/1234/5678", "电话138_1234_5678", "电话138,1234,5678", "电话138 1234 5678",
                 "电话138\u200b1234\u200b5678", "QQ：123456789", "ｚｈａｎｇｓａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ",
                 "８６１６８０５００８１４６"):  # 86 and a mobile whose digits pass a patent number's check

        assert _digits(redact(text)) == "" and "＠" not in redact(text), text
    assert mask_in_text("张 三 丰在店铺销售", "张三丰", "张**") == "张**在店铺销售"
