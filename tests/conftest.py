"""Fixtures: a fresh database per test, factories, and the no-skip rule for CI."""

import collections
import contextvars
import itertools
import os
import re

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import event

from peacemap import create_app
from peacemap.extensions import db
from peacemap.models import (
    Initiative,
    InitiativeOrganisation,
    Location,
    Organisation,
    Relationship,
    Theme,
)
from tests.postgres import PostgresServer  # noqa: E402

REQUIRE_ALL = os.environ.get("PEACEMAP_REQUIRE_ALL") == "1"


class IsolatedClient(FlaskClient):
    """A test client whose requests run in a fresh context, as under a real server.

    Tests hold an app context to build data; without this, requests would share its `g`,
    its cached locale and its database session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session (skipped, or failed in CI, when missing)."""
    server = PostgresServer()
    if not server.available:
        pytest.skip("PostgreSQL is not installed: `apt-get install postgresql` to run these")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def search_backend():
    """The search backend of the app fixture; test modules parametrize it.

    PEACEMAP_TEST_BACKEND=postgres runs every test on PostgreSQL (data and search).
    """
    return os.environ.get("PEACEMAP_TEST_BACKEND", "whoosh")


@pytest.fixture
def app(tmp_path, monkeypatch, request, search_backend):
    """An application on its own SQLite file (or PostgreSQL database), schema from the models.

    `@pytest.mark.config(NAME=value)` on a test overrides settings.
    """
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path / "instance"))
    marker = request.node.get_closest_marker("config")
    database = f"sqlite:///{tmp_path / 'test.sqlite'}"
    if search_backend == "postgres":
        database = request.getfixturevalue("postgres_server").create_database()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database,
            "SEARCH_BACKEND": search_backend,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            # Off for the tests that sign moderators in with a password alone; the two-factor
            # tests turn it on (tests/test_totp.py).
            "REQUIRE_TWO_FACTOR": False,
            **(marker.kwargs if marker else {}),
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def soup(response):
    """The response body parsed as HTML."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def textarea_value(element):
    """A text area's value as a browser reads it: one leading newline is not content."""
    text = element.text
    return text[2:] if text.startswith("\r\n") else text.removeprefix("\n")


def form_values(page, selector="form[method=post]"):
    """What the browser would send for a form as the page shows it (before any typing)."""
    form = page.select_one(selector)
    data = {}
    for element in form.select("input, textarea, select"):
        name = element.get("name")
        if not name or element.get("type") in ("submit", "button"):
            continue
        if element.name == "textarea":
            data[name] = textarea_value(element)
        elif element.name == "select":
            chosen = [o.get("value") for o in element.select("option[selected]")]
            if element.has_attr("multiple"):
                data[name] = chosen
            else:
                data[name] = chosen[0] if chosen else element.select_one("option").get("value")
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                if element.get("type") == "checkbox" and name in data:
                    existing = data[name] if isinstance(data[name], list) else [data[name]]
                    data[name] = [*existing, element.get("value", "y")]
                else:
                    data[name] = element.get("value", "y")
        else:
            data[name] = element.get("value", "")
    return data


def fill_and_post(client, url, changes, selector="form[method=post]"):
    """GET the page, keep the form's values (CSRF token included), apply changes, POST."""
    page = soup(client.get(url))
    data = form_values(page, selector)
    data.update(changes)
    action = page.select_one(selector).get("action") or url
    return client.post(action, data={k: v for k, v in data.items() if v is not None})


def approve_on_review(client, submission_id, changes=None):
    """Approve a submission as a signed-in moderator does: the review page's approve form with
    the values it fills in, plus `changes`."""
    return fill_and_post(
        client,
        f"/en/moderation/{submission_id}",
        changes or {},
        selector=f"form[action='/en/moderation/{submission_id}/approve']",
    )


@pytest.fixture
def indexed(app):
    """Commit, then build the search index from the database."""
    from peacemap.search import service

    def build():
        db.session.commit()
        return service.rebuild()

    return build


_numbers = itertools.count(1)


@pytest.fixture
def make_theme():
    def make(**fields):
        n = next(_numbers)
        fields.setdefault("slug", f"theme-{n}")
        fields.setdefault("labels", {"en": f"Theme {n}", "fr": f"Thème {n}", "ar": f"موضوع {n}"})
        theme = Theme(**fields)
        db.session.add(theme)
        db.session.flush()
        return theme

    return make


@pytest.fixture
def make_location():
    def make(**fields):
        n = next(_numbers)
        fields.setdefault("name", f"Place {n}")
        fields.setdefault("country", "ML")
        fields.setdefault("admin1", "Mopti")
        fields.setdefault("latitude", 14.5)
        fields.setdefault("longitude", -4.2)
        location = Location(**fields)
        db.session.add(location)
        db.session.flush()
        return location

    return make


@pytest.fixture
def make_organisation():
    def make(**fields):
        n = next(_numbers)
        fields.setdefault("slug", f"org-{n}")
        fields.setdefault("name", f"Organisation {n}")
        fields.setdefault("type", "national_ngo")
        fields.setdefault("country", "ML")
        fields.setdefault("summary", {"en": f"Summary {n}", "fr": f"Résumé {n}"})
        org = Organisation(**fields)
        db.session.add(org)
        db.session.flush()
        return org

    return make


@pytest.fixture
def make_initiative():
    def make(organisations=(), **fields):
        n = next(_numbers)
        fields.setdefault("slug", f"initiative-{n}")
        fields.setdefault("title", {"en": f"Initiative {n}", "fr": f"Initiative {n}"})
        initiative = Initiative(**fields)
        for org, role in organisations:
            initiative.roles.append(InitiativeOrganisation(organisation=org, role=role))
        db.session.add(initiative)
        db.session.flush()
        return initiative

    return make


@pytest.fixture
def link():
    def make(subject, kind, target, **fields):
        relationship = Relationship(subject=subject, object=target, kind=kind, **fields)
        db.session.add(relationship)
        db.session.flush()
        return relationship

    return make


@pytest.fixture
def make_user():
    from peacemap.accounts.services import create_user

    def make(email=None, role="moderator", password="correct horse battery"):
        user = create_user(email or f"user{next(_numbers)}@example.org", password, role)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client, make_user):
    """Sign a new account in through the real login form; returns the user."""

    def sign_in(role="moderator"):
        user = make_user(role=role)
        response = fill_and_post(
            client, "/en/login", {"email": user.email, "password": "correct horse battery"}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


@pytest.fixture
def outbox(app):
    """The messages written to the mail outbox, parsed."""
    from email import message_from_bytes, policy
    from pathlib import Path

    def read():
        folder = Path(app.instance_path) / "outbox"
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        ]

    return read


@pytest.fixture
def count_queries(app):
    """A context manager counting the SQL statements run inside it."""

    class Counter:
        def __init__(self):
            self.statements = []

        def __enter__(self):
            event.listen(db.engine, "before_cursor_execute", self._record)
            return self

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self._record)

        def _record(self, conn, cursor, statement, *args):
            self.statements.append(statement)

        @property
        def count(self):
            return len(self.statements)

    return Counter


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With PEACEMAP_REQUIRE_ALL=1 (CI), a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and call.when in ("setup", "call"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"Skipped, but PEACEMAP_REQUIRE_ALL=1 forbids skips: {reason}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """End with what was skipped, by reason, and the one `apt-get install` line that would
    run the rest (each skip names its Debian packages as `apt-get install NAME ...`)."""
    yield
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = collections.Counter(_skip_reason(report) for report in skipped)
    packages = []
    for reason in reasons:
        for names in re.findall(r"apt-get install ([a-z0-9.+\- ]+)", reason):
            packages += [name for name in names.split() if name not in packages]
    terminalreporter.section("skipped: what this machine lacks", yellow=True)
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count:4d}  {reason}")
    if packages:
        terminalreporter.write_line(
            "To run them all: apt-get install --no-install-recommends " + " ".join(packages),
            yellow=True,
            bold=True,
        )


def _skip_reason(report):
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")
