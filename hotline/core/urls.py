"""URLs: the ``int`` converter of every route (bounded to the id columns' range) and redirect targets from user
input (only same-site paths)."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column, the narrowest type of an id in a URL (users, API tokens, reviews and
#: statistics revisions are INTEGER; calls, cases and attachments BIGINT, which will not reach 2³¹ rows either).
MAX_URL_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` of every route: a number beyond the id columns' range does not match the route, so it answers
    404 like an id that does not exist, instead of reaching the database (where it overflows: a 500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_URL_INT,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


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
