"""When the database goes away: a clear 503, never a trace, and recovery on its own."""

import pytest

from peacemap import create_app
from peacemap.demo import loader
from peacemap.extensions import db
from tests.postgres import PostgresServer


@pytest.fixture
def own_server():
    """A PostgreSQL server of this test's own, which it may stop and start."""
    server = PostgresServer()
    if not server.available:
        pytest.skip("PostgreSQL is not installed: `apt-get install postgresql` to run these")
    server.start()
    yield server
    server.stop()


def test_database_down_is_a_clear_503_and_the_site_recovers(own_server, tmp_path, monkeypatch):
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": own_server.create_database(),
            "SEARCH_BACKEND": "postgres",
        }
    )
    client = app.test_client()
    with app.app_context():
        db.create_all()
        loader.load(loader.read_data())
        db.session.commit()
    assert client.get("/fr/organisations").status_code == 200

    own_server.pause()
    try:
        page = client.get("/fr/organisations")
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        text = page.get_data(as_text=True)
        assert "indisponible" in text and "Traceback" not in text and "psycopg" not in text
        api = client.get("/api/v1/organisations")
        assert api.status_code == 503 and api.get_json()["error"]["status"] == 503
        assert client.get("/healthz").status_code == 503
    finally:
        own_server.resume()

    assert client.get("/fr/organisations").status_code == 200  # no restart needed
    assert client.get("/healthz").get_json()["database"]["ok"]
    with app.app_context():
        db.engine.dispose()
