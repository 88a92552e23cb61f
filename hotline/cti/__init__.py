"""Telephony (CTI): the switch's call events (ringing, answered, hung up) and the ringing call on the agent's
intake page."""

import logging

from flask import Blueprint

bp = Blueprint("cti", __name__, url_prefix="/cti")
logger = logging.getLogger(__name__)
