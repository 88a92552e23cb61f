"""Find anything by its number: one search box (top bar) for phone numbers, call references, case numbers and
patent numbers."""

import logging

from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")
logger = logging.getLogger(__name__)
