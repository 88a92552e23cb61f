"""Patent enforcement cases: workflow, deadlines, events, evidence, publication, case-file review."""

import logging

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
logger = logging.getLogger(__name__)
