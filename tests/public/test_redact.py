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
