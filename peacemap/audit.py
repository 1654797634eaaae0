"""The audit trail and revision history: every change of state or record is written down."""

from sqlalchemy import func, select

from peacemap import kinds
from peacemap.extensions import db
from peacemap.models import AccessEvent, AuditEvent, Revision


def record(
    actor, action, obj=None, before=None, after=None, note=None, object_type=None, object_id=None
):
    """Add an audit event; `obj` is any model with an id (or None with `object_type`, and
    `object_id` for an object that is gone)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type or _object_type(obj),
        object_id=getattr(obj, "id", object_id),
        before=before,
        after=after,
        note=note,
    )
    db.session.add(event)
    return event


def _object_type(obj):
    """A directory record's kind name; any other model's lower-cased class name."""
    if obj is None:
        return "site"
    kind = next((kind for kind in kinds.ALL if isinstance(obj, kind.model)), None)
    return kind.name if kind else type(obj).__name__.lower()


def snapshot(obj):
    """The record's full state, as kept in a revision."""
    kind = kinds.of(obj)
    state = kind.payload(obj)
    state[kind.publication_field] = str(obj.publication)  # (a synonym of status on organisations)
    return state


def add_revision(obj, actor=None, submission=None):
    """Keep a numbered snapshot of the record as it is now (call after flushing it)."""
    db.session.flush()
    object_type = kinds.of(obj).name
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
        .where(Revision.object_type == kinds.of(obj).name, Revision.object_id == obj.id)
        .order_by(Revision.number.desc())
    ).all()


MODELS = kinds.MODELS


def changed(obj, actor, action, before, submission=None, note=None):
    """A record was changed: keep a revision and audit it with before and after (the caller
    reindexes it). `action` is "created", "updated", "confirmed", and so on."""
    revision = add_revision(obj, actor, submission)
    record(
        actor,
        f"{kinds.of(obj).name}.{action}",
        obj,
        before=before,
        after=revision.snapshot,
        note=note,
    )
    return revision


def looked(user, org, page):
    """`user` is seeing `org`'s private contacts on `page`: keep who, when and which record
    (nothing when the organisation has none, or made them public)."""
    if org is None or org.contacts_public or not (org.email or org.phone):
        return
    db.session.add(
        AccessEvent(user_id=user.id, role=str(user.role), organisation_id=org.id, page=page)
    )
