"""Phone layouts in a real Chromium at 320, 360 and 1280 px in French, English and Arabic: a
compact header whose menu is a disclosure, results (or the map) before the folded filters, no
horizontal overflow, a profile's table of contents, and no empty map box without JavaScript."""

import json
from pathlib import Path

import pytest

from tests.browser.test_quality import SCREENSHOTS

pytestmark = pytest.mark.browser

LANGUAGES = ("fr", "en", "ar")
PHONES = (320, 360)
WIDTHS = (*PHONES, 1280)
HEIGHT = {320: 640, 360: 740, 1280: 800}
PAGES = {
    "home": "/",
    "search": "/search?q=paix",
    "organisations": "/organisations",
    "initiatives": "/initiatives",
    "map": "/map",
    "profile": "/organisations/conascipal",
    "initiative": "/initiatives/building-lasting-peace-mali",
    "submit": "/submit/organisation",
    "about": "/about",
}
SCREENSHOT_PAGES = ("home", "search", "map", "profile")
# Where each list's first result is, and one of its filter fields.
LISTS = {
    "/search?q=paix": ".result",
    "/organisations": ".cards .card",
    "/initiatives": "section[aria-labelledby=results] .card",
    "/map": "#map",
}
MENU = {"fr": "Menu", "en": "Menu", "ar": "القائمة"}
DEMO = Path(__file__).parents[2] / "peacemap" / "demo" / "data.json"


def overflow(page):
    """How many pixels the page is wider than the screen (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def top(page, selector):
    """The top of the first element matching `selector`, in page pixels."""
    return page.locator(selector).first.bounding_box()["y"]


def side_margins(page, selector):
    """The space between an element and the screen's left and right edges, if it is there."""
    if not page.locator(selector).count():
        return None
    box = page.locator(selector).first.bounding_box()
    return round(box["x"]), round(page.viewport_size["width"] - box["x"] - box["width"])


def uneven_margins(page):
    """On a phone, the map and the search row keep the page's margins on both sides."""
    found = {}
    for selector in ("#map", ".search-row", ".search-row button"):
        sides = side_margins(page, selector)
        if sides is None:
            continue
        if min(sides) < 15 or (selector != ".search-row button" and abs(sides[0] - sides[1]) > 1):
            found[selector] = sides
    return found


@pytest.fixture
def screen(new_page):
    """A page at a given size that records console errors, as conftest's `page` does."""

    def open_page(width, javascript=True):
        return new_page(
            viewport={"width": width, "height": HEIGHT[width]}, java_script_enabled=javascript
        )

    return open_page


def visit(page, url):
    page.goto(url)
    if "/map" in url and page.evaluate("!!window.L"):
        page.locator(".leaflet-marker-icon, .marker-cluster").first.wait_for()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_with_a_compact_header(screen, live_server, width, lang):
    page = screen(width)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide, tall, uneven = {}, {}, {}
    for name, path in PAGES.items():
        visit(page, f"{live_server}/{lang}{path}")
        if overflow(page) > 0:
            wide[name] = overflow(page)
        if width in PHONES and uneven_margins(page):
            uneven[name] = uneven_margins(page)
        header = page.locator(".site-header").bounding_box()["height"]
        if width in PHONES and header > 64:
            tall[name] = header
        if name in SCREENSHOT_PAGES:
            target = SCREENSHOTS / f"phone-{name}-{width}-{lang}.png"
            page.screenshot(path=str(target), full_page=name != "map")
            assert target.stat().st_size > 5_000
    assert wide == {}
    assert tall == {}
    assert uneven == {}
    assert page.problems == []


def test_the_overflow_check_sees_a_too_wide_element(screen, live_server):
    """The control: the same measure finds one element wider than a 320 px screen."""
    page = screen(320)
    page.goto(f"{live_server}/fr/")
    assert overflow(page) == 0
    page.evaluate(
        """() => { const box = document.createElement('div');
                   box.style.width = '400px'; box.textContent = 'trop large';
                   document.querySelector('main').append(box); }"""
    )
    assert overflow(page) > 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_menu_is_a_disclosure_a_keyboard_opens(screen, live_server, lang):
    page = screen(360)
    page.goto(f"{live_server}/{lang}/about")
    summary = page.get_by_role("group").get_by_text(MENU[lang], exact=True)
    menu_link = page.locator(".main-nav a").first
    assert summary.is_visible() and not menu_link.is_visible()
    # Tab from the top of the page: the skip link, the site's name, then the menu's button.
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.menu > summary')")
    page.keyboard.press("Enter")
    assert menu_link.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement === document.querySelector('.main-nav a')")
    assert page.locator(".menu-panel").bounding_box()["width"] >= 320
    # The language switcher is in it and still works.
    page.locator(".language-nav a[hreflang=en]").click()
    assert page.url.endswith("/en/about")
    assert page.problems == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_on_a_wide_screen_the_menu_is_inline_without_a_button(screen, live_server, lang):
    page = screen(1280)
    page.goto(f"{live_server}/{lang}/about")
    assert not page.locator(".menu > summary").is_visible()
    links = page.locator(".main-nav a")
    assert links.first.is_visible() and links.first.bounding_box()["y"] < 40
    # Once each for assistive technologies: the menu and the language switcher.
    assert page.get_by_role("navigation").count() == 2
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement === document.querySelector('.main-nav a')")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_results_come_first_and_the_filters_fold_above_them(screen, live_server, width, lang):
    page = screen(width)
    for path, first in LISTS.items():
        visit(page, f"{live_server}/{lang}{path}")
        field = page.locator(".filter-panel select").first
        result = top(page, first)
        assert result < HEIGHT[width] - 80, (path, result)  # on the first screen
        if width in PHONES:
            summary = page.locator(".filter-panel > summary")
            assert top(page, ".filter-panel > summary") < result
            assert not field.is_visible()  # folded: the results are above any filter field
            summary.focus()
            page.keyboard.press("Enter")
            assert field.is_visible()
        else:
            assert not page.locator(".filter-panel > summary").is_visible()
            box = field.bounding_box()
            assert field.is_visible() and box["y"] < HEIGHT[width]
            # A sidebar: the filters beside the results, not above them.
            results = page.locator(first).first.bounding_box()
            assert (
                box["x"] + box["width"] <= results["x"]
                or results["x"] + results["width"] <= box["x"]
            )
    assert page.problems == []


def test_active_filters_are_counted_and_removable_on_a_phone(screen, live_server):
    page = screen(360)
    page.goto(f"{live_server}/en/organisations?country=ML&type=network")
    assert page.locator(".filter-panel > summary").inner_text().split() == [
        "Filters",
        "2",
        "active",
    ]
    chips = page.locator(".chips a")
    assert chips.count() == 2 and chips.first.is_visible()
    count = page.locator(".result-count").inner_text()
    chips.nth(1).click()  # removes "Type: Network or coalition"
    assert "type=" not in page.url and "country=ML" in page.url
    assert page.locator(".result-count").inner_text() != count
    assert page.locator(".filter-panel > summary").inner_text().split() == [
        "Filters",
        "1",
        "active",
    ]


def public_members(slug):
    """How many members the demo data gives a network (all its links are public)."""
    relationships = json.loads(DEMO.read_text())["relationships"]
    return sum(1 for r in relationships if r["kind"] == "member_of" and r["object"] == slug)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_profile_has_contents_that_lead_to_its_sections(screen, live_server, lang):
    page = screen(360)
    page.goto(f"{live_server}/{lang}/organisations/conascipal")
    toc = page.locator("nav.toc a")
    hrefs = [toc.nth(i).get_attribute("href") for i in range(toc.count())]
    assert {"#about-org", "#achievements", "#members", "#places", "#themes"} <= set(hrefs)
    for href in hrefs:
        assert page.locator(href).count() == 1, href
    assert top(page, "nav.toc") < HEIGHT[360] + 200  # near the top
    page.locator("nav.toc a[href='#members']").click()
    assert page.evaluate("location.hash") == "#members"
    assert abs(page.locator("#members").bounding_box()["y"]) < 50  # scrolled to it
    # CONASCIPAL's members: as many as the data gives, ten at most before a disclosure.
    expected = public_members("conascipal")
    section = page.locator("section[aria-labelledby=members]")
    assert section.locator(":scope > ul > li").count() == min(expected, 10)
    assert section.locator("details.more").count() == (1 if expected > 10 else 0)
    assert section.locator("li").count() == expected
    assert page.problems == []


@pytest.mark.parametrize("width", (320, 1280))
def test_without_javascript_the_map_page_has_no_empty_box(screen, live_server, width):
    page = screen(width, javascript=False)
    page.goto(f"{live_server}/fr/map")
    box = page.locator("#map").bounding_box()
    note = page.locator("#map .map-fallback").bounding_box()
    assert note and box["height"] <= note["height"] + 4  # the note and the box's border
    assert not page.locator(".legend").is_visible()
    assert not page.locator("#map-tools").is_visible()
    # The control: with JavaScript the same page draws a map with its legend.
    live = screen(width)
    visit(live, f"{live_server}/fr/map")
    assert live.locator("#map").bounding_box()["height"] > 200
    assert live.locator(".legend").is_visible()
    assert live.problems == []
