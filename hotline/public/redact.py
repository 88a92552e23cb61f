"""Redaction of personal data in text shown publicly: phone numbers, ID card numbers, QQ and WeChat accounts,
e-mail addresses, and a person's name.

The 2014 意见 asks published penalty decisions to protect personal data; the numbers a decision is most likely
to quote are the party's phone, 居民身份证 number, QQ number and e-mail. People write them in many ways, so the
redactor does not look for a few spellings but reads every run of digits, whatever joins them (spaces, ``- . / _
, 、``, full-width forms, zero-width characters), and judges the digits of the run: a mobile, a landline with or
without area code, an ID number. What is money (``¥``, ``元``), a date or a patent number stays.
"""

from __future__ import annotations

import re
from datetime import date

from hotline.core.patents import PatentNumberError, parse_patent_number

PLACEHOLDER = "[已隐去]"

#: Invisible characters: removed from published text first (they are nothing a reader sees, and they can split a
#: number or a name so that no pattern finds it): zero-width space / joiners, word joiner, BOM, soft hyphen,
#: Mongolian vowel separator, bidi marks, embeddings, overrides and isolates.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

#: No digit (ASCII or full-width) directly before / after: a match is a whole number, not part of a longer one.
_NB = r"(?<!\d)"
_NA = r"(?!\d)"
#: An optional separator inside a number: space, hyphen (ASCII, full-width, dashes) or a dot.
_SEP = r"[ \u00a0\u3000\-\uff0d\u2010-\u2014.]?"
_PLUS = r"[+\uff0b]"

_ALNUM = "A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
#: E-mail addresses, half- or full-width (ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ), spaces around the @ allowed.
_EMAIL = re.compile(
    f"[{_ALNUM}._%+\\-\uff0e\uff3f\uff05\uff0b\uff0d]+\\s*[@\uff20]\\s*[{_ALNUM}\\-\uff0d]+"
    f"(?:[.\uff0e\u3002][{_ALNUM}\\-\uff0d]+)*[.\uff0e\u3002][A-Za-z\uff21-\uff3a\uff41-\uff5a]{{2,}}")
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

#: What may join the digits of one number: spaces, hyphens and dashes, dots, slashes, underscores, commas, 、 —
#: half- or full-width — up to three of them together (``138 - 1234 - 5678``).
_JOIN = "[\\s\u00a0\u3000\\-\uff0d\u2010-\u2015\u2212.\uff0e\u3002/\uff0f_\uff3f,\uff0c\u3001\u00b7\u30fb]{1,3}"
#: A run of digits joined so, perhaps after a ``+`` or a bracketed prefix (``(+86)``, ``（0731）``); an ID
#: number's final X belongs to it.
_RUN = re.compile(f"(?:[(\uff08][+\uff0b]?\\d{{2,4}}[)\uff09]\\s*|[+\uff0b])?"
                  f"\\d(?:(?:{_JOIN})?\\d)*(?:(?:{_JOIN})?[Xx\uff38\uff58](?![A-Za-z]))?")
_SPLIT = re.compile(f"({_JOIN})")
#: QQ and WeChat accounts: their keyword, then the account (the keyword is kept).
_QQ = re.compile("((?:[Qq\uff31\uff51]\\s*[Qq\uff31\uff51]|扣扣|企鹅)\\s*(?:号码|号|群)?[\\s:：]*(?:是|为)?[\\s:：]*)"
                 f"(\\d(?:(?:{_JOIN})?\\d){{4,11}})(?!\\d)")
_WECHAT = re.compile("((?:微信|[Ww]e[Cc]hat|[VvWw][Xx])\\s*(?:号|账号|ID|id)?[\\s:：]*(?:是|为)?[\\s:：]*)"
                     "([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])")
#: Money and quantities: a run after a currency sign or before a unit is an amount, not a number to hide.
_MONEY_BEFORE = re.compile("(?:[¥￥$＄]|人民币|RMB|CNY)\\s*$")
_PATENT_BEFORE = re.compile("(?:ZL|CN|专利号?|申请号)\\s*[:：]?\\s*$", re.IGNORECASE)
_UNIT_AFTER = re.compile("\\s*(?:元|圆|万|亿|角|件|台|个|只|箱|套|盒|次|人|份|册|瓶|包|吨|斤|克|千克|公斤|米|%|％|‰)")


def _is_date(digits: str) -> bool:
    """A compact date (``20150512``, ``2015-10-12``): a batch number or a decision's date, not a landline."""
    if len(digits) != 8 or digits[:2] not in ("19", "20"):
        return False
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _is_personal(digits: str, *, plus: bool) -> bool:
    """Whether the digits of one number are a phone number or an ID number."""
    if len(digits) in (15, 18) and not plus:
        return True  # 居民身份证: 18 digits (the final X counted), or the old 15
    for prefix in ("0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and (_is_mobile(rest) or (rest[:1] == "0" and 10 <= len(rest) <= 12)
                                          or (9 <= len(rest) <= 11 and rest[:1] in "23456789")):
            return True  # +86 and a mobile, or a landline with its area code (with or without the 0)
    if _is_mobile(digits):
        return True
    if digits[0] == "0" and 10 <= len(digits) <= 12 and digits[1] != "0":
        return True  # area code (2-3 digits after the 0) and a 7-8 digit number
    # A local landline without area code (88889999); not a compact date (20150512, a batch number).
    return 7 <= len(digits) <= 8 and digits[0] in "23456789" and not plus and not _is_date(digits)


def _is_patent(run: str) -> bool:
    """A patent / application number (95115608.X, 201710601862.3): a filing year from 1985 on, a type digit and a
    valid check character — not personal ("86" and a mobile may pass the check character, never the year)."""
    try:
        number = parse_patent_number(run)
    except PatentNumberError:
        return False
    digits = number.normalized.split(".")[0]
    year = int(digits[:4]) if len(digits) == 12 else 1900 + int(digits[:2]) + (100 if digits[:2] < "85" else 0)
    return 1985 <= year <= 2099 and (len(digits) == 12 or year <= 2003)


def _digits(run: str) -> str:
    return "".join(str(int(ch)) if ch.isdecimal() else ("X" if ch in "Xx\uff38\uff58" else "") for ch in run)


def _personal_span(span: str) -> bool:
    digits = _digits(span)
    if not digits:
        return False
    if digits.endswith("X"):
        return len(digits) == 18  # an ID number's check character
    return _is_personal(digits, plus="+" in span or "\uff0b" in span)


def _judge(text: str, match: re.Match) -> str:
    """The replacement for one run of digits: the run itself when it is an amount or a patent number; else every
    stretch of it that is one personal number (the whole run, or each number of a list: ``13812345678,
    0731-84445555``) becomes the placeholder, the longest first from the left."""
    run = match.group()
    start, end = match.span()
    if (_MONEY_BEFORE.search(text, max(0, start - 8), start) or _UNIT_AFTER.match(text, end)
            or _PATENT_BEFORE.search(text, max(0, start - 8), start) or _is_patent(run)):
        return run
    parts = _SPLIT.split(run)  # pieces of digits at even indexes, what joins them at odd ones
    pieces, joins = parts[0::2], parts[1::2]
    n = len(pieces)
    # best[i]: (digits covered, -placeholders) of the best cover of pieces[i:] by personal numbers — as many digits
    # hidden as possible, in as few numbers; take[i]: the last piece of the number starting at piece i in that
    # cover (None: piece i stays).
    best: list[tuple[int, int]] = [(0, 0)] * (n + 1)
    take: list[int | None] = [None] * n
    for i in range(n - 1, -1, -1):
        best[i], span = best[i + 1], ""
        for j in range(i, n):
            span += (joins[j - 1] if j > i else "") + pieces[j]
            covered = len(_digits(span))
            if covered > 18:
                break
            if _personal_span(span):
                candidate = (covered + best[j + 1][0], best[j + 1][1] - 1)
                if candidate > best[i]:
                    best[i], take[i] = candidate, j
    out: list[str] = []
    i = 0
    while i < n:
        if i:
            out.append(joins[i - 1])
        end = take[i]
        if end is None:
            out.append(pieces[i])
            i += 1
        else:
            out.append(PLACEHOLDER)
            i = end + 1
    return "".join(out)


def redact(text: str | None) -> str | None:
    """``text`` with phone numbers, ID numbers, QQ / WeChat accounts and e-mail addresses replaced by
    ``[已隐去]``; invisible characters removed.

    E-mail addresses go first (they may contain digits), then QQ and WeChat accounts (by their keyword), then ID
    numbers in 6-8-4 groups, then every run of digits is judged as a whole, and last the spellings the patterns
    know find any phone number left inside a longer run. ``None`` and empty text are returned unchanged.
    """
    if not text:
        return text
    text = _INVISIBLE.sub("", text)
    text = _EMAIL.sub(PLACEHOLDER, text)
    text = _QQ.sub(lambda m: m.group(1) + PLACEHOLDER, text)
    text = _WECHAT.sub(lambda m: m.group(1) + PLACEHOLDER, text)
    text = _ID18.sub(PLACEHOLDER, text)
    text = _RUN.sub(lambda m: _judge(text, m), text)
    for pattern in (_ID15, _MOBILE, _LANDLINE):
        text = pattern.sub(PLACEHOLDER, text)
    return text


#: What may stand between the characters of a name as written in a text: spaces (any width) and invisible ones.
_GAP_CHAR = re.compile("[\\s\u00a0\u3000\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_NAME_GAP = _GAP_CHAR.pattern + "*"


def mask_in_text(text: str | None, name: str | None, masked: str | None) -> str | None:
    """Replace every occurrence of a person's full ``name`` in ``text`` by its ``masked`` form (张三 → 张*), also
    when written with spaces (or invisible characters) between its characters (张 三, 张　三)."""
    if not text or not name or not masked:
        return text
    chars = [ch for ch in name if not _GAP_CHAR.match(ch)]
    if len(chars) < 2:
        return text
    pattern = _NAME_GAP.join(re.escape(ch) for ch in chars)
    return re.sub(pattern, lambda _m: masked, text)
