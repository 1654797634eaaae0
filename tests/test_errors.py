"""Error pages, JSON errors under /api/, and no stack trace for anyone."""

import pytest

from peacemap import create_app
from peacemap.extensions import db
from tests.conftest import soup


def test_404_page_is_in_the_site_style(client):
    response = client.get("/en/organisations/no-such-organisation")
    assert response.status_code == 404
    page = soup(response)
    assert page.h1.text == "We could not find this page."
    assert page.select_one("a.brand")  # the normal header is there


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["status"] == 404


def test_400_says_which_filter_is_wrong(client):
    response = client.get("/en/organisations?page=abc")
    assert response.status_code == 400
    assert "Page" in soup(response).select_one(".error").text


def test_unexpected_errors_show_no_stack_trace(tmp_path, monkeypatch):
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.get("/<lang_code>/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    response = client.get("/en/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Something went wrong" in body
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.get_json()["error"]["status"] == 500


def test_error_page_survives_a_broken_database(tmp_path, monkeypatch):
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path))
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/en/organisations")
    assert response.status_code == 503  # the database cannot be reached: try again later
    assert response.headers["Retry-After"]
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/en/", "/en/organisations", "/fr/about", "/en/nope"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts_or_styles(client, make_organisation):
    make_organisation(slug="x")
    db.session.commit()
    for path in ["/en/", "/en/organisations", "/en/organisations/x", "/en/initiatives"]:
        page = soup(client.get(path))
        # JSON-LD is a data block, never run; every script that runs comes from a file.
        assert all(
            script.get("src") or script.get("type") == "application/ld+json"
            for script in page.find_all("script")
        )
        assert not page.find_all("style")
        assert not page.select("[style]")


def test_static_files_are_fingerprinted_and_kept_a_year(client):
    page = soup(client.get("/en/"))
    href = page.select_one('link[rel="stylesheet"]')["href"]
    assert "?v=" in href
    kept = client.get(href)
    assert kept.status_code == 200
    assert (
        "immutable" in kept.headers["Cache-Control"]
        and "max-age=31536000" in kept.headers["Cache-Control"]
    )
    stale = client.get(href.split("?")[0] + "?v=0123456789ab")
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    compressed = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
