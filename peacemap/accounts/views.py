"""Moderator sign-in (password, then the second factor), sign-out and the two-factor settings.
The role checks every moderator route uses are in access.py."""

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from peacemap import audit
from peacemap.accounts import twofactor
from peacemap.accounts.access import signed_in_required
from peacemap.accounts.forms import (
    CodeForm,
    LoginForm,
    LogoutForm,
    RecoveryStepForm,
    SecondStepForm,
    TurnOffForm,
)
from peacemap.accounts.services import check_password, spend_hashing_time
from peacemap.extensions import db, limiter, login_manager
from peacemap.models import User
from peacemap.models.base import utcnow

bp = Blueprint("accounts", __name__, url_prefix="/<lang_code>")

PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 5 * 60  # between the right password and the code
# Wrong codes before the password must be typed again. The count lives in the (signed, not
# server-side) session, so a client could replay an older cookie: the rate limits on the code
# step, per address and per account, are the bound that holds.
PENDING_TRIES = 5


def safe_next(target):
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def pending_account_key():
    """Rate-limit key of the second step per account, whatever address the codes come from."""
    pending = session.get(PENDING_KEY) or {}
    return f"second-step:{pending.get('user_id')}"


def _sign_in(user, next_url):
    """Start a fresh session for `user` (no fixation) and go where they were going."""
    session.clear()
    login_user(user)
    user.last_login_at = utcnow()
    audit.record(user, "user.login", user)
    db.session.commit()
    home = "owners.network" if user.network_id is not None else "moderation.queue"
    return redirect(safe_next(next_url) or url_for(home))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Moderator sign-in; accounts with a second factor go on to the code step."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            spend_hashing_time(form.password.data)  # same delay whether or not the account exists
        elif user.active and check_password(user, form.password.data):
            if not user.two_factor_enabled:
                return _sign_in(user, request.args.get("next"))
            # Not signed in yet: the session only remembers who typed the right password.
            session.clear()
            session[PENDING_KEY] = {
                "user_id": user.id,
                "since": int(time.time()),
                "tries": 0,
                "next": safe_next(request.args.get("next")),
            }
            db.session.commit()  # a password rehash, if any
            return redirect(url_for(".second_step"))
        form.password.errors.append(_("Wrong email or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


def _pending_user():
    """The account waiting for its code, or None when there is none or it waited too long."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("since", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, pending.get("user_id") or 0)
    if user is None or not user.active or not user.two_factor_enabled:
        session.pop(PENDING_KEY, None)
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=pending_account_key)
def second_step():
    """Sign-in, second step: a code from the authenticator app or a recovery code."""
    user = _pending_user()
    if user is None:
        flash(_("Your sign-in took too long or was interrupted. Please sign in again."))
        return redirect(url_for(".login"))
    recovery = request.args.get("recovery") == "1"
    form = RecoveryStepForm() if recovery else SecondStepForm()
    if form.validate_on_submit():
        used = twofactor.check_second_factor(user, form.code.data)
        if used:
            if used == "recovery":
                remaining = twofactor.remaining_recovery_codes(user)
                audit.record(user, "user.recovery_code_used", user, after={"remaining": remaining})
            response = _sign_in(user, session[PENDING_KEY].get("next"))
            if used == "recovery":
                flash(
                    ngettext(
                        "You signed in with a recovery code; %(num)s is left. "
                        "Make new ones in your two-factor settings.",
                        "You signed in with a recovery code; %(num)s are left. "
                        "Make new ones in your two-factor settings.",
                        remaining,
                    )
                )
            return response
        audit.record(user, "user.2fa_failed", user)
        db.session.commit()
        pending = session[PENDING_KEY]
        pending["tries"] = pending.get("tries", 0) + 1
        session[PENDING_KEY] = pending
        if pending["tries"] >= PENDING_TRIES:
            session.pop(PENDING_KEY, None)
            flash(_("Too many wrong codes. Please sign in again."))
            return redirect(url_for(".login"))
        form.code.errors.append(_("This code is not right, or it has already been used."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/second_step.html", form=form, recovery=recovery), status


@bp.post("/logout")
def logout():
    """Sign out."""
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        logout_user()
        session.clear()
        flash(_("You are signed out."))
    return redirect(url_for("directory.home"))


@login_manager.unauthorized_handler
def unauthorized():
    """Anonymous visitors of moderator pages are sent to sign in, then back."""
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


# -- two-factor settings -------------------------------------------------------------------------
def _no_store(response):
    """Pages showing a secret or recovery codes are kept out of every cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _settings_page(status=200, **forms):
    """The two-factor page: enrolment (QR code and secret) or, once on, its settings."""
    user = current_user
    context = {"user": user, "required": current_app.config["REQUIRE_TWO_FACTOR"]}
    if user.two_factor_enabled:
        context["remaining"] = twofactor.remaining_recovery_codes(user)
        context["codes_form"] = forms.get("codes_form") or CodeForm(prefix="codes")
        context["off_form"] = forms.get("off_form") or TurnOffForm(prefix="off")
    else:
        twofactor.start_enrolment(user)
        db.session.commit()
        context["qr_code"] = twofactor.qr_svg(
            twofactor.provisioning_uri(user), _("QR code to scan with an authenticator app")
        )
        context["secret"] = twofactor.grouped(user.totp_secret)
        context["enrol_form"] = forms.get("enrol_form") or CodeForm(prefix="enrol")
    return _no_store((render_template("accounts/two_factor.html", **context), status))


def _recovery_codes_page(codes):
    """The new recovery codes, shown this once."""
    return _no_store(render_template("accounts/recovery_codes.html", codes=codes))


@bp.get("/account/two-factor")
@signed_in_required
def two_factor():
    """Set up the second factor, or manage it once it is on."""
    return _settings_page()


@bp.post("/account/two-factor/enable")
@limiter.limit(login_limit)
@signed_in_required
def enable_two_factor():
    """Turn the second factor on with a first code from the app; shows the recovery codes."""
    if current_user.two_factor_enabled:
        return redirect(url_for(".two_factor"))
    form = CodeForm(prefix="enrol")
    if form.validate_on_submit():
        codes = twofactor.confirm_enrolment(current_user, form.code.data)
        if codes:
            audit.record(current_user, "user.2fa_enabled", current_user)
            db.session.commit()
            return _recovery_codes_page(codes)
        form.code.errors.append(_("This code is not right. Check your phone's clock and retry."))
    return _settings_page(400, enrol_form=form)


@bp.post("/account/two-factor/recovery-codes")
@limiter.limit(login_limit)
@signed_in_required
def new_recovery_codes():
    """Replace the recovery codes (a current code from the app is needed)."""
    if not current_user.two_factor_enabled:
        return redirect(url_for(".two_factor"))
    form = CodeForm(prefix="codes")
    if form.validate_on_submit():
        if twofactor.accept_totp(current_user, form.code.data):
            codes = twofactor.new_recovery_codes(current_user)
            audit.record(current_user, "user.recovery_codes_replaced", current_user)
            db.session.commit()
            return _recovery_codes_page(codes)
        form.code.errors.append(_("This code is not right, or it has already been used."))
    return _settings_page(400, codes_form=form)


@bp.post("/account/two-factor/disable")
@limiter.limit(login_limit)
@signed_in_required
def disable_two_factor():
    """Turn the second factor off (password or current code); when required, set it up again."""
    if not current_user.two_factor_enabled:
        return redirect(url_for(".two_factor"))
    form = TurnOffForm(prefix="off")
    if form.validate_on_submit():
        credential = form.credential.data
        if twofactor.looks_like_totp(credential):
            confirmed = twofactor.accept_totp(current_user, credential)
        else:
            confirmed = check_password(current_user, credential)
        if confirmed:
            twofactor.turn_off(current_user)
            audit.record(current_user, "user.2fa_disabled", current_user)
            db.session.commit()
            if current_app.config["REQUIRE_TWO_FACTOR"]:
                flash(_("Two-factor authentication is off. Set it up again on your new device."))
            else:
                flash(_("Two-factor authentication is off."))
            return redirect(url_for(".two_factor"))
        db.session.commit()  # a password rehash, or nothing
        form.credential.errors.append(_("This is neither your password nor a current code."))
    return _settings_page(400, off_form=form)
