"""Personal data that does no harm: what is kept of the people who write to PeaceMap, and for
how long (issue: personal data)."""

from datetime import timedelta

from sqlalchemy import select

from peacemap.extensions import db
from peacemap.models import AccessEvent, AuditEvent, Submission
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


def test_who_saw_private_contacts_is_logged_for_admins_and_told_to_the_owner(
    app, client, login, make_organisation, make_user, outbox
):
    from tests.conftest import fill_and_post, soup
    from tests.test_owners import open_owner_page

    private = make_organisation(name="Private one", email="bureau@sentinel-paix.example.org")
    public = make_organisation(name="Public one", email="pub@example.org", contacts_public=True)
    db.session.commit()
    moderator = login()
    assert client.get(f"/en/moderation/organisations/{private.slug}").status_code == 200
    assert client.get(f"/en/moderation/organisations/{public.slug}").status_code == 200
    events = db.session.scalars(select(AccessEvent)).all()
    assert [(e.organisation_id, e.user_id, e.role, e.page) for e in events] == [
        (private.id, moderator.id, "moderator", "record")
    ]  # (the public one's contacts are no secret: nothing to log)
    # Admins read the log; moderators may not.
    assert client.get("/en/moderation/access").status_code == 403
    admin = app.test_client()
    user = make_user(role="admin")
    fill_and_post(admin, "/en/login", {"email": user.email, "password": "correct horse battery"})
    rows = soup(admin.get("/en/moderation/access")).select("tbody tr")
    assert len(rows) == 1 and "Private one" in rows[0].get_text()
    assert moderator.display_name in rows[0].get_text()
    # The organisation sees how often and when, by role, never by whom.
    with app.test_request_context():
        from peacemap.owners import notifications

        notifications.owner_link(private.id, "link")
    owner = open_owner_page(app, outbox)
    text = soup(owner.get("/en/owner")).select_one("#looks-title").find_parent("section").get_text()
    assert "1 time" in text and "Moderator" in text and moderator.display_name not in text
