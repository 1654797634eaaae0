"""The map: GeoJSON that is valid and private, server-side grouping, and the page as text."""

import json

import geojson as geojson_library
import pytest

from peacemap.extensions import db
from peacemap.models import Organisation, PublicationStatus
from peacemap.places import centres, gazetteer
from tests.conftest import soup
from tests.geojson_rules import FIXTURES, problems

SECRET = (14.51234, -4.19876)  # an office the owner may not want shown
LEAKS = ("14.51234", "-4.19876", "14.5123", "-4.1988", "-4.1987")
TIMBUKTU, SEGOU = 2449067, 2451478


@pytest.fixture
def secret_place(make_location):
    def make():
        return make_location(
            name="Quartier secret", admin1="Mopti", latitude=SECRET[0], longitude=SECRET[1]
        )

    return make


@pytest.fixture
def gazetteer_place():
    from peacemap.places.service import location_for

    def place(geonameid):
        location = location_for({"geonameid": geonameid})
        db.session.flush()
        return location

    return place


def geojson(client, kind="organisations", **args):
    response = client.get(f"/api/v1/{kind}.geojson", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    parsed = geojson_library.loads(response.get_data(as_text=True))
    assert parsed.is_valid, parsed.errors()  # the geojson library's own validation
    return response.get_json()


def points_of(document):
    return {f["id"]: tuple(f["geometry"]["coordinates"]) for f in document["features"]}


# -- the checker itself must be able to fail -----------------------------------------------------
def test_geojson_checker_agrees_with_the_fixtures():
    for path in sorted((FIXTURES / "valid").glob("*.json")):
        assert problems(json.loads(path.read_text()), rfc=False) == [], path.name
    for path in sorted((FIXTURES / "invalid").glob("*.json")):
        assert problems(json.loads(path.read_text()), rfc=False), path.name
    for path in sorted((FIXTURES / "rfc").glob("*.geojson")):
        document = json.loads(path.read_text())
        assert problems(document, rfc=False) == [], path.name  # the schema lets it through
        assert problems(document), path.name  # the RFC's own rules do not


# -- GeoJSON --------------------------------------------------------------------------------------
def test_organisations_geojson_is_valid_rfc7946_with_longitude_first(
    client, make_organisation, gazetteer_place
):
    segou = gazetteer_place(SEGOU)
    org = make_organisation(name="Paix à Ségou", locations=[segou], location_precision="commune")
    db.session.commit()

    for args in ({}, {"view": "map"}, {"view": "map", "zoom": 5, "bbox": "-18,4,16,25"}):
        document = geojson(client, **args)
        assert problems(document) == [], args
        assert points_of(document)[org.id] == (round(segou.longitude, 5), round(segou.latitude, 5))
    full = geojson(client, lang="fr")["features"][0]["properties"]
    assert full["name"] == "Paix à Ségou"
    assert full["url"].endswith(f"/fr/organisations/{org.slug}")
    assert geojson(client, view="map")["features"][0]["properties"] == {}


def test_shipped_basemap_is_valid_rfc7946(client):
    for name in ("west-africa", "world"):
        response = client.get(f"/static/map/{name}.geojson")
        document = json.loads(response.get_data(as_text=True))
        assert problems(document) == [], name
        assert len(document["features"]) > 20


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        ("exact", lambda: (SECRET[1], SECRET[0])),
        (
            "commune",
            lambda: (lambda p: (round(p.longitude, 5), round(p.latitude, 5)))(
                centres.nearest_locality("ML", round(SECRET[0], 3), round(SECRET[1], 3))
            ),
        ),
        ("region", lambda: tuple(reversed(centres.region_centres()["ML", "Mopti"]))),
        ("country", lambda: tuple(reversed(centres.country_centres()["ML"]))),
        ("not_mapped", lambda: None),
    ],
)
def test_points_are_only_as_precise_as_agreed(
    client, make_organisation, secret_place, precision, expected
):
    org = make_organisation(
        name="Veilleurs de Mopti", locations=[secret_place()], location_precision=precision
    )
    db.session.commit()
    found = points_of(geojson(client)).get(org.id)
    assert found == (None if expected() is None else tuple(round(v, 5) for v in expected()))
    if precision == "commune":
        assert gazetteer.places()  # the point is a locality of the gazetteer...
        assert found != (SECRET[1], SECRET[0])  # ...never the office itself


@pytest.mark.config(MAP_POINT_LIMIT=1)
@pytest.mark.parametrize("precision", ["commune", "region", "country", "not_mapped"])
def test_no_public_response_reveals_a_hidden_office(
    client, make_organisation, make_theme, secret_place, precision
):
    org = make_organisation(
        name="Veilleurs de Mopti",
        slug="veilleurs",
        locations=[secret_place()],
        location_precision=precision,
        themes=[make_theme(slug="dialogue")],
    )
    make_organisation(name="Autre", locations=[secret_place()], location_precision=precision)
    db.session.commit()
    from peacemap.search import service

    service.rebuild()
    responses = [
        client.get(f"/api/v1/organisations.geojson?{args}")
        for args in ("", "view=map", "view=map&zoom=12&bbox=-5,14,-4,15", "view=map&zoom=2")
    ]
    responses += [client.get(f"/api/v1/map/organisations/{org.id}")]
    responses += [client.get("/api/v1/search?q=Veilleurs")]
    for lang in ("fr", "en", "ar"):
        responses += [
            client.get(f"/{lang}/map"),
            client.get(f"/{lang}/map?q=Veilleurs&bbox=-5,14,-4,15"),
            client.get(f"/{lang}/organisations/veilleurs"),
            client.get(f"/{lang}/search?q=Veilleurs"),
        ]
    for response in responses:
        assert response.status_code == 200, response.request.url
        body = response.get_data(as_text=True)
        for leak in LEAKS:
            assert leak not in body, (response.request.url, leak)


def test_the_leak_check_can_fail(client, make_organisation, secret_place):
    make_organisation(locations=[secret_place()], location_precision="exact")
    db.session.commit()
    assert "14.51234" in client.get("/api/v1/organisations.geojson").get_data(as_text=True)


def test_an_area_tests_public_points_not_hidden_offices(client, make_organisation, secret_place):
    org = make_organisation(locations=[secret_place()], location_precision="region")
    db.session.commit()
    around_office = "-4.2,14.5,-4.19,14.52"
    assert org.id not in points_of(geojson(client, bbox=around_office))
    x, y = points_of(geojson(client))[org.id]
    around_centre = f"{x - 0.01},{y - 0.01},{x + 0.01},{y + 0.01}"
    assert org.id in points_of(geojson(client, bbox=around_centre))


def test_unpublished_records_are_never_drawn(
    client, make_organisation, make_initiative, secret_place
):
    hidden = make_organisation(locations=[secret_place()], status=PublicationStatus.UNPUBLISHED)
    shown = make_organisation(locations=[secret_place()])
    draft = make_initiative(locations=[secret_place()], publication=PublicationStatus.UNPUBLISHED)
    db.session.commit()
    assert set(points_of(geojson(client))) == {shown.id}
    assert draft.id not in points_of(geojson(client, "initiatives"))
    assert client.get(f"/api/v1/map/organisations/{hidden.id}").status_code == 404


# -- filters --------------------------------------------------------------------------------------
def test_filters_match_those_of_search(client, make_organisation, make_theme, gazetteer_place):
    from peacemap.search import service

    dialogue = make_theme(slug="dialogue")
    segou, timbuktu = gazetteer_place(SEGOU), gazetteer_place(TIMBUKTU)
    a = make_organisation(name="Dialogue Ségou", locations=[segou], themes=[dialogue])
    b = make_organisation(name="Femmes de Tombouctou", locations=[timbuktu], type="network")
    c = make_organisation(name="Réseau ouest-africain", country="SN", location_precision="country")
    db.session.commit()
    service.rebuild()

    assert set(points_of(geojson(client))) == {a.id, b.id, c.id}
    assert set(points_of(geojson(client, q="tombouctou"))) == {b.id}
    assert set(points_of(geojson(client, q="تمبكتو"))) == {b.id}
    assert set(points_of(geojson(client, country="SN"))) == {c.id}
    assert set(points_of(geojson(client, region=timbuktu.admin1))) == {b.id}
    assert set(points_of(geojson(client, theme="dialogue"))) == {a.id}
    assert set(points_of(geojson(client, type="network"))) == {b.id}


def test_initiatives_layer_and_year_filter(client, make_initiative, gazetteer_place):
    from datetime import date

    segou = gazetteer_place(SEGOU)
    old = make_initiative(
        locations=[segou], start_date=date(2015, 1, 1), end_date=date(2017, 6, 30)
    )
    running = make_initiative(locations=[segou], start_date=date(2020, 3, 1))
    undated = make_initiative(locations=[segou])
    db.session.commit()
    assert set(points_of(geojson(client, "initiatives"))) == {old.id, running.id, undated.id}
    assert set(points_of(geojson(client, "initiatives", year=2016))) == {old.id}
    assert set(points_of(geojson(client, "initiatives", year=2024))) == {running.id}
    popup = client.get(f"/api/v1/map/initiatives/{running.id}?lang=en").get_json()
    assert popup["url"] == f"/en/initiatives/{running.slug}"


@pytest.mark.parametrize(
    "args",
    [
        "bbox=1,2,3",
        "bbox=200,0,5,1",
        "bbox=0,-95,5,1",
        "bbox=nan,0,1,1",
        "zoom=99",
        "year=3000",
        "view=x",
        "q=" + "x" * 201,
    ],
)
def test_bad_parameters_are_a_clear_400(client, args):
    response = client.get(f"/api/v1/organisations.geojson?{args}")
    assert response.status_code == 400
    assert response.get_json()["error"]["detail"]
    assert client.get(f"/en/map?{args}").status_code == 400


# -- grouping on the server -----------------------------------------------------------------------
@pytest.mark.config(MAP_POINT_LIMIT=5)
def test_many_points_are_grouped_on_the_server(client, make_organisation, make_location):
    for n in range(12):
        spot = make_location(latitude=12 + n * 0.5, longitude=-8 + n * 0.5)
        make_organisation(locations=[spot], location_precision="exact")
    db.session.commit()

    everything = geojson(client, view="map", zoom=3, bbox="-18,4,16,25")
    assert everything["peacemap"] == {"mode": "grouped", "total": 12}
    assert sum(f["properties"]["count"] for f in everything["features"]) == 12
    assert len(everything["features"]) < 12
    assert problems(everything) == []

    closer = geojson(client, view="map", zoom=9, bbox="-8.1,11.9,-6.9,13.1")
    assert closer["peacemap"]["mode"] == "points"
    assert len(closer["features"]) == 3
    assert geojson(client)["features"].__len__() == 12  # the full layer is never grouped


def test_few_points_are_sent_all_at_once(client, make_organisation, make_location):
    make_organisation(locations=[make_location()], location_precision="exact")
    db.session.commit()
    assert geojson(client, view="map", zoom=3, bbox="0,0,1,1")["peacemap"]["mode"] == "all"


def test_geojson_has_a_validator_and_changes_with_the_data(
    client, make_organisation, make_location
):
    org = make_organisation(locations=[make_location()])
    db.session.commit()
    first = client.get("/api/v1/organisations.geojson?view=map")
    again = client.get(
        "/api/v1/organisations.geojson?view=map", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    org.location_precision = "not_mapped"
    db.session.commit()
    changed = client.get(
        "/api/v1/organisations.geojson?view=map", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert changed.status_code == 200
    assert changed.get_json()["features"] == []


# -- the page -------------------------------------------------------------------------------------
def test_map_page_lists_the_same_records_grouped_by_region(
    client, make_organisation, gazetteer_place, secret_place
):
    segou = gazetteer_place(SEGOU)
    make_organisation(name="Alpha Ségou", locations=[segou])
    make_organisation(name="Beta Ségou", locations=[segou])
    make_organisation(
        name="Gamma discret", locations=[secret_place()], location_precision="country"
    )
    make_organisation(
        name="Delta invisible", locations=[secret_place()], location_precision="not_mapped"
    )
    db.session.commit()

    page = soup(client.get("/fr/map"))
    groups = {
        section.h3.get_text(" ", strip=True): [a.get_text() for a in section.select("li a")]
        for section in page.select(".region-group")
    }
    assert groups["Ségou, Mali"] == ["Alpha Ségou", "Beta Ségou"]
    assert groups["Mali (région non affichée)"] == ["Gamma discret"]
    assert "Delta invisible" not in page.get_text()
    rows = {
        row.th.get_text(strip=True): row.select("td")[-1].get_text()
        for row in page.select(".region-table tbody tr")
    }
    assert rows["Ségou"] == "2" and rows["Mopti"] == "0"
    assert len(rows) == 20  # every current région of Mali and the District (the region table)
    assert "1 organisation au Mali n’affiche pas sa région" in page.get_text().replace(
        "\u202f", " "
    )


def test_map_page_filters_and_area_are_kept_in_its_links(
    client, make_organisation, gazetteer_place
):
    make_organisation(name="Alpha", locations=[gazetteer_place(SEGOU)])
    db.session.commit()
    page = soup(client.get("/en/map?q=alpha&country=ML&bbox=-7,13,-6,14"))
    data = page.select_one("#map")
    assert "q=alpha" in data["data-organisations"] and "country=ML" in data["data-organisations"]
    assert data["data-bbox"] == "-7,13,-6,14"
    assert page.select_one("input[name=bbox]")["value"] == "-7,13,-6,14"
    assert [a.get_text() for a in page.select(".region-group li a")] == ["Alpha"]
    outside = soup(client.get("/en/map?bbox=0,0,1,1"))
    assert outside.select(".region-group") == []


def test_map_scripts_load_only_on_the_map_page(client):
    map_page = client.get("/en/map").get_data(as_text=True)
    assert "leaflet.js" in map_page and "js/map.js" in map_page and "leaflet.css" in map_page
    for url in ("/en/", "/en/organisations", "/en/search", "/en/submit"):
        body = client.get(url).get_data(as_text=True)
        assert "leaflet" not in body and "map.js" not in body, url


def test_vendored_leaflet_is_served_from_its_package(client):
    script = client.get("/static/vendor/leaflet-1.9.3/leaflet.js")
    assert script.status_code == 200
    assert "immutable" in script.headers["Cache-Control"]
    assert b"Leaflet 1.9.3" in script.data[:300]
    assert client.get("/static/vendor/leaflet-1.9.3/leaflet-src.js.map").status_code == 404
    assert client.get("/static/vendor/leaflet-0.1/leaflet.js").status_code == 404
    assert (
        client.get(
            "/static/vendor/leaflet-1.9.3/leaflet.js", headers={"Accept-Encoding": "gzip"}
        ).headers["Content-Encoding"]
        == "gzip"
    )


@pytest.mark.config(
    TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png", TILE_ATTRIBUTION="© Example"
)
def test_tiles_are_allowed_only_from_the_configured_server(client):
    response = client.get("/en/map")
    assert (
        "img-src 'self' data: https://*.tiles.example.org;"
        in response.headers["Content-Security-Policy"]
    )
    data = soup(response).select_one("#map")
    assert data["data-tiles"] == "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    assert "© Example" in data["data-attribution"] and "Natural Earth" in data["data-attribution"]


def test_without_tiles_only_our_own_origin_serves_images(client):
    policy = client.get("/en/map").headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy
    assert soup(client.get("/en/map")).select_one("#map")["data-tiles"] == ""


def test_records_without_places_are_drawn_at_their_country_only(client, make_organisation):
    org = make_organisation(country="SN", location_precision="commune")
    db.session.commit()
    lon, lat = points_of(geojson(client))[org.id]
    assert (lat, lon) == centres.country_centres()["SN"]
    assert Organisation.query.count() == 1


def test_an_area_may_cross_the_antimeridian(client, make_organisation, make_location):
    fiji = make_organisation(
        country="FJ",
        locations=[make_location(country="FJ", admin1=None, latitude=-17.8, longitude=178.1)],
        location_precision="exact",
    )
    samoa = make_organisation(
        country="WS",
        locations=[make_location(country="WS", admin1=None, latitude=-13.8, longitude=-171.8)],
        location_precision="exact",
    )
    make_organisation(locations=[make_location()], location_precision="exact")
    db.session.commit()
    assert set(points_of(geojson(client, bbox="170,-20,-170,-10"))) == {fiji.id, samoa.id}
    assert set(points_of(geojson(client, bbox="170,-10,-170,-20"))) == {fiji.id, samoa.id}
