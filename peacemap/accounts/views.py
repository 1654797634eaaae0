"""Moderator sign-in and sign-out, and the role checks every moderator route uses."""

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from peacemap import audit
from peacemap.accounts.services import check_password, spend_hashing_time
from peacemap.extensions import db, limiter, login_manager
from peacemap.models import User
from peacemap.models.base import utcnow

bp = Blueprint("accounts", __name__, url_prefix="/<lang_code>")


class LoginForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class LogoutForm(FlaskForm):
    """Sign-out is a POST with a CSRF token, so no link elsewhere can sign a moderator out."""


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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Moderator sign-in."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            spend_hashing_time(form.password.data)  # same delay whether or not the account exists
        elif user.active and check_password(user, form.password.data):
            session.clear()  # a fresh session: no fixation
            login_user(user)
            user.last_login_at = utcnow()
            audit.record(user, "user.login", user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("moderation.queue"))
        form.password.errors.append(_("Wrong email or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


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


def moderator_required(view):
    """Only signed-in moderators and admins."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Only signed-in admins; a moderator gets 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
