"""The version of the published data: one counter that every process and every server reads.

The page cache, the map's points and the blank submission forms are kept per version, so a
change anywhere is seen everywhere at the next request. It is a row of `counters`
(`public_data`):

- any flush that adds, changes or deletes a published-data object (anything but accounts,
  submissions and the audit log) raises it in the same transaction;
- the search index changes after the commit (effects.py), so the search service raises it again
  with `bump()` once the index has the change: a search page built in between is not kept;
- after `flask data restore`, `move_past()` sets it above both the old and the restored value.
"""

import itertools
from collections import OrderedDict

from flask import current_app
from sqlalchemy import delete, event, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from peacemap.extensions import db
from peacemap.models import AuditEvent, Counter, RecoveryCode, Revision, Submission, User

NAME = "public_data"
# INSERT ... ON CONFLICT for the two databases the project runs on.
UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
# Changes to these never show on a public page.
PRIVATE_MODELS = (AuditEvent, Counter, RecoveryCode, Revision, Submission, User)
_CHANGED = "peacemap_public_data_changed"


VERSION_SQL = f"SELECT value FROM counters WHERE name = '{NAME}'"  # noqa: S608  (a constant)


def version(engine=None):
    """The version of the published data, or None when the database cannot say.

    Read on a pooled connection of its own, as plain SQL: a page served from the cache then
    never opens an ORM session (this read is most of what such an answer costs)."""
    try:
        with (engine or db.engine).connect() as connection:
            return connection.exec_driver_sql(VERSION_SQL).scalar() or 0
    except SQLAlchemyError:
        return None


def _raise(connection):
    """Add one to the version, creating the counter if need be (one statement, no race)."""
    upsert = UPSERTS[connection.dialect.name]
    stmt = upsert(Counter).values(name=NAME, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Counter.name], set_={"value": Counter.value + 1}
    )
    connection.execute(stmt)


def bump():
    """Raise the version now, in a transaction of its own (after the search index changed)."""
    _raise(db.session.connection())
    db.session.commit()


def move_past(old):
    """After the database was replaced by a backup: set the version above both the one before
    and the restored one, so that no page kept before the restore is served."""
    with db.engine.begin() as connection:
        restored = connection.exec_driver_sql(VERSION_SQL).scalar() or 0
        connection.execute(delete(Counter).where(Counter.name == NAME))
        connection.execute(insert(Counter).values(name=NAME, value=max(old or 0, restored) + 1))


def kept(store, key, version, compute, size=32):
    """compute(), kept in this application's `store` under `key` for `version` of the
    published data: at most `size` values, the least recently used going first. Values of an
    older version go as soon as a newer one is seen (one may name a record since erased); a
    version the database could not give (None) is never trusted."""
    entries = current_app.extensions.setdefault(store, OrderedDict())  # key: (version, value)
    entry = entries.get(key)
    if entry is not None and version is not None and entry[0] == version:
        entries.move_to_end(key)
        return entry[1]
    value = compute()
    if version is None:
        return value
    for stale in [name for name, (seen, _value) in entries.items() if seen != version]:
        del entries[stale]
    entries[key] = (version, value)
    while len(entries) > size:
        entries.popitem(last=False)
    return value


@event.listens_for(Session, "after_flush")
def _note_public_changes(session, flush_context):
    if session.info.get(_CHANGED):
        return  # raised once per transaction is enough
    changed = itertools.chain(session.new, session.dirty, session.deleted)
    if any(not isinstance(obj, PRIVATE_MODELS) for obj in changed):
        _raise(session.connection())
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    session.info.pop(_CHANGED, None)
