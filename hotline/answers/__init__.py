"""Standard answers (知识库): the questions callers ask and the answers the hotline gives, kept by supervisors."""

import logging

from flask import Blueprint

bp = Blueprint("answers", __name__, url_prefix="/answers")
logger = logging.getLogger(__name__)
