"""Redaction of personal data in text shown publicly: phone numbers, ID card numbers, e-mail addresses.

The 2014 意见 asks published penalty decisions to protect personal data; the numbers a decision is most likely
to quote are the party's phone, 居民身份证 number and e-mail. Full-width digits (common in Chinese text typed
with an IME) count as digits too: Python's ``\\d`` matches them.
"""

from __future__ import annotations

import re

PLACEHOLDER = "[已隐去]"

#: No digit (ASCII or full-width) directly before / after: a match is a whole number, not part of a longer one.
_NB = r"(?<!\d)"
_NA = r"(?!\d)"
#: An optional separator inside a number: space, hyphen (ASCII, full-width, dashes) or a dot.
_SEP = r"[ \u00a0\u3000\-\uff0d\u2010-\u2014.]?"
_PLUS = r"[+\uff0b]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@\uff20][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
#: 18-digit 居民身份证 number (last character a check digit or X), also written in 6-8-4 groups.
_ID18 = re.compile(_NB + r"\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx\uff38\uff58]" + r"(?![\dA-Za-z])")
#: Old 15-digit ID number.
_ID15 = re.compile(_NB + r"\d{15}" + _NA)
#: Mobile numbers 1[3-9]xxxxxxxxx, optionally +86 / 0086 / 86 in front and separators in 3-4-4 groups.
_MOBILE = re.compile(
    _NB + r"(?:(?:" + _PLUS + r"|00)?86" + _SEP + r"|\(" + _PLUS + r"?86\)" + _SEP + r")?"
    r"[1\uff11][3-9\uff13-\uff19]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _NA
)
#: Landlines: 0 + area code (2-3 digits, optionally in brackets) then 7-8 digits, or +86 and the code without 0.
_LANDLINE = re.compile(
    _NB + r"(?:"
    r"(?:(?:" + _PLUS + r"|00)86" + _SEP + r"\(?[0\uff10]?\d{2,3}\)?)"  # +86 731 … / +86 (0731) …
    r"|[(\uff08][0\uff10]\d{2,3}[)\uff09]"  # (0731) …
    r"|[0\uff10]\d{2,3}"  # 0731 …
    r")" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}" + _NA
)

_PATTERNS = (_EMAIL, _ID18, _ID15, _MOBILE, _LANDLINE)


def redact(text: str | None) -> str | None:
    """``text`` with phone numbers, ID numbers and e-mail addresses replaced by ``[已隐去]``.

    E-mail addresses go first (they may contain digits), then ID numbers (an 18-digit ID contains runs that
    look like a phone number), then phone numbers. ``None`` and empty text are returned unchanged.
    """
    if not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(PLACEHOLDER, text)
    return text


def mask_in_text(text: str | None, name: str | None, masked: str | None) -> str | None:
    """Replace every occurrence of a person's full ``name`` in ``text`` by its ``masked`` form (张三 → 张*)."""
    if not text or not name or not masked or len(name) < 2:
        return text
    return text.replace(name, masked)
