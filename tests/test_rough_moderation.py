"""The review page and the tracking page as a moderator and a submitter read them (issue 21):
labels, linked names, word diffs, the sender's reason, refused no-op corrections and
revisions, what was sent, and the copy button of the tracking code."""

import pytest
from sqlalchemy import func, select

from peacemap.extensions import db
from peacemap.models import LinkVisibility, RelationshipKind, Submission, SubmissionState
from peacemap.moderation import services as moderation
from peacemap.submissions import services as submissions
from tests.conftest import approve_on_review, fill_and_post, soup, textarea_value

S = SubmissionState


def propose(payload, kind="correction", target=None):
    """A submission as if sent through the public form."""
    submission, _ = submissions.submit(
        kind,
        payload,
        form_token=submissions.new_form_token(),
        submitter={"name": "Awa", "consent": True},
        target=target,
    )
    db.session.commit()
    return submission


def table(page):
    """{field key: (changed, [cell texts])} of the review table."""
    return {
        row["data-field"]: ("changed" in row["class"], [td.get_text().strip() for td in row("td")])
        for row in page.select("table.diff tbody tr")
    }


@pytest.fixture
def network(make_organisation):
    return make_organisation(
        slug="wanep-mali", name="Réseau Ouest-Africain pour la Paix", type="network"
    )


def test_review_shows_labels_never_codes_nor_letters(
    client, login, make_organisation, make_initiative
):
    org = make_organisation(slug="sipri", name="SIPRI", type="research", language="en")
    db.session.commit()
    payload = moderation.current_payload(org)
    payload.update(type="international_ngo", location_precision="region", sectors=["protection"])
    submission = propose(payload, target=org)
    item = make_initiative(slug="dialogue", status="planned", location_precision="commune")
    db.session.commit()
    initiative = moderation.current_payload(item)
    initiative.update(status="ongoing", start_date="2024-03-01")
    other = propose(initiative, target=item)
    login()
    rows = table(soup(client.get(f"/en/moderation/{submission.id}")))
    assert rows["type"] == (True, ["Research institute", "International NGO"])
    assert rows["location_precision"][1][1] == "Region"
    assert rows["country"][1] == ["Mali", "Mali"]
    assert rows["sectors"][1][1] == "Protection"
    rows = table(soup(client.get(f"/en/moderation/{other.id}")))
    assert rows["status"] == (True, ["Planned", "Ongoing"])
    assert rows["start_date"][1][1] == "March 1, 2024"
    # Control: no cell is a list of single letters (the lazy label listed letter by letter).
    page = soup(client.get(f"/en/moderation/{submission.id}"))
    items = [li.get_text(strip=True) for li in page.select("table.diff li")]
    assert items and not any(len(text) == 1 for text in items)
    french = table(soup(client.get(f"/fr/moderation/{submission.id}")))
    assert french["type"][1] == ["Institut de recherche", "ONG internationale"]


def test_related_records_are_named_and_linked(
    client, login, make_organisation, make_initiative, network, link
):
    org = make_organisation(slug="jeunes", name="Jeunes pour la Paix")
    link(org, RelationshipKind.MEMBER_OF, network, visibility=LinkVisibility.PUBLIC)
    item = make_initiative(slug="dialogue", organisations=[(org, "lead")])
    db.session.commit()
    payload = moderation.current_payload(org)
    payload["member_of"] = ["wanep-mali", "no-such-network"]
    payload["member_of_visibility"] = {"wanep-mali": "unnamed", "no-such-network": "public"}
    submission = propose(payload, target=org)
    proposal = moderation.current_payload(item)
    proposal["organisations"].append({"slug": "wanep-mali", "role": "funder"})
    other = propose(proposal, target=item)
    login()
    page = soup(client.get(f"/en/moderation/{submission.id}"))
    cell = page.select_one("tr[data-field=member_of] td:last-child")
    links = {a.get_text(strip=True): a["href"] for a in cell.select("a")}
    assert links == {
        "Réseau Ouest-Africain pour la Paix": "/en/moderation/organisations/wanep-mali"
    }
    assert "no-such-network" in cell.get_text()  # unknown: shown as sent, not linked
    shown = page.select_one("tr[data-field=member_of_visibility] td:last-child").get_text()
    assert "Réseau Ouest-Africain pour la Paix" in shown and "wanep-mali" not in shown
    page = soup(client.get(f"/en/moderation/{other.id}"))
    cell = page.select_one("tr[data-field=organisations] td:last-child")
    assert [a.get_text(strip=True) for a in cell.select("a")] == [
        "Lead: Jeunes pour la Paix",
        "Funder: Réseau Ouest-Africain pour la Paix",
    ]


def test_texts_are_compared_word_by_word_and_escaped(client, login, make_organisation):
    org = make_organisation(
        slug="sipri", summary={"en": "The network works in Gao and Mopti."}, language="en"
    )
    db.session.commit()
    payload = moderation.current_payload(org)
    payload["summary"] = {"en": "The network works in Gao, Mopti and <b>Kidal</b>."}
    submission = propose(payload, target=org)
    login()
    page = soup(client.get(f"/en/moderation/{submission.id}"))
    row = page.select_one("tr[data-field='summary.en']")
    assert "changed" in row["class"]
    published, proposed = row("td")
    # Each column reads as its whole text; only words are marked, never the whole field.
    assert published.get_text().strip() == "The network works in Gao and Mopti."
    assert proposed.get_text().strip() == "The network works in Gao, Mopti and <b>Kidal</b>."
    added = "".join(i.get_text() for i in proposed.select("ins"))
    assert "Kidal" in added and "network" not in added and "Gao" not in added
    removed = "".join(d.get_text() for d in published.select("del"))
    assert removed and "network" not in removed and "Gao" not in removed
    assert "The network works in Gao" in "".join(
        proposed.select_one(".words").find_all(string=True, recursive=False)
    )
    assert not page.select("table.diff b")  # what was typed is text, never markup


def test_a_correction_through_the_form_marks_only_what_changed(
    client, login, make_organisation, make_location, make_theme, network, link
):
    theme = make_theme(slug="mediation", labels={"en": "Mediation", "fr": "Médiation"})
    org = make_organisation(
        slug="sipri",
        name="SIPRI",
        language="en",
        summary={"en": "Research on peace."},
        description={"en": "Line one.\nLine two, with a space at its end. \nLine three."},
        sectors=["protection"],
        website="https://sipri.example.org",
        location_precision="commune",
    )
    org.themes = [theme]
    org.locations = [make_location(name="Bamako", admin1="Bamako", geonameid=2460596)]
    link(org, RelationshipKind.MEMBER_OF, network)
    db.session.commit()
    url = "/en/organisations/sipri/suggest"
    page = soup(client.get(url))
    description = textarea_value(page.select_one("#description"))
    # A browser sends a text area's line breaks as CRLF.
    sent = fill_and_post(
        client,
        url,
        {
            "summary": "Independent research on peace.",
            "description": description.replace("\n", "\r\n"),
            "consent": "y",
        },
    )
    assert sent.status_code == 200, [e.get_text() for e in soup(sent).select(".error")]
    submission = db.session.scalar(select(Submission))
    login()
    rows = table(soup(client.get(f"/en/moderation/{submission.id}")))
    assert {key for key, (changed, _cells) in rows.items() if changed} == {"summary.en"}
    assert not rows["description.en"][0]  # the same text, its line breaks sent as CRLF
    assert "\r" not in submission.payload["description"]["en"]  # stored with plain newlines


def test_line_breaks_and_trailing_spaces_are_no_change(client, login, make_organisation):
    org = make_organisation(slug="sipri", language="en", description={"en": "Line one.\nLine two."})
    db.session.commit()
    payload = moderation.current_payload(org)
    payload["description"] = {"en": "Line one.  \r\nLine two.\r\n"}  # as an older form kept it
    same = propose(payload, target=org)
    payload["description"] = {"en": "Line one.\r\nLine 2."}
    other = propose(payload, target=org)  # control
    login()
    assert not table(soup(client.get(f"/en/moderation/{same.id}")))["description.en"][0]
    assert table(soup(client.get(f"/en/moderation/{other.id}")))["description.en"][0]


def test_the_correction_form_asks_what_changed_and_why(client, login, make_organisation):
    make_organisation(
        slug="sipri", name="SIPRI", summary={"en": "Research on peace."}, language="en"
    )
    db.session.commit()
    url = "/en/organisations/sipri/suggest"
    assert soup(client.get(url)).select_one("textarea#why")
    assert not soup(client.get("/en/submit/organisation")).select_one("#why")  # control
    too_long = fill_and_post(
        client, url, {"summary": "Research on peace, again.", "why": "x" * 1001, "consent": "y"}
    )
    assert too_long.status_code == 400
    assert textarea_value(soup(too_long).select_one("#why")) == "x" * 1001
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    why = "The summary is <i>out of date</i> since 2024."
    sent = fill_and_post(client, url, {"summary": "Research on war.", "why": why, "consent": "y"})
    assert sent.status_code == 200
    submission = db.session.scalar(select(Submission))
    assert submission.payload["why"] == why
    login()
    page = soup(client.get(f"/en/moderation/{submission.id}"))
    assert page.select_one("dd.why").get_text() == why
    assert not page.select("dd.why i")
    approve_on_review(client, submission.id)
    db.session.refresh(submission)
    assert submission.state == S.APPROVED and submission.payload["why"] == why


def test_a_correction_that_changes_nothing_is_refused(client, make_organisation):
    make_organisation(
        slug="sipri", name="SIPRI", summary={"en": "Research on peace."}, language="en"
    )
    db.session.commit()
    url = "/en/organisations/sipri/suggest"
    why = "Nothing, just checking."
    refused = fill_and_post(client, url, {"why": why, "consent": "y"})
    assert refused.status_code == 400
    page = soup(refused)
    assert "the same as the published one" in page.select_one("#why-error").get_text()
    assert textarea_value(page.select_one("#why")) == why
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    sent = fill_and_post(client, url, {"acronym": "SIPRI-ML", "consent": "y"})  # control
    assert sent.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_a_revision_identical_to_the_last_one_is_refused(client, make_user):
    sent = fill_and_post(
        client,
        "/en/submit/organisation",
        {
            "name": "Femmes de Ségou",
            "summary": "Une association de femmes médiatrices.",
            "location_precision": "country",
            "consent": "y",
        },
    )
    code = soup(sent).select_one(".tracking-code strong").text
    submission = db.session.scalar(select(Submission))
    moderation.request_changes(submission, make_user(), "Add your acronym.")
    db.session.commit()
    fill_and_post(client, "/en/track", {"code": code})
    form = "form[action='/en/track/revise']"
    same = fill_and_post(client, "/en/track?show=1", {}, selector=form)
    assert same.status_code == 400
    assert "the same as the one you sent before" in soup(same).select_one("p.error").get_text()
    db.session.refresh(submission)
    assert submission.state == S.CHANGES_REQUESTED
    changed = fill_and_post(client, "/en/track?show=1", {"acronym": "FDS"}, selector=form)
    assert changed.status_code == 200
    db.session.refresh(submission)
    assert submission.state == S.PENDING and submission.payload["acronym"] == "FDS"


@pytest.mark.parametrize(
    ("lang", "kind", "about", "sent"),
    [
        ("en", "Correction", "Record concerned", "What you sent"),
        ("fr", "Correction", "Fiche concernée", "Ce que vous avez envoyé"),
        ("ar", "تصحيح", "السجل المعني", "ما أرسلتموه"),
    ],
)
def test_tracking_shows_the_record_what_was_sent_and_a_copy_button(
    client, make_organisation, make_user, lang, kind, about, sent
):
    make_organisation(
        slug="sipri",
        name="SIPRI",
        summary={"en": "Research on peace."},
        language="en",
        email="private@sipri.example.org",
        phone="+223 70 00 00 01",
        contacts_public=False,
    )
    db.session.commit()
    response = fill_and_post(
        client,
        "/en/organisations/sipri/suggest",
        {
            "summary": "Research on <em>peace</em>.",
            "why": "Wider scope.",
            "submitter_email": "me@example.org",
            "consent": "y",
        },
    )
    code = soup(response).select_one(".tracking-code strong").text
    submission = db.session.scalar(select(Submission))
    # Approved as the review page fills it: the record's private contacts join the payload.
    moderation.approve(submission, make_user(), moderation.proposal(submission))
    db.session.commit()
    assert submission.payload["email"] == "private@sipri.example.org"
    page = fill_and_post(client, f"/{lang}/track", {"code": code.lower()})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    view = soup(page)
    facts = {dt.get_text(strip=True): dd for dt, dd in zip(view("dt"), view("dd"), strict=False)}
    assert facts[about].a["href"] == f"/{lang}/organisations/sipri"
    assert facts[about].get_text(strip=True) == "SIPRI"
    assert view.find("h3", string=sent)
    shown = view.select_one("dl.sent").get_text()
    assert "Research on <em>peace</em>." in shown and "Wider scope." in shown
    assert not view.select("dl.sent em")
    for private in ("private@sipri", "70 00 00 01", "me@example.org"):
        assert private not in html
    assert kind in html
    # The code, as text anyone can select, and a copy button only a script reveals.
    assert view.select_one("#tracking-code").get_text(strip=True) == code
    button = view.select_one("button[data-copy=tracking-code]")
    assert button.has_attr("hidden") and button.get_text(strip=True)
    assert [s["src"].split("?")[0] for s in view.select("script[src*=copy]")] == [
        "/static/js/copy.js"
    ]
    assert not [s for s in view.select("script") if not s.get("src")]


def test_tracking_names_no_record_that_left_the_site(client, make_organisation):
    org = make_organisation(slug="hidden-group", name="Hidden Group", language="en")
    db.session.commit()
    submission = propose({**moderation.current_payload(org), "acronym": "HG"}, target=org)
    code = submissions.tracking_code(submission.form_token)
    shown = fill_and_post(client, "/en/track", {"code": code})
    assert "Hidden Group" in soup(shown).select_one("dl.facts").get_text()  # control
    org.status = "unpublished"
    db.session.commit()
    page = soup(fill_and_post(client, "/en/track", {"code": code}))
    assert "Hidden Group" not in page.select_one("dl.facts").get_text()


def test_an_initiative_correction_that_changes_nothing_is_refused(
    client, make_organisation, make_initiative
):
    lead = make_organisation(slug="alpha", name="Alpha")
    make_initiative(
        slug="dialogue",
        organisations=[(lead, "lead")],
        summary={"en": "A dialogue between farmers and herders."},
        language="en",
    )
    db.session.commit()
    url = "/en/initiatives/dialogue/suggest"
    refused = fill_and_post(client, url, {"consent": "y"})
    assert refused.status_code == 400 and soup(refused).select_one("#why-error")
    sent = fill_and_post(client, url, {"end_date": "2030-01-01", "consent": "y"})  # control
    assert sent.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
