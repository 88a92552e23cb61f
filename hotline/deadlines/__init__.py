"""The legal clock: the working-day calendar and deadline rule sets (product.md "Deadlines")."""

import logging

from flask import Blueprint

bp = Blueprint("deadlines", __name__, url_prefix="/admin/calendar")
logger = logging.getLogger(__name__)
