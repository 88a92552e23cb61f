"""URLs: the ``int`` converter of every route (bounded to the id columns' range) and redirect targets from user
input (only same-site paths)."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column, the narrowest type of an id in a URL (users, API tokens, reviews and
#: statistics revisions are INTEGER; calls, cases and attachments BIGINT, which will not reach 2³¹ rows either).
MAX_URL_INT = 2**31 - 1


def _up_to(limit: int) -> str:
    """A regular expression of the decimal numbers from 0 to ``limit`` (without leading zeros beyond its length)."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = "1" if i == 0 and len(digits) > 1 else "0"
        if int(digit) > int(low):
            rest = len(digits) - i - 1
            options.append(digits[:i] + f"[{low}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` of every route: a number beyond the id columns' range does not match the route, so it answers
    404 like an id that does not exist, instead of reaching the database (where it overflows: a 500). The bound is
    in the pattern itself: a number that matched the pattern and failed the conversion would make Werkzeug answer
    405 when a rule of the same shape has another method."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_URL_INT,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)
        if max is not None and not signed and not fixed_digits:
            self.regex = _up_to(max)


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a local path (``/calls?x=1``), else None. Rejects ``//evil``, ``\\evil``, schemes."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if any(ch in target for ch in "\r\n\\"):
        return None
    return target
