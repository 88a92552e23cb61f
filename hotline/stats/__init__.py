"""Statistics: monthly snapshots computed in SQL, locked months and revisions, the yearly summary."""

import logging

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")
logger = logging.getLogger(__name__)
