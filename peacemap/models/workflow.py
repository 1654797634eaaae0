"""Who changes the directory and how: accounts, submissions, audit trail, revisions."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peacemap.extensions import db
from peacemap.models.base import UTCDateTime, enum_column, utcnow
from peacemap.models.enums import Role, SubmissionKind, SubmissionState
from peacemap.sealed import SealedJSON, SealedText


class User(UserMixin, db.Model):
    """A moderator or administrator; visitors and submitters have no account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MODERATOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second factor (TOTP, RFC 6238). The secret is written when enrolment starts and counts
    # only once totp_enabled_at is set; totp_last_step is the last time step accepted, so a
    # code cannot be used twice.
    # A network's coordinator: an account scoped to one network, which may vouch for that
    # network's members and nothing else (no moderator page; peacemap/owners/network_views.py).
    # The organisation's id, without a foreign key: organisations already refer to users
    # (verified_by), and a cycle of keys would stop the tables being created in turn.
    network_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def two_factor_enabled(self):
        """True once the account has confirmed an authenticator app."""
        return self.totp_enabled_at is not None

    @property
    def is_active(self):
        """Flask-Login: a deactivated account cannot sign in."""
        return self.active

    @property
    def is_admin(self):
        """True for administrators."""
        return self.role == Role.ADMIN


class RecoveryCode(db.Model):
    """A single-use code that replaces a lost authenticator; only its SHA-256 hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    # Also the index that finds a user's codes.
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)


class Submission(db.Model):
    """A public proposal waiting for, or having had, a moderator's decision."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SubmissionKind] = mapped_column(enum_column(SubmissionKind), index=True)
    state: Mapped[SubmissionState] = mapped_column(
        enum_column(SubmissionState), default=SubmissionState.PENDING, index=True
    )
    payload: Mapped[dict] = mapped_column(SealedJSON("submissions.payload"), default=dict)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id", ondelete="SET NULL")
    )
    # Who sent it, sealed at rest (peacemap/sealed.py) and forgotten by `flask data purge`.
    submitter_name: Mapped[str] = mapped_column(SealedText("submissions.submitter_name"))
    submitter_email: Mapped[str | None] = mapped_column(SealedText("submissions.submitter_email"))
    submitter_role: Mapped[str | None] = mapped_column(SealedText("submissions.submitter_role"))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sent by the organisation itself from its owner page: shown first in the queue.
    from_owner: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The interface language the submitter used: their notifications are written in it.
    language: Mapped[str] = mapped_column(String(5), default="fr")
    # Only a hash of the tracking code is kept: the code itself is shown once.
    tracking_hash: Mapped[str] = mapped_column(String(128), unique=True)
    # One-time token carried by the form, so that a retried POST finds the first receipt.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderator_note: Mapped[str | None] = mapped_column(Text)

    # Bumped on every update: two moderators deciding at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    moderator: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint(
            "state NOT IN ('approved', 'rejected', 'spam') "
            "OR (moderator_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided_has_moderator",
        ),
    )


class AuditEvent(db.Model):
    """One change of state or record: who did what to which object, before and after."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    # Private values inside (an email, a typed point) are sealed at rest (peacemap/sealed.py).
    before: Mapped[dict | None] = mapped_column(SealedJSON("audit_events.before"))
    after: Mapped[dict | None] = mapped_column(SealedJSON("audit_events.after"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


class Revision(db.Model):
    """A snapshot of a record after an approved change, for history and rollback."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(SealedJSON("revisions.snapshot"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("object_type", "object_id", "number"),)


class AccessEvent(db.Model):
    """A moderator saw an organisation's private contacts (a log of who looked): admins read
    it, and the organisation sees how often and when, by role, on its owner page."""

    __tablename__ = "access_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    page: Mapped[str] = mapped_column(String(20))  # "review", "record"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship()
