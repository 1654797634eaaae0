"""The offline basemap's words in a real Chromium: country names from the first view, Mali's
régions from zoom 5, towns by zoom, in the page's language, never over a marker, and only the
pieces a view needs fetched."""

import re

import pytest
from sqlalchemy import insert

from peacemap.extensions import db
from peacemap.models import Location, Organisation
from peacemap.models.directory import organisation_locations
from tests.browser.test_map import _fill, _serve

pytestmark = pytest.mark.browser

TIMBUKTU = (16.77348, -3.00742)  # GeoNames' point for the town
VIEWPORTS = {"phone": (360, 740), "laptop": (1280, 800)}
NAMES = {
    "fr": {"mali": "Mali", "timbuktu": "Tombouctou", "regions": {"Gao", "Kidal", "Ménaka"}},
    "en": {"mali": "Mali", "timbuktu": "Timbuktu", "regions": {"Gao", "Kidal", "Ménaka"}},
    "ar": {"mali": "مالي", "timbuktu": "تمبكتو", "regions": {"غاو", "كيدال", "ميناكا"}},
}


def _fill_with_one_in_timbuktu():
    """A few organisations across West Africa, and one drawn exactly on Timbuktu."""
    _fill(20)
    db.session.execute(
        insert(Location),
        [{"id": 500, "name": "Tombouctou", "country": "ML", "latitude": TIMBUKTU[0],
          "longitude": TIMBUKTU[1], "precision": "exact"}],
    )  # fmt: skip
    db.session.execute(
        insert(Organisation),
        [{"id": 500, "slug": "sur-la-place", "name": "Sur la place", "type": "national_ngo",
          "country": "ML", "location_precision": "exact", "summary": {}, "description": {},
          "alternate_names": []}],
    )  # fmt: skip
    db.session.execute(
        insert(organisation_locations), [{"organisation_id": 500, "location_id": 500}]
    )
    db.session.commit()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("basemap"), _fill_with_one_in_timbuktu)


def _fetched(page):
    """The basemap pieces this page has requested so far (file names)."""
    urls = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    return {re.sub(r"\?.*", "", url).rsplit("/", 1)[1] for url in urls if "/static/map/" in url}


def _open(page, url, viewport):
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _label(page, kind, text):
    return page.locator(f".basemap-{kind}").filter(has_text=re.compile(f"^{re.escape(text)}$"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", NAMES)
def test_country_names_show_at_the_first_view_and_nothing_more_is_fetched(
    page, site, lang, viewport
):
    _open(page, f"{site}/{lang}/map", viewport)
    mali = _label(page, "country", NAMES[lang]["mali"])
    mali.wait_for()
    assert mali.is_visible()
    assert mali.get_attribute("lang") == lang
    # The labels' pane is silent for screen readers (the list says where records are).
    assert page.locator(".leaflet-basemap-labels-pane").get_attribute("aria-hidden") == "true"
    fetched = _fetched(page)
    assert "west-africa.geojson" in fetched  # a control: this does see the pieces fetched
    assert not {name for name in fetched if name.startswith("towns-")}
    assert "mali-regions.geojson" not in fetched
    assert page.problems == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", NAMES)
def test_region_names_from_zoom_5(page, site, lang, viewport):
    _open(page, f"{site}/{lang}/map#5/17/0", viewport)
    page.locator(".basemap-region").first.wait_for()
    shown = set(page.locator(".basemap-region").all_inner_texts())
    assert shown & NAMES[lang]["regions"], shown
    arabic = [bool(re.search("[\u0600-\u06ff]", name)) for name in shown]
    assert all(arabic) if lang == "ar" else not any(arabic)
    fetched = _fetched(page)
    assert "towns-5-all.geojson" in fetched
    assert not {name for name in fetched if name.startswith(("towns-6-", "towns-7-", "towns-9-"))}
    assert page.problems == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", NAMES)
def test_a_town_at_zoom_9_in_the_page_language_never_over_a_marker(page, site, lang, viewport):
    _open(page, f"{site}/{lang}/map#9/{TIMBUKTU[0]}/{TIMBUKTU[1]}", viewport)
    town = _label(page, "town", NAMES[lang]["timbuktu"])
    town.wait_for()
    assert town.get_attribute("lang") == lang
    assert town.get_attribute("dir") == ("rtl" if lang == "ar" else "auto")
    assert any(name.startswith("towns-9-") for name in _fetched(page))

    marker = page.locator(".leaflet-marker-icon.dot-organisation")
    marker.wait_for()
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    label = town.bounding_box()
    # A control: the label really lies over the marker's centre...
    assert label["x"] <= x <= label["x"] + label["width"]
    assert label["y"] <= y <= label["y"] + label["height"]
    # ...yet it is drawn under every data layer (overlays, markers)...
    z_index = page.evaluate(
        """() => ['basemap-labels', 'overlay', 'marker'].map(name => Number(getComputedStyle(
               document.querySelector('.leaflet-' + name + '-pane')).zIndex))"""
    )
    assert z_index[0] < z_index[1] < z_index[2], z_index
    # ...and the marker is what a tap there reaches, and without the marker not the label.
    on_top = "([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-marker-icon') !== null"
    assert page.evaluate(on_top, [x, y])
    marker.evaluate("element => { element.style.visibility = 'hidden'; }")
    assert not page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.basemap-label') !== null", [x, y]
    )
    assert page.problems == []


def _overlapping(boxes):
    """Pairs of boxes (as Playwright gives them) that overlap."""
    return [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_labels_never_overlap_one_another(page, site, viewport):
    _open(page, f"{site}/fr/map#7/12.6/-8", viewport)  # around Bamako: many towns
    page.locator(".basemap-town").nth(5).wait_for()
    boxes = [label.bounding_box() for label in page.locator(".basemap-label").all()]
    assert _overlapping(boxes) == []
    assert _overlapping(boxes + [boxes[0]]) != []  # a control: the check sees an overlap
    assert page.problems == []
