"""Every route: security headers on every response, CSRF on every state-changing route."""

import re

import pytest

from peacemap.demo import loader
from peacemap.extensions import db

SAMPLE_ARGS = {
    "lang_code": "en",
    "slug": "wanep",
    "kind": "organisations",
    "submission_id": 1,
    "number": 1,
    "user_id": 1,
    "record_id": 1,
    "package": "leaflet-1.9.3",
    "filename": "css/site.css",
    "token": "not-a-real-owner-token",
    "area_id": 1,
}
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def urls(app, methods):
    """(rule, url) for every rule answering one of `methods`, arguments filled in."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not (rule.methods & methods):
                continue
            args = {name: SAMPLE_ARGS[name] for name in rule.arguments}
            if rule.endpoint == "vendor.vendor_file":
                args["filename"] = "leaflet.js"
            found.append((rule, app.url_map.bind("localhost").build(rule.endpoint, args)))
    return found


@pytest.fixture
def demo(app):
    loader.load(loader.read_data())
    db.session.commit()


def test_every_response_carries_the_security_headers(app, client, demo, login):
    login("admin")
    checked = 0
    for rule, url in urls(app, {"GET"}):
        # Owner pages name no page to another site at all; every other one only to itself.
        referrer = "no-referrer" if rule.endpoint.startswith("owners.") else "same-origin"
        for base in ("http://localhost", "https://localhost"):
            response = client.get(url, base_url=base)
            headers = response.headers
            policy = headers.get("Content-Security-Policy", "")
            assert policy, url
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
            assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, url
            assert re.search(r"script-src 'self'(;|$)", policy), url
            assert headers.get("X-Content-Type-Options") == "nosniff", url
            assert headers.get("Referrer-Policy") == referrer, url
            if base.startswith("https"):
                assert "max-age=" in headers.get("Strict-Transport-Security", ""), url
            else:
                assert "Strict-Transport-Security" not in headers, url
            checked += 1
    assert checked > 60  # every GET route, over HTTP and HTTPS


@pytest.mark.parametrize("role", [None, "moderator", "admin"])
def test_every_state_changing_route_requires_a_csrf_token(app, client, demo, login, role):
    if role:
        login(role)
    routes = urls(app, CHANGING)
    assert len(routes) >= 20
    for rule, url in routes:
        method = sorted(rule.methods & CHANGING)[0]
        response = client.open(url, method=method, data={"name": "x", "reason": "x"})
        assert response.status_code == 400, (method, url, response.status_code)
        assert "The CSRF token is missing." in response.get_data(as_text=True), url


def test_website_links_are_http_only_and_marked_as_user_content(client, make_organisation):
    from tests.conftest import soup

    make_organisation(slug="good", website="https://peace.example.org/")
    make_organisation(slug="bad", website="javascript:alert(document.cookie)")
    db.session.commit()
    link = soup(client.get("/en/organisations/good")).select_one("a.external")
    assert link["href"] == "https://peace.example.org/"
    assert set(link["rel"]) == {"noopener", "nofollow", "ugc"}
    bad = client.get("/en/organisations/bad").get_data(as_text=True)
    assert "javascript:" not in bad


# -- accounts that can see private contacts ------------------------------------------------------
def test_a_deactivated_account_loses_its_open_sessions(client, login):
    user = login("moderator")
    assert client.get("/en/moderation/").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/en/moderation/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_in_starts_a_new_session(client, make_user):
    from tests.conftest import fill_and_post

    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = client.get_cookie("session").value
    fill_and_post(client, "/en/login", {"email": user.email, "password": "correct horse battery"})
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("_user_id") == str(user.id)
    assert client.get_cookie("session").value != before


def test_passwords_are_hashed_at_owasp_strength(app, make_user):
    from argon2 import extract_parameters

    user = make_user()
    parameters = extract_parameters(user.password_hash)
    assert user.password_hash.startswith("$argon2id$")
    assert parameters.memory_cost >= 19 * 1024 and parameters.time_cost >= 2


def test_production_cookies_are_host_only_and_secure(tmp_path, monkeypatch):
    from peacemap import create_app, sealed

    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": "x" * 32,
            "DATA_KEY": sealed.new_key(),
            "INDEX_KEY": sealed.new_key(),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
        }
    )
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-peacemap"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    with app.test_request_context(base_url="https://peacemap.example.org"):
        from flask import session

        session["x"] = 1
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-peacemap=") and "Secure" in cookie
    assert "Domain" not in cookie and "Path=/" in cookie


def test_request_size_is_bounded(client):
    response = client.post("/en/submit/organisation", data={"name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def failed_login(client, forwarded_for):
    """A wrong password sent as the form would send it, from a claimed address."""
    from tests.conftest import form_values, soup

    data = form_values(soup(client.get("/en/login")))
    data.update(email="nobody@example.org", password="wrong")
    return client.post("/en/login", data=data, headers={"X-Forwarded-For": forwarded_for})


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
def test_a_forged_forwarded_header_does_not_dodge_the_login_limit(client):
    codes = [failed_login(client, f"10.0.0.{n}").status_code for n in range(3)]
    assert codes == [400, 400, 429]


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_limit_counts_its_reported_address(client):
    first = [failed_login(client, "192.0.2.1").status_code for _ in range(3)]
    other = failed_login(client, "192.0.2.2").status_code
    assert first == [400, 400, 429] and other == 400
