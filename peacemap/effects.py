"""Side effects (mail, search indexing) that run only after the transaction commits.

Services call `after_commit(fn, *args)`; nothing runs if the transaction rolls back, and a
failing effect is logged, never raised: the database is the truth, and a request that saved
something must not fail because mail or the search index did.
"""

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "peacemap_after_commit"


def after_commit(fn, *args, **kwargs):
    """Queue `fn(*args, **kwargs)` to run once the current transaction has committed."""
    from peacemap.extensions import db

    db.session.info.setdefault(_KEY, []).append((fn, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run_effects(session):
    effects = session.info.pop(_KEY, [])
    for fn, args, kwargs in effects:
        try:
            fn(*args, **kwargs)
        except Exception:
            current_app.logger.exception("Side effect %s failed after commit", fn.__name__)


@event.listens_for(Session, "after_rollback")
def _drop_effects(session):
    session.info.pop(_KEY, None)
