"""The second factor: enrolment, the sign-in code step, recovery codes, policy and resets."""

import json
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from peacemap.accounts import twofactor
from peacemap.extensions import db
from peacemap.models import AuditEvent, RecoveryCode
from tests.conftest import fill_and_post, soup

PASSWORD = "correct horse battery"
RECOVERY_SHAPE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
ENROL = "form[action$='/enable']"
pytestmark = pytest.mark.config(REQUIRE_TWO_FACTOR=True)


@pytest.fixture
def clock(monkeypatch):
    """The time the code checks see; tests move it on with clock.tick(seconds)."""

    class Clock:
        now = datetime(2026, 11, 25, 9, 0, 5, tzinfo=UTC)

        def tick(self, seconds):
            self.now += timedelta(seconds=seconds)

        def code(self, secret, offset=0):
            """The app's code at this time, `offset` seconds on."""
            return pyotp.TOTP(secret).at(self.now + timedelta(seconds=offset))

    clock = Clock()
    monkeypatch.setattr(twofactor, "utcnow", lambda: clock.now)
    return clock


@pytest.fixture
def enrolled(make_user):
    """An account with two-factor authentication on; returns (user, recovery codes)."""

    def make(role="moderator"):
        user = make_user(role=role)
        twofactor.start_enrolment(user)
        user.totp_enabled_at = datetime.now(UTC)
        codes = twofactor.new_recovery_codes(user)
        db.session.commit()
        return user, codes

    return make


def password_step(client, user):
    """Send the right password; returns the response."""
    return fill_and_post(client, "/en/login", {"email": user.email, "password": PASSWORD})


def code_step(client, code, recovery=False):
    """Send a code to the second step; returns the response."""
    url = "/en/login/code?recovery=1" if recovery else "/en/login/code"
    return fill_and_post(client, url, {"code": code})


def signed_in(client):
    """True when the moderation queue opens (not a redirect to sign in)."""
    return client.get("/en/moderation/").status_code == 200


def sign_out(client):
    token = soup(client.get("/en/account/two-factor")).select_one(
        "form[action='/en/logout'] input[name=csrf_token]"
    )["value"]
    client.post("/en/logout", data={"csrf_token": token})


def audit_event(action):
    """The one audit event with this action."""
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()


def audit_actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# -- enrolment -----------------------------------------------------------------------------------
def test_enrolment_shows_a_qr_code_and_the_key_and_needs_a_right_code(client, login, clock):
    user = login()
    response = client.get("/en/moderation/")
    assert response.status_code == 302 and response.headers["Location"] == "/en/account/two-factor"

    response = client.get("/en/account/two-factor")
    assert response.headers["Cache-Control"] == "no-store"
    page = soup(response)
    svg = page.select_one("figure.qr svg")
    assert svg is not None and svg["role"] == "img"
    assert svg.title.text == "QR code to scan with an authenticator app"
    assert svg.select("path[d]") and not page.select("[style]")  # CSP: no style attributes
    assert "style=" not in response.get_data(as_text=True)
    db.session.refresh(user)
    secret = user.totp_secret
    assert len(secret) == 32 and user.totp_enabled_at is None
    shown = page.select_one("code.secret").text
    assert shown.replace(" ", "") == secret and shown.count(" ") == 7
    code_input = page.select_one("input[name=enrol-code]")
    assert code_input["autocomplete"] == "one-time-code" and code_input["inputmode"] == "numeric"
    assert page.select_one(f"label[for={code_input['id']}]").text.strip()
    # A reload shows the same key: an app scanned before it still works.
    assert soup(client.get("/en/account/two-factor")).select_one("code.secret").text == shown

    wrong = str((int(clock.code(secret)) + 1) % 1000000).zfill(6)
    response = fill_and_post(client, "/en/account/two-factor", {"enrol-code": wrong}, ENROL)
    assert response.status_code == 400
    assert "This code is not right" in soup(response).select_one(".error").text
    db.session.refresh(user)
    assert user.totp_enabled_at is None and client.get("/en/moderation/").status_code == 302

    response = fill_and_post(
        client, "/en/account/two-factor", {"enrol-code": clock.code(secret)}, ENROL
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    codes = [c.text for c in soup(response).select(".recovery-codes code")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(RECOVERY_SHAPE.match(code) for code in codes)
    db.session.refresh(user)
    assert user.two_factor_enabled
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not hashes & set(codes)
    assert all(code not in h for h in hashes for code in codes)

    assert signed_in(client)
    again = client.get("/en/account/two-factor").get_data(as_text=True)
    assert secret not in again and "qr-code" not in again  # the key is never shown again
    assert not any(code in again for code in codes)  # nor the recovery codes
    assert "10 unused recovery codes left." in again
    assert "user.2fa_enabled" in audit_actions()


def test_enrolment_pages_need_a_signed_in_account(client):
    response = client.get("/en/account/two-factor")
    assert response.status_code == 302 and "/en/login" in response.headers["Location"]


# -- sign-in -------------------------------------------------------------------------------------
def test_the_password_alone_does_not_sign_in_an_enrolled_account(client, enrolled, clock):
    user, _codes = enrolled()
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/en/login/code"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    for path in ("/en/moderation/", "/en/moderation/audit", "/en/moderation/records"):
        response = client.get(path)
        assert response.status_code == 302 and "/en/login" in response.headers["Location"]
    page = soup(client.get("/en/login/code"))
    code_input = page.select_one("input[name=code]")
    assert code_input["autocomplete"] == "one-time-code" and code_input["inputmode"] == "numeric"
    assert "user.login" not in audit_actions()

    response = code_step(client, clock.code(user.totp_secret))
    assert response.status_code == 302 and response.headers["Location"] == "/en/moderation/"
    assert signed_in(client)
    assert audit_actions()[-1] == "user.login"


def test_the_second_step_keeps_where_the_moderator_was_going(client, enrolled, clock):
    user, _codes = enrolled()
    page = soup(client.get("/en/login"))
    token = page.select_one("input[name=csrf_token]")["value"]
    data = {"csrf_token": token, "email": user.email, "password": PASSWORD}
    client.post("/en/login?next=/en/moderation/audit", data=data)
    response = code_step(client, clock.code(user.totp_secret))
    assert response.headers["Location"] == "/en/moderation/audit"


def test_a_wrong_code_is_refused(client, enrolled, clock):
    user, _codes = enrolled()
    password_step(client, user)
    wrong = str((int(clock.code(user.totp_secret)) + 5) % 1000000).zfill(6)
    response = code_step(client, wrong)
    assert response.status_code == 400
    assert "This code is not right" in soup(response).select_one(".error").text
    assert not signed_in(client)
    assert "user.2fa_failed" in audit_actions()
    # A code two steps away (a minute off) is outside the window.
    response = code_step(client, clock.code(user.totp_secret, offset=-60))
    assert response.status_code == 400


def test_a_code_from_the_next_or_previous_step_is_accepted(client, enrolled, clock):
    user, _codes = enrolled()
    password_step(client, user)
    assert code_step(client, clock.code(user.totp_secret, offset=-30)).status_code == 302
    assert signed_in(client)


def test_a_code_cannot_be_used_twice(client, enrolled, clock):
    user, _codes = enrolled()
    code = clock.code(user.totp_secret)
    password_step(client, user)
    assert code_step(client, code).status_code == 302
    sign_out(client)
    assert not signed_in(client)
    password_step(client, user)
    response = code_step(client, code)
    assert response.status_code == 400 and not signed_in(client)
    # Nor an older one, still inside the window.
    response = code_step(client, clock.code(user.totp_secret, offset=-30))
    assert response.status_code == 400 and not signed_in(client)
    clock.tick(30)
    assert code_step(client, clock.code(user.totp_secret)).status_code == 302


def test_a_recovery_code_works_once(client, enrolled):
    user, codes = enrolled()
    password_step(client, user)
    response = code_step(client, codes[3].lower().replace("-", " "), recovery=True)
    assert response.status_code == 302
    queue = client.get("/en/moderation/")
    assert queue.status_code == 200 and "9 are left" in soup(queue).select_one(".flashes").text
    event = audit_event("user.recovery_code_used")
    assert event.after == {"remaining": 9}
    sign_out(client)

    password_step(client, user)
    response = code_step(client, codes[3], recovery=True)
    assert response.status_code == 400 and not signed_in(client)
    assert code_step(client, codes[4]).status_code == 302  # the app's form takes them too
    assert db.session.query(RecoveryCode).count() == 8


def test_a_recovery_code_of_another_account_does_not_work(client, enrolled):
    user, _codes = enrolled()
    _other, other_codes = enrolled()
    password_step(client, user)
    assert code_step(client, other_codes[0], recovery=True).status_code == 400
    assert not signed_in(client)


def test_the_pending_sign_in_expires(client, enrolled, clock):
    user, _codes = enrolled()
    password_step(client, user)
    token = soup(client.get("/en/login/code")).select_one("input[name=csrf_token]")["value"]
    with client.session_transaction() as session:
        pending = session["two_factor_pending"]
        pending["since"] -= 6 * 60
        session["two_factor_pending"] = pending
    data = {"csrf_token": token, "code": clock.code(user.totp_secret)}
    response = client.post("/en/login/code", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/en/login"
    assert not signed_in(client)
    page = soup(client.get("/en/login"))
    assert "took too long" in page.select_one(".flashes").text


def test_the_code_step_without_a_password_step_goes_back_to_sign_in(client):
    response = client.get("/en/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/en/login"


def test_too_many_wrong_codes_end_the_pending_sign_in(client, enrolled, clock):
    user, _codes = enrolled()
    password_step(client, user)
    for _ in range(4):
        assert code_step(client, "000000").status_code == 400
    response = code_step(client, "000000")
    assert response.status_code == 302 and response.headers["Location"] == "/en/login"
    assert client.get("/en/login/code").headers["Location"] == "/en/login"
    assert audit_actions().count("user.2fa_failed") == 5


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
def test_the_code_step_is_throttled(client, enrolled, clock):
    user, _codes = enrolled()
    password_step(client, user)
    statuses = [code_step(client, "000000").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
def test_the_code_step_is_throttled_per_account_across_addresses(app, client, enrolled, clock):
    user, _codes = enrolled()
    statuses = []
    for number in range(4):
        other = app.test_client()
        address = f"10.0.0.{number + 1}"
        page = soup(other.get("/en/login", environ_base={"REMOTE_ADDR": address}))
        token = page.select_one("input[name=csrf_token]")["value"]
        data = {"csrf_token": token, "email": user.email, "password": PASSWORD}
        other.post("/en/login", data=data, environ_base={"REMOTE_ADDR": address})
        page = soup(other.get("/en/login/code", environ_base={"REMOTE_ADDR": address}))
        token = page.select_one("input[name=csrf_token]")["value"]
        response = other.post(
            "/en/login/code",
            data={"csrf_token": token, "code": "000000"},
            environ_base={"REMOTE_ADDR": address},
        )
        statuses.append(response.status_code)
    assert statuses == [400, 400, 400, 429]


# -- policy --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("moderator", "GET", "/en/moderation/"),
        ("moderator", "GET", "/en/moderation/audit"),
        ("moderator", "POST", "/en/moderation/bulk"),
        ("admin", "GET", "/en/moderation/users"),
        ("admin", "GET", "/en/moderation/import"),
    ],
)
def test_the_requirement_sends_unenrolled_accounts_to_enrolment(client, login, role, method, path):
    login(role)
    token = soup(client.get("/en/account/two-factor")).select_one("input[name=csrf_token]")
    response = client.open(path, method=method, data={"csrf_token": token["value"]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/account/two-factor"
    assert client.get("/en/account/two-factor").status_code == 200
    sign_out(client)  # sign-out stays open
    assert client.get("/en/account/two-factor").status_code == 302


@pytest.mark.config(REQUIRE_TWO_FACTOR=False)
def test_without_the_requirement_a_password_is_enough(client, login):
    login()
    assert signed_in(client)


def test_the_requirement_is_on_by_default(tmp_path, monkeypatch):
    from peacemap import create_app

    monkeypatch.delenv("PEACEMAP_REQUIRE_TWO_FACTOR", raising=False)
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["REQUIRE_TWO_FACTOR"] is True
    monkeypatch.setenv("PEACEMAP_REQUIRE_TWO_FACTOR", "false")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["REQUIRE_TWO_FACTOR"] is False


# -- settings: recovery codes, turning off -------------------------------------------------------
def sign_in_enrolled(client, enrolled, clock, role="moderator"):
    user, codes = enrolled(role)
    password_step(client, user)
    assert code_step(client, clock.code(user.totp_secret)).status_code == 302
    clock.tick(30)
    return user, codes


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(client, enrolled, clock):
    user, old = sign_in_enrolled(client, enrolled, clock)
    selector = "form[action$='recovery-codes']"
    response = fill_and_post(client, "/en/account/two-factor", {"codes-code": "123"}, selector)
    assert response.status_code == 400
    response = fill_and_post(
        client, "/en/account/two-factor", {"codes-code": clock.code(user.totp_secret)}, selector
    )
    assert response.status_code == 200
    new = [c.text for c in soup(response).select(".recovery-codes code")]
    assert len(new) == 10 and not set(new) & set(old)
    sign_out(client)
    password_step(client, user)
    assert code_step(client, old[0], recovery=True).status_code == 400
    assert code_step(client, new[0], recovery=True).status_code == 302


@pytest.mark.config(REQUIRE_TWO_FACTOR=False)
def test_turning_off_needs_the_password_or_a_current_code(client, enrolled, clock):
    user, _codes = sign_in_enrolled(client, enrolled, clock)
    selector = "form[action$='disable']"
    wrong = fill_and_post(client, "/en/account/two-factor", {"off-credential": "guess"}, selector)
    assert wrong.status_code == 400
    assert "neither your password" in soup(wrong).select_one(".error").text
    response = fill_and_post(
        client, "/en/account/two-factor", {"off-credential": PASSWORD}, selector
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.query(RecoveryCode).count() == 0
    assert "user.2fa_disabled" in audit_actions()
    assert signed_in(client)  # not required here


def test_turning_off_when_required_means_setting_up_again(client, enrolled, clock):
    user, _codes = sign_in_enrolled(client, enrolled, clock)
    old_secret = user.totp_secret
    page = soup(client.get("/en/account/two-factor"))
    assert "This site requires two-factor authentication" in page.text
    response = fill_and_post(
        client,
        "/en/account/two-factor",
        {"off-credential": clock.code(user.totp_secret)},
        "form[action$='disable']",
    )
    assert response.headers["Location"] == "/en/account/two-factor"
    assert client.get("/en/moderation/").headers["Location"] == "/en/account/two-factor"
    shown = soup(client.get("/en/account/two-factor")).select_one("code.secret").text
    assert shown.replace(" ", "") != old_secret


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
def test_code_guesses_in_the_settings_are_throttled(client, enrolled, clock):
    sign_in_enrolled(client, enrolled, clock)
    statuses = [
        fill_and_post(
            client,
            "/en/account/two-factor",
            {"off-credential": "000000"},
            "form[action$='disable']",
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


# -- resets --------------------------------------------------------------------------------------
def test_an_admin_resets_a_lost_second_factor(client, enrolled, clock):
    moderator, _codes = enrolled()
    admin, _admin_codes = sign_in_enrolled(client, enrolled, clock, role="admin")
    page = soup(client.get("/en/moderation/users"))
    forms = page.select("form[action$='/two-factor/reset']")
    assert [f["action"] for f in forms] == [f"/en/moderation/users/{moderator.id}/two-factor/reset"]
    response = fill_and_post(
        client, "/en/moderation/users", {}, f"form[action$='/{moderator.id}/two-factor/reset']"
    )
    assert response.status_code == 302
    db.session.refresh(moderator)
    assert not moderator.two_factor_enabled and moderator.totp_secret is None
    assert (
        db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == moderator.id)).all()
        == []
    )
    event = audit_event("user.2fa_reset")
    assert event.actor_id == admin.id and event.object_id == moderator.id
    # Not one's own, and only with a CSRF token.
    token = soup(client.get("/en/moderation/users")).select_one("input[name=csrf_token]")["value"]
    own = f"/en/moderation/users/{admin.id}/two-factor/reset"
    assert client.post(own, data={"csrf_token": token}).status_code == 400
    assert client.post(f"/en/moderation/users/{moderator.id}/two-factor/reset").status_code == 400


def test_a_moderator_cannot_reset_anyone(client, enrolled, clock):
    other, _codes = enrolled()
    sign_in_enrolled(client, enrolled, clock)
    token = soup(client.get("/en/moderation/")).select_one("input[name=csrf_token]")["value"]
    response = client.post(
        f"/en/moderation/users/{other.id}/two-factor/reset", data={"csrf_token": token}
    )
    assert response.status_code == 403
    db.session.refresh(other)
    assert other.two_factor_enabled


def test_the_command_line_resets_a_second_factor(runner, enrolled):
    user, _codes = enrolled()
    result = runner.invoke(args=["users", "reset-2fa", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert f"Two-factor authentication reset for {user.email}." in result.output
    db.session.expire_all()
    assert not user.two_factor_enabled and db.session.query(RecoveryCode).count() == 0
    event = audit_event("user.2fa_reset")
    assert event.actor_id is None and event.object_id == user.id
    missing = runner.invoke(args=["users", "reset-2fa", "nobody@example.org"])
    assert missing.exit_code == 1 and "No account for nobody@example.org" in missing.output


# -- no leaks, CSRF ------------------------------------------------------------------------------
def test_no_secret_or_recovery_code_reaches_the_audit_log(client, login, clock):
    user = login("admin")
    client.get("/en/account/two-factor")
    db.session.refresh(user)
    secret = user.totp_secret
    wrong = fill_and_post(client, "/en/account/two-factor", {"enrol-code": "000000"}, ENROL)
    assert wrong.status_code == 400
    response = fill_and_post(
        client, "/en/account/two-factor", {"enrol-code": clock.code(secret)}, ENROL
    )
    codes = [c.text for c in soup(response).select(".recovery-codes code")]
    sign_out(client)
    password_step(client, user)
    code_step(client, "999999")
    code_step(client, codes[0], recovery=True)
    clock.tick(30)
    selector = "form[action$='recovery-codes']"
    fill_and_post(client, "/en/account/two-factor", {"codes-code": clock.code(secret)}, selector)
    events = db.session.scalars(select(AuditEvent)).all()
    assert {"user.2fa_enabled", "user.2fa_failed", "user.recovery_code_used"} <= {
        e.action for e in events
    }
    logged = json.dumps([[e.action, e.before, e.after, e.note] for e in events])
    log_page = client.get("/en/moderation/audit?per_page=100").get_data(as_text=True)
    for text in (logged, log_page):
        assert secret not in text and secret[:8] not in text
        assert not any(code in text or code.replace("-", "") in text for code in codes)


NEW_POST_ROUTES = {
    "accounts.second_step",
    "accounts.enable_two_factor",
    "accounts.new_recovery_codes",
    "accounts.disable_two_factor",
    "moderation.reset_two_factor",
}


def test_the_new_forms_are_in_the_csrf_check_and_need_a_token(app, client, login):
    from tests.test_security import CHANGING, urls

    assert {rule.endpoint for rule, _url in urls(app, CHANGING)} >= NEW_POST_ROUTES
    login("admin")
    for path in ("/en/account/two-factor/enable", "/en/login/code"):
        response = client.post(path, data={"enrol-code": "123456", "code": "123456"})
        assert response.status_code == 400
        assert "The CSRF token is missing." in response.get_data(as_text=True)
