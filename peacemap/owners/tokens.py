"""Owner links and the short owner session they open.

A link carries a random token of 256 bits; only its SHA-256 is stored, so the table does not
let anyone in. A link is single-use, expires after OWNER_LINK_HOURS, and a new one ends the
earlier ones of the same organisation. Using it opens an owner session of OWNER_SESSION_MINUTES
in the signed session cookie: the organisation's id and the time it ends, nothing else.
"""

import hashlib
import secrets
import time
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import select, update

from peacemap.extensions import db
from peacemap.models import Organisation, OwnerToken
from peacemap.models.base import utcnow

SESSION_KEY = "owner"


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def end_links(org):
    """End every unused owner link of `org`."""
    db.session.execute(
        update(OwnerToken)
        .where(OwnerToken.organisation_id == org.id, OwnerToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def issue(org):
    """A new owner link's token for `org` (the earlier unused ones end now)."""
    now = utcnow()
    end_links(org)
    token = secrets.token_urlsafe(32)
    hours = current_app.config["OWNER_LINK_HOURS"]
    db.session.add(
        OwnerToken(
            organisation_id=org.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def redeem(token):
    """The organisation whose link this is, using the link up; None when the token is wrong,
    expired or used (the caller answers all three alike)."""
    if not token or len(token) > 100:
        return None
    found = db.session.scalar(
        select(OwnerToken).where(OwnerToken.token_hash == _hash(token)).with_for_update()
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    found.used_at = utcnow()
    return db.session.get(Organisation, found.organisation_id)


def open_session(org):
    """Start a short owner session for `org` in this browser."""
    minutes = current_app.config["OWNER_SESSION_MINUTES"]
    session[SESSION_KEY] = [org.id, int(time.time()) + 60 * minutes]


def current():
    """The organisation of this browser's owner session, or None (none, or ended)."""
    held = session.get(SESSION_KEY)
    if not held or not isinstance(held, list) or len(held) != 2 or held[1] < time.time():
        return None
    return db.session.get(Organisation, held[0])


def close_session():
    session.pop(SESSION_KEY, None)
