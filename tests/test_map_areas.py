"""The map says what a point stands for: a town, somewhere in a region, somewhere in a country;
and a page with filters opens on the records they find."""

import pytest

from peacemap.extensions import db
from peacemap.map import features
from tests.conftest import soup
from tests.test_map import geojson

GAO_TOWN = 2457163
BAMAKO = 2460596
GAO_POINT = [-0.04472, 16.27167]  # Gao town: also the Gao region's centre


@pytest.fixture
def gao(make_organisation, make_location):
    """One organisation in Gao town, one somewhere in the Gao region (its office elsewhere),
    one somewhere in Mali: the first two are drawn at the same point."""
    from peacemap.places.service import location_for

    town = make_organisation(
        name="Paix à Gao",
        locations=[location_for({"geonameid": GAO_TOWN})],
        location_precision="commune",
    )
    office = make_location(name="Bureau caché", admin1="Gao", latitude=15.91, longitude=0.31)
    region = make_organisation(
        name="Veilleurs du fleuve", locations=[office], location_precision="region"
    )
    country = make_organisation(
        name="Réseau malien", locations=[make_location(admin1="Gao")], location_precision="country"
    )
    db.session.commit()
    return town, region, country


@pytest.mark.parametrize(
    ("lang", "region_label", "country_label"),
    [
        ("en", "Somewhere in the Gao region", "Somewhere in Mali"),
        ("fr", "Quelque part dans la région de Gao", "Quelque part dans le pays\u202f: Mali"),
        ("ar", "في مكان ما في منطقة غاو", "في مكان ما في مالي"),
    ],
)
def test_the_map_layer_says_which_points_stand_for_an_area(
    client, gao, lang, region_label, country_label
):
    town, region, country = gao
    for args in ({}, {"zoom": 9, "bbox": "-2,14,2,18"}):
        layer = geojson(client, view="map", lang=lang, **args)
        by_id = {f["id"]: f for f in layer["features"]}
        areas = layer["peacemap"]["areas"]
        assert by_id[town.id]["properties"] == {}  # a town: nothing more than its point
        assert by_id[town.id]["geometry"]["coordinates"] == GAO_POINT
        assert by_id[region.id]["geometry"]["coordinates"] == GAO_POINT  # same point...
        assert areas[by_id[region.id]["properties"]["p"]] == ["r", region_label]  # ...not a town
        assert areas[by_id[country.id]["properties"]["p"]] == ["c", country_label]


def test_a_layer_of_towns_carries_no_area_at_all(client, make_organisation, make_location):
    make_organisation(locations=[make_location()], location_precision="exact")
    db.session.commit()
    layer = geojson(client, view="map")
    assert "areas" not in layer["peacemap"]
    assert [f["properties"] for f in layer["features"]] == [{}]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["Gao, Mali", "Somewhere in the Gao region, Mali", "Somewhere in Mali"]),
        (
            "fr",
            [
                "Gao, Mali",
                "Quelque part dans la région de Gao, Mali",
                "Quelque part dans le pays\u202f: Mali",
            ],
        ),
    ],
)
def test_a_popup_says_somewhere_in_the_region_not_its_main_town(client, gao, lang, expected):
    places = [
        client.get(f"/api/v1/map/organisations/{org.id}?lang={lang}").get_json()["places"]
        for org in gao
    ]
    assert places == [[label] for label in expected]


def test_the_region_name_is_text_not_markup(client, make_organisation, make_location):
    """Region names come from data: the label is a plain string, escaped by JSON and the page."""
    odd = make_location(admin1="<b>Nulle part</b>", country="ML")
    org = make_organisation(locations=[odd], location_precision="region")
    db.session.commit()
    [label] = client.get(f"/api/v1/map/organisations/{org.id}?lang=en").get_json()["places"]
    assert "<b>Nulle part</b>" in label  # the name as it is, for the script to set as text


def _results_bounds(client, url):
    return soup(client.get(url)).select_one("#map")["data-results-bounds"]


def test_a_filtered_page_opens_on_the_public_points_of_its_results(client, make_organisation, gao):
    from peacemap.places.service import location_for

    bamako = location_for({"geonameid": BAMAKO})
    for n in range(2):
        make_organisation(name=f"Bamako {n}", locations=[bamako], location_precision="commune")
    db.session.commit()
    assert _results_bounds(client, "/en/map?region=Bamako&country=ML") == (
        "-7.97522,12.60915,-7.97522,12.60915"
    )
    # A region shows the region's centre, not the hidden office (15.91, 0.31).
    assert _results_bounds(client, "/en/map?q=Veilleurs") == ("-0.04472,16.27167,-0.04472,16.27167")
    # Control: more results, a wider box; no filter or a chosen area: no box at all.
    assert _results_bounds(client, "/en/map?country=ML") == ("-7.97522,12.60915,-0.04472,17.2677")
    assert _results_bounds(client, "/en/map") == ""
    assert _results_bounds(client, "/en/map?country=ML&bbox=-9,12,-7,13") == ""
    assert _results_bounds(client, "/en/map?q=nobody") == ""


def test_bytes_added_to_the_map_layer(app):
    """What the area marks cost: printed, and bounded (a few bytes per record not at a town,
    the names once per layer). 1,000 records at region precision in one region."""
    from peacemap.map.services import Point

    towns = [Point(-0.04472, 16.27167, n) for n in range(1000)]
    regions = [Point(-0.04472, 16.27167, n, ("r", "ML", "Gao")) for n in range(1000)]
    with app.test_request_context("/api/v1/organisations.geojson?view=map&lang=en"):
        from peacemap.map.views import _layer

        plain = len(features.dumps(_layer(towns, "all", "en")))
        marked = len(features.dumps(_layer(regions, "all", "en")))
    print(f"map layer: {plain} bytes for 1,000 towns, {marked} for 1,000 region points")
    assert 0 < marked - plain <= 6 * 1000 + 80
