"""Users, roles and regions; login sessions; API tokens."""

import logging

from flask import Blueprint

bp = Blueprint("accounts", __name__)
logger = logging.getLogger(__name__)
