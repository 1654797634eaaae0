"""The data model (DESIGN.md section 2), split by feature."""

from peacemap.models.directory import (
    Achievement,
    Identifier,
    Initiative,
    InitiativeOrganisation,
    Location,
    Organisation,
    Relationship,
    Theme,
)
from peacemap.models.enums import (
    AchievementScope,
    InitiativeRole,
    InitiativeStatus,
    LinkVisibility,
    LocationPrecision,
    OrganisationType,
    PublicationStatus,
    RelationshipKind,
    Role,
    SubmissionKind,
    SubmissionState,
    VerificationLevel,
)
from peacemap.models.state import Counter
from peacemap.models.workflow import AuditEvent, RecoveryCode, Revision, Submission, User

__all__ = [
    "Achievement",
    "AchievementScope",
    "AuditEvent",
    "Counter",
    "Identifier",
    "Initiative",
    "InitiativeOrganisation",
    "InitiativeRole",
    "LinkVisibility",
    "InitiativeStatus",
    "Location",
    "LocationPrecision",
    "Organisation",
    "OrganisationType",
    "PublicationStatus",
    "Relationship",
    "RecoveryCode",
    "RelationshipKind",
    "Revision",
    "Role",
    "Submission",
    "SubmissionKind",
    "SubmissionState",
    "Theme",
    "User",
    "VerificationLevel",
]
