"""Approvals (审批): an officer asks, a supervisor of the case's region or above decides in their own session."""

import logging

from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
logger = logging.getLogger(__name__)
