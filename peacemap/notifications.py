"""Mails about submissions, sent after commit (see effects.py): a failure is only logged."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from peacemap import mail
from peacemap.extensions import db
from peacemap.models import Initiative, Organisation, Submission, User


def submission_received(submission_id):
    """Confirm receipt to the submitter and tell every active moderator."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        return
    if submission.submitter_email:
        mail.send(
            mail.build(
                submission.submitter_email,
                _l("PeaceMap: we received your submission"),
                "submission_received",
                submission.language,
                submission=submission,
            )
        )
    # Moderators are told which record, never who sent it: mail leaves the site, and a
    # moderator reads the submitter's details on the review page if need be.
    about = _about(submission)
    for user in db.session.scalars(select(User).where(User.active.is_(True))):
        mail.send(
            mail.build(
                user.email,
                _l("PeaceMap: a submission is waiting for review"),
                "moderator_new_submission",
                "en",
                submission=submission,
                about=about,
            )
        )


def _about(submission):
    """The name of the record a submission proposes or is about."""
    payload = submission.payload or {}
    if payload.get("name"):
        return payload["name"]
    if payload.get("title"):
        return next(iter(payload["title"].values()))
    if submission.organisation_id:
        return db.session.get(Organisation, submission.organisation_id).name
    if submission.initiative_id:
        title = db.session.get(Initiative, submission.initiative_id).title or {}
        return next(iter(title.values()), "")
    return ""


def decision_made(submission_id):
    """Tell the submitter (if they left an address) what the moderators decided."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or not submission.submitter_email:
        return
    mail.send(
        mail.build(
            submission.submitter_email,
            _l("PeaceMap: news about your submission"),
            "submission_decided",
            submission.language,
            submission=submission,
        )
    )
