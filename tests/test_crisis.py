"""Crisis mode: an admin puts a country or a region in crisis mode, with a reason, and every
record placed there is shown at its country alone, without contacts or named relationships,
off the map and out of the exports, until it is lifted (issue #19, item 4).

Each check that something is not shown has a control that the same request shows it: the
record in another region of the same country, and the record itself once crisis mode is lifted.
"""

import csv
import io
import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from peacemap import create_app
from peacemap.extensions import db
from peacemap.models import AuditEvent, CrisisArea, Organisation, Submission, User
from peacemap.owners import tokens
from peacemap.public import crisis
from peacemap.search import service as search
from tests.conftest import approve_on_review, fill_and_post, soup

# Sentinels: made-up words found nowhere else, so finding one in an answer can only be a leak.
REGION = "Zentaregion"  # a first-level region of Mali, as the crisis record's place says
PLACE = "Tessakoro"
EMAIL = "kelvanara.office@sentinel.test"
PHONE = "+223 71 48 26 93"
POINT = (15.61837, 0.72419)
INITIATIVE_PLACE = "Ouvrevillage"
ANSONGO = 2461003  # a town of the Gao region, from the gazetteer
NETWORK = "Reseau Sentinelle"
# The control: the same kind of record, in another region of the same country.
CONTROL = {
    "place": "Controlville",
    "email": "control.office@sentinel.test",
    "point": (14.1371, -3.3317),
}
COORDINATES = {f"{value:.{digits}f}" for value in POINT for digits in (4, 5)}
CRISIS_SECRETS = {PLACE, REGION, EMAIL, PHONE, *COORDINATES}


@pytest.fixture
def placed(app, make_organisation, make_location, make_initiative, link):
    """A record at exact precision with public contacts in REGION, a member of a network by
    name, an initiative there led by the control, and the control in Mopti; indexed."""
    network = make_organisation(
        slug="network", name=NETWORK, type="network", locations=[make_location(admin1="Bamako")]
    )
    org = make_organisation(
        slug="kelvanara",
        name="Kelvanara Peace Committee",
        locations=[
            make_location(
                name=PLACE,
                admin1=REGION,
                latitude=POINT[0],
                longitude=POINT[1],
                admin2="Cercle",
            )
        ],
        location_precision="exact",
        email=EMAIL,
        phone=PHONE,
        contacts_public=True,
    )
    control = make_organisation(
        slug="control",
        name="Control Mopti Dialogue",
        locations=[
            make_location(
                name=CONTROL["place"],
                admin1="Mopti",
                latitude=CONTROL["point"][0],
                longitude=CONTROL["point"][1],
            )
        ],
        location_precision="exact",
        email=CONTROL["email"],
        contacts_public=True,
    )
    link(org, "member_of", network)
    link(control, "member_of", network)
    initiative = make_initiative(
        slug="ouvre",
        title={"en": "Ouvre dialogue", "fr": "Dialogue Ouvre"},
        locations=[make_location(name=INITIATIVE_PLACE, admin1=REGION)],
        location_precision="commune",
        organisations=[(control, "lead")],
    )
    db.session.commit()
    search.rebuild()
    return {"org": org, "control": control, "network": network, "initiative": initiative}


def set_crisis(client, area=f"ML/{REGION}", reason="Armed groups reported near the town."):
    return fill_and_post(
        client,
        "/en/moderation/crisis",
        {"area": area, "reason": reason},
        selector="form[action$='/moderation/crisis']",
    )


def lift_crisis(client):
    return fill_and_post(client, "/en/moderation/crisis", {}, selector="form[action$='/lift']")


@pytest.fixture
def admin(client, login):
    """The signed-in admin's id and email (read at once: the account object is let go)."""
    login("admin")
    user = db.session.scalar(select(User).where(User.role == "admin"))
    return SimpleNamespace(id=user.id, email=user.email)


def leaks(text):
    return {secret for secret in CRISIS_SECRETS if secret in text}


def organisation_ids(layer):
    return {feature["id"] for feature in layer["features"]}


def exported_slugs(visitor, path):
    body = visitor.get(path).get_data(as_text=True).lstrip("\ufeff")
    if path.endswith(".csv"):
        return {row["slug"] for row in csv.DictReader(io.StringIO(body))}
    data = json.loads(body)
    if isinstance(data, list):  # HSDS: organisations by URI
        return {item["uri"].rsplit("/", 1)[-1] for item in data}
    return {feature["properties"]["slug"] for feature in data["features"]}


EXPORTS = (
    "/api/v1/exports/organisations.csv",
    "/api/v1/exports/organisations.hxl.csv",
    "/api/v1/exports/organisations.geojson",
    "/api/v1/exports/organisations.hsds.json",
)


def test_a_region_in_crisis_coarsens_its_records_everywhere_and_lifting_restores_them(
    app, client, admin, placed
):
    visitor = app.test_client()
    profile = visitor.get("/en/organisations/kelvanara").get_data(as_text=True)
    assert leaks(profile) == {PLACE, REGION, EMAIL, PHONE}
    assert NETWORK in profile  # the control of "relationship unnamed" below
    detail = visitor.get("/api/v1/organisations/kelvanara").get_data(as_text=True)
    assert f"{POINT[0]:.5f}" in leaks(detail)

    assert set_crisis(client).status_code == 302
    pages = {
        path: visitor.get(path).get_data(as_text=True)
        for path in (
            "/en/organisations/kelvanara",
            "/fr/organisations/kelvanara",
            "/ar/organisations/kelvanara",
            "/api/v1/organisations/kelvanara",
            "/en/initiatives/ouvre",
            "/api/v1/initiatives/ouvre",
            "/en/organisations/kelvanara/suggest",
        )
    }
    assert {path: leaks(body) for path, body in pages.items() if leaks(body)} == {}
    assert INITIATIVE_PLACE not in pages["/en/initiatives/ouvre"]
    page = soup(visitor.get("/en/organisations/kelvanara"))
    assert "Mali" in page.get_text()  # the country is still shown
    # Its relationships without names, on both sides.
    assert NETWORK not in pages["/en/organisations/kelvanara"]
    assert "name not shown" in pages["/en/organisations/kelvanara"]
    network_page = visitor.get("/en/organisations/network").get_data(as_text=True)
    assert "Kelvanara" not in network_page and "Control Mopti Dialogue" in network_page
    assert "Control Mopti Dialogue" not in pages["/en/initiatives/ouvre"]
    # The API keeps it, at the coarsened view.
    detail = json.loads(pages["/api/v1/organisations/kelvanara"])
    assert detail["places"] == [
        {
            "name": None,
            "region": None,
            "region_pcode": None,
            "country": "ML",
            "latitude": None,
            "longitude": None,
        }
    ]
    assert (detail["email"], detail["phone"], detail["point"]) == (None, None, None)
    assert detail["location_precision"] == "not_mapped" and detail["member_of"] == []
    listed = visitor.get("/api/v1/organisations").get_json()
    assert "kelvanara" in json.dumps(listed)
    # It leaves the map and the exports; the control stays on both.
    layer = visitor.get("/api/v1/organisations.geojson").get_json()
    assert placed["org"].id not in organisation_ids(layer)
    assert placed["control"].id in organisation_ids(layer)
    initiatives = visitor.get("/api/v1/initiatives.geojson").get_json()
    assert placed["initiative"].id not in organisation_ids(initiatives)
    assert "Kelvanara" not in visitor.get("/en/map").get_data(as_text=True)
    for path in EXPORTS:
        slugs = exported_slugs(visitor, path)
        assert "kelvanara" not in slugs and "control" in slugs, path
    initiative_rows = visitor.get("/api/v1/exports/initiatives.csv").get_data(as_text=True)
    assert "ouvre" not in initiative_rows and INITIATIVE_PLACE not in initiative_rows
    # Not found by its place or its region.
    for words in (PLACE, REGION, INITIATIVE_PLACE):
        found = visitor.get("/en/search", query_string={"q": words}).get_data(as_text=True)
        assert "Kelvanara Peace Committee" not in found and "Ouvre dialogue" not in found, words
    by_region = visitor.get("/en/organisations", query_string={"region": REGION})
    assert "Kelvanara Peace Committee" not in by_region.get_data(as_text=True)

    # The control, in another region of the same country, is shown as its owner chose.
    control = visitor.get("/en/organisations/control").get_data(as_text=True)
    assert CONTROL["place"] in control and CONTROL["email"] in control and NETWORK in control
    found = visitor.get("/en/search", query_string={"q": CONTROL["place"]})
    assert "Control Mopti Dialogue" in found.get_data(as_text=True)

    # Lifted: everything is shown as its owner chose again, by the same requests.
    assert lift_crisis(client).status_code == 302
    profile = visitor.get("/en/organisations/kelvanara").get_data(as_text=True)
    assert {PLACE, REGION, EMAIL, PHONE} <= leaks(profile) and NETWORK in profile
    assert "Kelvanara" in visitor.get("/en/organisations/network").get_data(as_text=True)
    layer = visitor.get("/api/v1/organisations.geojson").get_json()
    assert placed["org"].id in organisation_ids(layer)
    for path in EXPORTS:
        assert "kelvanara" in exported_slugs(visitor, path), path
    found = visitor.get("/en/search", query_string={"q": PLACE}).get_data(as_text=True)
    assert "Kelvanara Peace Committee" in found
    detail = visitor.get("/api/v1/organisations/kelvanara").get_json()
    assert detail["email"] == EMAIL and detail["location_precision"] == "exact"


def test_the_admins_page_lists_areas_with_who_set_them_and_when_and_audits_both(
    client, admin, placed
):
    set_crisis(client, reason="Attacks on the road to the regional capital.")
    page = soup(client.get("/en/moderation/crisis"))
    row = page.select_one("table tbody tr")
    assert REGION in row.get_text() and "Mali" in row.get_text()
    assert "Attacks on the road" in row.get_text() and admin.email in row.get_text()
    assert row.select_one("time[datetime]")
    lift_crisis(client)
    page = soup(client.get("/en/moderation/crisis"))
    assert "No area is in crisis mode." in page.get_text()
    lifted = page.select("table tbody tr")
    assert len(lifted) == 1 and lifted[0].get_text().count(admin.email) == 2
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    crisis_events = [e for e in events if e.action.startswith("crisis.")]
    assert [e.action for e in crisis_events] == ["crisis.set", "crisis.lifted"]
    assert {e.actor_id for e in crisis_events} == {admin.id}
    assert crisis_events[0].after["region"] == REGION
    assert crisis_events[0].note == "Attacks on the road to the regional capital."
    area = db.session.scalar(select(CrisisArea))
    assert area.lifted_at >= area.set_at and area.lifted_by_id == admin.id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/en/moderation/crisis"),
        ("post", "/en/moderation/crisis"),
        ("post", "/en/moderation/crisis/1/lift"),
    ],
)
def test_only_admins_reach_crisis_mode(app, client, login, method, path):
    db.session.add(CrisisArea(country="ML", admin1="Gao", reason="test"))
    db.session.commit()
    anonymous = getattr(app.test_client(), method)(path)
    assert anonymous.status_code in (302, 400, 401)  # signed out (or no CSRF token)
    login("moderator")
    token = soup(client.get("/en/moderation/")).select_one("input[name=csrf_token]")["value"]
    assert getattr(client, method)(path, data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(CrisisArea.lifted_at)) is None


def test_the_control_an_admin_reaches_the_page(client, login):
    login("admin")
    page = soup(client.get("/en/moderation/crisis"))
    options = {option["value"] for option in page.select("select[name=area] option")}
    assert {"ML", "ML/Gao", "ML/Tombouctou"} <= options  # the gazetteer's regions


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"area": "ML/Atlantis"}, "area"),
        ({"area": "ZZ"}, "area"),
    ],
)
def test_an_area_needs_a_known_place_and_a_reason(client, admin, changes, error):
    response = set_crisis(client, **{"area": "ML/Gao", "reason": "Attacks.", **changes})
    assert response.status_code == 400
    assert soup(response).select_one(f"#{error}-error")
    assert db.session.scalar(select(CrisisArea)) is None


def test_an_area_already_in_crisis_is_not_set_twice(client, admin):
    assert set_crisis(client, area="ML/Gao").status_code == 302
    again = set_crisis(client, area="ML/Gao")
    assert again.status_code == 400 and "already in crisis mode" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(CrisisArea)).all()) == 1


def test_a_whole_country_covers_records_without_places_and_a_region_does_not(
    client, admin, make_organisation, make_location
):
    unplaced = make_organisation(slug="unplaced", country="ML", email=EMAIL, contacts_public=True)
    elsewhere = make_organisation(
        slug="elsewhere", country="NE", locations=[make_location(country="NE", admin1="Tahoua")]
    )
    db.session.commit()
    set_crisis(client, area="ML/Gao")
    db.session.commit()  # (a new transaction of this session sees the area)
    assert not crisis.in_crisis(unplaced)  # its region is unknown
    set_crisis(client, area="ML")
    db.session.commit()
    assert crisis.in_crisis(unplaced) and not crisis.in_crisis(elsewhere)
    assert EMAIL not in app_text(client, "/en/organisations/unplaced")
    in_sql = db.session.scalars(
        select(Organisation.slug).where(crisis.placed_in_crisis(Organisation))
    ).all()
    assert in_sql == ["unplaced"]


def app_text(client, path):
    return client.get(path).get_data(as_text=True)


def test_the_owner_page_says_so(app, client, admin, placed):
    token = tokens.issue(placed["org"])
    db.session.commit()
    owner = app.test_client()
    assert owner.get(f"/fr/owner/{token}").status_code == 303
    assert "Crisis mode where you are" not in soup(owner.get("/en/owner")).get_text()
    set_crisis(client)
    notice = soup(owner.get("/en/owner")).get_text()
    assert "Crisis mode where you are" in notice and REGION in notice
    assert "Armed groups reported" not in notice  # the reason is for admins only


def test_every_app_server_sees_it_at_its_next_request(app, client, admin, placed):
    """Another app on the same database keeps pages and map points per data version: its
    next answers are the coarsened ones."""
    other = create_app(
        {
            key: app.config[key]
            for key in (
                "TESTING",
                "SECRET_KEY",
                "SQLALCHEMY_DATABASE_URI",
                "SEARCH_BACKEND",
                "WTF_CSRF_ENABLED",
                "RATELIMIT_ENABLED",
                "REQUIRE_TWO_FACTOR",
            )
        }
    )
    visitor = other.test_client()
    before = visitor.get("/en/organisations/kelvanara").get_data(as_text=True)
    assert visitor.get("/en/organisations/kelvanara").get_data(as_text=True) == before
    assert EMAIL in before  # kept
    layer = visitor.get("/api/v1/organisations.geojson").get_json()
    assert placed["org"].id in organisation_ids(layer)
    set_crisis(client)
    assert leaks(visitor.get("/en/organisations/kelvanara").get_data(as_text=True)) == set()
    layer = visitor.get("/api/v1/organisations.geojson").get_json()
    assert placed["org"].id not in organisation_ids(layer)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_correction_sent_during_a_crisis_keeps_what_it_was_not_shown(
    app, client, admin, make_organisation, link
):
    """The correction form starts from the coarsened view; what it did not show (places,
    contacts, the network named) stays as the owner chose, and nothing is narrowed for good."""
    from peacemap.places.service import location_for

    network = make_organisation(slug="network", name=NETWORK, type="network")
    org = make_organisation(
        slug="ansongo-committee",
        locations=[location_for({"geonameid": ANSONGO})],  # in the Gao region
        location_precision="exact",
        email=EMAIL,
        contacts_public=True,
    )
    link(org, "member_of", network)
    db.session.commit()
    set_crisis(client, area="ML/Gao")
    visitor = app.test_client()
    form = visitor.get("/en/organisations/ansongo-committee/suggest").get_data(as_text=True)
    assert "Ansongo" not in form and EMAIL not in form and NETWORK not in form
    sent = fill_and_post(
        visitor,
        "/en/organisations/ansongo-committee/suggest",
        {"consent": "y", "summary": "Local committee for dialogue between farmers and herders."},
    )
    assert sent.status_code == 200, soup(sent).select_one(".error-summary")
    submission = db.session.scalar(select(Submission))
    approved = approve_on_review(client, submission.id)
    assert approved.status_code == 302, soup(approved).select_one(".error-summary")
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert "Local committee for dialogue between farmers and herders." in org.summary.values()
    assert [(link.object.slug, str(link.visibility)) for link in org.outgoing] == [
        ("network", "public")
    ]
    assert (org.email, str(org.location_precision), org.contacts_public) == (EMAIL, "exact", True)
    assert [location.geonameid for location in org.locations] == [ANSONGO]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_moderators_see_why_a_record_is_coarsened(client, admin, placed, lang):
    record = f"/{lang}/moderation/organisations/kelvanara"
    assert soup(client.get(record)).select_one("p.notice") is None  # control
    set_crisis(client)
    notice = soup(client.get(record)).select_one("p.notice")
    assert notice is not None and REGION in notice.get_text()
    page = client.get(f"/{lang}/moderation/crisis")
    assert page.status_code == 200 and REGION in page.get_data(as_text=True)
