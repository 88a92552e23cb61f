"""Translatable domain messages.

The domain raises its validation and state messages with ``gettext`` (imported as ``_``), so ``pybabel extract``
finds them with its default keywords. The message is translated when it is produced: in a request the locale is the
user's (the web UI: the session, default Simplified Chinese; the API: Accept-Language, default English); in an app
context without a request (CLI, Celery worker) the configured default; outside any app context (plain scripts, unit
tests of pure functions) the English text, formatted the same way.

Write ``_("At most %(n)d characters.", n=limit)``, never an f-string: the msgid must be the literal text.
"""

from __future__ import annotations

from flask import has_app_context
from flask_babel import gettext as _flask_gettext
from flask_babel import ngettext as _flask_ngettext
from flask_babel import pgettext as _flask_pgettext

__all__ = ["gettext", "ngettext", "pgettext", "_"]


def gettext(message: str, **variables) -> str:
    """``message`` translated for the current locale, with ``%(name)s`` placeholders filled from ``variables``."""
    if has_app_context():
        return _flask_gettext(message, **variables)
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Plural-aware ``gettext``; ``%(num)d`` is available in both forms."""
    if has_app_context():
        return _flask_ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def pgettext(context: str, message: str, **variables) -> str:
    """``gettext`` with a context, for short words that need one (``pgettext("case status", "filed")``)."""
    if has_app_context():
        return _flask_pgettext(context, message, **variables)
    return message % variables if variables else message


_ = gettext
