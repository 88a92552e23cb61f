"""Cooperation across regions (异地协作): assistance requests (协查) between regions, and joint cases (联合办案)."""

import logging

from flask import Blueprint

bp = Blueprint("assists", __name__, url_prefix="/assists")
logger = logging.getLogger(__name__)
