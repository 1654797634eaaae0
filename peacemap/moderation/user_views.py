"""Admins' page of accounts: deactivate, reactivate, reset a lost second factor."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from peacemap import audit
from peacemap.accounts import twofactor
from peacemap.accounts.access import admin_required
from peacemap.extensions import db
from peacemap.models import (
    User,
)
from peacemap.moderation import forms
from peacemap.moderation.blueprint import bp


@bp.get("/users")
@admin_required
def users():
    """Moderator and admin accounts (created with `flask users create`)."""
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("moderation/users.html", users=accounts, form=forms.ConfirmForm())


@bp.post("/users/<int:user_id>/active")
@admin_required
def toggle_user(user_id):
    """Deactivate or reactivate an account (not one's own)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not forms.ConfirmForm().validate_on_submit() or user.id == current_user.id:
        abort(400)
    user.active = not user.active
    audit.record(current_user, "user.activated" if user.active else "user.deactivated", user)
    db.session.commit()
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/two-factor/reset")
@admin_required
def reset_two_factor(user_id):
    """Remove another account's second factor (a lost phone); it sets one up at next sign-in."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not forms.ConfirmForm().validate_on_submit() or user.id == current_user.id:
        abort(400)
    twofactor.turn_off(user)
    audit.record(current_user, "user.2fa_reset", user)
    db.session.commit()
    flash(_("Two-factor authentication reset for %(email)s.", email=user.email))
    return redirect(url_for(".users"))
