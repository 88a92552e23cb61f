"""The inbox page (我的待办): every role's landing page after login."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from hotline.core.clock import local_today
from hotline.core.errors import ValidationFailed
from hotline.inbox import bp
from hotline.inbox.queries import inbox_page

PAGE_SIZE = 100


@bp.route("")
@login_required
def index():
    cursor_error = None
    try:
        items, next_cursor = inbox_page(current_user, cursor=request.args.get("cursor") or None, page_size=PAGE_SIZE)
    except ValidationFailed as exc:
        cursor_error = exc.message
        items, next_cursor = inbox_page(current_user, page_size=PAGE_SIZE)
    return render_template("inbox/index.html", items=items, next_cursor=next_cursor, today=local_today(),
                           cursor_error=cursor_error, first_page=not request.args.get("cursor"))
