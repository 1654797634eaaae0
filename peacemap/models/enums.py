"""Closed vocabularies of the data model, stored as strings with CHECK constraints."""

import enum

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translatable label."""

    def __new__(cls, value, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self):
        return self.value

    @classmethod
    def choices(cls):
        """Options for forms and filters."""
        return [SelectChoice(member.value, member.label) for member in cls]


class OrganisationType(LabelledEnum):
    NATIONAL_NGO = "national_ngo", _l("National NGO")
    INTERNATIONAL_NGO = "international_ngo", _l("International NGO")
    NETWORK = "network", _l("Network or coalition")
    COMMUNITY_BASED = "community_based", _l("Community-based organisation")
    RESEARCH = "research", _l("Research institute")
    FOUNDATION = "foundation", _l("Foundation")
    GOVERNMENT = "government", _l("Government body")
    MULTILATERAL = "multilateral", _l("Multilateral organisation")
    OTHER = "other", _l("Other")


class Sector(LabelledEnum):
    """OCHA/IASC humanitarian clusters and areas of responsibility: what a 3W sheet says an
    organisation works on (peacemap/imports/vocabulary.py reads their names)."""

    PROTECTION = "protection", _l("Protection")
    CHILD_PROTECTION = "child_protection", _l("Child protection")
    GBV = "gbv", _l("Gender-based violence")
    MINE_ACTION = "mine_action", _l("Mine action")
    HOUSING_LAND_PROPERTY = "housing_land_property", _l("Housing, land and property")
    HEALTH = "health", _l("Health")
    EDUCATION = "education", _l("Education")
    FOOD_SECURITY = "food_security", _l("Food security")
    NUTRITION = "nutrition", _l("Nutrition")
    WASH = "wash", _l("Water, sanitation and hygiene")
    SHELTER = "shelter", _l("Shelter and non-food items")
    EARLY_RECOVERY = "early_recovery", _l("Early recovery")
    LOGISTICS = "logistics", _l("Logistics")
    CAMP_COORDINATION = "camp_coordination", _l("Camp coordination and management")
    EMERGENCY_TELECOMS = "emergency_telecoms", _l("Emergency telecommunications")
    COORDINATION = "coordination", _l("Coordination and common services")
    MULTI_SECTOR = "multi_sector", _l("Multi-sector")


class PublicationStatus(LabelledEnum):
    PUBLISHED = "published", _l("Published")
    UNPUBLISHED = "unpublished", _l("Unpublished")


class LocationPrecision(LabelledEnum):
    """How precisely a record's places may be shown, from most to least precise."""

    EXACT = "exact", _l("Exact location")
    COMMUNE = "commune", _l("Town or commune")
    REGION = "region", _l("Region")
    COUNTRY = "country", _l("Country only")
    NOT_MAPPED = "not_mapped", _l("Not on the map")


class VerificationLevel(LabelledEnum):
    NONE = "none", _l("Not yet verified")
    SELF_DECLARED = "self_declared", _l("Self-declared")
    NETWORK_VOUCHED = "network_vouched", _l("Vouched for by a network")
    REGISTER_CHECKED = "register_checked", _l("Checked against a register")
    FIELD_VERIFIED = "field_verified", _l("Verified in the field")


class OwnerConsent(LabelledEnum):
    """On what grounds a listing shows what it shows (issue: the organisation decides)."""

    UNCONFIRMED = "unconfirmed", _l("Not yet confirmed by the organisation")
    PUBLIC_SOURCES = "public_sources", _l("Shown from public sources")
    CONFIRMED = "confirmed", _l("Confirmed by the organisation")


class HiddenBy(LabelledEnum):
    """Who hid a listing at once ("hide us now")."""

    OWNER = "owner", _l("The organisation")
    DANGER_REQUEST = "danger_request", _l("A request from its profile")


class RelationshipKind(LabelledEnum):
    MEMBER_OF = "member_of", _l("Member of")
    PARTNER_OF = "partner_of", _l("Partner of")
    FUNDED_BY = "funded_by", _l("Funded by")


class AchievementScope(LabelledEnum):
    NATIONAL = "national", _l("National")
    INTERNATIONAL = "international", _l("International")


class InitiativeStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    ONGOING = "ongoing", _l("Ongoing")
    COMPLETED = "completed", _l("Completed")


class LinkVisibility(LabelledEnum):
    """How publicly a relationship is shown (in foreign funding, a name can be a danger)."""

    PUBLIC = "public", _l("Shown with the name")
    UNNAMED = "unnamed", _l("Shown without the name")
    HIDDEN = "hidden", _l("Not shown")

    @classmethod
    def most_protective(cls, *choices):
        """The choice that shows least (public when there is none): members are declared from
        the widest to the narrowest."""
        order = list(cls)
        return max(
            (cls(choice or cls.PUBLIC) for choice in choices), key=order.index, default=cls.PUBLIC
        )


class InitiativeRole(LabelledEnum):
    LEAD = "lead", _l("Lead")
    PARTNER = "partner", _l("Partner")
    FUNDER = "funder", _l("Funder")


class SubmissionKind(LabelledEnum):
    NEW_ORGANISATION = "new_organisation", _l("New organisation")
    NEW_INITIATIVE = "new_initiative", _l("New initiative")
    CORRECTION = "correction", _l("Correction")
    REPORT = "report", _l("Report")


class SubmissionState(LabelledEnum):
    PENDING = "pending", _l("Pending")
    CHANGES_REQUESTED = "changes_requested", _l("Changes requested")
    APPROVED = "approved", _l("Approved")
    REJECTED = "rejected", _l("Rejected")
    WITHDRAWN = "withdrawn", _l("Withdrawn")
    SPAM = "spam", _l("Spam")


DECIDED_STATES = (SubmissionState.APPROVED, SubmissionState.REJECTED, SubmissionState.SPAM)


class Role(LabelledEnum):
    MODERATOR = "moderator", _l("Moderator")
    ADMIN = "admin", _l("Administrator")
