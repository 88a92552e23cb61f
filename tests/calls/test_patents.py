"""Patent numbers as callers read them out: parse_patent_number / check_character."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.core.patents import PatentNumberError, check_character, parse_patent_number

PURE = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
CHECK_CHARACTERS = "0123456789X"


def test_known_numbers_have_their_published_check_characters():
    assert check_character("201710601862") == "3"
    assert check_character("95115608") == "X"


@pytest.mark.parametrize("raw", [
    "201710601862.3",
    "ZL201710601862.3",
    "zl201710601862.3",
    "ZL 201710601862.3",
    "ZL 2017 1 0601862.3",
    "CN201710601862.3",
    "CN 201710601862.3",
    "2017106018623",
    "201710601862。3",
    "201710601862．3",
    "２０１７１０６０１８６２．３",
    "ＺＬ２０１７１０６０１８６２.３",
    "  ZL201710601862.3  ",
    "2017-1-0601862.3",
])
def test_spellings_of_a_modern_number_normalize_to_one_form(raw):
    parsed = parse_patent_number(raw)
    assert parsed.normalized == "201710601862.3"
    assert parsed.patent_number == "ZL201710601862.3"
    assert parsed.patent_type == "invention"


@pytest.mark.parametrize("raw", ["ZL95115608.X", "ZL95115608.x", "95115608X", "ZL 95115608 X", "zl95115608。x"])
def test_spellings_of_a_pre_2003_number_normalize_to_one_form(raw):
    parsed = parse_patent_number(raw)
    assert parsed.normalized == "95115608.X"
    assert parsed.patent_type == "invention"


@pytest.mark.parametrize(("raw", "expected"), [
    ("201710601862.4", ".3"),
    ("ZL95115608.1", ".X"),
    ("ZL951156081", ".X"),
])
def test_wrong_check_character_is_rejected_naming_the_expected_one(raw, expected):
    with pytest.raises(PatentNumberError, match=r"should end in " + expected.replace(".", r"\.")):
        parse_patent_number(raw)


@pytest.mark.parametrize("raw", [None, "", "   ", "ZL", "2017106018", "20171060186233", "ZL2017106018A2.3",
                                 "201710601862..3", "专利号201710601862.3", "٢٠١٧١٠٦٠١٨٦٢.٣"])
def test_malformed_numbers_are_rejected(raw):
    with pytest.raises(PatentNumberError, match="Not a patent number"):
        parse_patent_number(raw)


@pytest.mark.parametrize(("type_digit", "patent_type"), [
    ("1", "invention"), ("8", "invention"), ("2", "utility_model"), ("9", "utility_model"), ("3", "design"),
])
def test_patent_type_comes_from_the_type_digit(type_digit, patent_type):
    digits = f"2016{type_digit}0601862"
    parsed = parse_patent_number(digits + check_character(digits))
    assert parsed.patent_type == patent_type
    old = f"95{type_digit}15608"
    assert parse_patent_number(old + check_character(old)).patent_type == patent_type


@pytest.mark.parametrize("type_digit", ["0", "4", "5", "6", "7"])
def test_unknown_type_digit_is_rejected(type_digit):
    digits = f"2016{type_digit}0601862"
    with pytest.raises(PatentNumberError, match="type digit"):
        parse_patent_number(digits + "." + check_character(digits))


twelve_digit_numbers = st.builds(
    lambda year, type_digit, serial: f"{year}{type_digit}{serial:07d}",
    st.integers(min_value=2003, max_value=2099), st.sampled_from("12389"),
    st.integers(min_value=0, max_value=9_999_999),
)


@PURE
@given(twelve_digit_numbers)
def test_any_number_with_its_check_character_parses(digits):
    check = check_character(digits)
    assert check in CHECK_CHARACTERS
    for raw in (f"{digits}.{check}", f"ZL{digits}{check}", f"CN {digits} . {check.lower()}"):
        assert parse_patent_number(raw).normalized == f"{digits}.{check}"


@PURE
@given(twelve_digit_numbers, st.sampled_from(CHECK_CHARACTERS))
def test_any_other_check_character_is_rejected(digits, wrong):
    check = check_character(digits)
    if wrong == check:
        wrong = CHECK_CHARACTERS[(CHECK_CHARACTERS.index(check) + 1) % len(CHECK_CHARACTERS)]
    with pytest.raises(PatentNumberError, match=f"should end in \\.{check}"):
        parse_patent_number(f"{digits}.{wrong}")


@PURE
@given(twelve_digit_numbers, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_a_single_mistyped_digit_is_caught(digits, position, delta):
    """Weights 2…9 are all invertible mod 11, so every single-digit typo changes the check character."""
    check = check_character(digits)
    typo = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1:]
    with pytest.raises(PatentNumberError):
        parse_patent_number(f"{typo}.{check}")


@PURE
@given(st.text(max_size=30))
def test_parse_raises_only_patent_number_error(raw):
    try:
        parsed = parse_patent_number(raw)
    except PatentNumberError:
        return
    assert parse_patent_number(parsed.normalized) == parsed
    assert parsed.normalized.isascii()
