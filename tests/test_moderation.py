"""Moderators: access rules, every state transition, review, decisions, records, audit."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from peacemap.extensions import db
from peacemap.models import (
    AuditEvent,
    Organisation,
    Revision,
    Submission,
    SubmissionState,
    VerificationLevel,
)
from peacemap.models.base import utcnow
from peacemap.moderation import services as moderation
from peacemap.submissions import services as submissions
from tests.conftest import approve_on_review, fill_and_post, soup

S = SubmissionState


def propose(payload=None, kind="new_organisation", target=None, email=None):
    """A submission as if sent through the public form."""
    payload = payload or {
        "name": "Réseau des Jeunes pour la Paix",
        "acronym": "RJP",
        "type": "network",
        "country": "ML",
        "language": "fr",
        "summary": {"fr": "Un réseau de jeunes médiateurs."},
        "description": {"fr": ""},
        "themes": [],
        "places": [{"geonameid": 2460596, "name": "Bamako", "country": "ML"}],
        "location_precision": "commune",
        "contacts_public": False,
        "alternate_names": [],
        "identifiers": [],
    }
    submission, _ = submissions.submit(
        kind,
        payload,
        form_token=submissions.new_form_token(),
        submitter={"name": "Awa", "email": email, "consent": True},
        target=target,
    )
    db.session.commit()
    return submission


def moderator_routes(app):
    """Every moderation URL, with placeholder arguments, and its methods."""
    values = {
        "submission_id": 1,
        "kind": "organisations",
        "slug": "x",
        "number": 1,
        "user_id": 1,
        "area_id": 1,
    }
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("moderation."):
                args = {name: values.get(name, "en") for name in rule.arguments}
                args["lang_code"] = "en"
                url = app.url_map.bind("localhost").build(rule.endpoint, args)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    yield rule.endpoint, method, url


ADMIN_ONLY = {
    "moderation.users",
    "moderation.toggle_user",
    "moderation.crisis_areas",
    "moderation.set_crisis",
    "moderation.lift_crisis",
}


def test_anonymous_visitors_are_sent_to_login_on_every_moderator_route(app, client):
    routes = list(moderator_routes(app))
    assert len(routes) >= 15
    for endpoint, method, url in routes:
        response = client.open(url, method=method)
        if method == "POST":
            # No session, so no CSRF token: refused before anything else.
            assert response.status_code in (302, 400), (endpoint, response.status_code)
        else:
            assert response.status_code == 302, endpoint
            assert response.headers["Location"].startswith("/en/login?next="), endpoint


def test_moderators_get_403_on_admin_routes(app, client, login):
    login("moderator")
    token = soup(client.get("/en/moderation/")).select_one("input[name=csrf_token]")["value"]
    for endpoint, method, url in moderator_routes(app):
        if endpoint in ADMIN_ONLY:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (endpoint, method)


def test_admins_reach_admin_routes(client, login, make_user):
    login("admin")
    other = make_user(email="other@example.org")
    assert client.get("/en/moderation/users").status_code == 200
    response = fill_and_post(
        client,
        "/en/moderation/users",
        {},
        selector=f"form[action='/en/moderation/users/{other.id}/active']",
    )
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.active is False


ALLOWED = {
    (S.PENDING, S.APPROVED),
    (S.PENDING, S.REJECTED),
    (S.PENDING, S.CHANGES_REQUESTED),
    (S.PENDING, S.SPAM),
    (S.CHANGES_REQUESTED, S.APPROVED),
    (S.CHANGES_REQUESTED, S.REJECTED),
    (S.CHANGES_REQUESTED, S.SPAM),
}
DECISIONS = {
    S.APPROVED: lambda sub, mod: moderation.approve(sub, mod),
    S.REJECTED: lambda sub, mod: moderation.reject(sub, mod, "Not a peacebuilding group."),
    S.CHANGES_REQUESTED: lambda sub, mod: moderation.request_changes(sub, mod, "Add places."),
    S.SPAM: lambda sub, mod: moderation.mark_spam(sub, mod),
}


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("goal", list(DECISIONS))
def test_every_state_transition(app, make_user, start, goal):
    moderator = make_user()
    submission = propose()
    if start in (S.APPROVED, S.REJECTED, S.SPAM):
        submission.moderator, submission.decided_at = moderator, utcnow()
    submission.state = start
    db.session.commit()
    if (start, goal) in ALLOWED:
        DECISIONS[goal](submission, moderator)
        db.session.commit()
        assert submission.state == goal
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == f"submission.{goal.value}")
        )
    else:
        with pytest.raises(moderation.DecisionError):
            DECISIONS[goal](submission, moderator)


def test_revise_and_withdraw_transitions(app, make_user):
    submission = propose()
    with pytest.raises(submissions.StateError):
        submissions.revise(submission, submission.payload)
    moderation.request_changes(submission, make_user(), "More detail please.")
    submissions.revise(submission, {**submission.payload, "acronym": "RJP-ML"})
    assert submission.state == S.PENDING
    submissions.withdraw(submission)
    assert submission.state == S.WITHDRAWN
    with pytest.raises(submissions.StateError):
        submissions.withdraw(submission)


def test_database_refuses_a_decision_without_moderator(app):
    submission = propose()
    submission.state = S.APPROVED
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_refuses_unknown_states(app):
    submission = propose()
    with pytest.raises(IntegrityError):
        db.session.execute(
            db.text("UPDATE submissions SET state = 'maybe' WHERE id = :id"), {"id": submission.id}
        )
    db.session.rollback()


def test_queue_lists_filters_and_counts(client, login):
    propose()
    other = propose({**propose().payload, "name": "Second"})
    other.state = S.CHANGES_REQUESTED
    db.session.commit()
    login()
    page = soup(client.get("/en/moderation/"))
    assert len(page.select("table.queue tbody tr")) == 3
    counts = {
        li.select_one("strong").text: li.get_text(" ", strip=True)
        for li in page.select(".state-counts li")
    }
    assert any(text == "2 Pending" for text in counts.values())
    pending_only = soup(client.get("/en/moderation/?state=changes_requested"))
    assert len(pending_only.select("table.queue tbody tr")) == 1
    old_only = soup(client.get("/en/moderation/?age=30"))
    assert "Nothing to review" in old_only.text
    assert client.get("/en/moderation/?kind=nonsense").status_code == 400


def test_approve_publishes_with_revision_audit_and_mail(client, login, outbox):
    submission = propose(email="awa@example.org")
    login()
    page = soup(client.get(f"/en/moderation/{submission.id}"))
    assert "Proposed record" in page.text
    response = approve_on_review(
        client, submission.id, {"approve-name": "Réseau des Jeunes pour la Paix du Mali"}
    )
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert org.name == "Réseau des Jeunes pour la Paix du Mali"  # edited before approval
    assert org.slug == "rjp" and org.is_published
    assert [loc.name for loc in org.locations] == ["Bamako"]
    assert client.get("/en/organisations/rjp").status_code == 200
    revision = db.session.scalar(select(Revision))
    assert (revision.object_id, revision.number, revision.submission_id) == (
        org.id,
        1,
        submission.id,
    )
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"submission.approved", "submission.edited", "organisation.created"} <= actions
    decided = [m for m in outbox() if m["To"] == "awa@example.org"]
    assert decided and "Approuvée" in decided[-1].get_content()  # in the submitter's language


def test_reject_and_request_changes_need_a_message(client, login):
    submission = propose()
    login()
    url = f"/en/moderation/{submission.id}"
    empty = fill_and_post(client, url, {"reject-note": ""}, selector=f"form[action='{url}/reject']")
    assert empty.status_code == 400
    assert db.session.scalar(select(Submission.state)) == S.PENDING
    response = fill_and_post(
        client,
        url,
        {"changes-note": "Which communes do you work in?"},
        selector=f"form[action='{url}/request-changes']",
    )
    assert response.status_code == 302
    db.session.refresh(submission)
    assert submission.state == S.CHANGES_REQUESTED
    assert submission.moderator_note == "Which communes do you work in?"
    response = fill_and_post(
        client, url, {"reject-note": "Outside our scope."}, selector=f"form[action='{url}/reject']"
    )
    db.session.refresh(submission)
    assert submission.state == S.REJECTED and submission.decided_at is not None


def test_correction_shows_a_diff_and_updates_the_record(client, login, make_organisation):
    org = make_organisation(
        slug="sipri", name="SIPRI", summary={"en": "Old summary."}, language="en"
    )
    db.session.commit()
    payload = moderation.current_payload(org)
    payload["summary"] = {"en": "New summary."}
    submission = propose(payload, kind="correction", target=org)
    login()
    page = soup(client.get(f"/en/moderation/{submission.id}"))
    changed = {
        row.th.get_text(" ", strip=True): [td.get_text().strip() for td in row("td")]
        for row in page.select("table.diff tr.changed")
    }
    assert changed == {"Summary (en) changed": ["Old summary.", "New summary."]}
    approve_on_review(client, submission.id)
    db.session.refresh(org)
    assert org.summary == {"en": "New summary."}
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_duplicates_found_across_case_and_accents_and_merged(client, login, make_organisation):
    existing = make_organisation(
        slug="conascipal",
        name="Coalition Nationale de la Société Civile pour la Paix et la Lutte contre la "
        "Prolifération des Armes Légères",
        acronym="CONASCIPAL",
        website="https://www.conascipal.example.org/",
    )
    make_organisation(name="Unrelated Women's Group")
    db.session.commit()
    by_acronym = propose({**propose().payload, "name": "conascipal", "acronym": None})
    by_accents = propose(
        {
            **propose().payload,
            "acronym": None,
            "name": "coalition nationale de la societe civile pour la paix",
        }
    )
    by_site = propose({**propose().payload, "website": "http://conascipal.example.org/about"})
    login()
    for submission in (by_acronym, by_accents, by_site):
        page = soup(client.get(f"/en/moderation/{submission.id}"))
        names = [a.text for a in page.select(".duplicates li > a")]
        assert names and names[0].startswith("Coalition Nationale"), submission.payload["name"]
        assert "Unrelated" not in " ".join(names)
    response = fill_and_post(
        client,
        f"/en/moderation/{by_acronym.id}",
        {},
        selector=f"form[action='/en/moderation/{by_acronym.id}/merge']",
    )
    assert response.status_code == 302
    approve_on_review(client, by_acronym.id)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2
    db.session.refresh(existing)
    assert existing.name == "conascipal"  # the proposal updated the existing record


def test_bulk_approve_and_reject(client, login):
    first, second, third = propose(), propose(), propose()
    login()
    page = soup(client.get("/en/moderation/"))
    token = page.select_one("form[action='/en/moderation/bulk'] input[name=csrf_token]")["value"]
    # The three proposals are the same organisation: the second is approved only because
    # the moderator confirmed it (tests/test_imports_matching.py: held back otherwise).
    response = client.post(
        "/en/moderation/bulk",
        data={
            "csrf_token": token,
            "ids": [first.id, second.id],
            "confirmed": [second.id],
            "action": "approve",
            "note": "",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/en/moderation/bulk",
        data={
            "csrf_token": token,
            "ids": [second.id, third.id],
            "action": "reject",
            "note": "Dupes",
        },
    )
    states = dict(db.session.execute(select(Submission.id, Submission.state)).all())
    assert states == {first.id: S.APPROVED, second.id: S.APPROVED, third.id: S.REJECTED}
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_verify_unpublish_republish_and_rollback(client, login, make_organisation):
    org = make_organisation(
        slug="wanep", name="WANEP", summary={"en": "West Africa Network for Peacebuilding."}
    )
    db.session.commit()
    moderator = login()
    base = "/en/moderation/organisations/wanep"
    fill_and_post(
        client,
        base,
        {"verify-level": "field_verified", "verify-note": "Visited"},
        selector=f"form[action='{base}/verify']",
    )
    profile = soup(client.get("/en/organisations/wanep")).get_text(" ", strip=True)
    assert "Verified in the field by PeaceMap moderators on" in profile
    assert moderator.display_name not in profile  # no person's name on a public page

    fill_and_post(client, base, {}, selector=f"form[action='{base}/publication']")
    assert client.get("/en/organisations/wanep").status_code == 404
    assert "WANEP" not in client.get("/en/organisations").get_data(as_text=True)
    fill_and_post(client, base, {}, selector=f"form[action='{base}/publication']")
    assert client.get("/en/organisations/wanep").status_code == 200

    payload = moderation.current_payload(org)
    submission = propose({**payload, "name": "WANEP renamed"}, kind="correction", target=org)
    approve_on_review(client, submission.id)
    db.session.refresh(org)
    assert org.name == "WANEP renamed"
    numbers = [r.number for r in db.session.scalars(select(Revision).order_by(Revision.number))]
    assert numbers == [1, 2, 3]
    fill_and_post(client, base, {}, selector=f"form[action='{base}/rollback/2']")
    db.session.refresh(org)
    assert org.name == "WANEP" and org.is_published
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    for action in (
        "organisation.verification",
        "organisation.unpublished",
        "organisation.published",
        "organisation.updated",
        "organisation.rollback",
    ):
        assert action in actions
    audit_page = soup(client.get("/en/moderation/audit"))
    assert "organisation.rollback" in audit_page.text


def test_verification_without_date_is_refused_by_the_database(app, make_organisation):
    org = make_organisation()
    org.verification_level = VerificationLevel.FIELD_VERIFIED
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_failing_side_effect_never_loses_a_decision(client, login, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("search index is locked")

    monkeypatch.setattr("peacemap.notifications.decision_made", broken)
    monkeypatch.setattr("peacemap.mail.send", broken)
    submission = propose(email="x@example.org")
    login()
    response = approve_on_review(client, submission.id)
    assert response.status_code == 302
    db.session.refresh(submission)
    assert submission.state == S.APPROVED
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_new_member_of_a_network_appears_among_its_members(client, login, make_organisation):
    make_organisation(
        slug="wanep", name="West Africa Network for Peacebuilding", acronym="WANEP", type="network"
    )
    db.session.commit()
    response = fill_and_post(
        client,
        "/en/submit/organisation",
        {
            "name": "WANEP Mali",
            "summary": "The national network office of WANEP in Mali.",
            "networks": ["wanep"],
            "submitter_name": "Ibrahim",
            "consent": "y",
        },
    )
    assert response.status_code == 200
    submission = db.session.scalar(select(Submission))
    assert submission.payload["member_of"] == ["wanep"]
    login()
    # Shown as sent before WANEP Mali confirms: the moderator says why that is safe.
    approve_on_review(
        client,
        submission.id,
        {"approve-wider_reason": "WANEP lists its Mali office on its own website."},
    )
    members = soup(client.get("/en/organisations/wanep")).select_one("#members").find_next("ul")
    assert "WANEP Mali" in members.text


def test_deciding_twice_is_a_conflict_not_a_crash(client, login):
    submission = propose()
    login()
    url = f"/en/moderation/{submission.id}"
    page = soup(client.get(url))
    token = page.select_one(f"form[action='{url}/spam'] input[name$=csrf_token]")["value"]
    assert client.post(f"{url}/spam", data={"spam-csrf_token": token}).status_code == 302
    again = client.post(
        f"{url}/reject", data={"reject-csrf_token": token, "reject-note": "Too late."}
    )
    assert again.status_code == 409
    db.session.refresh(submission)
    assert submission.state == S.SPAM and submission.moderator_note is None


def test_two_moderators_deciding_at_once_cannot_both_win(app, make_user):
    from sqlalchemy.orm.exc import StaleDataError

    first, second = make_user(), make_user()
    submission = propose()
    assert submission.state == S.PENDING  # loaded by this session, at version 1
    with db.engine.begin() as other:  # another worker's transaction decides first
        other.execute(
            db.text(
                "UPDATE submissions SET state = 'rejected', moderator_id = :moderator, "
                "decided_at = CURRENT_TIMESTAMP, version = version + 1 WHERE id = :id"
            ),
            {"moderator": second.id, "id": submission.id},
        )
    with pytest.raises(StaleDataError):
        moderation.approve(submission, first)
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Submission, submission.id).state == S.REJECTED
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_approving_a_new_initiative_links_its_organisations(client, login, make_organisation):
    make_organisation(slug="wanep", name="WANEP")
    make_organisation(slug="ada", name="Austrian Development Agency")
    db.session.commit()
    submission = propose(
        {
            "title": {"en": "Human security dialogues"},
            "summary": {"en": "Dialogues on human security in northern Mali."},
            "description": {"en": ""},
            "language": "en",
            "start_date": "2013-11-01",
            "end_date": "2016-10-31",
            "status": "completed",
            "themes": [],
            "places": [{"geonameid": 2457163, "name": "Gao", "country": "ML"}],
            "location_precision": "commune",
            "organisations": [{"slug": "wanep", "role": "lead"}, {"slug": "ada", "role": "funder"}],
        },
        kind="new_initiative",
    )
    login()
    response = approve_on_review(client, submission.id)
    assert response.status_code == 302
    page = soup(client.get("/en/initiatives/human-security-dialogues"))
    assert page.select_one("#role-lead").find_next("ul").text.strip() == "WANEP"
    assert "Austrian" in page.select_one("#role-funder").find_next("ul").text
    assert "Gao" in page.select_one(".profile-facts").text


def test_moderators_add_and_correct_translations(client, login, make_organisation):
    make_organisation(
        slug="hsc",
        name="Human Security Collective",
        language="en",
        summary={"en": "A foundation in The Hague."},
    )
    db.session.commit()
    login()
    base = "/en/moderation/organisations/hsc"
    page = soup(client.get(base))
    arabic = page.select_one("#texts-summary_ar")
    assert arabic["lang"] == "ar" and arabic["dir"] == "rtl"
    response = fill_and_post(
        client,
        base,
        {"texts-summary_ar": "مؤسسة في لاهاي.", "texts-summary_fr": ""},
        selector=f"form[action='{base}/texts']",
    )
    assert response.status_code == 302
    lead = soup(client.get("/ar/organisations/hsc")).select_one(".lead")
    assert lead.text == "مؤسسة في لاهاي." and lead["lang"] == "ar" and not lead.select(".shown-in")
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.translated")
    )
    too_long = fill_and_post(
        client, base, {"texts-summary_en": "x" * 601}, selector=f"form[action='{base}/texts']"
    )
    assert too_long.status_code == 400
