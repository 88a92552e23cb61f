"""Hotline calls: intake, repeat callers, duplicates, transfer, status, feedback."""

import logging

from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/calls")
logger = logging.getLogger(__name__)
