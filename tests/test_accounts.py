"""Moderator sign-in: hashing, throttling, safe redirects, sign-out, cookies."""

import pytest

from tests.conftest import fill_and_post, soup


def test_wrong_password_is_refused_without_saying_which_part(client, make_user):
    user = make_user()
    response = fill_and_post(client, "/en/login", {"email": user.email, "password": "nope nope"})
    assert response.status_code == 400
    assert "Wrong email or password." in soup(response).select_one(".error").text
    unknown = fill_and_post(client, "/en/login", {"email": "who@x.org", "password": "nope nope"})
    assert "Wrong email or password." in soup(unknown).select_one(".error").text
    assert client.get("/en/moderation/").status_code == 302


def test_deactivated_accounts_cannot_sign_in(client, make_user):
    from peacemap.extensions import db

    user = make_user()
    user.active = False
    db.session.commit()
    response = fill_and_post(
        client, "/en/login", {"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/en/moderation/audit", "/en/moderation/audit"),
        ("https://evil.example/", "/en/moderation/"),
        ("//evil.example/path", "/en/moderation/"),
        ("/\\evil.example", "/en/moderation/"),
        ("javascript:alert(1)", "/en/moderation/"),
    ],
)
def test_next_never_leaves_the_site(client, make_user, next_url, expected):
    user = make_user()
    page = soup(client.get("/en/login"))
    token = page.select_one("input[name=csrf_token]")["value"]
    response = client.post(
        "/en/login",
        query_string={"next": next_url},
        data={"csrf_token": token, "email": user.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
def test_login_is_throttled(client, make_user):
    user = make_user()
    statuses = [
        fill_and_post(client, "/en/login", {"email": user.email, "password": "bad"}).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_sign_out_needs_a_post_with_csrf(client, login):
    login()
    assert client.get("/en/logout").status_code == 405
    assert client.post("/en/logout").status_code == 400  # CSRF token missing
    assert client.get("/en/moderation/").status_code == 200  # no token: still signed in
    page = soup(client.get("/en/moderation/"))
    token = page.select_one("form[action='/en/logout'] input[name=csrf_token]")["value"]
    client.post("/en/logout", data={"csrf_token": token})
    assert client.get("/en/moderation/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user()
    response = fill_and_post(
        client, "/en/login", {"email": user.email, "password": "correct horse battery"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_account_exists_by_default(runner, app):
    from sqlalchemy import func, select

    from peacemap.extensions import db
    from peacemap.models import User

    runner.invoke(args=["demo", "load"])
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
