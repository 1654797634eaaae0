"""Accounts: creation with validated input, Argon2id password hashes, session loading."""

import re
from contextlib import suppress

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from peacemap.extensions import db, login_manager
from peacemap.models import Role, User

MIN_PASSWORD_LENGTH = 12
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account could not be created; the message says why."""


def hash_password(password):
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def check_password(user, password):
    """True when the password matches; rehashes it when the parameters have changed."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


_DUMMY_HASH = _hasher.hash("no account has this password")


def spend_hashing_time(password):
    """Verify against a dummy hash, so unknown accounts take as long as known ones."""
    with suppress(VerificationError, InvalidHashError):
        _hasher.verify(_DUMMY_HASH, password)


def create_user(email, password, role, display_name=None):
    """Add a moderator or admin; flushes, the caller commits."""
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise AccountError(f"Not a valid email address: {email!r}")
    if role not in {r.value for r in Role}:
        raise AccountError(f"Role must be one of: {', '.join(r.value for r in Role)}")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise AccountError(f"An account already exists for {email}.")
    user = User(
        email=email,
        display_name=(display_name or email.split("@")[0])[:120],
        password_hash=hash_password(password),
        role=Role(role),
    )
    db.session.add(user)
    db.session.flush()
    return user


@login_manager.user_loader
def load_user(user_id):
    """Flask-Login: the signed-in user, if the account still exists and is active."""
    if not str(user_id).isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A deactivated account's open sessions end with its next request.
    return user if user is not None and user.active else None
