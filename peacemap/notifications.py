"""Mails about submissions, sent after commit (see effects.py): a failure is only logged."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from peacemap import mail
from peacemap.extensions import db
from peacemap.models import Submission, User


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
    for user in db.session.scalars(select(User).where(User.active.is_(True))):
        mail.send(
            mail.build(
                user.email,
                _l("PeaceMap: a submission is waiting for review"),
                "moderator_new_submission",
                "en",
                submission=submission,
            )
        )


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
