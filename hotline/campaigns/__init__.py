"""Campaigns (专项行动) and trade fairs (展会): records that cases and calls link to, each with its own figures."""

import logging

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
logger = logging.getLogger(__name__)
