"""The second factor: TOTP secrets and QR codes, code checks without replays, recovery codes.

Services flush, never commit. A code is accepted at most once: the time step it belongs to is
written with a conditional UPDATE, so two requests racing with one code cannot both win; a
recovery code is spent by a DELETE that only one request can make.
"""

import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from markupsafe import Markup, escape
from sqlalchemy import delete, or_, update

from peacemap.extensions import db
from peacemap.models import RecoveryCode, User
from peacemap.models.base import utcnow

ISSUER = "PeaceMap"
RECOVERY_CODE_COUNT = 10
# 12 characters from 32 easily told apart (no 0/O, 1/I/L): 60 random bits each.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4
VALID_WINDOW = 1  # one step (30 s) either side, for clocks that drift a little
TOTP_PATTERN = re.compile(r"^\d{6}$")


def normalise_code(code):
    """The code as typed, without spaces or hyphens, upper case."""
    return re.sub(r"[\s-]", "", code or "").upper()


def looks_like_totp(code):
    """True for six digits, the shape of a code from an authenticator app."""
    return bool(TOTP_PATTERN.match(normalise_code(code)))


# -- enrolment -----------------------------------------------------------------------------------
def start_enrolment(user):
    """Give the account a new secret to confirm, unless one is already waiting; flushes."""
    if user.two_factor_enabled:
        raise ValueError("two-factor authentication is already on")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        user.totp_last_step = None
        db.session.flush()
    return user.totp_secret


def provisioning_uri(user):
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri, title):
    """The QR code of `uri` as inline SVG: presentation attributes only, no style, no script."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None
    )
    # A title names the image for screen readers (segno does not escape titles itself).
    svg = svg.replace("<svg ", '<svg role="img" aria-labelledby="qr-title" ', 1)
    close = svg.index(">") + 1
    # segno writes only numbers and path geometry (the encoded text is not in the SVG); the
    # one piece of text, the title, is escaped here.
    return Markup(f'{svg[:close]}<title id="qr-title">{escape(title)}</title>{svg[close:]}')  # noqa: S704


def grouped(secret, size=4):
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def confirm_enrolment(user, code):
    """Turn the second factor on if `code` is right; returns the new recovery codes or None."""
    if user.two_factor_enabled or not user.totp_secret or not accept_totp(user, code):
        return None
    user.totp_enabled_at = utcnow()
    return new_recovery_codes(user)


def turn_off(user):
    """Remove the secret and the recovery codes (also an admin's reset); flushes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


# -- checking codes ------------------------------------------------------------------------------
def matching_step(secret, code, now=None):
    """The time step whose code is `code` (within the valid window of `now`, a UTC datetime)."""
    code = normalise_code(code)
    if not TOTP_PATTERN.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_totp(user, code, now=None):
    """True when `code` is right and its time step is later than any accepted before."""
    step = matching_step(user.totp_secret, code, now) if user.totp_secret else None
    if step is None:
        return False
    # Conditional on the stored step, so a code (or an earlier one) is never accepted twice,
    # even by two requests at once.
    result = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def _recovery_hash(user, code):
    """SHA-256 of the normalised code, salted with the account (a hash matches one account)."""
    return hashlib.sha256(f"{user.id}:{normalise_code(code)}".encode()).hexdigest()


def new_recovery_codes(user):
    """Replace the account's recovery codes; returns the new ones (shown once, never stored)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(
            secrets.choice(RECOVERY_ALPHABET)
            for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH)
        )
        code = "-".join(
            raw[i : i + RECOVERY_GROUP_LENGTH] for i in range(0, len(raw), RECOVERY_GROUP_LENGTH)
        )
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, code)))
    db.session.flush()
    return codes


def use_recovery_code(user, code):
    """Spend a recovery code: True if it was one of the account's unused codes."""
    if len(normalise_code(code)) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH:
        return False
    result = db.session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .where(RecoveryCode.code_hash == _recovery_hash(user, code))
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["recovery_codes"])
    return result.rowcount == 1


def remaining_recovery_codes(user):
    """How many recovery codes the account has left."""
    return len(user.recovery_codes)


def check_second_factor(user, code):
    """'totp' or 'recovery' for an accepted code (spent), None for a wrong or used one."""
    if not user.two_factor_enabled:
        return None
    if looks_like_totp(code):
        return "totp" if accept_totp(user, code) else None
    return "recovery" if use_recovery_code(user, code) else None
