"""Notifications: in-app reminders (bell, page), per-kind e-mail preferences, e-mail through the outbox."""

import logging

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
logger = logging.getLogger(__name__)
