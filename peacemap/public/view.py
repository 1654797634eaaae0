"""Contacts, verification and the correction form as the public may see them."""

from dataclasses import dataclass

from peacemap import kinds
from peacemap.models import LinkVisibility, LocationPrecision, Organisation, RelationshipKind
from peacemap.public.crisis import in_crisis
from peacemap.public.links import shown_by_name
from peacemap.public.places import names_places, precision

# What the correction form leaves empty when the public cannot see it, and keeps as it is
# unless the person fills it in. Places are kept when they are not named publicly.
PRIVATE_CONTACTS = ("email", "phone")
# The enum's own order, from the widest to the narrowest: a correction may only move right.
PRECISIONS = list(LocationPrecision)


@dataclass(frozen=True)
class Contacts:
    email: str | None
    phone: str | None


def contacts(org):
    """The organisation's email and phone when its owner made them public, else None (and
    always None while it is placed in a crisis area)."""
    if not org.contacts_public or not (org.email or org.phone) or in_crisis(org):
        return None
    return Contacts(org.email or None, org.phone or None)


@dataclass(frozen=True)
class Verification:
    """That a record was checked, and when: never who checked it."""

    level: str
    verified_at: object


def verification(record):
    level = str(record.verification_level)
    if level == "none":
        return None
    return Verification(level, getattr(record, "verified_at", None))


@dataclass(frozen=True)
class Vouch:
    """That a network vouched for an organisation, and when: the network, never a person."""

    network_name: str
    network_slug: str
    vouched_at: object


def vouching(org):
    """The network that vouches for `org`, while it is published and its vouching holds."""
    network = org.vouched_by
    if network is None or not network.is_published or org.vouch_expired:
        return None
    return Vouch(network.name, network.slug, org.vouched_at)


def kept_fields(record):
    """The correction form's fields that the public cannot see of `record`."""
    kept = []
    if isinstance(record, Organisation) and contacts(record) is None:
        kept += [field for field in PRIVATE_CONTACTS if getattr(record, field)]
    if record.locations and not names_places(precision(record)):
        kept.append("places")
    return kept


def correction_start(record):
    """What the correction form starts with: the record as the public sees it, the fields
    it cannot see left empty (`kept_fields`), to be kept as they are unless filled in."""
    payload = _payload(record)
    for field in kept_fields(record):
        payload[field] = [] if field == "places" else None
    if "contacts_public" in payload and contacts(record) is None:
        payload["contacts_public"] = False
    named = _named(record)
    if "member_of" in payload:
        shown = {
            slug: choice
            for slug, choice in payload["member_of_visibility"].items()
            if slug in named
        }
        payload["member_of"] = [slug for slug in payload["member_of"] if slug in shown]
        payload["member_of_visibility"] = shown
    if "organisations" in payload:
        payload["organisations"] = [
            item for item in payload["organisations"] if (item["slug"], item["role"]) in named
        ]
    return payload


def _named(record):
    """What the public sees named of a record's own links: the slugs of the networks an
    organisation is a member of, or the (slug, role) of an initiative's organisations."""
    if isinstance(record, Organisation):
        return {
            link.object.slug
            for link in record.outgoing
            if link.kind == RelationshipKind.MEMBER_OF and shown_by_name(link)
        }
    return {
        (role.organisation.slug, str(role.role)) for role in record.roles if shown_by_name(role)
    }


def complete_correction(record, proposed):
    """A correction as it will be applied: the fields it was not shown and left empty keep
    the record's values, and its visibility is never wider than the record's (a finer
    precision or contacts made public need the owner or a moderator, not a correction)."""
    current = _payload(record)
    completed = dict(proposed)
    for field in proposed.get("kept") or ():
        if not proposed.get(field) and field in current:
            completed[field] = current[field]
    completed.pop("kept", None)
    now = LocationPrecision(current["location_precision"])
    asked = LocationPrecision(completed.get("location_precision") or now)
    if PRECISIONS.index(asked) < PRECISIONS.index(now):
        completed["location_precision"] = str(now)
    if "contacts_public" in current and not current["contacts_public"]:
        completed["contacts_public"] = False
    elif current.get("contacts_public") and in_crisis(record):
        # The form showed them as not public because of crisis mode, not the owner's choice.
        completed["contacts_public"] = True
    named = _named(record)
    if "member_of" in current:
        _complete_memberships(current, completed, named)
    if "organisations" in current:
        _complete_roles(current, completed, named)
    return completed


def _complete_memberships(current, completed, named):
    """Memberships the form did not show stay; none is shown more widely than it was."""
    was = current["member_of_visibility"]
    asked = completed.get("member_of_visibility") or {}
    slugs = set(completed.get("member_of") or [])
    slugs |= {slug for slug in was if slug not in named}
    completed["member_of"] = sorted(slugs)
    completed["member_of_visibility"] = {
        slug: LinkVisibility.most_protective(was.get(slug), asked.get(slug)).value
        for slug in sorted(slugs)
    }


def _complete_roles(current, completed, named):
    """An initiative's organisations the form did not show stay; none is shown more widely."""
    was = {
        (item["slug"], item["role"]): item.get("visibility") for item in current["organisations"]
    }
    asked = {
        (item["slug"], item["role"]): item.get("visibility")
        for item in completed.get("organisations") or []
    }
    keys = set(asked) | {key for key in was if key not in named}
    completed["organisations"] = [
        {
            "slug": slug,
            "role": role,
            "visibility": LinkVisibility.most_protective(
                was.get((slug, role)), asked.get((slug, role))
            ).value,
        }
        for slug, role in sorted(keys, key=lambda key: (key[1], key[0]))
    ]


def _payload(record):
    return kinds.of(record).payload(record)
