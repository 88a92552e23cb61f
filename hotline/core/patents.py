"""Chinese patent application / patent numbers: format, check digit, normalization, patent type.

Since 2003-10-01 an application number has 12 digits (year, type digit, 7-digit serial) and a check
character; before that, 8 digits (2-digit year, type digit, 5-digit serial) and a check character.
The check character is Σ dᵢ·wᵢ mod 11 with weights 2…9, 2…5 ("X" for 10); a patent number is
"ZL" + the application number. Example: 201710601862.3, ZL95115608.X.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hotline.core.i18n import gettext as _

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_TYPE_BY_DIGIT = {"1": "invention", "2": "utility_model", "3": "design", "8": "invention", "9": "utility_model"}
_SHAPE = re.compile(r"^([0-9]{8}|[0-9]{12})\.?([0-9X])$")


class PatentNumberError(ValueError):
    pass


@dataclass(frozen=True)
class PatentNumber:
    #: Canonical application number with the dot: ``201710601862.3``.
    normalized: str
    patent_type: str

    @property
    def patent_number(self) -> str:
        return "ZL" + self.normalized


def check_character(digits: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def parse_patent_number(raw: str) -> PatentNumber:
    """Parse what a caller reads out (``ZL 2017 1 0601862.3``, ``CN201710601862.3``, ``2017106018623``).

    :raises PatentNumberError: with a message saying what is wrong.
    """
    # NFKC first: full-width digits, letters and dots (Chinese input methods) become ASCII.
    text = unicodedata.normalize("NFKC", raw or "").upper()
    for ch in " \u3000-_/\t":
        text = text.replace(ch, "")
    text = text.replace("。", ".").replace("．", ".")
    for prefix in ("ZL", "CN"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    match = _SHAPE.match(text)
    if not match:
        raise PatentNumberError(_(
            "Not a patent number: expected 12 digits and a check digit (e.g. ZL201710601862.3) "
            "or, before 2003, 8 digits and a check digit."
        ))
    digits, check = match.groups()
    expected = check_character(digits)
    if check != expected:
        raise PatentNumberError(_(
            "Check digit mismatch: %(number)s should end in .%(expected)s; please re-check the number.",
            number=f"{digits}.{check}", expected=expected))
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    patent_type = _TYPE_BY_DIGIT.get(type_digit)
    if patent_type is None:
        raise PatentNumberError(_(
            "Unknown patent type digit %(digit)r (1/8 invention, 2/9 utility model, 3 design).", digit=type_digit))
    return PatentNumber(normalized=f"{digits}.{check}", patent_type=patent_type)


#: What a patent number search may look like once spacing is gone: ZL / CN and at least 4 digits, or at least 6
#: digits alone (fewer are any number at all); then perhaps the dot and the check character.
_SEARCH_SHAPE = re.compile(r"^(?:(?:ZL|CN)([0-9]{4,13})|([0-9]{6,13}))(?:\.?([0-9X]))?$")


@dataclass(frozen=True)
class PatentQuery:
    #: The whole number, canonical as stored (``201710601862.3``), when the query is a valid one.
    normalized: str | None
    #: Its digits without the dot (``2017106018623``), to find within stored numbers with the dot removed.
    digits: str


def patent_query(q: str | None) -> PatentQuery | None:
    """A search text read as (part of) a patent number, as printed or read out — ``ZL201710601862.3``,
    ``201710601862.3``, ``2017106018623``, ``ZL 2017 1060``; None when it cannot be one."""
    text = unicodedata.normalize("NFKC", q or "").upper()
    for ch in " \u3000-_/\t":
        text = text.replace(ch, "")
    text = text.replace("。", ".")
    match = _SEARCH_SHAPE.match(text)
    if not match:
        return None
    try:
        normalized = parse_patent_number(text).normalized
    except PatentNumberError:
        normalized = None
    return PatentQuery(normalized=normalized, digits=(match.group(1) or match.group(2)) + (match.group(3) or ""))


def patent_matches(column, query: PatentQuery):
    """SQL: ``column`` (canonical numbers, ``201710601862.3``) holds the number of ``query``: the same number
    when the query is a whole one (an index finds it), else its digits within the number without the dot."""
    from sqlalchemy import func

    if query.normalized:
        return column == query.normalized
    return func.replace(column, ".", "").like(f"%{query.digits}%")
