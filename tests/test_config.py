"""Configuration order, secrets, SQLite settings and migrations."""

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from peacemap import create_app, sealed
from peacemap.extensions import db


@pytest.fixture
def instance(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(path))
    for name in (
        "PEACEMAP_SECRET_KEY",
        "PEACEMAP_ENVIRONMENT",
        "PEACEMAP_PAGE_SIZE",
        "PEACEMAP_DATA_KEY",
        "PEACEMAP_INDEX_KEY",
        "PEACEMAP_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    return path


def test_production_refuses_to_start_without_secret_key(instance, monkeypatch):
    monkeypatch.setenv("PEACEMAP_ENVIRONMENT", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("PEACEMAP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("PEACEMAP_DATA_KEY", sealed.new_key())
    monkeypatch.setenv("PEACEMAP_INDEX_KEY", sealed.new_key())
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_generates_and_keeps_a_secret(instance):
    first = create_app().config["SECRET_KEY"]
    assert len(first) == 64
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app().config["SECRET_KEY"] == first


def test_configuration_order(instance, monkeypatch):
    instance.mkdir()
    (instance / "config.py").write_text("PAGE_SIZE = 7\nTILE_URL = 'from-instance'\n")
    app = create_app()
    assert app.config["PAGE_SIZE"] == 7 and app.config["TILE_URL"] == "from-instance"
    monkeypatch.setenv("PEACEMAP_PAGE_SIZE", "9")
    app = create_app()
    assert app.config["PAGE_SIZE"] == 9 and app.config["TILE_URL"] == "from-instance"
    app = create_app({"PAGE_SIZE": 11})
    assert app.config["PAGE_SIZE"] == 11
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/peacemap.sqlite")


@pytest.mark.parametrize("search_backend", ["whoosh"])  # the SQLite set-up, whatever the run
def test_sqlite_uses_wal_busy_timeout_and_foreign_keys(app):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def _indexes(connection):
    """{name: SQL} of the database's own indexes, spaces normalised."""
    rows = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    )
    return {name: " ".join(sql.replace('"', "").split()) for name, sql in rows}


def test_migrations_build_exactly_the_models_schema(instance, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite'}"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            with warnings.catch_warnings():
                # SQLAlchemy cannot read an index on an expression back: compared below.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
                warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified")
                differences = compare_metadata(context, db.metadata)
            migrated = _indexes(connection)
        db.engine.dispose()
    assert differences == []
    # Every index, expressions included, as the models create it.
    made = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'made.sqlite'}"})
    with made.app_context():
        db.create_all()
        with db.engine.connect() as connection:
            expected = _indexes(connection)
        db.engine.dispose()
    assert "lower(name)" in expected["ix_organisations_listed_by_name"]  # (control)
    assert migrated == expected
