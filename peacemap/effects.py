"""Side effects (mail, search indexing) that run only after the transaction commits.

Services call `after_commit(fn, *args)`. When the transaction commits, the queued calls become
ready; they run at the end of the request (or of the CLI command's app context), outside the
transaction, each with a fresh transaction of its own. Nothing runs if the transaction rolls
back. A failing effect is logged, never raised: the database is the truth, and a request that
saved something must not fail because mail or the search index did.
"""

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_QUEUED = "peacemap_effects_queued"
_READY = "peacemap_effects_ready"
_MARKS = "peacemap_effects_savepoints"


def after_commit(fn, *args, **kwargs):
    """Queue `fn(*args, **kwargs)` to run once the current transaction has committed."""
    from peacemap.extensions import db

    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even of nothing, drops the queued call
    session.info.setdefault(_QUEUED, []).append((fn, args, kwargs))


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session, transaction):
    # Remember how much was queued when a SAVEPOINT began: its rollback drops only its own.
    if transaction.nested:
        marks = session.info.setdefault(_MARKS, {})
        marks[id(transaction)] = len(session.info.get(_QUEUED, []))


@event.listens_for(Session, "after_commit")
def _mark_ready(session):
    # SQLAlchemy reports a released SAVEPOINT as a commit too: only the outermost counts.
    if session.get_nested_transaction() is not None:
        return
    queued = session.info.pop(_QUEUED, [])
    session.info.setdefault(_READY, []).extend(queued)
    session.info.pop(_MARKS, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session, previous_transaction):
    # "soft" rollback fires on every rollback() call, even with no transaction begun yet.
    if previous_transaction.nested:
        mark = session.info.get(_MARKS, {}).pop(id(previous_transaction), None)
        if mark is not None:
            del session.info.get(_QUEUED, [])[mark:]
        return
    if previous_transaction.parent is not None:
        return  # a flush's own inner transaction: its parent decides
    session.info.pop(_QUEUED, None)
    session.info.pop(_MARKS, None)


def take(wanted):
    """Remove from the queue the calls for which `wanted(fn, args)` is true; return them
    as (fn, args, kwargs). An import uses it to batch or drop per-record effects."""
    from peacemap.extensions import db

    info = db.session().info
    queue = info.get(_QUEUED, [])
    taken = [item for item in queue if wanted(item[0], item[1])]
    info[_QUEUED] = [item for item in queue if not wanted(item[0], item[1])]
    return taken


def run_ready():
    """Run the effects whose transaction has committed; log and swallow their failures."""
    from peacemap.extensions import db

    session = db.session()
    while session.info.get(_READY):
        fn, args, kwargs = session.info[_READY].pop(0)
        try:
            fn(*args, **kwargs)
            db.session.commit()  # an effect may record something of its own
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Side effect %s failed after commit", fn.__name__)


def init_app(app):
    """Run ready effects when each request ends, and when a CLI app context ends."""

    @app.teardown_request
    def _after_request(_error):
        run_ready()

    @app.teardown_appcontext
    def _after_context(_error):
        run_ready()
