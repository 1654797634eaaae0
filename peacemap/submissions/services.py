"""Receiving public proposals: one-time tokens, tracking codes, revisions by the submitter."""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from peacemap import audit, kinds, notifications
from peacemap.effects import after_commit
from peacemap.extensions import db
from peacemap.models import Submission, SubmissionState
from peacemap.models.base import utcnow
from peacemap.models.enums import DECIDED_STATES
from peacemap.public import view as public
from peacemap.records import INITIATIVE_FIELDS, ORGANISATION_FIELDS, diff

OPEN_STATES = (SubmissionState.PENDING, SubmissionState.CHANGES_REQUESTED)


class StateError(ValueError):
    """The submission is not in a state that allows this."""


class Unchanged(ValueError):  # noqa: N818 (a refusal, as StateError)
    """The revised version is the same as the one sent before."""


def _fields(payload):
    """The fields a diff compares (without their labels: no translation is needed here)."""
    return dict.fromkeys(INITIATIVE_FIELDS if "title" in payload else ORGANISATION_FIELDS, "")


def changes_anything(target, payload):
    """Whether a correction of `target` (as the public form sends it) would change it."""
    current = kinds.of(target).payload(target)
    proposed = public.complete_correction(target, payload)
    return any(row[-1] for row in diff(_fields(current), current, proposed))


def same_payload(before, after):
    """Whether two versions of a proposal say the same thing, field by field."""
    before, after = before or {}, after or {}
    return not any(row[-1] for row in diff(_fields(after), before, after))


def new_form_token():
    """A one-time token for a form; stored with the submission so a retried POST is no copy."""
    return secrets.token_urlsafe(24)


def tracking_code(form_token):
    """The tracking code of the submission made with `form_token`.

    Derived from the token with the secret key, so a retried POST shows the same code again
    without the code itself ever being stored.
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"tracking-code:" + form_token.encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest[:15]).decode()[:20]
    return "-".join(text[i : i + 5] for i in range(0, 20, 5))


def normalise_code(code):
    """Upper-case, separators removed, look-alike digits read as the letters they resemble."""
    text = re.sub(r"[^A-Za-z0-9]", "", code or "").upper()
    return text.translate(str.maketrans({"0": "O", "1": "I", "8": "B"}))


def grouped_code(code):
    """A typed tracking code as the receipt showed it: four groups of five."""
    text = normalise_code(code)
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def hash_code(code):
    """What the database keeps instead of the tracking code."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def submit(kind, payload, *, form_token, submitter, target=None, language="fr"):
    """Save a proposal (flushes); returns (submission, created).

    A form token seen before returns the first submission instead of a copy.
    """
    existing = db.session.scalar(select(Submission).where(Submission.form_token == form_token))
    if existing is not None:
        return existing, False
    submission = Submission(
        kind=kind,
        payload=payload,
        form_token=form_token,
        tracking_hash=hash_code(tracking_code(form_token)),
        submitter_name=submitter.get("name") or "",
        submitter_email=submitter.get("email") or None,
        submitter_role=submitter.get("role") or None,
        consent=bool(submitter.get("consent")),
        language=language,
    )
    if target is not None:
        setattr(submission, f"{kinds.of(target).name}_id", target.id)
    try:
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError:
        # The same token arrived twice at the same moment: the other request saved it.
        existing = db.session.scalar(select(Submission).where(Submission.form_token == form_token))
        if existing is None:
            raise
        return existing, False
    audit.record(None, "submission.created", submission, after={"kind": str(kind)})
    after_commit(notifications.submission_received, submission.id)
    return submission, True


def find_by_code(code):
    """The submission with this tracking code, or None."""
    if not normalise_code(code):
        return None
    return db.session.scalar(select(Submission).where(Submission.tracking_hash == hash_code(code)))


def revise(submission, payload):
    """The submitter's new version after a moderator asked for changes."""
    if submission.state != SubmissionState.CHANGES_REQUESTED:
        raise StateError("Only a submission with changes requested can be revised.")
    before = {"state": str(submission.state), "payload": submission.payload}
    if same_payload(submission.payload, payload):
        raise Unchanged("The revised version is the same as the one sent before.")
    for key in ("kept", "why"):  # what the revision form does not show stays
        if key in (submission.payload or {}):
            payload = {**payload, key: submission.payload[key]}
    submission.payload = payload
    submission.state = SubmissionState.PENDING
    audit.record(
        None,
        "submission.revised",
        submission,
        before=before,
        after={"state": "pending", "payload": payload},
    )
    after_commit(notifications.submission_received, submission.id)


def withdraw(submission):
    """The submitter takes back a submission that has not been decided."""
    if submission.state not in OPEN_STATES:
        raise StateError("Only an open submission can be withdrawn.")
    before = str(submission.state)
    submission.state = SubmissionState.WITHDRAWN
    audit.record(
        None,
        "submission.withdrawn",
        submission,
        before={"state": before},
        after={"state": "withdrawn"},
    )


def purge_submitters(now=None):
    """Forget who sent each submission SUBMITTER_RETENTION_DAYS after it was decided or
    withdrawn: their name, email and role go; the decision and the moderator's note stay.
    Idempotent; returns how many submissions it emptied."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["SUBMITTER_RETENTION_DAYS"])
    closed = or_(
        and_(Submission.state.in_(DECIDED_STATES), Submission.decided_at <= cutoff),
        and_(Submission.state == SubmissionState.WITHDRAWN, Submission.updated_at <= cutoff),
    )
    known = or_(
        Submission.submitter_name != "",
        Submission.submitter_email.is_not(None),
        Submission.submitter_role.is_not(None),
    )
    emptied = 0
    for submission in db.session.scalars(select(Submission).where(closed, known)):
        submission.submitter_name = ""
        submission.submitter_email = submission.submitter_role = None
        emptied += 1
    if emptied:
        audit.record(None, "data.purged", object_type="submission", after={"submissions": emptied})
    return emptied
