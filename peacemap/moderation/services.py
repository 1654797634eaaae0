"""Decisions on submissions and on published records. Services flush; views commit."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from peacemap import audit, kinds, notifications
from peacemap.effects import after_commit
from peacemap.extensions import db
from peacemap.models import (
    Initiative,
    Organisation,
    PublicationStatus,
    Role,
    SubmissionKind,
    SubmissionState,
    VerificationLevel,
)
from peacemap.models.base import utcnow
from peacemap.moderation.duplicates import likely_duplicates
from peacemap.owners import services as owners
from peacemap.public import view as public
from peacemap.records import (
    merge_texts,
    new_initiative,
    new_organisation,
)
from peacemap.search import service as search

S = SubmissionState
# Which states a moderator may move a submission to, from each state.
TRANSITIONS = {
    S.PENDING: {S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED, S.SPAM},
    S.CHANGES_REQUESTED: {S.APPROVED, S.REJECTED, S.SPAM},
}


IMPORT_TOKEN = "import:"  # noqa: S105 (not a secret) the form token of an import's proposals


def from_import(submission):
    """True for a proposal a data import made: no person sent it, nobody consented."""
    return (submission.form_token or "").startswith(IMPORT_TOKEN)


class DecisionError(ValueError):
    """The submission's state does not allow this decision."""


class NotToBeListed(ValueError):
    """The organisation asked not to be listed (the do-not-list register)."""


def _decide(submission, state, moderator, note):
    if state not in TRANSITIONS.get(submission.state, set()):
        raise DecisionError(f"A {submission.state} submission cannot become {state}.")
    before = str(submission.state)
    submission.state = state
    submission.moderator = moderator
    submission.moderator_note = note or None
    if state in (S.APPROVED, S.REJECTED, S.SPAM):
        submission.decided_at = utcnow()
    audit.record(
        moderator,
        f"submission.{state.value}",
        submission,
        before={"state": before},
        after={"state": state.value},
        note=note,
    )
    after_commit(notifications.decision_made, submission.id)


def _reindex(record):
    """Bring the search index in step with the record once the transaction commits."""
    after_commit(search.reindex, kinds.of(record).name, record.id)


def record_change(record, moderator, action, before, submission=None, note=None):
    """A record was changed: keep a revision, audit it with before and after, reindex it."""
    revision = audit.changed(record, moderator, action, before, submission, note)
    _reindex(record)
    return revision


def target_of(submission):
    """The published record a submission is about (or will be merged into), if any."""
    if submission.initiative_id:
        return db.session.get(Initiative, submission.initiative_id)
    if submission.organisation_id:
        return db.session.get(Organisation, submission.organisation_id)
    return None


def is_initiative_submission(submission):
    """True when the submission describes an initiative (new or corrected)."""
    return submission.kind == SubmissionKind.NEW_INITIATIVE or bool(submission.initiative_id)


def proposal(submission):
    """What the submission proposes, as it would be applied: a correction sent from the public
    form (it lists the fields it `kept`) keeps the fields it was not shown and left empty, and
    never widens what the public sees. A moderator's edit is applied as it is."""
    target = target_of(submission)
    payload = submission.payload or {}
    if submission.kind == SubmissionKind.CORRECTION and target is not None and "kept" in payload:
        return public.complete_correction(target, payload)
    return submission.payload


def approve(submission, moderator, payload=None, note=None, wider_reason=None, override=None):
    """Publish what the submission proposes (as edited by the moderator, if `payload`).

    A new organisation is shown at the protective choices until it confirms, unless the
    moderator gives the `wider_reason` why wider is safe; one that matches the
    do-not-list register is refused unless an admin gives the `override` reason. Returns the
    created or updated record (None for a report, which is only acknowledged).
    """
    if payload is not None:
        if (submission.payload or {}).get("why"):  # the sender's note stays with the proposal
            payload = {**payload, "why": submission.payload["why"]}
        if payload != submission.payload:
            audit.record(
                moderator, "submission.edited", submission, before=submission.payload, after=payload
            )
        submission.payload = payload
    _decide(submission, S.APPROVED, moderator, note)
    if submission.kind == SubmissionKind.REPORT:
        return None
    record = target_of(submission)
    before = None
    if record is None:
        new_org = not is_initiative_submission(submission)
        if new_org and owners.on_do_not_list(submission.payload):
            if not (override and moderator.role == Role.ADMIN):
                raise NotToBeListed(
                    _(
                        "This organisation asked not to be listed: only an administrator "
                        "can list it, with a reason."
                    )
                )
            audit.record(moderator, "submission.do_not_list_override", submission, note=override)
        create = new_organisation if new_org else new_initiative
        record = create(proposal(submission))
        db.session.flush()
        setattr(submission, f"{kinds.of(record).name}_id", record.id)
        action = "created"
    else:
        before = audit.snapshot(record)
        kinds.of(record).apply(record, proposal(submission))
        action = "updated"
        if isinstance(record, Organisation) and (before.get("email") or None) != record.email:
            owners.address_changed(record, before.get("email"))
    if isinstance(record, Organisation) and action == "created":
        owners.listed(record, wider_reason)
    record_change(record, moderator, action, before, submission)
    return record


def reject(submission, moderator, reason):
    """Turn down a submission, with the reason the submitter will read."""
    _decide(submission, S.REJECTED, moderator, reason)


def request_changes(submission, moderator, message):
    """Ask the submitter to revise, with a message they read on the tracking page."""
    _decide(submission, S.CHANGES_REQUESTED, moderator, message)


def mark_spam(submission, moderator):
    """Close a submission as spam."""
    _decide(submission, S.SPAM, moderator, None)


def merge_into(submission, organisation, moderator):
    """Make a proposed new organisation an update of an existing one (a duplicate)."""
    if submission.state not in TRANSITIONS or submission.kind != SubmissionKind.NEW_ORGANISATION:
        raise DecisionError("Only an open new-organisation submission can be merged.")
    previous = submission.organisation_id
    submission.organisation_id = organisation.id
    audit.record(
        moderator,
        "submission.merge_target",
        submission,
        before={"organisation_id": previous},
        after={"organisation_id": organisation.id},
    )


@dataclass
class BulkResult:
    """What a bulk decision did: counts, and the proposals held back for likely duplicates
    as (submission, candidates)."""

    done: int = 0
    skipped: int = 0
    refused: list = field(default_factory=list)


def bulk(submissions, action, moderator, note=None, confirmed=()):
    """Approve or reject several submissions. A new organisation with likely duplicates (as
    its review page shows them) is not approved unless its id is in `confirmed`: bulk
    approval must not create the duplicates a review would have caught."""
    result = BulkResult()
    organisations = None
    for submission in submissions:
        if S.APPROVED not in TRANSITIONS.get(submission.state, set()):
            result.skipped += 1
            continue
        if action == "approve":
            if (
                submission.kind == SubmissionKind.NEW_ORGANISATION
                and submission.organisation_id is None
                and submission.id not in confirmed
            ):
                if organisations is None:  # once per batch, not once per proposal
                    organisations = list(db.session.scalars(select(Organisation)))
                found = likely_duplicates(submission.payload, organisations=organisations)
                if found:
                    result.refused.append((submission, found))
                    continue
            record = approve(submission, moderator, note=note)
            if organisations is not None and isinstance(record, Organisation):
                organisations.append(record)  # the next proposals are compared with it too
        else:
            reject(submission, moderator, note)
        result.done += 1
    return result


def verify(organisation, level, moderator, note=None):
    """Set an organisation's verification level, with who and when."""
    before = {"level": str(organisation.verification_level)}
    level = VerificationLevel(level)
    organisation.verification_level = level
    if level == VerificationLevel.NONE:
        organisation.verified_by, organisation.verified_at = None, None
        organisation.verification_evidence = organisation.verification_expires_at = None
    else:
        organisation.verified_by, organisation.verified_at = moderator, utcnow()
        organisation.verification_evidence = note or None
        organisation.verification_expires_at = owners.expiry_from(organisation.verified_at)
        organisation.stale_since = None
    audit.record(
        moderator,
        "organisation.verification",
        organisation,
        before=before,
        after={"level": level.value},
        note=note,
    )
    _reindex(organisation)


def set_published(record, published, moderator, note=None):
    """Unpublish (hide from every public reader) or republish a record; nothing is deleted."""
    status = PublicationStatus.PUBLISHED if published else PublicationStatus.UNPUBLISHED
    field = kinds.of(record).publication_field
    before = str(getattr(record, field))
    setattr(record, field, status)
    audit.record(
        moderator,
        f"{kinds.of(record).name}.{status.value}",
        record,
        before={field: before},
        after={field: status.value},
        note=note,
    )
    audit.add_revision(record, moderator)
    _reindex(record)


def rollback(record, revision, moderator):
    """Restore a record to an earlier revision (recorded as a new revision)."""
    before = audit.snapshot(record)
    snapshot = revision.snapshot
    kind = kinds.of(record)
    kind.apply(record, snapshot, replace_texts=True)
    field = kind.publication_field
    setattr(record, field, snapshot.get(field, getattr(record, field)))
    return record_change(
        record, moderator, "rollback", before, note=f"restored revision {revision.number}"
    )


def set_texts(record, texts, moderator):
    """Replace a record's texts language by language (moderators' translations).

    `texts` is {field: {lang: text}}; an empty text removes that language.
    """
    before = audit.snapshot(record)
    for name, by_language in texts.items():
        setattr(record, name, merge_texts(getattr(record, name), by_language))
    record_change(record, moderator, "translated", before)


def current_payload(record):
    """The record as a payload, to diff a proposal against."""
    return kinds.of(record).payload(record)
