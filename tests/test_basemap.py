"""The offline basemap's data (static/map/): made by `python -m peacemap.map.derive` from the
Natural Earth and GeoNames data in the repository, valid GeoJSON, small, and named in French,
English and Arabic."""

import gzip
import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from peacemap import assets
from peacemap.map import derive, labels
from tests.geojson_rules import problems

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "static/map"
MALI_REGIONS = {
    "Bamako", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal",
    "Taoudénit", "Ménaka",
}  # fmt: skip
# Compressed bytes a piece may cost (gzip, as the site sends it).
CAPS = {"west-africa.geojson": 12_000, "mali-regions.geojson": 3_000, "index.json": 1_500}
TOWN_PIECE_CAP = 10_000


def _read(name):
    return json.loads((MAP / name).read_text(encoding="utf-8"))


def _pieces():
    return sorted(p.name for p in MAP.iterdir())


def test_shipped_basemap_is_what_the_derive_writes(tmp_path):
    derive.main(root=tmp_path)
    written = sorted(p.name for p in (tmp_path / "static/map").iterdir())
    assert written == _pieces()
    for name in written:
        assert (tmp_path / "static/map" / name).read_bytes() == (MAP / name).read_bytes(), name
    centres = "peacemap/data/country_centres.csv"
    assert (tmp_path / centres).read_bytes() == (ROOT / centres).read_bytes()


def test_every_piece_is_valid_geojson_and_listed_with_its_fingerprint():
    index = _read("index.json")
    listed = [index["regions"]] + [piece[2] for piece in index["towns"]]
    geojson = [name for name in _pieces() if name.endswith(".geojson")]
    assert {entry.split("?")[0] for entry in listed} | {
        "west-africa.geojson",
        "world.geojson",
    } == set(geojson)
    for entry in listed:
        name, version = entry.split("?v=")
        assert version == assets.fingerprint(MAP, name)  # cached for a year, and refreshed
    for name in geojson:
        document = _read(name)
        assert document["features"], name
        assert problems(document) == [], name
    # A control: the checker does see a clockwise ring.
    bad = _read("mali-regions.geojson")
    ring = bad["features"][0]["geometry"]["coordinates"][0][0]
    ring.reverse()
    assert "exterior ring is clockwise" in problems(bad)


def test_pieces_stay_small():
    for name in _pieces():
        size = len(gzip.compress((MAP / name).read_bytes()))
        cap = TOWN_PIECE_CAP if name.startswith("towns-") else CAPS.get(name, 30_000)
        assert size <= cap, (name, size)


def test_country_labels_in_three_languages():
    features = {
        f["properties"].get("code"): f["properties"]
        for f in _read("west-africa.geojson")["features"]
    }
    assert features["ML"]["fr"] == "Mali" and features["ML"]["ar"] == "مالي"
    assert (features["CI"]["fr"], features["CI"]["en"]) == ("Côte d’Ivoire", "Côte d’Ivoire")
    assert features["SN"]["ar"] == "السنغال"
    longitude, latitude = features["ML"]["label"]
    mali = next(
        f for f in _read("west-africa.geojson")["features"] if f["properties"].get("code") == "ML"
    )
    assert shape(mali["geometry"]).contains(shapely.Point(longitude, latitude))


def test_mali_regions_cover_the_country_with_their_names():
    features = _read("mali-regions.geojson")["features"]
    assert {f["properties"]["name"] for f in features} == MALI_REGIONS
    names = {f["properties"]["name"]: f["properties"] for f in features}
    assert names["Tombouctou"]["en"] == "Timbuktu" and names["Tombouctou"]["ar"] == "تمبكتو"
    assert all(p.get("ar") for p in names.values())
    shapes = {name: shape(f["geometry"]) for name, f in zip(names, features, strict=True)}
    mali = next(
        f for f in _read("west-africa.geojson")["features"] if f["properties"].get("code") == "ML"
    )
    union = shapely.union_all(list(shapes.values()))
    # Approximate outlines, but a coverage: no gap and no overlap beyond the rounding.
    assert abs(union.area - shape(mali["geometry"]).area) < 0.02 * union.area
    assert sum(s.area for s in shapes.values()) < union.area * 1.01
    # Each région holds its own capital (Gao in Gao, Bamako in the District).
    for name, town in (
        ("Gao", (-0.045, 16.272)),
        ("Bamako", (-7.975, 12.609)),
        ("Kidal", (1.409, 18.443)),
    ):
        assert shapes[name].contains(shapely.Point(town)), name
        assert not shapes["Tombouctou"].contains(shapely.Point(town))


def _towns():
    index = _read("index.json")
    for zoom, box, entry in index["towns"]:
        for feature in _read(entry.split("?")[0])["features"]:
            yield zoom, box, feature


def test_towns_are_banded_by_population_and_lie_in_their_piece():
    seen = 0
    for zoom, (west, south, east, north), feature in _towns():
        population = feature["properties"]["population"]
        assert labels.band_of(population) == zoom
        longitude, latitude = feature["geometry"]["coordinates"]
        assert west <= longitude <= east and south <= latitude <= north
        seen += 1
    assert seen == len(derive.read_places())  # every place, once


def test_timbuktu_is_named_in_each_language():
    timbuktu = next(
        f["properties"] for _, _, f in _towns() if f["properties"]["name"] == "Timbuktu"
    )
    assert (timbuktu.get("fr"), timbuktu["name"], timbuktu["ar"]) == (
        "Tombouctou",
        "Timbuktu",
        "تمبكتو",
    )
    algiers = next(f["properties"] for _, _, f in _towns() if f["properties"]["name"] == "Algiers")
    assert algiers["fr"] == "Alger"


@pytest.mark.parametrize(
    "alternates, expected",
    [
        (["تمبكتو", "تیمبوکتو", "ٹمبکٹو", "ټیمبکتو"], "تمبكتو"),  # Persian, Urdu, Pashto forms left
        (["جاو", "غاو", "گائو", "گاو"], "غاو"),
        (["مدينة الجزائر", "الجزائر العاصمة", "الجزائر"], "الجزائر"),
        (["Bamako", "bamakw"], None),
    ],
)
def test_the_arabic_name_is_arabic(alternates, expected):
    assert labels.arabic_name(alternates) == expected
