"""JSON API v1 for integrations (api.md)."""

import logging

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
logger = logging.getLogger(__name__)
