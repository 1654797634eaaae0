"""The moderation rooms' blueprint: the queue and reviews (views.py), records and the audit
log (record_views.py), accounts (user_views.py), crisis mode (crisis_views.py)."""

from flask import Blueprint
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict

from peacemap.errors import render_error
from peacemap.extensions import db
from peacemap.moderation import services as moderation

bp = Blueprint("moderation", __name__, url_prefix="/<lang_code>/moderation")


@bp.errorhandler(moderation.DecisionError)
@bp.errorhandler(StaleDataError)
def decision_conflict(_error):
    """A decision on a submission whose state has moved on (another moderator was faster)."""
    db.session.rollback()
    return render_error(Conflict())
