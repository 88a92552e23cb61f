"""Jinja filters and globals: Beijing-time display, masking, category labels, CSP nonce."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import Flask, g
from flask_babel import get_locale, get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from hotline.core.clock import local_tz
from hotline.core.permissions import ROLE_LABELS, Role


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_tz()) if value else None


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else ""


def csp_nonce() -> str:
    if not hasattr(g, "csp_nonce"):
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def csrf_field() -> Markup:
    """The hidden CSRF input of a form that is only a button (logout, language, revoke …): the same token a
    FlaskForm renders, without building a form for it (base.html has two on every page)."""
    return Markup('<input name="csrf_token" type="hidden" value="%s">') % generate_csrf()


def _translations():
    """The translations of the current app context, looked up once: Flask-Babel's own Jinja callables look them
    up again for every ``_()`` of a template (six context-local lookups each; a call list page has ~500)."""
    try:
        return g._hotline_translations
    except AttributeError:
        g._hotline_translations = translations = get_translations()
        return translations


def _gettext(message: str, **variables) -> Markup:
    rv = Markup(_translations().ugettext(message))  # noqa: S704 - our catalog, trusted as Jinja's own _() does
    return rv % variables if variables else rv


def _inbox_count() -> int:
    """The top bar's number of open inbox items (computed once per request, shared with the inbox page)."""
    from hotline.inbox.queries import inbox_count

    return inbox_count(current_user) if current_user.is_authenticated else 0


def _unread_notifications() -> int:
    from hotline.notifications.queries import unread_count_cached

    return unread_count_cached(current_user) if current_user.is_authenticated else 0


def init_app(app: Flask) -> None:
    from hotline.reference import queries as ref

    # The same callables Flask-Babel installs (babel.init_app ran before), with the lookup done once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # ``_()`` itself, as Jinja's newstyle gettext does it (the translation is markup, the variables are escaped
    # into it) without resolving ``gettext`` from the context and formatting with an empty dict on every call:
    # a list page calls it a few hundred times.
    app.jinja_env.globals["_"] = _gettext
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["Role"] = Role
    from hotline.reference.queries import office_name

    #: The office running the hotline (the setting, else the province's deciding authority).
    app.jinja_env.globals["office_name"] = office_name
    app.jinja_env.globals["inbox_count"] = _inbox_count
    app.jinja_env.globals["unread_notifications"] = _unread_notifications

    @app.context_processor
    def inject():
        locale = str(get_locale() or "zh_CN")

        def label(kind: str, code: str | None) -> str:
            if not code:
                return ""
            if kind == "region":
                region = ref.region_map().get(code)
                return region.name if region else code
            source = {"request_type": ref.list_request_types, "channel": ref.list_channels,
                      "ip_type": ref.list_ip_types}[kind]()
            for item in source:
                if item.code == code:
                    return item.label(locale)
            return code

        return {
            "label": label,
            "locale": locale,
            "role_label": lambda role: ROLE_LABELS.get(Role(role), role) if role else "",
            "csrf_field": csrf_field,
            "current_user": current_user,
        }
