"""Published directory records: organisations, initiatives and what describes them."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym, validates

from peacemap.extensions import db
from peacemap.models.base import JSONType, UTCDateTime, enum_column, utcnow
from peacemap.models.enums import (
    AchievementScope,
    HiddenBy,
    InitiativeRole,
    InitiativeStatus,
    LinkVisibility,
    LocationPrecision,
    OrganisationType,
    OwnerConsent,
    PublicationStatus,
    RelationshipKind,
    VerificationLevel,
)
from peacemap.sealed import SealedFloat, SealedText, blind_email


def _link_table(name, left, right):
    """A plain many-to-many table between two tables, deleted with either side."""
    return Table(
        name,
        db.metadata,
        Column(f"{left}_id", ForeignKey(f"{left}s.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{right}_id", ForeignKey(f"{right}s.id", ondelete="CASCADE"), primary_key=True),
        # Indexed by the right side too: the primary key serves lookups by the left side only,
        # and "which organisations are in this place / have this theme" is asked of the right.
        # The left side is in the index, so that the answer needs no read of the table
        # (related organisations read thousands of these: peacemap/public/related.py).
        Index(f"ix_{name}_{right}_id", f"{right}_id", f"{left}_id"),
    )


organisation_themes = _link_table("organisation_themes", "organisation", "theme")
organisation_locations = _link_table("organisation_locations", "organisation", "location")
initiative_themes = _link_table("initiative_themes", "initiative", "theme")
initiative_locations = _link_table("initiative_locations", "initiative", "location")


class Theme(db.Model):
    """A theme of the small taxonomy, labelled in every interface language."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    labels: Mapped[dict] = mapped_column(JSONType, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Location(db.Model):
    """A place: a named point with its administrative units and P-codes where known."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)
    admin1: Mapped[str | None] = mapped_column(String(120), index=True)
    admin1_pcode: Mapped[str | None] = mapped_column(String(20))
    admin2: Mapped[str | None] = mapped_column(String(120))
    admin2_pcode: Mapped[str | None] = mapped_column(String(20))
    admin3: Mapped[str | None] = mapped_column(String(120))
    admin3_pcode: Mapped[str | None] = mapped_column(String(20))
    # Sealed at rest (peacemap/sealed.py): a typed point can be where someone lives.
    latitude: Mapped[float | None] = mapped_column(SealedFloat("locations.latitude"))
    longitude: Mapped[float | None] = mapped_column(SealedFloat("locations.longitude"))
    precision: Mapped[LocationPrecision] = mapped_column(
        enum_column(LocationPrecision), default=LocationPrecision.EXACT
    )
    geonameid: Mapped[int | None] = mapped_column(Integer, unique=True)

    @validates("latitude", "longitude")
    def _in_range(self, name, value):
        """The range the database can no longer check on a sealed value."""
        limit = 90 if name == "latitude" else 180
        if value is not None and not -limit <= float(value) <= limit:
            raise ValueError(f"{name} {value} is out of range")
        return value


class Organisation(db.Model):
    """A peacebuilding organisation, network, funder or public body."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(40))
    alternate_names: Mapped[list] = mapped_column(JSONType, default=list)
    type: Mapped[OrganisationType] = mapped_column(enum_column(OrganisationType), index=True)
    # OCHA cluster codes (enums.Sector) an OCHA 3W sheet gave it, sorted.
    sectors: Mapped[list] = mapped_column(JSONType, default=list)
    # Texts per language, e.g. {"fr": "...", "en": "..."}; `language` is the original one.
    summary: Mapped[dict] = mapped_column(JSONType, default=dict)
    description: Mapped[dict] = mapped_column(JSONType, default=dict)
    language: Mapped[str] = mapped_column(String(5), default="fr")
    founded_year: Mapped[int | None] = mapped_column(Integer)
    website: Mapped[str | None] = mapped_column(String(500))
    # Sealed at rest (peacemap/sealed.py), and found by the blind index of the email.
    email: Mapped[str | None] = mapped_column(SealedText("organisations.email"))
    phone: Mapped[str | None] = mapped_column(SealedText("organisations.phone"))
    email_index: Mapped[str | None] = mapped_column(String(64), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    verification_level: Mapped[VerificationLevel] = mapped_column(
        enum_column(VerificationLevel), default=VerificationLevel.NONE
    )
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What was checked, and until when the check holds (VERIFICATION_YEARS after it).
    verification_evidence: Mapped[str | None] = mapped_column(Text)
    verification_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Vouched for by a network (its coordinator), until it expires like a verification.
    vouched_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True
    )
    vouched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vouch_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by `flask records remind` when nobody has confirmed or checked it for 18 months.
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[PublicationStatus] = mapped_column(
        enum_column(PublicationStatus), default=PublicationStatus.PUBLISHED, index=True
    )
    # The publication flag under the name initiatives give it (peacemap/kinds.py).
    publication = synonym("status")
    location_precision: Mapped[LocationPrecision] = mapped_column(
        enum_column(LocationPrecision), default=LocationPrecision.COMMUNE
    )
    contacts_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # The organisation's say (peacemap/owners/): until it confirms, a listing that a third party
    # sent is shown at the most protective choices, unless a moderator wrote why wider is safe.
    owner_consent: Mapped[OwnerConsent] = mapped_column(
        enum_column(OwnerConsent), default=OwnerConsent.UNCONFIRMED
    )
    consent_note: Mapped[str | None] = mapped_column(Text)  # why wider is safe; how consent came
    owner_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The contact address came from the organisation itself (it sent its own listing, or a
    # moderator checked it): only then may a confirmation from it widen what is shown at once.
    contact_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Off by default: once it has confirmed its listing, the organisation may let visitors write
    # to it through the site, its address staying hidden (peacemap/owners/).
    contact_form: Mapped[bool] = mapped_column(Boolean, default=False)
    # Choices the organisation asked for that would show more, waiting for a moderator.
    pending_choices: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    # "Hide us now": unpublished at once; only the owner or an admin brings it back.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by: Mapped[HiddenBy | None] = mapped_column(enum_column(HiddenBy), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    themes: Mapped[list[Theme]] = relationship(secondary=organisation_themes)
    locations: Mapped[list[Location]] = relationship(secondary=organisation_locations)
    identifiers: Mapped[list["Identifier"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    achievements: Mapped[list["Achievement"]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="Achievement.year",
    )
    outgoing: Mapped[list["Relationship"]] = relationship(
        foreign_keys="Relationship.subject_id",
        back_populates="subject",
        cascade="all, delete-orphan",
    )
    incoming: Mapped[list["Relationship"]] = relationship(
        foreign_keys="Relationship.object_id",
        back_populates="object",
        cascade="all, delete-orphan",
    )
    initiative_roles: Mapped[list["InitiativeOrganisation"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    verified_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys="Organisation.verified_by_id"
    )
    vouched_by: Mapped["Organisation | None"] = relationship(
        foreign_keys="Organisation.vouched_by_id", remote_side="Organisation.id"
    )

    __table_args__ = (
        CheckConstraint(
            "founded_year IS NULL OR (founded_year BETWEEN 1800 AND 2200)", name="founded_year"
        ),
        CheckConstraint(
            "verification_level = 'none' OR verified_at IS NOT NULL", name="verified_when"
        ),
        # The directory's list in name order, read from the index (the rows hold long texts);
        # its country and type counts read this one alone (peacemap/directory/services.py).
        Index("ix_organisations_listed_by_name", "status", text("lower(name)"), "id"),
        Index("ix_organisations_facets", "status", "country", "type"),
    )

    @validates("email")
    def _index_email(self, _name, value):
        self.email_index = blind_email(value)
        return value

    @property
    def verification_expired(self):
        """True when the last verification's check no longer holds."""
        expires = self.verification_expires_at
        return expires is not None and expires <= utcnow()

    @property
    def vouch_expired(self):
        """True when the network's vouching no longer holds."""
        expires = self.vouch_expires_at
        return expires is not None and expires <= utcnow()

    @property
    def is_published(self):
        """True when visitors may see this organisation."""
        return self.status == PublicationStatus.PUBLISHED

    @classmethod
    def published(cls):
        """SELECT of the organisations visitors may see: the only query public pages use."""
        return select(cls).where(cls.status == PublicationStatus.PUBLISHED)


class Identifier(db.Model):
    """An external identifier such as `ML-MAT:0603-G-DB` (org-id.guide schemes)."""

    __tablename__ = "identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(120))

    organisation: Mapped[Organisation] = relationship(back_populates="identifiers")

    __table_args__ = (UniqueConstraint("scheme", "value"),)

    def __str__(self):
        return f"{self.scheme}:{self.value}"


class Achievement(db.Model):
    """Something an organisation did in a given year, at national or international scope."""

    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int | None] = mapped_column(Integer)
    scope: Mapped[AchievementScope] = mapped_column(enum_column(AchievementScope))
    text: Mapped[dict] = mapped_column(JSONType, default=dict)

    organisation: Mapped[Organisation] = relationship(back_populates="achievements")


class Relationship(db.Model):
    """`subject kind object`: a member of a network, a partner, a funder, with years."""

    __tablename__ = "relationships"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    object_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RelationshipKind] = mapped_column(enum_column(RelationshipKind))
    visibility: Mapped[LinkVisibility] = mapped_column(
        enum_column(LinkVisibility), default=LinkVisibility.PUBLIC, server_default="public"
    )
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)

    subject: Mapped[Organisation] = relationship(
        foreign_keys=[subject_id], back_populates="outgoing"
    )
    object: Mapped[Organisation] = relationship(foreign_keys=[object_id], back_populates="incoming")

    __table_args__ = (
        UniqueConstraint("subject_id", "object_id", "kind"),
        CheckConstraint("subject_id <> object_id", name="not_self"),
        CheckConstraint(
            "end_year IS NULL OR start_year IS NULL OR end_year >= start_year", name="years"
        ),
    )


class Initiative(db.Model):
    """A project or programme, carried out by organisations in one or many places."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[dict] = mapped_column(JSONType, default=dict)
    summary: Mapped[dict] = mapped_column(JSONType, default=dict)
    description: Mapped[dict] = mapped_column(JSONType, default=dict)
    language: Mapped[str] = mapped_column(String(5), default="fr")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[InitiativeStatus] = mapped_column(
        enum_column(InitiativeStatus), default=InitiativeStatus.ONGOING
    )
    publication: Mapped[PublicationStatus] = mapped_column(
        enum_column(PublicationStatus), default=PublicationStatus.PUBLISHED, index=True
    )
    location_precision: Mapped[LocationPrecision] = mapped_column(
        enum_column(LocationPrecision), default=LocationPrecision.COMMUNE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    themes: Mapped[list[Theme]] = relationship(secondary=initiative_themes)
    locations: Mapped[list[Location]] = relationship(secondary=initiative_locations)
    roles: Mapped[list["InitiativeOrganisation"]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"
        ),
    )

    @property
    def verification_expired(self):
        """True when the last verification's check no longer holds."""
        expires = self.verification_expires_at
        return expires is not None and expires <= utcnow()

    @property
    def is_published(self):
        """True when visitors may see this initiative."""
        return self.publication == PublicationStatus.PUBLISHED

    @classmethod
    def published(cls):
        """SELECT of the initiatives visitors may see."""
        return select(cls).where(cls.publication == PublicationStatus.PUBLISHED)


class InitiativeOrganisation(db.Model):
    """An organisation's role (lead, partner, funder) in an initiative."""

    __tablename__ = "initiative_organisations"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[InitiativeRole] = mapped_column(enum_column(InitiativeRole), primary_key=True)
    visibility: Mapped[LinkVisibility] = mapped_column(
        enum_column(LinkVisibility), default=LinkVisibility.PUBLIC, server_default="public"
    )

    initiative: Mapped[Initiative] = relationship(back_populates="roles")
    organisation: Mapped[Organisation] = relationship(back_populates="initiative_roles")


__all__ = [
    "Achievement",
    "Identifier",
    "Initiative",
    "InitiativeOrganisation",
    "Location",
    "Organisation",
    "Relationship",
    "Theme",
]
