"""The map in a real Chromium, with 20,000 organisations: clusters, a popup, page weight."""

import os
import random
import re
import socket
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from peacemap import create_app
from peacemap.extensions import db
from peacemap.models import Location, Organisation
from peacemap.models.directory import organisation_locations

pytestmark = pytest.mark.browser

ORGANISATIONS = 20_000
LONELY = (24.5, -10.5)  # far from every other point: a view of it holds one marker


def _fill(count):
    """`count` published organisations at distinct exact places across West Africa (fast:
    core INSERTs), plus one alone in the Mauritanian desert."""
    rng = random.Random(5)
    locations = [
        {
            "id": n,
            "name": f"Lieu {n}",
            "country": "ML",
            "latitude": round(rng.uniform(5, 20), 5),
            "longitude": round(rng.uniform(-16, 12), 5),
            "precision": "exact",
        }
        for n in range(1, count + 1)
    ]
    locations.append(
        {
            "id": count + 1,
            "name": "Désert",
            "country": "MR",
            "latitude": LONELY[0],
            "longitude": LONELY[1],
            "precision": "exact",
        }
    )
    organisations = [
        {
            "id": n,
            "slug": f"org-{n}",
            "name": f"Organisation {n}",
            "type": "national_ngo",
            "country": "ML",
            "location_precision": "exact",
            "summary": {},
            "description": {},
            "alternate_names": [],
        }
        for n in range(1, count + 1)
    ]
    organisations.append(
        {**organisations[0], "id": count + 1, "slug": "lonely", "name": "Veilleurs du désert"}
    )
    organisations[-1]["country"] = "MR"
    db.session.execute(Location.__table__.insert(), locations)
    db.session.execute(Organisation.__table__.insert(), organisations)
    db.session.execute(
        organisation_locations.insert(),
        [{"organisation_id": n, "location_id": n} for n in range(1, count + 2)],
    )
    db.session.commit()


def _serve(tmp, fill, **settings):
    """Run a site filled by `fill()` on a free loopback port; yields its address."""
    previous = os.environ.get("PEACEMAP_INSTANCE_PATH")
    os.environ["PEACEMAP_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'map.sqlite'}",
            "RATELIMIT_ENABLED": False,
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
        fill()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    if previous is not None:
        os.environ["PEACEMAP_INSTANCE_PATH"] = previous


@pytest.fixture(scope="module")
def big_map(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("map"), lambda: _fill(ORGANISATIONS))


@pytest.fixture(scope="module")
def map_with_dead_tiles(tmp_path_factory):
    """A small site configured with a tile server that does not answer."""
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield from _serve(
        tmp_path_factory.mktemp("tiles"),
        lambda: _fill(50),
        TILE_URL=f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png",
        TILE_ATTRIBUTION="© Test tiles",
    )


def test_clusters_render_and_a_popup_opens(page, big_map):
    page.goto(f"{big_map}/en/map")
    clusters = page.locator("#map .marker-cluster")
    clusters.first.wait_for()
    assert clusters.count() >= 5
    status = page.locator("#map-status")
    expect(status).to_contain_text("20,001 organisations")  # formatted as Babel does
    assert "Grouped by area" in status.inner_text()
    # The basemap is drawn from the shipped outlines: no tile server is configured.
    assert page.locator(".leaflet-basemap-pane canvas").count() == 1

    # A group zooms in when chosen.
    before = page.url
    clusters.first.click()
    page.wait_for_url(lambda url: url != before)

    # Close to the lone organisation, its own marker shows and its popup tells who it is.
    page.goto(f"{big_map}/en/map#12/{LONELY[0]}/{LONELY[1]}")
    page.reload()
    marker = page.locator(".leaflet-marker-icon.dot-organisation")
    marker.first.wait_for()
    assert marker.count() == 1
    marker.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.get_by_role("link", name="Open the page").wait_for()
    assert "Veilleurs du désert" in popup.inner_text()
    assert popup.get_by_role("link").get_attribute("href") == "/en/organisations/lonely"
    assert page.problems == []


@pytest.mark.parametrize("width,height", [(360, 740), (1280, 800), (1920, 1080)])
def test_first_view_stays_light_with_a_big_directory(page, big_map, width, height):
    # A large screen opens at zoom 5 and fetches the régions and the biggest towns too.
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{big_map}/en/map")
    page.locator("#map .marker-cluster").first.wait_for()
    page.wait_for_load_state("networkidle")
    transferred = page.evaluate(
        """() => performance.getEntriesByType('navigation').concat(
               performance.getEntriesByType('resource'))
             .reduce((total, entry) => total + entry.transferSize, 0)"""
    )
    assert 40_000 < transferred <= 100_000, transferred


def test_search_this_area_keeps_the_view_in_the_address(page, big_map):
    page.goto(f"{big_map}/en/map#9/14.5/-4.2")
    page.locator("#map .marker-cluster, .leaflet-marker-icon.dot-organisation").first.wait_for()
    page.mouse.move(400, 400)
    page.locator("#map").press("ArrowLeft")
    button = page.get_by_role("button", name="Search this area")
    button.wait_for()
    button.click()
    page.wait_for_url(re.compile(r"bbox=-?[\d.]+%2C"))
    listed = page.locator(".region-group li").count()
    assert 0 < listed <= 20
    total = int(re.sub(r"\D", "", page.locator("#results").inner_text()))
    assert 0 < total < ORGANISATIONS


def test_outlines_remain_when_tiles_fail_and_attribution_shows(page, map_with_dead_tiles):
    page.goto(f"{map_with_dead_tiles}/en/map")
    page.locator(".leaflet-marker-icon").first.wait_for()
    assert page.locator("img.leaflet-tile").count() > 0  # Leaflet tried the tile server...
    assert page.locator(".leaflet-basemap-pane canvas").count() == 1  # ...outlines stay
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Natural Earth" in attribution and "© Test tiles" in attribution
    unexpected = [p for p in page.problems if "ERR_CONNECTION_REFUSED" not in p]
    assert unexpected == []


def test_without_javascript_the_map_page_is_a_list_by_region(browser, big_map):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{big_map}/en/map?country=MR")
    assert page.locator(".map-fallback").is_visible()  # says the list shows the same
    assert page.get_by_role("heading", name=re.compile("1 organisation on the map")).is_visible()
    page.get_by_role("link", name="Veilleurs du désert").click()
    page.wait_for_url(re.compile(r"/en/organisations/lonely$"))
    context.close()
