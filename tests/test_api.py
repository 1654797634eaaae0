"""The read API, its OpenAPI description, the exports and the profile's JSON-LD."""

import csv
import io
import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from peacemap.demo import loader
from peacemap.extensions import db
from peacemap.models import PublicationStatus
from tests.conftest import soup
from tests.geojson_rules import problems

HSDS = Path(__file__).parent / "fixtures" / "hsds"
SECRET = (14.51234, -4.19876)


@pytest.fixture
def demo(app):
    loader.load(loader.read_data())
    db.session.commit()


@pytest.fixture
def private_org(make_organisation, make_location, make_theme):
    """An organisation that keeps its contacts and exact office to itself."""
    office = make_location(
        name="Quartier secret", admin1="Mopti", latitude=SECRET[0], longitude=SECRET[1]
    )
    org = make_organisation(
        slug="veilleurs",
        name="Veilleurs de Mopti",
        email="private@example.org",
        phone="+223 00 00 00 00",
        contacts_public=False,
        location_precision="region",
        locations=[office],
        themes=[make_theme(slug="early-warning")],
    )
    db.session.commit()
    return org


# -- the description ----------------------------------------------------------------------------
def test_openapi_description_is_valid_openapi_3_1(client):
    description = client.get("/api/v1/openapi.json").get_json()
    assert description["openapi"] == "3.1.0"
    validate(description)  # raises on any error
    assert "/organisations/{slug}" in description["paths"]


def test_every_endpoint_answers_as_described(app, demo):
    """Schemathesis: generated input for every operation; each response must match the
    description (status code, content type, schema) and never be a server error.

    (Its pytest plug-in does not run under pytest 9 yet, so operations are driven here.)
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(app.test_client().get("/api/v1/openapi.json").json["paths"])
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # Schemathesis' WSGI transport does not undo gzip: ask for plain bodies.
            case.call_and_validate(headers={"Accept-Encoding": "identity"})

        check()


# -- lists and records -------------------------------------------------------------------------
def test_lists_filter_and_paginate_like_the_pages(client, demo):
    everything = client.get("/api/v1/organisations?per_page=5").get_json()
    assert everything["total"] == 16 and len(everything["items"]) == 5
    assert everything["links"]["next"].endswith("page=2") and everything["links"]["prev"] is None
    last = client.get("/api/v1/organisations?per_page=5&page=4").get_json()
    assert len(last["items"]) == 1 and last["links"]["next"] is None
    mali = client.get("/api/v1/organisations?country=ML&per_page=100").get_json()
    assert mali["total"] >= 4 and {item["country"] for item in mali["items"]} == {"ML"}
    assert client.get("/api/v1/organisations?per_page=101").status_code == 400
    names = [item["slug"] for item in client.get("/api/v1/initiatives").get_json()["items"]]
    assert "building-lasting-peace-mali" in names


def test_records_show_only_what_owners_made_public(client, private_org, make_organisation):
    hidden = make_organisation(slug="draft", status=PublicationStatus.UNPUBLISHED)
    db.session.commit()
    record = client.get("/api/v1/organisations/veilleurs?lang=fr").get_json()
    assert record["email"] is None and record["phone"] is None
    assert record["places"] == [
        {
            "name": None,
            "region": "Mopti",
            "region_pcode": None,  # a typed place: its region's code is not known
            "country": "ML",
            "latitude": None,
            "longitude": None,
        }
    ]
    body = json.dumps(record)
    assert "private@example.org" not in body and "14.51234" not in body
    assert record["url"].endswith("/fr/organisations/veilleurs")
    assert client.get(f"/api/v1/organisations/{hidden.slug}").status_code == 404


def test_validators_and_cross_origin_reads(client, private_org):
    first = client.get("/api/v1/organisations/veilleurs")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Last-Modified"]
    again = client.get(
        "/api/v1/organisations/veilleurs", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    since = client.get(
        "/api/v1/organisations/veilleurs",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert since.status_code == 304
    missing = client.get("/api/v1/organisations/nobody")
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_api_is_rate_limited(client):
    codes = [client.get("/api/v1/themes").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/organisations")
    assert limited.status_code == 429
    assert limited.get_json()["error"]["status"] == 429


# -- exports -------------------------------------------------------------------------------------
def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 with its byte order mark
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_export_follows_the_filters(client, demo, private_org, make_organisation):
    make_organisation(name="Ailleurs", country="SN")
    db.session.commit()
    rows = read_csv(
        client.get("/api/v1/exports/organisations.csv?region=Mopti&theme=early-warning")
    )
    assert [row["slug"] for row in rows] == ["veilleurs"]
    everything = read_csv(client.get("/api/v1/exports/organisations.csv"))
    assert len(everything) == 18
    response = client.get("/api/v1/exports/organisations.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]


def test_exports_honour_every_visibility_choice(client, private_org):
    row = read_csv(client.get("/api/v1/exports/organisations.csv"))[0]
    assert row["email"] == "" and row["phone"] == ""
    assert row["regions"] == "Mopti" and row["places"] == "" and row["geonames"] == ""
    for url in (
        "/api/v1/exports/organisations.csv",
        "/api/v1/exports/organisations.hxl.csv",
        "/api/v1/exports/organisations.geojson",
        "/api/v1/exports/organisations.hsds.json",
    ):
        body = client.get(url).get_data(as_text=True)
        for secret in ("private@example.org", "+223 00", "14.51234", "-4.19876", "Quartier"):
            assert secret not in body, (url, secret)


def test_spreadsheets_never_run_a_cell_as_a_formula(client, make_organisation):
    make_organisation(
        name='=HYPERLINK("http://evil.example","clic")',
        contacts_public=True,
        phone="+223 20 22 00 00",
    )
    db.session.commit()
    row = read_csv(client.get("/api/v1/exports/organisations.csv"))[0]
    assert row["name"].startswith("'=HYPERLINK")
    assert row["phone"] == "'+223 20 22 00 00"


def test_hxl_export_has_the_tag_row(client, private_org):
    lines = client.get("/api/v1/exports/organisations.hxl.csv").get_data(as_text=True).splitlines()
    tags = next(csv.reader([lines[1]]))
    assert tags[:3] == ["#org+code", "#org+name", "#org+acronym"]
    assert "#adm1+name" in tags and "#geo+lat" in tags
    assert next(csv.reader([lines[2]]))[0] == "veilleurs"


def test_geojson_export_is_valid_rfc7946(client, demo):
    document = client.get("/api/v1/exports/organisations.geojson").get_json()
    assert problems(document) == []
    assert len(document["features"]) == 16
    assert all("name" in feature["properties"] for feature in document["features"])


def hsds_validator(name):
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT202012))
        for path in HSDS.glob("*.json")
    ]
    registry = Registry().with_resources(resources)
    schema = json.loads((HSDS / f"{name}.json").read_text())
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def test_hsds_export_validates_against_open_referral_schemas(client, demo, private_org):
    organisations = client.get("/api/v1/exports/organisations.hsds.json").get_json()
    assert len(organisations) == 17
    validator = hsds_validator("organization")
    for organisation in organisations:
        errors = [error.message for error in validator.iter_errors(organisation)]
        assert errors == [], organisation["name"]
    broken = dict(organisations[0], id="not-a-uuid")
    assert list(validator.iter_errors(broken))  # the check can fail
    veilleurs = next(o for o in organisations if o["name"] == "Veilleurs de Mopti")
    assert "email" not in veilleurs and "phones" not in veilleurs
    assert veilleurs["locations"][0]["name"] == "Mopti"


def test_pages_link_to_exports_with_their_filters(client, demo):
    page = soup(client.get("/en/organisations?country=ML&theme=conflict-prevention"))
    links = {a.get_text(strip=True): a["href"] for a in page.select(".downloads a[download]")}
    assert set(links) == {"CSV", "HXL", "GeoJSON", "HSDS (JSON)"}
    assert all(
        "country=ML" in href and "theme=conflict-prevention" in href for href in links.values()
    )
    rows = read_csv(client.get(links["CSV"]))
    assert rows and {row["country"] for row in rows} == {"ML"}


# -- JSON-LD -------------------------------------------------------------------------------------
def test_profiles_carry_schema_org_json_ld(client, private_org, make_organisation):
    make_organisation(slug="evil", name="</script><script>alert(1)</script>")
    db.session.commit()
    page = soup(client.get("/en/organisations/veilleurs"))
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NGO"
    assert data["name"] == "Veilleurs de Mopti"
    assert data["address"] == [
        {"@type": "PostalAddress", "addressRegion": "Mopti", "addressCountry": "ML"}
    ]
    assert "email" not in data and "telephone" not in data
    evil = client.get("/en/organisations/evil").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in evil
    evil_data = json.loads(
        soup(client.get("/en/organisations/evil"))
        .select_one('script[type="application/ld+json"]')
        .string
    )
    assert evil_data["name"] == "</script><script>alert(1)</script>"
