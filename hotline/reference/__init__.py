"""Reference data: regions (GB/T 2260), request types, channels, IP types; the regions' admin page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reference", __name__, url_prefix="/admin/regions")
