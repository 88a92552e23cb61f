"""Redirect targets from user input: only same-site paths."""

from __future__ import annotations

from urllib.parse import urlsplit


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
