"""Public pages (no login): published penalty decisions, redacted."""

import logging

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/public")
logger = logging.getLogger(__name__)
