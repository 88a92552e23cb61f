"""Caller numbers: parse_phone / display_number (domain-reference.md §7)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.calls.phones import PhoneError, display_number, parse_phone

# The autouse database fixture is function-scoped; these tests never touch the database.
PURE = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Mobile prefixes phonenumbers 9.0.43 accepts for every 8-digit subscriber number.
MOBILE_PREFIXES = [
    *range(130, 140), 145, 147, *range(150, 154), *range(155, 160), 166, 170, 171, 173, 175, 176, 177, 178,
    *range(180, 190), 190, 191, 192, 193, *range(195, 200),
]
mobiles = st.builds(lambda p, rest: f"{p}{rest:08d}", st.sampled_from(MOBILE_PREFIXES),
                    st.integers(min_value=0, max_value=10**8 - 1))


@pytest.mark.parametrize("raw", [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    " 13812345678 ",
    "+8613812345678",
    "+86 138 1234 5678",
    "86 138 1234 5678",
    "8613812345678",
    "0086 138 1234 5678",
    "１３８１２３４５６７８",  # full-width digits from a Chinese input method
])
def test_parse_phone_mobile_spellings_share_one_key(raw):
    phone = parse_phone(raw)
    assert phone.key == "+8613812345678"
    assert phone.number_type == "mobile"
    assert phone.area_code is None  # never derive a 市州 from a mobile
    assert phone.raw == raw.strip()


@pytest.mark.parametrize("raw", ["0731-84567890", "(0731)8456 7890", "+86 731 8456 7890", "0731 8456 7890",
                                 "84567890", "8456 7890", "（0731）84567890"])
def test_parse_phone_changsha_landline_spellings_share_one_key(raw):
    phone = parse_phone(raw)
    assert phone.key == "+8673184567890"
    assert phone.number_type == "fixed_line"
    assert phone.area_code == "0731"


def test_parse_phone_local_number_gets_the_configured_default_area_code():
    assert parse_phone("8221234", default_area_code="0744").key == "+867448221234"
    assert parse_phone("8221234", default_area_code="0744").area_code == "0744"
    # a 7-digit local number is not a valid 0731 number (Changsha has 8 digits)
    with pytest.raises(PhoneError):
        parse_phone("8221234")


@pytest.mark.parametrize(("raw", "key"), [("80012345", "+8673180012345"), ("4001 2345", "+8673140012345")])
def test_parse_phone_local_numbers_starting_like_service_numbers_get_the_area_code(raw, key):
    # 400/800 service numbers have 10 digits; an 8-digit 800… or 400… is a Changsha local number
    assert parse_phone(raw).key == key


def test_parse_phone_other_hunan_landline_keeps_its_area_code():
    phone = parse_phone("0744-8221234")
    assert phone.key == "+867448221234"
    assert phone.area_code == "0744"


@pytest.mark.parametrize("raw", ["12345", "12330", "12315", "95588", "１２３４５"])
def test_parse_phone_recognises_service_short_numbers(raw):
    phone = parse_phone(raw)
    assert phone.is_short
    assert phone.number_type == "short"
    assert phone.key == raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def test_parse_phone_400_number_is_shared_cost():
    for raw in ("400-880-8888", "4008808888", "400 880 8888"):
        phone = parse_phone(raw)
        assert phone.key == "+864008808888"
        assert phone.number_type == "shared_cost"
        assert not phone.is_short


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n", "\u3000"])
def test_parse_phone_blank_means_anonymous(raw):
    assert parse_phone(raw) is None


@pytest.mark.parametrize("raw", ["1381234567", "138 1234 567", "+86 138 1234 567", "138123456789"])
def test_parse_phone_mobile_with_wrong_length_says_eleven_digits(raw):
    with pytest.raises(PhoneError, match="11 digits"):
        parse_phone(raw)


@pytest.mark.parametrize("raw", ["0732-5551234", "0733-8221234", "0732-55512345", "(0733)82212345"])
def test_parse_phone_rejects_obsolete_xiangtan_and_zhuzhou_area_codes(raw):
    with pytest.raises(PhoneError, match="area code"):
        parse_phone(raw)


@pytest.mark.parametrize("raw", ["abc", "138abc45678", "电话13812345678", "13812345678 ext 1", "138*1234*5678"])
def test_parse_phone_rejects_letters_and_symbols(raw):
    with pytest.raises(PhoneError, match="only digits"):
        parse_phone(raw)


def test_parse_phone_rejects_overlong_input():
    with pytest.raises(PhoneError, match="Too long"):
        parse_phone("1" * 41)
    with pytest.raises(PhoneError):
        parse_phone("138 1234 5678 138 1234 5678 138 1234 56")  # 40 characters, but not a number


@pytest.mark.parametrize("raw", ["001", "0090", "1234", "+", "()", "0", "00"])
def test_parse_phone_rejects_fragments_with_phone_error(raw):
    with pytest.raises(PhoneError):
        parse_phone(raw)


@pytest.mark.parametrize(("key", "shown"), [
    ("+8613812345678", "13812345678"),
    ("+8673184567890", "0731-84567890"),
    ("+867448221234", "0744-8221234"),
    ("+861012345678", "010-12345678"),
    ("12345", "12345"),
    (None, None),
    ("", ""),
])
def test_display_number(key, shown):
    assert display_number(key) == shown


@PURE
@given(mobiles)
def test_mobile_parse_is_idempotent_and_display_round_trips(mobile):
    phone = parse_phone(mobile)
    assert phone.key == "+86" + mobile
    assert phone.number_type == "mobile"
    assert parse_phone(phone.key).key == phone.key
    assert display_number(phone.key) == mobile
    assert parse_phone(display_number(phone.key)).key == phone.key
    spaced = f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    assert parse_phone(spaced).key == phone.key


@PURE
@given(st.integers(min_value=2_000_0000, max_value=8_999_9999))
def test_changsha_landline_display_round_trips(local):
    phone = parse_phone(f"0731-{local}")
    assert phone.key == f"+86731{local}"
    assert display_number(phone.key) == f"0731-{local}"
    assert parse_phone(display_number(phone.key)).key == phone.key
    assert parse_phone(str(local)).key == phone.key


@PURE
@given(st.text())
def test_parse_phone_raises_only_phone_error_on_arbitrary_text(raw):
    try:
        phone = parse_phone(raw)
    except PhoneError:
        return
    if phone is not None:
        assert parse_phone(phone.key).key == phone.key


@PURE
@given(st.text(alphabet="0123456789０１２３+-() .", max_size=24))
def test_parse_phone_raises_only_phone_error_on_phone_like_text(raw):
    # Phone-shaped text reaches deeper into phonenumbers than arbitrary text does ("001", "0090" …).
    try:
        phone = parse_phone(raw)
    except PhoneError:
        return
    if phone is not None:
        assert parse_phone(phone.key).key == phone.key
        assert phone.key.isascii()
