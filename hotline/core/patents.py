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
