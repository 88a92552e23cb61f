"""Transfers of calls (转办 → 签收 → 反馈 → 回访): a region or agency handles a call, the hotline calls back."""

import logging

from flask import Blueprint

bp = Blueprint("transfers", __name__, url_prefix="/transfers")
logger = logging.getLogger(__name__)
