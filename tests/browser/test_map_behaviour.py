"""How the map behaves on a phone and a desktop, in French, English and Arabic: popups inside
the map, filters that take the view to their results, counts that agree after "Search this
area", a legend that draws the map's own symbols, regions drawn as regions."""

import re

import pytest

from peacemap.extensions import db
from peacemap.models import Initiative, Location, Organisation
from tests.browser.test_map import _serve

pytestmark = pytest.mark.browser

SIZES = [(320, 640), (360, 740), (1280, 800)]
LANGS = ["fr", "en", "ar"]
GAO_TOWN, BAMAKO, SEGOU, KIDAL, DAKAR = 2457163, 2460596, 2451478, 2455290, 2253354
NORTH = (20.5, -4.0)  # a lone organisation in the desert: its popup is the one opened
REGION_TITLE = {
    "en": "Somewhere in the Gao region",
    "fr": "Quelque part dans la région de Gao",
    "ar": "في مكان ما في منطقة غاو",
}
AROUND_BAMAKO = "#7/13.0/-7.1"  # Bamako and Ségou in view, every other record out of it
RECORDS = 14  # organisations (10) and initiatives (4) in all


def _fill():
    """Records through the ORM (places' coordinates are sealed at rest): three in Bamako town,
    one in Ségou town, one in Gao town and one somewhere in the Gao region (drawn at the same
    point), one somewhere in Mali, one in Kidal, one in Dakar, one in the north; initiatives
    in Bamako (three) and in Kidal."""
    from peacemap.places.service import location_for

    def place(geonameid):
        return location_for({"geonameid": geonameid})

    def org(name, locations, precision="commune", country="ML", **fields):
        record = Organisation(
            slug=re.sub(r"\W+", "-", name.lower()).strip("-"),
            name=name,
            type="national_ngo",
            country=country,
            location_precision=precision,
            summary={},
            description={},
            alternate_names=[],
            locations=locations,
            **fields,
        )
        db.session.add(record)
        return record

    for n in range(3):
        org(f"Paix à Bamako {n + 1}", [place(BAMAKO)])
    org("Dialogue à Ségou", [place(SEGOU)])
    org("Paix à Gao", [place(GAO_TOWN)])
    hidden = Location(name="Bureau", country="ML", admin1="Gao", latitude=15.9, longitude=0.3)
    org("Veilleurs du fleuve", [hidden], precision="region")
    org("Réseau malien", [place(KIDAL)], precision="country")
    org("Femmes de Kidal", [place(KIDAL)])
    org("Plateforme de Dakar", [place(DAKAR)], country="SN")
    desert = Location(name="Désert", country="ML", latitude=NORTH[0], longitude=NORTH[1])
    org(
        "Veilleurs du grand désert du nord pour le dialogue et la paix",
        [desert],
        precision="exact",
        acronym="VGDNDP",
    )
    # Three in Bamako: Arabic writes one or two initiatives in words, three with a number.
    initiatives = [(f"Caravane de Bamako {n}", BAMAKO) for n in (1, 2, 3)]
    for title, where in [*initiatives, ("Caravane de Kidal", KIDAL)]:
        db.session.add(
            Initiative(
                slug=title.lower().replace(" ", "-"), title={"fr": title}, locations=[place(where)]
            )
        )
    db.session.commit()


@pytest.fixture(scope="module")
def small_map(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("behaviour"), _fill)


@pytest.fixture
def open_page(new_page):
    """A page at a viewport size in a language that records console errors."""

    def make(width, height, lang):
        return new_page(viewport={"width": width, "height": height}, locale=lang)

    return make


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def _inside(inner, outer, slack=0.5):
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def _overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


STATUS_READY = """() => { const text = document.getElementById('map-status').textContent;
    return text && !/…|\\.\\.\\./.test(text); }"""
# Moves the map so that the lone marker sits just under the map's top edge, in the middle or
# at the right end (under the layer box).
MARKER_AT_TOP = """([lat, lon, where]) => {
    const map = document.getElementById('map').leafletMap, size = map.getSize();
    const at = map.latLngToContainerPoint([lat, lon]);
    const x = where === 'top' ? size.x / 2 : size.x - 16;
    map.panBy([at.x - x, at.y - 14], { animate: false }); }"""
OPEN_POPUPS = """() => document.getElementById('map').leafletMap.eachLayer((layer) => {
    if (layer.getPopup && layer.getPopup() && layer.getLatLng) { layer.openPopup(); } })"""


def _wait_for_markers(page):
    page.locator(".leaflet-marker-icon").first.wait_for()
    page.wait_for_function(STATUS_READY)


# -- popups that fit -----------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("where", ["top", "top-right"])
def test_a_popup_near_the_edge_opens_fully_inside_the_map(
    open_page, small_map, width, height, lang, where
):
    page = open_page(width, height, lang)
    page.goto(f"{small_map}/{lang}/map#9/{NORTH[0]}/{NORTH[1]}")
    _wait_for_markers(page)
    marker = page.locator(".leaflet-marker-icon.dot-organisation")
    assert marker.count() == 1
    page.evaluate(MARKER_AT_TOP, [*NORTH, where])
    page.locator("#map").scroll_into_view_if_needed()
    layers = page.locator(".leaflet-control-layers")
    assert layers.is_visible()  # control: the layer box is there before a popup opens
    page.evaluate(OPEN_POPUPS)
    popup = page.locator(".leaflet-popup")
    popup.get_by_role("link").wait_for()
    # Wait for the pan that brings it into view to end.
    page.wait_for_function(
        """() => { const map = document.getElementById('map').leafletMap;
                   return !map._panAnim || !map._panAnim._inProgress; }"""
    )
    page.wait_for_timeout(350)
    map_box, popup_box = _box(page, "#map"), _box(page, ".leaflet-popup")
    viewport = {"x": 0, "y": 0, "width": width, "height": height}
    assert _inside(popup_box, map_box), (popup_box, map_box)
    assert _inside(popup_box, viewport), (popup_box, viewport)
    assert "VGDNDP" in popup.inner_text()
    assert not layers.is_visible() or not _overlap(layers.bounding_box(), popup_box)
    # Closed, the layer box comes back.
    page.locator(".leaflet-popup-close-button").click()
    assert layers.is_visible()
    assert page.problems == []


def test_a_marker_near_the_top_edge_opened_by_a_click(open_page, small_map):
    """The same with a real click on the marker, on the smallest phone, in Arabic."""
    page = open_page(320, 640, "ar")
    page.goto(f"{small_map}/ar/map#9/{NORTH[0]}/{NORTH[1]}")
    _wait_for_markers(page)
    page.evaluate(MARKER_AT_TOP, [*NORTH, "top"])
    page.locator("#map").scroll_into_view_if_needed()
    page.locator(".leaflet-marker-icon.dot-organisation").click()
    page.locator(".leaflet-popup").get_by_role("link").wait_for()
    page.wait_for_timeout(600)
    assert _inside(_box(page, ".leaflet-popup"), _box(page, "#map"))
    assert page.problems == []


# -- the view goes to the results ----------------------------------------------------------------
def _view(page):
    return page.evaluate(
        """() => { const map = document.getElementById('map').leafletMap, b = map.getBounds();
                   return { zoom: map.getZoom(), west: b.getWest(), south: b.getSouth(),
                            east: b.getEast(), north: b.getNorth() }; }"""
    )


def _contains(view, lat, lon):
    return view["south"] <= lat <= view["north"] and view["west"] <= lon <= view["east"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_region_filter_takes_the_view_to_that_region(open_page, small_map, width, height, lang):
    page = open_page(width, height, lang)
    page.goto(f"{small_map}/{lang}/map")
    _wait_for_markers(page)
    everywhere = _view(page)
    # Control: without filters the view is West Africa, Dakar and Gao both in it.
    assert _contains(everywhere, 14.69, -17.44) and _contains(everywhere, 16.27, -0.04)

    page.goto(f"{small_map}/{lang}/map?region=Bamako&country=ML")
    _wait_for_markers(page)
    bamako = _view(page)
    assert bamako["zoom"] == 10
    assert _contains(bamako, 12.60915, -7.97522)
    assert bamako["east"] - bamako["west"] < 3  # Bamako, not West Africa
    assert not _contains(bamako, 13.44, -6.26)  # Ségou is out of the view
    assert page.problems == []


def test_a_search_takes_the_view_to_its_results(open_page, small_map):
    page = open_page(360, 740, "fr")
    page.goto(f"{small_map}/fr/map?q=Kidal")
    _wait_for_markers(page)
    view = _view(page)
    assert _contains(view, 18.44, 1.41) and not _contains(view, 12.6, -7.98)
    # An address with a view keeps it, filters or not.
    page.goto(f"{small_map}/fr/map?q=Kidal#6/13.0/-7.1")
    page.reload()
    _wait_for_markers(page)
    assert _view(page)["zoom"] == 6 and _contains(_view(page), 12.6, -7.98)


# -- counts that agree ---------------------------------------------------------------------------
def _numbers(text):
    return [int(n) for n in re.findall(r"\d+", text.replace(",", "").replace("\u202f", ""))]


def _drawn(page):
    """Markers drawn on the map: one per dot, and each group's number."""
    dots = page.locator(".leaflet-marker-icon.dot").count()
    groups = sum(
        int(text) for text in page.locator(".leaflet-marker-icon.marker-cluster").all_inner_texts()
    )
    return dots + groups


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_search_this_area_the_status_and_the_list_agree(open_page, small_map, width, height, lang):
    page = open_page(width, height, lang)
    page.goto(f"{small_map}/{lang}/map{AROUND_BAMAKO}")
    _wait_for_markers(page)
    page.locator("#map").focus()
    page.locator("#map").press("ArrowUp")
    button = page.locator("#search-area")
    button.wait_for()
    button.click()
    page.wait_for_url(re.compile(r"bbox=-?[\d.]+%2C"))
    _wait_for_markers(page)
    page.wait_for_timeout(300)

    status = sum(_numbers(page.locator("#map-status").inner_text()))
    listed = (
        _numbers(page.locator("#results").inner_text())[0]
        + _numbers(page.locator("#initiatives").inner_text())[0]
    )
    drawn = _drawn(page)
    # Bamako's three and its three initiatives, Ségou's one: and nothing else.
    assert status == drawn == listed == 7, (status, drawn, listed)
    assert 0 < listed < RECORDS  # control: the area leaves records out
    names = " ".join(page.locator(".region-group").all_inner_texts())
    assert "Kidal" not in names and "Dakar" not in names
    if lang == "en":
        assert (
            page.locator("#map-status")
            .inner_text()
            .startswith("Showing 4 organisations and 3 initiatives.")
        )
    assert page.problems == []


def test_an_empty_area_counts_nothing_anywhere(open_page, small_map):
    """The bug this fixes: the status counted the whole layer while nothing was drawn."""
    page = open_page(360, 740, "en")
    page.goto(f"{small_map}/en/map?bbox=-30,-30,-25,-25")
    page.wait_for_function(
        "() => /Showing/.test(document.getElementById('map-status').textContent)"
    )
    assert (
        page.locator("#map-status")
        .inner_text()
        .startswith("Showing 0 organisations and 0 initiatives.")
    )
    assert _drawn(page) == 0
    assert "0 organisations on the map" in page.locator("#results").inner_text()
    # Control: the same page without the area draws and counts every record.
    page.goto(f"{small_map}/en/map")
    _wait_for_markers(page)
    assert (
        page.locator("#map-status")
        .inner_text()
        .startswith("Showing 10 organisations and 4 initiatives.")
    )


# -- symbols: the legend draws the map's own -----------------------------------------------------
STYLE = """(element, pseudo) => { const s = getComputedStyle(element, pseudo);
    return [s.backgroundColor, s.borderTopStyle, s.borderTopColor, s.borderTopWidth,
            s.borderRadius, s.width, s.color]; }"""


def _style(locator, pseudo=None):
    """What a symbol looks like: colours, border, corners and size (of `pseudo`, e.g.
    "::after", when given)."""
    return locator.first.evaluate(STYLE, pseudo)


def _nearest_to_the_centre(page, locator):
    """The index of the element of `locator` closest to the map's centre."""
    centre = _box(page, "#map")
    x, y = centre["x"] + centre["width"] / 2, centre["y"] + centre["height"] / 2
    boxes = [element.bounding_box() for element in locator.all()]
    distances = [
        abs(b["x"] + b["width"] / 2 - x) + abs(b["y"] + b["height"] / 2 - y) for b in boxes
    ]
    return distances.index(min(distances))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_regions_are_drawn_as_regions_and_the_legend_as_the_map(
    open_page, small_map, width, height, lang
):
    page = open_page(width, height, lang)
    page.goto(f"{small_map}/{lang}/map#8/16.27/-0.04")
    _wait_for_markers(page)
    # Gao town and somewhere in the Gao region share a point: a group, which opens on a click.
    groups = page.locator(".leaflet-marker-icon.marker-cluster")
    group = groups.nth(_nearest_to_the_centre(page, groups))
    assert group.inner_text() == "2"
    legend_group = page.locator(".legend .legend-symbol.marker-cluster")
    assert _style(group) == _style(legend_group)
    assert _style(group.locator("> *")) == _style(legend_group.locator("> *"))
    for box in (group, legend_group):  # the number in the middle of the circle
        outer, number = box.bounding_box(), box.locator("span").bounding_box()
        assert abs((outer["x"] + outer["width"] / 2) - (number["x"] + number["width"] / 2)) <= 1
        assert abs((outer["y"] + outer["height"] / 2) - (number["y"] + number["height"] / 2)) <= 1
    page.locator("#map").scroll_into_view_if_needed()
    group.click()
    region = page.locator(".leaflet-marker-icon.dot-area-r")
    region.wait_for()
    towns = page.locator(".leaflet-marker-icon.dot-organisation:not(.dot-area-r):not(.dot-area-c)")
    page.wait_for_timeout(400)  # the group opens into its markers
    town = towns.nth(_nearest_to_the_centre(page, towns))  # Gao's, not another town's
    assert region.get_attribute("title") == REGION_TITLE[lang]
    assert town.get_attribute("title") != REGION_TITLE[lang]
    # Distinct: a larger, dashed, hollow ring, not the town's solid dot...
    region_look, town_look = _style(region, "::after"), _style(town, "::after")
    assert region_look != town_look
    assert region_look[1] == "dashed" and town_look[1] == "solid"
    assert region.bounding_box()["width"] > town.bounding_box()["width"]
    # ...and the legend draws both with the map's classes.
    legend = page.locator(".legend")
    assert _style(legend.locator(".dot-area-r"), "::after") == region_look
    assert (
        _style(legend.locator(".dot-organisation:not(.dot-area-r):not(.dot-area-c)"), "::after")
        == town_look
    )
    # Its popup says so too.
    region.click()
    popup = page.locator(".leaflet-popup")
    popup.get_by_role("link").wait_for()
    assert REGION_TITLE[lang] in popup.inner_text()
    assert page.problems == []


def test_the_legend_control_can_see_a_difference(open_page, small_map):
    """Control for the comparisons above: the legend's initiative is not the organisation."""
    page = open_page(1280, 800, "en")
    page.goto(f"{small_map}/en/map")
    _wait_for_markers(page)
    legend = page.locator(".legend")
    assert _style(legend.locator(".dot-initiative"), "::after") != _style(
        legend.locator(".dot-organisation:not(.dot-area-r):not(.dot-area-c)"), "::after"
    )
    assert _style(legend.locator(".dot-area-c"), "::after")[1] == "dotted"
