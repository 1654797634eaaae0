"""What an import leaves for moderators besides records: notes on possible duplicates, and the
end of the submissions an earlier import left pending once a later one publishes them."""

from sqlalchemy import select

from peacemap import audit
from peacemap.extensions import db
from peacemap.imports.merging import Matcher, token
from peacemap.models import Submission, SubmissionKind, SubmissionState, User
from peacemap.models.base import utcnow
from peacemap.moderation.duplicates import name_key, spelling
from peacemap.moderation.services import IMPORT_TOKEN
from peacemap.submissions.services import submit


def possible_duplicate(record, others, message, submitter):
    """A report in the moderation queue about a record published by an import that shares an
    acronym with `others` but not a similar name: kept apart, for a moderator to look at.
    Returns (submission, created) as `submit` does."""
    payload = {"reason": "possible_duplicate", "message": message[:2000]}
    payload["organisations"] = [{"slug": other.slug, "name": other.name} for other in others]
    return submit(
        SubmissionKind.REPORT,
        payload,
        form_token=token(payload, record),
        submitter=submitter,
        target=record,
    )


class PendingImports:
    """The open proposals earlier imports made, to close those a published record settles."""

    def __init__(self, actor, note):
        """Load the pending proposals imports made, indexed by their names and acronym."""
        self.actor = actor if isinstance(actor, User) else None
        self.note = note
        self.by_target, self.by_key = {}, {}
        stmt = select(Submission).where(
            Submission.state == SubmissionState.PENDING,
            Submission.form_token.startswith(IMPORT_TOKEN),
            Submission.kind.in_([SubmissionKind.NEW_ORGANISATION, SubmissionKind.CORRECTION]),
        )
        for submission in db.session.scalars(stmt):
            if submission.organisation_id is not None:
                self.by_target.setdefault(submission.organisation_id, []).append(submission)
                continue
            payload = submission.payload or {}
            keys = {name_key(payload.get("name"))}
            keys |= {name_key(text) for text in payload.get("alternate_names") or []}
            keys.add(spelling(payload.get("acronym")))
            for key in keys - {""}:
                self.by_key.setdefault(key, []).append(submission)

    def resolve(self, record, line):
        """Close the pending proposals about `record`, which this import just published or
        found unchanged: withdrawn, with a note saying which import and line settled them,
        and audited. Returns them."""
        matcher = Matcher()
        matcher.remember(
            record.id, record.slug, record.name, record.acronym, record.alternate_names
        )
        keys = {name_key(text) for text in (record.name, *(record.alternate_names or []))}
        keys.add(spelling(record.acronym))
        candidates = list(self.by_target.get(record.id, []))
        for key in keys - {""}:
            candidates += [
                submission
                for submission in self.by_key.get(key, [])
                if matcher.find(submission.payload or {}).org_id == record.id
            ]
        done = []
        for submission in dict.fromkeys(candidates):
            if submission.state != SubmissionState.PENDING:
                continue
            note = f"Superseded: {self.note} (line {line}) published this organisation."
            submission.state = SubmissionState.WITHDRAWN
            submission.decided_at = utcnow()
            submission.moderator = self.actor
            submission.moderator_note = note
            audit.record(
                self.actor,
                "submission.superseded",
                submission,
                before={"state": "pending"},
                after={"state": SubmissionState.WITHDRAWN.value, "organisation_id": record.id},
                note=note,
            )
            done.append(submission)
        return done
