"""Fixtures: a fresh database per test, factories, and the no-skip rule for CI."""

import contextvars
import itertools
import os

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

REQUIRE_ALL = os.environ.get("PEACEMAP_REQUIRE_ALL") == "1"


class IsolatedClient(FlaskClient):
    """A test client whose requests run in a fresh context, as under a real server.

    Tests hold an app context to build data; without this, requests would share its `g`,
    its cached locale and its database session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(tmp_path, monkeypatch):
    """An application on its own SQLite file, schema from the models."""
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite'}",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
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


def pytest_terminal_summary(terminalreporter):
    """Say plainly what was skipped and what to install to run it."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} test(s) skipped; see the reasons above (-ra). "
            "Install what they name (e.g. `apt-get install chromium`) to run them.",
            yellow=True,
        )
