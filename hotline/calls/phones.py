"""Caller numbers: normalization with phonenumbers (domain-reference.md §7)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, shortnumberinfo

from hotline.core.i18n import gettext as _

_TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.UAN: "uan",
}
_ALLOWED = re.compile(r"^[0-9\s()+\-.]+$")


class PhoneError(ValueError):
    pass


@dataclass(frozen=True)
class Phone:
    raw: str
    #: The caller's identity: E.164 (``+8613812345678``) or the digits of a short service number (``12345``).
    key: str
    number_type: str
    #: 市州 derived from a landline area code when the code maps to exactly one region (never from a mobile).
    area_code: str | None = None

    @property
    def is_short(self) -> bool:
        return self.number_type == "short"


def parse_phone(raw: str | None, default_area_code: str = "0731") -> Phone | None:
    """Normalize what the operator typed. ``None``/blank → ``None`` (anonymous).

    Local landline numbers without an area code (7–8 digits) get ``default_area_code``.
    Short service numbers (12345, 12315, 95xxx) are recognised with shortnumberinfo.

    :raises PhoneError: for anything that is not a valid number, with a message for the form.
    """
    if raw is None or not raw.strip():
        return None
    return _parse(raw.strip(), default_area_code)


@functools.lru_cache(maxsize=8192)  # callers call again (the intake parses every call's number: ~0.1 ms each);
def _parse(raw_text: str, default_area_code: str) -> Phone:  # Phone is frozen, errors are not cached
    if len(raw_text) > 40:
        raise PhoneError(_("Too long for a phone number (at most 40 characters)."))
    # Full-width digits and brackets (Chinese input methods) become ASCII, so every spelling gets the same key.
    text = unicodedata.normalize("NFKC", raw_text).strip()
    if not _ALLOWED.match(text):
        raise PhoneError(_("Phone numbers may contain only digits, spaces, +, -, ( and )."))
    digits = re.sub(r"[^0-9]", "", text)
    if not text.startswith("+") and 3 <= len(digits) <= 6:
        try:
            short = phonenumbers.parse(digits, "CN")
        except NumberParseException as exc:  # "001": an international prefix with nothing after it
            raise PhoneError(_("%(digits)s is not a known service number.", digits=digits)) from exc
        if shortnumberinfo.is_valid_short_number(short):
            return Phone(raw=raw_text, key=digits, number_type="short")
        raise PhoneError(_("%(digits)s is not a known service number.", digits=digits))
    candidate = text
    if not text.startswith("+") and not digits.startswith(("0", "1")) and len(digits) in (7, 8):
        candidate = default_area_code + digits
    elif not text.startswith("+") and digits.startswith("86") and len(digits) >= 12:
        candidate = "+" + digits
    try:
        number = phonenumbers.parse(candidate, "CN")
    except NumberParseException as exc:
        raise PhoneError(_("This is not a phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        # Compare the national number, so "+86 138 1234 567" gets the same hint as "138 1234 567";
        # "10…" is Beijing's area code, not a mobile.
        national = phonenumbers.national_significant_number(number) if number.country_code == 86 else ""
        if national.startswith("1") and not national.startswith("10") and len(national) != 11:
            raise PhoneError(_("A mobile number has 11 digits; this one has %(count)d.", count=len(national)))
        raise PhoneError(_("This number is not valid (check the area code and the number of digits)."))
    number_type = _TYPE_NAMES.get(phonenumbers.number_type(number), "other")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    area = None
    if number.country_code == 86 and number_type == "fixed_line":
        national = phonenumbers.national_significant_number(number)
        dest = phonenumbers.length_of_geographical_area_code(number)
        area = "0" + national[:dest] if dest else None
    return Phone(raw=raw_text, key=e164, number_type=number_type, area_code=area)


@functools.lru_cache(maxsize=4096)  # a list page formats 50 numbers; parsing one costs ~0.1 ms
def display_number(key: str | None) -> str | None:
    """Readable form of a stored key: ``+8613812345678`` → ``13812345678``, ``+8673184567890`` → ``0731-84567890``."""
    if not key or not key.startswith("+"):
        return key
    if len(key) == 14 and key.startswith("+861") and key[1:].isdigit():
        # A mainland mobile number (eleven digits from 1, no area code): what the parse below gives, without it
        # (an export formats 100,000 numbers, most of them distinct).
        return key[3:]
    try:
        number = phonenumbers.parse(key)
    except NumberParseException:
        return key
    if number.country_code != 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.national_significant_number(number)
    dest = phonenumbers.length_of_geographical_area_code(number)
    if dest:
        return f"0{national[:dest]}-{national[dest:]}"
    return national
