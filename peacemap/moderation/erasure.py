"""Erasure: a record taken out for good (`flask records erase SLUG`, or an admin's button).

What goes: the record and everything that hangs on it (identifiers, achievements, its
relationships both ways, its roles in initiatives, owner links, consent records, the log of
who looked, the places no other record uses), its revisions, the submissions about it, and the
values the audit events about it or about those submissions kept (before, after, note). The
events themselves stay (who did what, when), and one `record.erased` event says who erased
it and when, naming no value. An organisation's name, acronym, email and website go to the
do-not-list register (keyed hashes), so that it is not listed again without an admin.

Deleted rows survive in the database's free pages and write-ahead log, and a deleted search
document in the index's segments: once the erasure has committed, `finish` removes the mails
of the outbox that name the record, takes it out of the search index and compacts it, lets
this process's caches go, and compacts the database (SQLite: a WAL checkpoint, VACUUM, a
checkpoint again; PostgreSQL: VACUUM FULL and ANALYZE of every table, then CHECKPOINT).
"""

import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, delete, exists, inspect, null, or_, select, update
from sqlalchemy.exc import DBAPIError

from peacemap import audit, fragments, kinds, mail, pagecache
from peacemap.extensions import db
from peacemap.map import services as map_points
from peacemap.models import (
    AccessEvent,
    AuditEvent,
    ConsentRecord,
    Location,
    Organisation,
    OwnerToken,
    Revision,
    Submission,
    User,
)
from peacemap.models.directory import initiative_locations, organisation_locations
from peacemap.owners import services as owners
from peacemap.search import service as search

LOCK_TIMEOUT = 30  # seconds a compaction waits for a table that another transaction uses
SNAPSHOT_TIMEOUT = 30  # seconds it waits for transactions that may still see the erased rows

# Other sessions of this database whose snapshot is older than the mark: VACUUM FULL copies the
# rows they may still see, the erased ones included, into the rewritten files.
_OLDER_SNAPSHOTS = """
SELECT pid, backend_type, state FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND (age(backend_xmin) >= age(CAST(%(mark)s AS xid))
       OR age(backend_xid) >= age(CAST(%(mark)s AS xid)))
"""


@dataclass
class Erased:
    """What `finish` needs once the rows are gone (kept in memory only, never stored)."""

    kind: str
    id: int
    values: list  # what named the record: mails naming any of them leave the outbox
    others: list = field(default_factory=list)  # (kind, id): search documents that named it


def find(slug, kind=None):
    """The records with this slug: an organisation, an initiative, or both (or only `kind`)."""
    wanted = [kinds.BY_NAME[kind]] if kind else kinds.ALL
    found = (db.session.scalar(select(k.model).where(k.model.slug == slug)) for k in wanted)
    return [record for record in found if record is not None]


def _values(record):
    """The record's identifying values: its slug, names and contacts."""
    if isinstance(record, Organisation):
        values = [record.name, record.acronym, record.email, record.phone, record.website]
        values += list(record.alternate_names or [])
    else:
        values = list((record.title or {}).values())
    values.append(record.slug)
    return [value.strip() for value in values if value and len(value.strip()) >= 3]


def _submission_ids(record):
    about = getattr(Submission, f"{kinds.of(record).name}_id") == record.id
    return list(db.session.scalars(select(Submission.id).where(about)))


def submissions_about(record):
    """How many submissions are about the record (an erasure deletes them)."""
    return len(_submission_ids(record))


def erase(record, actor=None, note=None):
    """Delete the record, its revisions and the submissions about it; empty the audit events
    about them of their values; keep one `record.erased` event. Flushes; the caller commits,
    then calls `finish` with what this returns."""
    kind = kinds.of(record)
    erased = Erased(kind.name, record.id, _values(record))
    if kind is kinds.ORGANISATION:
        owners.register(record)
        erased.others = [("initiative", role.initiative_id) for role in record.initiative_roles]
        _let_go_of(record)
    places = [location.id for location in record.locations]
    submissions = _submission_ids(record)
    scrubbed = db.session.execute(
        update(AuditEvent)
        .where(
            or_(
                and_(AuditEvent.object_type == kind.name, AuditEvent.object_id == record.id),
                and_(AuditEvent.object_type == "submission", AuditEvent.object_id.in_(submissions)),
            )
        )
        .values(before=null(), after=null(), note=None)
    ).rowcount
    revisions = db.session.execute(
        delete(Revision).where(Revision.object_type == kind.name, Revision.object_id == record.id)
    ).rowcount
    db.session.execute(delete(Submission).where(Submission.id.in_(submissions)))
    db.session.delete(record)
    db.session.flush()
    _delete_unused_places(places)
    audit.record(
        actor,
        "record.erased",
        object_type=kind.name,
        object_id=erased.id,
        after={"submissions": len(submissions), "revisions": revisions, "events": scrubbed},
        note=note,
    )
    db.session.flush()
    return erased


def _let_go_of(org):
    """Rows that name the organisation without being part of it (the database would delete or
    empty most of them too; done here so that every database does the same)."""
    for model in (AccessEvent, OwnerToken, ConsentRecord):
        db.session.execute(delete(model).where(model.organisation_id == org.id))
    db.session.execute(update(User).where(User.network_id == org.id).values(network_id=None))
    db.session.execute(
        update(Organisation)
        .where(Organisation.vouched_by_id == org.id)
        .values(vouched_by_id=None, vouched_at=None, vouch_expires_at=None)
    )


def _delete_unused_places(ids):
    """The record's places that no other record uses (an office's exact point, say)."""
    if not ids:
        return
    used = or_(
        exists().where(organisation_locations.c.location_id == Location.id),
        exists().where(initiative_locations.c.location_id == Location.id),
    )
    db.session.execute(delete(Location).where(Location.id.in_(ids), ~used))


def finish(erased):
    """After the erasure committed: the outbox, the search index, this process's caches, then
    the database are rid of the record. Returns what could not be done, in sentences (empty
    when everything was)."""
    problems = []
    mail.forget(erased.values)
    try:
        search.erase(erased.kind, erased.id, erased.others)
    except Exception as error:  # the index is not the truth: say so, go on
        db.session.rollback()
        problems.append(
            f"The search index could not be compacted ({error}): run `flask search rebuild`."
        )
    app = current_app._get_current_object()
    pagecache.forget(app)
    fragments.forget()
    map_points.clear_cache()
    db.session.commit()  # no transaction may stay open over a VACUUM
    problems += compact(db.engine)
    for problem in problems:
        current_app.logger.warning("Erasure: %s", problem)
    return problems


def compact(engine):
    """Rewrite the database without the free space deleted rows left; returns problems."""
    if engine.dialect.name == "sqlite":
        return _compact_sqlite(engine)
    if engine.dialect.name == "postgresql":
        return _compact_postgres(engine)
    return [f"Compacting a {engine.dialect.name} database is not supported."]


def _compact_sqlite(engine):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("VACUUM")
        for attempt in range(5):  # a reader in another process blocks the truncation a moment
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            if not busy:
                return []
            time.sleep(attempt + 1)
    return [
        "The write-ahead log (the -wal file) could not be emptied while others read the "
        "database: it holds the erased rows until SQLite writes over them. Stop the site and "
        "run `sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)'`."
    ]


def _compact_postgres(engine):
    problems = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        quote = connection.dialect.identifier_preparer.quote
        tables = [quote(name) for name in sorted(inspect(connection).get_table_names())]
        skipped = []

        def note(diagnostic):  # VACUUM skips what it may not touch with a warning
            if diagnostic.severity_nonlocalized == "WARNING":
                skipped.append(diagnostic.message_primary)

        raw = connection.connection.dbapi_connection
        raw.add_notice_handler(note)
        # A table another transaction holds is left, and said, rather than waited for.
        connection.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}s'")
        try:
            problems += _wait_for_older_snapshots(connection)
            # ANALYZE's statistics may have sampled the erased values: pg_statistic goes last.
            for table in [*tables, "pg_catalog.pg_statistic"]:
                try:
                    connection.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {table}")
                except DBAPIError as error:
                    problems.append(f"Not compacted: {table} ({error.orig}).")
            try:
                connection.exec_driver_sql("CHECKPOINT")
            except DBAPIError:
                problems.append(
                    "CHECKPOINT needs a superuser or the pg_checkpoint role: "
                    "the next automatic checkpoint writes the compacted files."
                )
        finally:
            raw.remove_notice_handler(note)
            connection.exec_driver_sql("RESET lock_timeout")
    problems += [f"Not compacted: {message}" for message in skipped]
    return problems


def _wait_for_older_snapshots(connection):
    """Wait until no other session may still see rows deleted before now (an autovacuum's
    ANALYZE, a long report); returns a problem naming those still there after the timeout."""
    mark = connection.exec_driver_sql("SELECT CAST(pg_current_xact_id() AS text)").scalar()
    deadline = time.monotonic() + SNAPSHOT_TIMEOUT
    while True:
        older = connection.exec_driver_sql(_OLDER_SNAPSHOTS, {"mark": mark}).all()
        if not older or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if not older:
        return []
    sessions = ", ".join(f"process {pid} ({kind}, {state})" for pid, kind, state in older)
    return [
        f"Not compacted for good: {sessions} began before the erasure and may still see its "
        "rows, so the database files keep them. End those sessions, then run "
        "`flask records compact`."
    ]
