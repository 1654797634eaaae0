"""Submitting without an account: forms, receipt, tracking code, revisions, safety."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from peacemap.extensions import db
from peacemap.models import (
    AuditEvent,
    PublicationStatus,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from peacemap.submissions import services
from peacemap.submissions.views import _revision_form
from tests.conftest import approve_on_review, fill_and_post, form_values, soup, textarea_value

NEW_ORG = {
    "name": "Association des Femmes pour la Paix de Ségou",
    "acronym": "AFPS",
    "type": "community_based",
    "country": "ML",
    "language": "fr",
    "summary": "Une association de femmes qui médiatise les conflits fonciers à Ségou.",
    "places": "Segou\nTombouctou",
    "location_precision": "region",
    "email": "contact@afps.example.org",
    "submitter_name": "Aminata Traoré",
    "submitter_email": "aminata@example.org",
    "consent": "y",
}


@pytest.fixture
def theme(make_theme):
    theme = make_theme(slug="mediation", labels={"en": "Mediation", "fr": "Médiation"})
    db.session.commit()
    return theme


def submit_org(client, **changes):
    return fill_and_post(client, "/fr/submit/organisation", {**NEW_ORG, **changes})


def receipt_code(response):
    return soup(response).select_one(".tracking-code strong").text


def test_new_organisation_gives_a_receipt_with_a_code_stored_hashed(client, theme):
    response = submit_org(client, themes=["mediation"])
    assert response.status_code == 200, soup(response).select(".error")
    code = receipt_code(response)
    assert len(code) == 23
    submission = db.session.scalar(select(Submission))
    assert submission.kind == SubmissionKind.NEW_ORGANISATION
    assert submission.state == SubmissionState.PENDING
    assert code not in json.dumps(submission.payload) and submission.tracking_hash != code
    assert submission.tracking_hash == services.hash_code(code)
    payload = submission.payload
    assert payload["summary"] == {"fr": NEW_ORG["summary"]}
    assert payload["themes"] == ["mediation"]
    # "Tombouctou" is found through the gazetteer's alternate names.
    assert [p["name"] for p in payload["places"]] == ["Ségou", "Timbuktu"]
    assert payload["location_precision"] == "region" and submission.language == "fr"
    assert submission.consent and submission.submitter_name == "Aminata Traoré"
    assert db.session.scalar(select(AuditEvent.action)) == "submission.created"


def test_nothing_is_published_before_a_moderator_approves(client, theme):
    submit_org(client)
    listing = client.get("/en/organisations").get_data(as_text=True)
    assert "Ségou" not in listing and "AFPS" not in listing


def test_a_retried_post_returns_the_first_receipt(client):
    page = soup(client.get("/fr/submit/organisation"))
    data = {**form_values(page), **NEW_ORG}
    first = client.post("/fr/submit/organisation", data=data)
    second = client.post("/fr/submit/organisation", data=data)
    assert receipt_code(first) == receipt_code(second)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_errors_are_shown_next_to_fields_and_input_is_kept(client):
    response = submit_org(
        client,
        name="",
        website="javascript:alert(1)",
        places="Atlantis City",
        founded_year="3000",
        consent=None,
        summary="Texte conservé pour la prochaine tentative.",
    )
    assert response.status_code == 400
    page = soup(response)
    errors = {e["id"]: e.text for e in page.select("p.error")}
    assert "name-error" in errors and "website-error" in errors and "consent-error" in errors
    assert "Atlantis City" in errors["places-error"]
    assert "founded_year-error" in errors
    assert (
        textarea_value(page.select_one("#summary")) == "Texte conservé pour la prochaine tentative."
    )
    assert page.select_one("#name")["aria-invalid"] == "true"
    assert page.select(".error-summary li a")
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_length_limits(client):
    response = submit_org(client, name="x" * 301, summary="y" * 601, description="z" * 10001)
    assert response.status_code == 400
    ids = {e["id"] for e in soup(response).select("p.error")}
    assert {"name-error", "summary-error", "description-error"} <= ids


def test_honeypot_keeps_nothing(client):
    response = submit_org(client, homepage="http://spam.example")
    assert response.status_code == 200
    assert soup(response).select_one(".tracking-code") is None
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_csrf_is_required(client):
    page = soup(client.get("/fr/submit/organisation"))
    data = {**form_values(page), **NEW_ORG}
    data.pop("csrf_token")
    response = client.post("/fr/submit/organisation", data=data)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


@pytest.mark.config(RATELIMIT_ENABLED=True, SUBMISSION_RATE_LIMIT="2 per hour")
def test_submissions_are_rate_limited_per_address(client):
    statuses = [submit_org(client).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_correction_and_report_links_on_every_profile(client, make_organisation, make_initiative):
    org = make_organisation(slug="wanep-mali", name="WANEP-Mali")
    make_initiative(slug="peace-exchange", organisations=[(org, "lead")])
    db.session.commit()
    profile = soup(client.get("/en/organisations/wanep-mali"))
    links = {a.text: a["href"] for a in profile.select(".record-actions a")}
    assert links["Suggest a correction"] == "/en/organisations/wanep-mali/suggest"
    assert links["Report a problem"] == "/en/organisations/wanep-mali/report"
    page = soup(client.get("/en/initiatives/peace-exchange"))
    assert page.select_one(".record-actions a")["href"] == "/en/initiatives/peace-exchange/suggest"


def test_correction_form_is_prefilled_and_targets_the_record(client, make_organisation):
    make_organisation(
        slug="sipri", name="SIPRI", summary={"en": "Research on peace."}, language="en"
    )
    db.session.commit()
    page = soup(client.get("/en/organisations/sipri/suggest"))
    assert page.select_one("#name")["value"] == "SIPRI"
    assert textarea_value(page.select_one("#summary")) == "Research on peace."
    response = fill_and_post(
        client,
        "/en/organisations/sipri/suggest",
        {
            "summary": "Independent research on conflict and armaments.",
            "submitter_name": "Ana",
            "consent": "y",
        },
    )
    assert response.status_code == 200
    submission = db.session.scalar(select(Submission))
    assert submission.kind == SubmissionKind.CORRECTION and submission.organisation_id
    assert submission.payload["summary"] == {
        "en": "Independent research on conflict and armaments."
    }


def test_report_needs_no_name(client, make_organisation):
    make_organisation(slug="danger")
    db.session.commit()
    response = fill_and_post(
        client,
        "/en/organisations/danger/report",
        {"reason": "should_not_be_listed", "message": "Listing this group endangers its members."},
    )
    assert response.status_code == 200
    submission = db.session.scalar(select(Submission))
    assert submission.kind == SubmissionKind.REPORT
    assert submission.payload["reason"] == "should_not_be_listed"


def test_new_initiative_with_organisations_by_role(client, make_organisation):
    make_organisation(slug="wanep", name="WANEP")
    make_organisation(slug="ada", name="Austrian Development Agency")
    db.session.commit()
    response = fill_and_post(
        client,
        "/en/submit/initiative",
        {
            "title": "Human security dialogues",
            "language": "en",
            "summary": "Dialogues on human security in northern Mali.",
            "start_date": "2013-11-01",
            "end_date": "2016-10-31",
            "status": "completed",
            "leads": ["wanep"],
            "funders": ["ada"],
            "places": "Gao",
            "submitter_name": "Kofi",
            "consent": "y",
        },
    )
    assert response.status_code == 200, soup(response).select(".error")
    payload = db.session.scalar(select(Submission)).payload
    assert payload["organisations"] == [
        {"slug": "wanep", "role": "lead", "visibility": "public"},
        {"slug": "ada", "role": "funder", "visibility": "unnamed"},  # funders: unnamed by default
    ]
    bad = fill_and_post(
        client,
        "/en/submit/initiative",
        {
            "title": "X" * 5,
            "summary": "Dates the wrong way round.",
            "start_date": "2016-01-01",
            "end_date": "2015-01-01",
            "submitter_name": "Kofi",
            "consent": "y",
        },
    )
    assert bad.status_code == 400
    assert soup(bad).select_one("#end_date-error")


def test_track_shows_state_and_is_private(client):
    code = receipt_code(submit_org(client))
    wrong = fill_and_post(client, "/en/track", {"code": "AAAAA-BBBBB-CCCCC-DDDDD"})
    assert wrong.status_code == 400 and "No submission has this code" in wrong.get_data(True)
    found = fill_and_post(client, "/en/track", {"code": code.lower().replace("-", " ")})
    assert found.status_code == 200
    assert soup(found).select_one("#state-heading").text == "State: Pending"


def test_submitter_revises_after_changes_requested(client, make_user):
    code = receipt_code(submit_org(client))
    submission = db.session.scalar(select(Submission))
    from peacemap.moderation import services as moderation

    moderation.request_changes(submission, make_user(), "Please add the places you work in.")
    db.session.commit()
    page = fill_and_post(client, "/en/track", {"code": code})
    assert "Please add the places you work in." in page.get_data(as_text=True)
    assert soup(page).select_one("form[action='/en/track/revise']")
    response = fill_and_post(
        client,
        "/en/track?show=1",
        {"places": "Ségou\nSan"},
        selector="form[action='/en/track/revise']",
    )
    assert response.status_code == 200
    db.session.refresh(submission)
    assert submission.state == SubmissionState.PENDING
    assert [p["name"] for p in submission.payload["places"]] == ["Ségou", "San"]


def test_submitter_can_withdraw(client):
    code = receipt_code(submit_org(client))
    fill_and_post(client, "/en/track", {"code": code})
    response = fill_and_post(
        client, "/en/track?show=1", {}, selector="form[action='/en/track/withdraw']"
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Submission.state)) == SubmissionState.WITHDRAWN


def test_revise_without_a_tracked_submission_is_refused(client):
    page = soup(client.get("/en/track"))
    token = page.select_one("input[name=csrf_token]")["value"]
    assert client.post("/en/track/revise", data={"csrf_token": token}).status_code == 403
    assert client.post("/en/track/withdraw", data={"csrf_token": token}).status_code == 403


def test_confirmation_mail_is_plain_text_without_the_code(client, outbox, make_user):
    make_user(email="mod@example.org")
    code = receipt_code(submit_org(client, submitter_name="<script>alert(1)</script>"))
    messages = outbox()
    to_submitter = next(m for m in messages if m["To"] == "aminata@example.org")
    body = to_submitter.get_content()
    assert to_submitter.get_content_type() == "text/plain"
    assert "<script>alert(1)</script>" in body  # plain text: shown as typed, never as HTML
    assert code not in body and code.replace("-", "") not in body
    assert "reçu" in to_submitter["Subject"] or "received" in to_submitter["Subject"]
    to_moderator = next(m for m in messages if m["To"] == "mod@example.org")
    # The moderators' mail names the record, never the submitter's details.
    assert NEW_ORG["name"] in to_moderator.get_content()
    for detail in ("<script>alert(1)</script>", "aminata@example.org", "Aminata"):
        assert detail not in to_moderator.get_content()


def test_a_mail_failure_never_loses_the_submission(client, monkeypatch):
    def broken(message):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr("peacemap.mail.send", broken)
    response = submit_org(client)
    assert response.status_code == 200 and receipt_code(response)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


NAUGHTY = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "naughty-strings"


def naughty_sample():
    if not (NAUGHTY / "blns.json").exists():
        return ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
    strings = json.loads((NAUGHTY / "blns.json").read_text(encoding="utf-8"))
    return [s for s in strings if "<" in s or "'" in s or "\\" in s][:60]


def test_naughty_strings_are_stored_as_typed_and_shown_escaped(client, make_user, login):
    samples = naughty_sample()
    for text in samples:
        name = (text.strip() or "blank")[:250] + " org"
        response = submit_org(
            client, name=name, summary=f"Résumé: {text}"[:600], submitter_name=f"N {text}"[:200]
        )
        assert response.status_code in (200, 400)
    stored = db.session.scalars(select(Submission)).all()
    assert len(stored) >= len(samples) // 2
    login()
    queue = client.get("/en/moderation/?state=").get_data(as_text=True)
    for submission in stored:
        assert submission.payload["name"].endswith(" org")
        review = client.get(f"/en/moderation/{submission.id}").get_data(as_text=True)
        assert "<script>alert" not in review and "<img src=x" not in review
    assert "<script>alert" not in queue


def test_submitters_can_write_in_two_languages(client, make_user, login):
    response = submit_org(
        client,
        other_language="ar",
        other_summary="جمعية نسائية للوساطة في النزاعات على الأراضي في سيغو.",
    )
    assert response.status_code == 200, soup(response).select(".error")
    submission = db.session.scalar(select(Submission))
    assert set(submission.payload["summary"]) == {"fr", "ar"}
    same = submit_org(client, other_language="fr", other_summary="Même langue.")
    assert same.status_code == 400 and soup(same).select_one("#other_language-error")
    missing = submit_org(client, other_language="en", other_summary="")
    assert missing.status_code == 400
    assert "deuxième langue" in soup(missing).select_one("#other_language-error").text
    login()
    approve_on_review(client, submission.id)
    lead = soup(client.get("/ar/organisations/afps")).select_one(".lead")
    assert lead["lang"] == "ar" and "سيغو" in lead.text
    french = soup(client.get("/fr/organisations/afps")).select_one(".lead")
    assert french["lang"] == "fr"


def test_networks_are_typed_by_name_acronym_or_line_and_matched(client, make_organisation):
    make_organisation(
        slug="wanep", name="West Africa Network for Peacebuilding", acronym="WANEP", type="network"
    )
    make_organisation(slug="gppac", name="Global Partnership", acronym="GPPAC", type="network")
    make_organisation(slug="peace-net-ml", name="Peace Net", type="network", country="ML")
    make_organisation(slug="peace-net-sn", name="Peace Net", type="network", country="SN")
    make_organisation(slug="sipri", name="SIPRI", type="research")
    db.session.commit()
    # The form lists no organisation: the page stays small however many there are.
    form_page = client.get("/en/submit/organisation").get_data(True)
    assert "gppac" not in form_page and "West Africa Network" not in form_page
    lines = "wanep\nglobal partnership\nPeace Net (peace-net-sn)\nWANEP"
    response = submit_org(client, networks=lines)
    assert response.status_code == 200, soup(response).select(".error")
    assert db.session.scalar(select(Submission)).payload["member_of"] == [
        "gppac",
        "peace-net-sn",
        "wanep",
    ]
    unknown = submit_org(client, networks="WANEP\nNo Such Network\nSIPRI")
    assert unknown.status_code == 400
    error = soup(unknown).select_one("#networks-error").text
    assert "No Such Network" in error and "SIPRI" in error  # SIPRI is not a network
    assert textarea_value(soup(unknown).select_one("#networks")).startswith("WANEP\n")
    shared = submit_org(client, networks="Peace Net")
    assert shared.status_code == 400
    error = soup(shared).select_one("#networks-error").text
    assert "Peace Net (peace-net-ml)" in error and "Peace Net (peace-net-sn)" in error
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_organisation_names_suggested_for_the_type_ahead(client, make_organisation):
    make_organisation(slug="wanep", name="West Africa Network", acronym="WANEP", type="network")
    make_organisation(slug="wanep-mali", name="WANEP Mali", country="ML")
    make_organisation(slug="hidden", name="Wanted", status=PublicationStatus.UNPUBLISHED)
    db.session.commit()
    found = client.get("/api/v1/organisation-names?q=wan").get_json()
    assert [o["slug"] for o in found] == ["wanep-mali", "wanep"]
    assert found[1]["line"] == "West Africa Network (wanep)"
    assert found[1]["label"] == "West Africa Network (WANEP), Mali"
    networks = client.get("/api/v1/organisation-names?q=africa&type=network").get_json()
    assert [o["slug"] for o in networks] == ["wanep"]
    assert client.get("/api/v1/organisation-names?q=50%25").get_json() == []
    assert client.get("/api/v1/organisation-names?q=w").get_json() == []
    assert client.get("/api/v1/organisation-names?q=" + "w" * 101).status_code == 400
    assert client.get("/api/v1/organisation-names?q=wan&type=donor").status_code == 400


def test_revision_form_shows_organisations_as_lines(client, make_organisation):
    make_organisation(slug="wanep", name="WANEP")
    db.session.commit()
    response = fill_and_post(
        client,
        "/en/submit/initiative",
        {
            "title": "Dialogues",
            "language": "en",
            "summary": "Dialogues on human security in northern Mali.",
            "leads": "WANEP",
            "submitter_name": "Kofi",
            "consent": "y",
        },
    )
    assert response.status_code == 200, soup(response).select(".error")
    submission = db.session.scalar(select(Submission))
    assert submission.payload["organisations"] == [
        {"slug": "wanep", "role": "lead", "visibility": "public"}
    ]
    with client.application.test_request_context("/en/track"):
        assert _revision_form(submission).leads._value() == "WANEP (wanep)"


def test_the_blank_forms_fields_are_rendered_once_with_each_visitors_own_tokens(
    app, monkeypatch, make_theme
):
    from peacemap import fragments

    renders = []
    real = fragments.render_template
    monkeypatch.setattr(
        fragments, "render_template", lambda *a, **k: renders.append(a[0]) or real(*a, **k)
    )
    first, second = app.test_client(), app.test_client()
    pages = [soup(c.get("/en/submit/organisation")) for c in (first, second, first)]
    assert renders == [
        "submissions/_organisation_fields.html",
        "submissions/_submitter_fields.html",
    ]
    assert all(page.select_one("#name") for page in pages)  # the kept fields are in the page
    tokens = [
        (p.select_one("#csrf_token")["value"], p.select_one("#form_token")["value"]) for p in pages
    ]
    assert len({csrf for csrf, _ in tokens[:2]}) == 2  # each visitor's own session token
    assert len({token for _, token in tokens}) == 3  # a new one-time token every time
    # Each visitor's token is valid in their own session only.
    for client, (csrf, token) in ((first, tokens[0]), (second, tokens[1])):
        data = {**NEW_ORG, "csrf_token": csrf, "form_token": token}
        assert client.post("/en/submit/organisation", data=data).status_code == 200
    data = {**NEW_ORG, "csrf_token": tokens[0][0], "form_token": "x" * 20}
    assert second.post("/en/submit/organisation", data=data).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 2

    # Each language has its own; a new theme (a new data version) shows at the next request.
    french = soup(first.get("/fr/submit/organisation"))
    assert french.select_one("label[for=name]").get_text(strip=True) == "Nom"
    assert len(renders) == 4
    make_theme(slug="new-theme", labels={"en": "A theme added just now"})
    db.session.commit()
    page = first.get("/en/submit/organisation").get_data(True)
    assert "A theme added just now" in page
    assert len(renders) == 6


def test_a_form_with_what_the_visitor_typed_is_never_kept(app, monkeypatch):
    from peacemap import fragments

    asked = []
    real = fragments.kept
    monkeypatch.setattr(fragments, "kept", lambda *a, **k: asked.append(a) or real(*a, **k))
    client = app.test_client()
    blank = soup(client.get("/en/submit/organisation"))
    assert len(asked) == 1  # control: the blank form does use the kept fields
    data = {
        "csrf_token": blank.select_one("#csrf_token")["value"],
        "form_token": blank.select_one("#form_token")["value"],
        "name": "Typed by me",
    }
    response = client.post("/en/submit/organisation", data=data)
    assert response.status_code == 400
    assert soup(response).select_one("#name")["value"] == "Typed by me"
    assert len(asked) == 1


def test_signed_in_people_get_the_form_rendered_for_them(client, login):
    login()
    page = client.get("/en/submit/organisation").get_data(True)
    assert "Sign out" in page
