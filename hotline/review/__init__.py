"""Case-file review (案卷评查): a configurable checklist, random sampling, scores by region."""

import logging

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
logger = logging.getLogger(__name__)
