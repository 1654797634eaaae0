"""The audit trail and revision history: every change of state or record is written down."""

from sqlalchemy import func, select

from peacemap.extensions import db
from peacemap.models import AuditEvent, Initiative, Organisation, Revision
from peacemap.records import initiative_payload, organisation_payload


def record(actor, action, obj=None, before=None, after=None, note=None, object_type=None):
    """Add an audit event; `obj` is any model with an id (or None with `object_type`)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type or (type(obj).__name__.lower() if obj is not None else "site"),
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
        note=note,
    )
    db.session.add(event)
    return event


def snapshot(obj):
    """The record's full state, as kept in a revision."""
    if isinstance(obj, Organisation):
        state = organisation_payload(obj)
        state["status"] = str(obj.status)
        return state
    state = initiative_payload(obj)
    state["publication"] = str(obj.publication)
    return state


def add_revision(obj, actor=None, submission=None):
    """Keep a numbered snapshot of the record as it is now (call after flushing it)."""
    db.session.flush()
    object_type = type(obj).__name__.lower()
    number = (
        db.session.scalar(
            select(func.max(Revision.number)).where(
                Revision.object_type == object_type, Revision.object_id == obj.id
            )
        )
        or 0
    ) + 1
    revision = Revision(
        object_type=object_type,
        object_id=obj.id,
        number=number,
        snapshot=snapshot(obj),
        actor_id=getattr(actor, "id", None),
        submission_id=getattr(submission, "id", None),
    )
    db.session.add(revision)
    return revision


def revisions(obj):
    """The record's revisions, newest first."""
    return db.session.scalars(
        select(Revision)
        .where(Revision.object_type == type(obj).__name__.lower(), Revision.object_id == obj.id)
        .order_by(Revision.number.desc())
    ).all()


MODELS = {"organisation": Organisation, "initiative": Initiative}
