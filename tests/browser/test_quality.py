"""Quality gates in a real Chromium: accessibility (axe-core), page weight, keyboard use,
every journey without JavaScript, and screenshots for a person to look at."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import MODERATOR
from tests.browser.static_site import heavy_page, static_site

pytestmark = pytest.mark.browser

LANGUAGES = ("fr", "en", "ar")
PUBLIC_PAGES = [
    "/",
    "/organisations",
    "/organisations?country=ML&theme=conflict-prevention",
    "/organisations/wanep",
    "/initiatives",
    "/initiatives/building-lasting-peace-mali",
    "/search?q=paix",
    "/search?q=zzqxw",
    "/map",
    "/about",
    "/submit",
    "/submit/organisation",
    "/submit/initiative",
    "/organisations/wanep/suggest",
    "/organisations/wanep/report",
    "/organisations/wanep/danger",
    "/owner",
    "/track",
    "/login",
    "/no-such-page",
]
MODERATION_PAGES = [
    "/moderation/",
    "/moderation/records",
    "/moderation/audit",
    "/moderation/users",
    "/account/two-factor",
]
SCREENSHOTS = Path(
    os.environ.get("PEACEMAP_SCREENSHOTS", Path(__file__).parent / "screenshots")
).resolve()
AXE = Axe()


def serious_violations(page):
    """axe-core's violations of serious or critical impact on the page as it is now."""
    results = AXE.run(page).response
    assert results["passes"], "axe-core did not run"
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def sign_in(page, live_server, lang="en"):
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill(MODERATOR[0])
    page.locator("#password").fill(MODERATOR[1])
    page.locator("form.login-form button[type=submit], main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/moderation/"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_serious_accessibility_violation_on_any_page(page, live_server, lang):
    found = {}
    for path in PUBLIC_PAGES:
        page.goto(f"{live_server}/{lang}{path}")
        if path == "/map":
            page.locator(".leaflet-marker-icon").first.wait_for()
        problems = serious_violations(page)
        if problems:
            found[path] = problems
    sign_in(page, live_server, lang)
    first_submission = page.locator("main table a[href*='/moderation/']").first
    review = first_submission.get_attribute("href") if first_submission.count() else None
    for path in MODERATION_PAGES + ([review] if review else []):
        page.goto(
            f"{live_server}{path}"
            if path.startswith(f"/{lang}/")
            else f"{live_server}/{lang}{path}"
        )
        problems = serious_violations(page)
        if problems:
            found[path] = problems
    assert found == {}


def test_axe_does_report_violations(page):
    page.set_content("<html><body><img src='x.png'><input></body></html>")
    assert {name for name, _ in serious_violations(page)} >= {"image-alt", "label"}


def transfers(page):
    """(bytes of the HTML document, bytes of everything) as the browser received them."""
    entries = page.evaluate(
        """() => performance.getEntriesByType('navigation').concat(
               performance.getEntriesByType('resource'))
             .map(entry => [entry.entryType, entry.name, entry.transferSize])"""
    )
    document = sum(size for kind, _name, size in entries if kind == "navigation")
    return document, sum(size for _kind, _name, size in entries)


def blocking_scripts(page):
    """Scripts that held up the page's first paint, as the browser itself marks them."""
    return page.evaluate(
        """() => performance.getEntriesByType('resource')
             .filter(entry => entry.initiatorType === 'script'
                              && entry.renderBlockingStatus === 'blocking')
             .map(entry => entry.name)"""
    )


def test_pages_are_light(browser, live_server):
    """A first visit's bytes within budget, and no script that blocks rendering."""
    heavy, blocking = {}, {}
    for path in [p for p in PUBLIC_PAGES if p != "/map"] + ["/map"]:
        context = browser.new_context()  # an empty cache: a first visit
        page = context.new_page()
        page.goto(f"{live_server}/fr{path}")
        page.wait_for_load_state("networkidle")
        document, total = transfers(page)
        limits = (14_000, 30_000) if path != "/map" else (14_000, 100_000)
        if document > limits[0] or total > limits[1] or document == 0:
            heavy[path] = (document, total)
        if blocking_scripts(page):
            blocking[path] = blocking_scripts(page)
        context.close()
    assert heavy == {}
    assert blocking == {}


def test_a_blocking_script_is_seen(page, tmp_path):
    """A control: a page with a plain script in its head is marked as blocked by it."""
    with static_site(tmp_path, heavy_page()) as url:
        page.goto(url)
        assert [name.rsplit("/", 1)[-1] for name in blocking_scripts(page)] == ["script.js"]


def test_keyboard_alone_can_submit_an_organisation(page, live_server):
    page.goto(f"{live_server}/en/submit/organisation")

    def tab_to(selector, limit=120):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"{selector} cannot be reached with Tab")

    # Sending the empty form: errors are announced and lead to their fields.
    tab_to("button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.locator("#name").get_attribute("aria-invalid") == "true"
    assert page.locator("#name").get_attribute("aria-describedby")

    page.locator("body").focus()
    tab_to("#name")
    page.keyboard.type("Jeunes Bâtisseurs de Paix")
    tab_to("#summary")
    page.keyboard.type("Des jeunes qui organisent des dialogues entre quartiers de Mopti.")
    tab_to("#places")
    page.keyboard.type("Mopti")
    tab_to("#submitter_name")
    page.keyboard.type("Oumar")
    tab_to("#consent")
    page.keyboard.press("Space")
    tab_to("button[type=submit]")
    page.keyboard.press("Enter")
    code = page.locator(".tracking-code strong")
    code.wait_for()
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", code.inner_text())


@pytest.fixture
def no_js(browser):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    yield context.new_page()
    context.close()


def test_every_journey_works_without_javascript(no_js, live_server):
    page = no_js
    # Search, then a profile.
    page.goto(f"{live_server}/en/")
    page.get_by_label("Search organisations and initiatives").fill("wanep")
    page.get_by_role("button", name="Search").click()
    page.locator(".result h3 a").first.click()
    assert "WANEP" in page.get_by_role("heading", level=1).inner_text()
    # Browse with filters.
    page.goto(f"{live_server}/en/organisations")
    page.get_by_label("Country").select_option("ML")
    page.get_by_role("button", name="Apply filters").click()
    assert "country=ML" in page.url and page.locator(".card").count() >= 4
    # Switch to Arabic and stay on the same page.
    page.get_by_role("link", name="العربية").click()
    assert page.url.startswith(f"{live_server}/ar/organisations") and "country=ML" in page.url
    assert page.locator("html").get_attribute("dir") == "rtl"
    # Submit, then track.
    page.goto(f"{live_server}/en/submit/organisation")
    page.locator("#name").fill("Cercle de Paix de Ségou")
    page.locator("#summary").fill("Un cercle de dialogue entre éleveurs et agriculteurs.")
    page.locator("#places").fill("Ségou")
    page.locator("#submitter_name").fill("Awa")
    page.locator("#consent").check()
    page.locator("button[type=submit]").click()
    code = page.locator(".tracking-code strong").inner_text()
    page.goto(f"{live_server}/en/track")
    page.get_by_label("Tracking code").fill(code)
    page.get_by_role("button", name="Show the submission").click()
    assert page.get_by_role("heading", name="State: Pending").is_visible()
    # A moderator reviews and approves it.
    sign_in(page, live_server)
    page.get_by_role("link", name=re.compile("Cercle de Paix de Ségou")).click()
    page.get_by_role("button", name="Approve and publish").click()
    assert page.get_by_text("Approved and published.").is_visible()
    page.goto(f"{live_server}/en/search?q=cercle+segou")
    assert page.get_by_role("link", name=re.compile("Cercle de Paix de Ségou")).count() == 1


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_for_a_person_to_look_at(browser, live_server, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path in (
        ("home", "/fr/"),
        ("profile", "/fr/organisations/wanep"),
        ("map", "/fr/map"),
    ):
        page.goto(f"{live_server}{path}")
        if name == "map":
            page.locator(".leaflet-marker-icon").first.wait_for()
        target = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=name != "map")
        assert target.stat().st_size > 10_000
    context.close()
    print(f"screenshots in {SCREENSHOTS}")
