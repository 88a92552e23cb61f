"""Major-case supervision (重大案件督办): a higher office designates a case, the handling office reports back."""

from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/supervisions")
