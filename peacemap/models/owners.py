"""What the organisations themselves say: their owner links and their consents."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peacemap.extensions import db
from peacemap.models.base import JSONType, UTCDateTime, enum_column, utcnow
from peacemap.models.enums import OwnerConsent


class OwnerToken(db.Model):
    """A mailed owner link: single-use, expiring, stored as a hash (the link itself is only
    in the mail). A new link for the same organisation ends the earlier ones."""

    __tablename__ = "owner_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentRecord(db.Model):
    """What an organisation agreed to show, when, and on what grounds: from its own address
    (kept as a keyed hash, never in clear) or through a moderator, who says how."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    basis: Mapped[OwnerConsent] = mapped_column(enum_column(OwnerConsent))
    choices: Mapped[dict] = mapped_column(JSONType, default=dict)
    address_hash: Mapped[str | None] = mapped_column(String(64))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    moderator = relationship("User")


class DoNotList(db.Model):
    """The do-not-list register: keyed hashes of the name, acronym, email and website of an
    organisation that asked to be taken off. A new submission or import that matches one is
    not listed again unless an admin overrides it with a reason."""

    __tablename__ = "do_not_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    value_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
