"""Personal data that does no harm: what is kept of the people who write to PeaceMap, and for
how long (issue: personal data)."""

from datetime import timedelta

from sqlalchemy import select

from peacemap.extensions import db
from peacemap.models import AuditEvent, Submission
from peacemap.models.base import utcnow
from tests.test_submissions import NEW_ORG, submit_org


def days_ago(days):
    return utcnow() - timedelta(days=days)


def test_data_purge_forgets_who_sent_a_submission_90_days_after_its_decision(
    client, runner, make_user
):
    """The clock moved: submissions decided 91 and 89 days ago, withdrawn 91 days ago, open."""
    moderator = make_user()
    for _ in range(4):
        assert submit_org(client, submitter_role="Voisine").status_code == 200
    old, recent, withdrawn, open_one = db.session.scalars(
        select(Submission).order_by(Submission.id)
    ).all()
    for submission, days in ((old, 91), (recent, 89)):
        submission.state, submission.moderator = "rejected", moderator
        submission.decided_at = days_ago(days)
        submission.moderator_note = "Not a peacebuilding organisation."
    withdrawn.state = "withdrawn"
    db.session.commit()
    db.session.execute(
        Submission.__table__.update()
        .where(Submission.id == withdrawn.id)
        .values(updated_at=days_ago(91))
    )
    db.session.commit()
    result = runner.invoke(args=["data", "purge"])
    assert result.exit_code == 0, result.output
    assert "2 submissions" in result.output
    db.session.expire_all()
    for submission in (old, withdrawn):
        submission = db.session.get(Submission, submission.id)
        assert (submission.submitter_name, submission.submitter_email) == ("", None)
        assert submission.submitter_role is None
    old = db.session.get(Submission, old.id)
    assert old.state == "rejected" and old.moderator_note == "Not a peacebuilding organisation."
    assert old.payload["name"] == NEW_ORG["name"]  # the proposal itself stays
    for submission in (recent, open_one):  # (controls: what the purge must leave)
        submission = db.session.get(Submission, submission.id)
        assert submission.submitter_email == NEW_ORG["submitter_email"]
        assert submission.submitter_name == NEW_ORG["submitter_name"]
        assert submission.submitter_role == "Voisine"
    assert "0 submissions" in runner.invoke(args=["data", "purge"]).output
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data.purged"))
    assert [event.after for event in events] == [{"submissions": 2}]
