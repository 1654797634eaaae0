"""The organisation decides: protective until it confirms, its owner link and page, its choices,
"hide us now" on every surface, the do-not-list register."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from peacemap import effects
from peacemap.extensions import db
from peacemap.models import (
    AuditEvent,
    ConsentRecord,
    DoNotList,
    Organisation,
    OwnerConsent,
    OwnerToken,
    Submission,
)
from peacemap.models.base import utcnow
from tests.conftest import approve_on_review, fill_and_post, soup

EMAIL = "bureau@sentinel-paix.example.org"
PHONE = "+223 70 11 22 33"
NEW_ORG = {
    "name": "Collectif Sentinelle pour la Paix",
    "acronym": "COSEP",
    "type": "community_based",
    "country": "ML",
    "language": "fr",
    "summary": "Un collectif de médiation entre éleveurs et agriculteurs.",
    "places": "Segou",
    "location_precision": "commune",
    "email": EMAIL,
    "phone": PHONE,
    "website": "https://www.sentinelle-paix.example.org/",
    "contacts_public": "y",
    "networks": ["wanep"],
    "submitter_name": "Un voisin",
    "submitter_email": "voisin@example.org",
    "consent": "y",
}
LINK = re.compile(r"http://localhost(/(?:fr|en|ar)/owner/[A-Za-z0-9_-]{30,})")


def owner_links(outbox, to=EMAIL):
    """The owner links mailed to `to`, oldest first."""
    return [
        LINK.search(message.get_content()).group(1)
        for message in outbox()
        if message["To"] == to and LINK.search(message.get_content())
    ]


@pytest.fixture
def wanep(make_organisation):
    org = make_organisation(
        slug="wanep", name="West Africa Network for Peacebuilding", type="network"
    )
    db.session.commit()
    return org


@pytest.fixture
def listed(app, client, login, wanep):
    """NEW_ORG sent by a third party from the public form, approved by a moderator (signed in
    on `client`) without a reason to show more; returns a function that does it."""

    def send_and_approve(reason=None, **changes):
        visitor = app.test_client()
        sent = fill_and_post(visitor, "/fr/submit/organisation", {**NEW_ORG, **changes})
        assert sent.status_code == 200
        submission = db.session.scalar(select(Submission).order_by(Submission.id.desc()))
        if not getattr(client, "signed_in", False):
            login()
            client.signed_in = True
        response = approve_on_review(
            client, submission.id, {"approve-wider_reason": reason} if reason else {}
        )
        assert response.status_code == 302, soup(response).select(".error")
        db.session.expire_all()
        return db.session.scalar(select(Organisation).where(Organisation.name == NEW_ORG["name"]))

    return send_and_approve


def page_text(client, path, **query):
    response = client.get(path, query_string=query)
    return response.status_code, response.get_data(as_text=True)


def open_owner_page(app, outbox):
    owner = app.test_client()
    link = owner_links(outbox)[-1]
    response = owner.get(link)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/owner")
    return owner


def confirm(owner, **choices):
    return fill_and_post(owner, "/fr/owner", choices, selector="form[action$='/owner/confirm']")


# -- the whole walk -------------------------------------------------------------------------------
PUBLIC_SURFACES = [
    ("/fr/organisations", {}),
    ("/fr/organisations", {"q": "Sentinelle"}),
    ("/en/organisations/wanep", {}),
    ("/fr/search", {"q": "Sentinelle"}),
    ("/api/v1/search", {"q": "Sentinelle"}),
    ("/fr/map", {}),
    ("/api/v1/organisations.geojson", {}),
    ("/api/v1/organisations", {}),
    ("/api/v1/organisations", {"q": "Sentinelle"}),
    ("/api/v1/exports/organisations.csv", {}),
    ("/api/v1/exports/organisations.geojson", {}),
    ("/api/v1/exports/organisations.hsds.json", {}),
    ("/api/v1/organisation-names", {"q": "Collectif"}),
    ("/fr/", {}),
]


def test_third_party_listing_to_confirmed_choices_to_hidden_everywhere(
    app, client, listed, outbox, monkeypatch
):
    org = listed()
    visitor = app.test_client()

    # The public sees the country only, no contacts, no names of its relations.
    status, page = page_text(visitor, f"/fr/organisations/{org.slug}")
    assert status == 200 and NEW_ORG["name"] in page
    assert "Ségou" not in page and "Segou" not in page
    assert EMAIL not in page and "70 11 22 33" not in page
    _, network = page_text(visitor, "/en/organisations/wanep")
    assert NEW_ORG["name"] not in network and "name not shown" in network
    assert org.owner_consent == OwnerConsent.UNCONFIRMED

    # The owner mail went to the contact address, in the record's language, with a link.
    mails = [m for m in outbox() if m["To"] == EMAIL]
    assert len(mails) == 1 and "PeaceMap" in mails[0]["Subject"]
    assert "Jusqu’à ce que vous confirmiez" in mails[0].get_content()  # the record's language
    owner = open_owner_page(app, outbox)
    owner_page = soup(owner.get("/fr/owner"))
    assert owner_page.select_one("h1").get_text(strip=True).endswith(NEW_ORG["name"])

    # Confirm, asking for the region and public contacts: the address was typed by a third
    # party, so what shows more waits for a moderator.
    response = confirm(
        owner, **{"choices-location_precision": "region", "choices-contacts_public": "y"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert org.owner_consent == OwnerConsent.CONFIRMED
    assert org.pending_choices == {"location_precision": "region", "contacts_public": True}
    _, page = page_text(visitor, f"/fr/organisations/{org.slug}")
    assert "Ségou" not in page and EMAIL not in page
    assert "Confirmé par l’organisation" in page
    consent = db.session.scalar(
        select(ConsentRecord).where(ConsentRecord.organisation_id == org.id)
    )
    assert (
        consent.address_hash and EMAIL not in str(consent.choices) and consent.address_hash != EMAIL
    )

    # A moderator approves the widening: the public sees exactly that.
    response = fill_and_post(
        client,
        f"/en/moderation/organisations/{org.slug}",
        {"pending-decision": "approve"},
        selector="form[action$='/pending']",
    )
    assert response.status_code == 302
    status, page = page_text(visitor, f"/fr/organisations/{org.slug}")
    assert "Ségou" in page  # the region
    assert EMAIL in page
    assert NEW_ORG["name"] not in page_text(visitor, "/en/organisations/wanep")[1]  # links kept

    # Before "hide us now", every surface shows it (the control of what follows).
    shown = [
        path
        for path, query in PUBLIC_SURFACES
        if NEW_ORG["name"] in page_text(visitor, path, **query)[1]
        or org.slug in page_text(visitor, path, **query)[1]
    ]
    assert len(shown) >= 10, shown

    # "Hide us now", with the search index update made to fail.
    def broken(*args, **kwargs):
        raise RuntimeError("the search index is down")

    monkeypatch.setattr(search_service(), "reindex", broken)
    hide = fill_and_post(owner, "/fr/owner", {}, selector="form[action$='/owner/hide']")
    assert hide.status_code == 303
    unknown_status, unknown = page_text(visitor, "/fr/organisations/no-such-organisation")
    status, page = page_text(visitor, f"/fr/organisations/{org.slug}")
    assert (status, page.replace(org.slug, "")) == (
        unknown_status,
        unknown.replace("no-such-organisation", ""),
    )
    assert status == 404
    for path, query in PUBLIC_SURFACES:
        status, body = page_text(visitor, path, **query)
        assert status == 200, (path, status)
        assert NEW_ORG["name"] not in body and org.slug not in body, (path, query)
    assert page_text(visitor, f"/api/v1/organisations/{org.slug}")[0] == 404
    # Nor counted: the search index still has it (its update failed), the answer does not.
    assert visitor.get("/api/v1/search", query_string={"q": "Sentinelle"}).json["total"] == 0
    # Moderators are told; the owner can bring it back.
    assert any("changed its listing" in m["Subject"] for m in outbox())
    fill_and_post(owner, "/fr/owner", {}, selector="form[action$='/owner/show']")
    assert page_text(visitor, f"/fr/organisations/{org.slug}")[0] == 200


def search_service():
    from peacemap.search import service

    return service


# -- owner links ----------------------------------------------------------------------------------
def test_an_owner_link_works_once_and_a_wrong_expired_or_used_one_gets_the_same_page(
    app, listed, outbox
):
    org = listed()
    link = owner_links(outbox)[-1]
    owner = app.test_client()
    assert owner.get(link).status_code == 303
    used = owner.get(link)
    wrong = app.test_client().get(link[:-4] + "AAAA")
    # A fresh link, then moved past its expiry.
    app.test_client().post("/fr/owner", data={})  # (no CSRF: refused, nothing mailed)
    fill_and_post(app.test_client(), "/fr/owner", {"ask-email": EMAIL.upper()})
    fresh = owner_links(outbox)[-1]
    assert fresh != link
    token = db.session.scalar(select(OwnerToken).order_by(OwnerToken.id.desc()))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = app.test_client().get(fresh)
    pages = [soup(r).select_one("main") for r in (used, wrong, expired)]
    assert [r.status_code for r in (used, wrong, expired)] == [200, 200, 200]
    assert pages[0].get_text() == pages[1].get_text() == pages[2].get_text()
    assert pages[0].select_one("[role=alert]")  # it says the link cannot be used
    # Only hashes are stored, and a new link ended the earlier unused one.
    stored = db.session.scalars(select(OwnerToken.token_hash)).all()
    assert not any(link.rsplit("/", 1)[1] in value for value in stored)
    assert all(t.used_at for t in db.session.scalars(select(OwnerToken)) if t.expires_at > utcnow())
    assert org.id == token.organisation_id


def test_asking_for_a_link_answers_the_same_for_a_known_and_an_unknown_address(app, listed, outbox):
    listed()
    before = len(outbox())
    known = fill_and_post(app.test_client(), "/en/owner", {"ask-email": EMAIL})
    unknown = fill_and_post(app.test_client(), "/en/owner", {"ask-email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert soup(known).select_one("main").get_text() == soup(unknown).select_one("main").get_text()
    sent = outbox()[before:]
    assert [m["To"] for m in sent] == [EMAIL]  # control: the known one was mailed


def test_owner_pages_send_no_referrer_and_are_never_kept(app, listed, outbox):
    listed()
    owner = open_owner_page(app, outbox)
    for response in (owner.get("/fr/owner"), app.test_client().get("/fr/owner")):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response.headers["Cache-Control"]
    assert app.test_client().get("/fr/").headers["Referrer-Policy"] != "no-referrer"  # control


@pytest.mark.config(OWNER_SESSION_MINUTES=0)
def test_an_ended_owner_session_cannot_act(app, listed, outbox):
    org = listed()
    owner = open_owner_page(app, outbox)
    page = soup(owner.get("/fr/owner"))
    assert page.select_one("form[action$='/owner/hide']") is None  # back to asking for a link
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).is_published


# -- choices ------------------------------------------------------------------------------------
def test_narrowing_takes_effect_at_once_and_a_checked_address_widens_at_once(
    app, client, listed, outbox
):
    org = listed(reason="All of it is on the organisation's own website.")
    assert org.owner_consent == OwnerConsent.PUBLIC_SOURCES and org.contacts_public
    owner = open_owner_page(app, outbox)
    confirm(owner, **{"choices-location_precision": "country", "choices-contacts_public": ""})
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert str(org.location_precision) == "country" and not org.contacts_public
    assert org.pending_choices is None
    # A moderator records that the address is the organisation's own: widening is then at once.
    fill_and_post(
        client,
        f"/en/moderation/organisations/{org.slug}",
        {"owner-address_checked": "y"},
        selector="form[action$='/owner']",
    )
    confirm(owner, **{"choices-location_precision": "region"})
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert str(org.location_precision) == "region" and org.pending_choices is None
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "organisation.address_checked" in actions and "organisation.choices" in actions


def test_a_correction_from_the_owner_is_marked_and_comes_first(app, client, listed, outbox):
    org = listed()
    fill_and_post(
        app.test_client(),
        f"/fr/organisations/{org.slug}/suggest",
        {"summary": "Un autre résumé, par un voisin.", "submitter_name": "X", "consent": "y"},
    )
    owner = open_owner_page(app, outbox)
    response = fill_and_post(
        owner,
        f"/fr/organisations/{org.slug}/suggest",
        {"summary": "Notre résumé, par nous-mêmes.", "submitter_name": "COSEP", "consent": "y"},
    )
    assert response.status_code == 200
    corrections = db.session.scalars(
        select(Submission).where(Submission.kind == "correction").order_by(Submission.id)
    ).all()
    assert [s.from_owner for s in corrections] == [False, True]
    queue = soup(client.get("/en/moderation/"))
    rows = [row.get_text(" ", strip=True) for row in queue.select("tbody tr")]
    assert "from the organisation" in rows[0]
    assert sum("from the organisation" in row for row in rows) == 1


# -- hiding -------------------------------------------------------------------------------------
def test_a_danger_request_hides_at_once_and_only_an_admin_brings_it_back(
    app, client, listed, make_user
):
    org = listed(reason="On its own website.")
    visitor = app.test_client()
    assert visitor.get(f"/fr/organisations/{org.slug}").status_code == 200
    response = fill_and_post(
        visitor, f"/fr/organisations/{org.slug}/danger", {"danger-reason": "<b>threats</b>"}
    )
    assert response.status_code == 200
    assert visitor.get(f"/fr/organisations/{org.slug}").status_code == 404
    assert visitor.get(f"/fr/organisations/{org.slug}/danger").status_code == 404
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.hidden"))
    assert event.note == "<b>threats</b>" and event.after["by"] == "danger_request"
    assert db.session.scalar(select(DoNotList)) is None  # not the organisation's own request
    # A moderator cannot republish it; an admin can.
    record = f"/en/moderation/organisations/{org.slug}"
    refused = fill_and_post(client, record, {}, selector="form[action$='/publication']")
    assert refused.status_code == 403
    admin = app.test_client()
    login_as_admin(admin, make_user)
    fill_and_post(admin, record, {}, selector="form[action$='/publication']")
    assert visitor.get(f"/fr/organisations/{org.slug}").status_code == 200


def login_as_admin(admin_client, make_user):
    user = make_user(role="admin")
    response = fill_and_post(
        admin_client, "/en/login", {"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302


def test_an_organisation_that_hid_itself_is_not_listed_again_but_by_an_admin(
    app, client, listed, outbox
):
    org = listed()
    owner = open_owner_page(app, outbox)
    fill_and_post(owner, "/fr/owner", {}, selector="form[action$='/owner/hide']")
    register = db.session.scalars(select(DoNotList.value_hash)).all()
    assert len(register) == 4  # name, acronym, email, website: keyed hashes only
    assert not any(EMAIL in value or "Sentinelle" in value for value in register)
    # The same organisation sent again (another spelling of its name) is refused.
    visitor = app.test_client()
    fill_and_post(
        visitor,
        "/fr/submit/organisation",
        {
            **NEW_ORG,
            "name": "COLLECTIF  Sentinelle pour la paix",
            "email": "",
            "acronym": "",
            "website": "",
        },
    )
    submission = db.session.scalar(select(Submission).order_by(Submission.id.desc()))
    refused = approve_on_review(client, submission.id)
    assert refused.status_code == 400
    assert "asked not to be listed" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state == "pending"
    assert org.id


# -- freshness ------------------------------------------------------------------------------------
def months_ago(months):
    return utcnow() - timedelta(days=round(30.44 * months))


def test_records_remind_mails_marks_stale_and_is_idempotent(app, runner, make_organisation, outbox):
    """The clock moved: records confirmed 13 and 19 months ago, one never mailed, one fresh."""
    year_old = make_organisation(
        name="Year old",
        email="year@example.org",
        language="en",
        owner_confirmed_at=months_ago(13),
        owner_mailed_at=months_ago(13),
        created_at=months_ago(30),
    )
    old = make_organisation(
        name="Old",
        email="old@example.org",
        language="ar",
        owner_confirmed_at=months_ago(19),
        owner_mailed_at=months_ago(19),
        created_at=months_ago(30),
    )
    legacy = make_organisation(name="Legacy", email="legacy@example.org", language="fr")
    fresh = make_organisation(
        name="Fresh",
        email="fresh@example.org",
        owner_confirmed_at=months_ago(2),
        owner_mailed_at=months_ago(2),
    )
    db.session.commit()
    result = runner.invoke(args=["records", "remind"])
    effects.run_ready()  # (what the end of the command's own app context does)
    assert result.exit_code == 0, result.output
    assert "3 owners reminded, 1 listings" in result.output
    mailed = {m["To"]: m for m in outbox()}
    assert set(mailed) == {"year@example.org", "old@example.org", "legacy@example.org"}
    # Each in the record's language.
    assert "still right" in mailed["year@example.org"].get_content()
    assert "لا تزال" in mailed["old@example.org"].get_content()
    assert "toujours juste" in mailed["legacy@example.org"].get_content()
    db.session.expire_all()
    assert db.session.get(Organisation, old.id).stale_since is not None
    assert all(
        db.session.get(Organisation, org.id).stale_since is None
        for org in (year_old, legacy, fresh)
    )
    # The public sees a discreet note; moderators can list the stale ones.
    page = app.test_client().get(f"/en/organisations/{old.slug}").get_data(as_text=True)
    assert "may be out of date" in page
    assert "may be out of date" not in app.test_client().get(
        f"/en/organisations/{fresh.slug}"
    ).get_data(as_text=True)
    # A second run the same day does nothing.
    again = runner.invoke(args=["records", "remind"])
    effects.run_ready()
    assert "0 owners reminded, 0 listings" in again.output
    assert len(outbox()) == 3


def test_the_stale_filter_and_an_expired_verification(app, client, login, make_organisation):
    stale = make_organisation(name="Stale one", stale_since=utcnow())
    make_organisation(name="Fresh one")
    expired = make_organisation(
        name="Checked long ago",
        verification_level="register_checked",
        verified_at=months_ago(25),
        verification_expires_at=months_ago(1),
    )
    db.session.commit()
    login()
    listed_stale = client.get("/en/moderation/records?stale=1").get_data(as_text=True)
    assert stale.name in listed_stale and "Fresh one" not in listed_stale
    everything = client.get("/en/moderation/records").get_data(as_text=True)
    assert "Fresh one" in everything  # control
    badge = soup(app.test_client().get(f"/en/organisations/{expired.slug}")).select_one(
        ".verification .badge"
    )
    assert badge.get_text(strip=True) == "Verification expired"


def test_verifying_records_the_evidence_and_an_expiry(app, client, login, make_organisation):
    org = make_organisation(name="To check")
    db.session.commit()
    login()
    fill_and_post(
        client,
        f"/en/moderation/organisations/{org.slug}",
        {"verify-level": "register_checked", "verify-note": "Récépissé n° 0603 au registre."},
        selector="form[action$='/verify']",
    )
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert org.verification_evidence == "Récépissé n° 0603 au registre."
    assert timedelta(days=725) < org.verification_expires_at - org.verified_at < timedelta(days=735)
    assert not org.verification_expired


def test_an_import_does_not_list_again_an_organisation_that_asked_to_be_removed(
    app, tmp_path, make_organisation
):
    from peacemap.imports import importer
    from peacemap.owners import services as owners

    gone = make_organisation(
        name="Groupe Caché de Mopti", acronym="GCM", website="https://www.gcm-mopti.example.org/"
    )
    owners.hide(gone, "owner")
    db.session.commit()
    sheet = tmp_path / "orgs.csv"
    sheet.write_text(
        "name,country,website\n"
        "Mopti Peace Group,ML,http://gcm-mopti.example.org\n"  # its website, another name
        "Autre Groupe de Paix,ML,\n"
    )
    summary = importer.run(sheet, "csv", publish=True)
    db.session.commit()
    assert [r.reason for r in summary.rejected] == [
        "this organisation asked not to be listed (do-not-list register)"
    ]
    names = db.session.scalars(select(Organisation.name)).all()
    assert "Autre Groupe de Paix" in names  # control: the other row is imported
    assert "Mopti Peace Group" not in names
    assert not db.session.get(Organisation, gone.id).is_published
    imported = db.session.scalar(
        select(Organisation).where(Organisation.name == "Autre Groupe de Paix")
    )
    assert imported.owner_consent == OwnerConsent.PUBLIC_SOURCES


def test_a_new_contact_address_is_a_moderated_correction_and_the_old_one_is_told(
    app, client, listed, outbox
):
    org = listed(reason="On its own website.")
    old_link = owner_links(outbox)[-1]
    fill_and_post(
        app.test_client(),
        f"/fr/organisations/{org.slug}/suggest",
        {"email": "new-office@example.org", "submitter_name": "X", "consent": "y"},
    )
    submission = db.session.scalar(select(Submission).where(Submission.kind == "correction"))
    assert db.session.get(Organisation, org.id).email == EMAIL  # nothing changes before review
    approve_on_review(client, submission.id)
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).email == "new-office@example.org"
    told = [m for m in outbox() if m["To"] == EMAIL and "a été changée" in m["Subject"]]
    assert len(told) == 1 and "new-office" not in told[0].get_content()
    assert app.test_client().get(old_link).status_code == 200  # the old link no longer opens


def test_a_group_without_a_mailbox_confirms_through_a_moderator(app, client, listed):
    org = listed(email="")
    fill_and_post(
        client,
        f"/en/moderation/organisations/{org.slug}",
        {"owner-how": "By phone with its coordinator, who chose these choices."},
        selector="form[action$='/owner']",
    )
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert org.owner_consent == OwnerConsent.CONFIRMED
    record = db.session.scalar(select(ConsentRecord).where(ConsentRecord.organisation_id == org.id))
    assert record.moderator_id and record.note.startswith("By phone")
    assert "Confirmé par l’organisation" in app.test_client().get(
        f"/fr/organisations/{org.slug}"
    ).get_data(as_text=True)


# -- reaching an organisation whose contacts are private ---------------------------------------
def test_visitors_write_through_the_profile_only_when_the_organisation_turned_it_on(
    app, listed, outbox
):
    org = listed()
    visitor = app.test_client()
    assert visitor.get(f"/fr/organisations/{org.slug}/write").status_code == 404  # off by default
    owner = open_owner_page(app, outbox)
    confirm(owner)
    page = soup(owner.get("/fr/owner"))
    assert page.select_one("form[action$='/owner/contact-form']")
    fill_and_post(
        owner, "/fr/owner", {"contact-contact_form": "y"}, selector="form[action$='/contact-form']"
    )
    profile = visitor.get(f"/fr/organisations/{org.slug}").get_data(as_text=True)
    assert f"/fr/organisations/{org.slug}/write" in profile and EMAIL not in profile
    form = visitor.get(f"/fr/organisations/{org.slug}/write").get_data(as_text=True)
    assert EMAIL not in form
    before = len(outbox())
    text = "<b>Bonjour</b>, nous voudrions travailler avec vous à Ségou."
    sent = fill_and_post(
        visitor,
        f"/fr/organisations/{org.slug}/write",
        {"write-message": text, "write-reply_to": "visiteur@example.org"},  # not ticked
    )
    assert sent.status_code == 200 and EMAIL not in sent.get_data(as_text=True)
    fill_and_post(
        visitor,
        f"/fr/organisations/{org.slug}/write",
        {
            "write-message": "Second message, with my address.",
            "write-reply_to": "visiteur@example.org",
            "write-share_reply_to": "y",
        },
    )
    fill_and_post(  # a bot fills the hidden field: told all went well, nothing is sent
        visitor,
        f"/fr/organisations/{org.slug}/write",
        {"write-message": "Spam spam spam spam.", "write-homepage": "http://spam.example"},
    )
    messages = outbox()[before:]
    assert [m["To"] for m in messages] == [EMAIL, EMAIL]
    first, second = (m.get_content() for m in messages)
    assert text in first and "visiteur@example.org" not in first
    assert messages[0]["Content-Type"].startswith("text/plain")
    assert "visiteur@example.org" in second and messages[1]["Reply-To"] == "visiteur@example.org"
    assert f"/fr/organisations/{org.slug}/report" in first  # a way to report abuse
    # The log keeps that messages were sent, never their text.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.message_sent")
    ).all()
    assert len(events) == 2
    assert all("Bonjour" not in str((e.before, e.after, e.note)) for e in events)


@pytest.mark.config(RATELIMIT_ENABLED=True, WRITE_RATE_LIMIT_PER_ORGANISATION="2 per day")
def test_messages_to_one_organisation_are_limited_whoever_sends_them(app, listed, outbox):
    org = listed()
    owner = open_owner_page(app, outbox)
    confirm(owner)
    fill_and_post(
        owner, "/fr/owner", {"contact-contact_form": "y"}, selector="form[action$='/contact-form']"
    )
    statuses = []
    for number in range(3):
        visitor = app.test_client()  # (one address for all, but the per-visitor limit is 3)
        response = fill_and_post(
            visitor,
            f"/fr/organisations/{org.slug}/write",
            {"write-message": f"Message number {number} to the organisation."},
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    # What the third visitor typed comes back to be copied, as text.
    refused = soup(response)
    assert [box.get_text() for box in refused.select("textarea[readonly]")] == [
        "Message number 2 to the organisation."
    ]


# -- vouching by networks --------------------------------------------------------------------
@pytest.fixture
def coordinator(app, runner, make_user, make_organisation, link, wanep):
    """A WANEP coordinator signed in on its own client, with one member and one outsider."""
    member = make_organisation(slug="member", name="Membre de WANEP")
    outsider = make_organisation(slug="outsider", name="Pas membre")
    link(member, "member_of", wanep)
    user = make_user()
    db.session.commit()
    result = runner.invoke(args=["users", "scope", user.email, "--network", "wanep"])
    assert result.exit_code == 0, result.output
    browser = app.test_client()
    response = fill_and_post(
        browser, "/en/login", {"email": user.email, "password": "correct horse battery"}
    )
    assert response.headers["Location"].endswith("/en/network")
    return browser, member, outsider


def test_a_coordinator_vouches_for_its_members_only_and_is_no_moderator(app, coordinator):
    browser, member, outsider = coordinator
    page = soup(browser.get("/en/network"))
    assert [a.get_text() for a in page.select("tbody a")] == ["Membre de WANEP"]
    fill_and_post(browser, "/en/network", {}, selector="form[action$='/member/vouch']")
    profile = app.test_client().get("/fr/organisations/member").get_data(as_text=True)
    assert "Garanti par West Africa Network for Peacebuilding" in profile
    user_name = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.vouched")
    ).actor.display_name
    assert user_name not in profile  # the network's name, never a person's
    # Not a member: refused; no moderator page either.
    token = page.select_one("input[name='vouch-csrf_token']")["value"]
    assert (
        browser.post("/en/network/outsider/vouch", data={"vouch-csrf_token": token}).status_code
        == 404
    )
    assert browser.get("/en/moderation/").status_code == 403
    assert browser.get("/en/moderation/organisations/member").status_code == 403
    # It expires like a verification.
    member = db.session.get(Organisation, member.id)
    member.vouch_expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert "Garanti par" not in app.test_client().get("/fr/organisations/member").get_data(
        as_text=True
    )


def test_a_coordinator_reaches_no_moderator_or_admin_page(app, coordinator):
    from tests.test_security import urls

    browser, _member, _outsider = coordinator
    protected = [
        (rule, url)
        for rule, url in urls(app, {"GET"})
        if rule.endpoint.startswith(("moderation.", "imports."))
    ]
    assert len(protected) >= 7
    answers = {url: browser.get(url).status_code for _rule, url in protected}
    assert set(answers.values()) <= {403, 404}, answers
    assert 403 in answers.values()
    assert browser.get("/en/network").status_code == 200  # control: its own page


@pytest.mark.config(RATELIMIT_ENABLED=True, OWNER_LINK_RATE_LIMIT_PER_ADDRESS="2 per day")
def test_one_mailbox_gets_few_links_whoever_asks(app, listed, outbox):
    listed()
    before = len(outbox())
    statuses = [
        fill_and_post(app.test_client(), "/fr/owner", {"ask-email": address}).status_code
        for address in (EMAIL, EMAIL.upper(), EMAIL, "someone-else@example.org")
    ]
    assert statuses == [200, 200, 429, 200]  # (another address is not held back)
    assert len(outbox()) - before == 2
