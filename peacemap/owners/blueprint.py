"""The owners' blueprint: the owner pages and the danger request (views.py), and a network's
page for its coordinator (network_views.py)."""

from flask import Blueprint

bp = Blueprint("owners", __name__, url_prefix="/<lang_code>")


@bp.after_request
def private_answers(response):
    """Owner pages are the organisation's own: never kept, never named to another site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
