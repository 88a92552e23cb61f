"""我的待办: each person's to-do list, a read side over calls, transfers, approvals, assistance and cases."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
