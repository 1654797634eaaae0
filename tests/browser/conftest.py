"""A live server on a free loopback port and Debian's Chromium driven by Playwright."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from peacemap import create_app
from peacemap.accounts.services import create_user
from peacemap.demo import loader
from peacemap.extensions import db
from peacemap.search import service as search

MODERATOR = ("moderator@example.org", "a browser test passphrase")
CHROMIUM = os.environ.get("PEACEMAP_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The site with the demo content, served by Werkzeug in a background thread."""
    tmp = tmp_path_factory.mktemp("live")
    os.environ["PEACEMAP_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'live.sqlite'}",
            "RATELIMIT_ENABLED": False,
            "REQUIRE_TWO_FACTOR": False,  # the journeys sign a moderator in with a password
        }
    )
    with app.app_context():
        db.create_all()
        loader.load(loader.read_data())
        create_user(MODERATOR[0], MODERATOR[1], "moderator", "Fatoumata")
        db.session.commit()
        search.rebuild()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Chromium from the Debian package; skipped (failed in CI) when it is not installed."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Chromium is not installed: `apt-get install chromium` to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh contexts (`new_page(viewport=..., locale=...)`: Playwright's context
    options), each recording console errors and failed requests (CSP violations too) in
    `page.problems`; the contexts are closed after the test."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on(
            "console",
            lambda message: page.problems.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh page in English that records its problems (see `new_page`)."""
    return new_page(locale="en-GB")
