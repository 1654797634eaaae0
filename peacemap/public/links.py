"""Relationships as the public may see them: members, partners, funders, initiative roles.

Each relationship, and each organisation's role in an initiative, is shown with the other
party's name (`public`), without it (`unnamed`: "International NGO, name not shown"), or not at
all (`hidden`). It holds on both sides: a funder's profile does not list a recipient that hid
the link, a network's member list does not list a hidden member, an initiative's page does not
name a hidden funder, and an organisation's profile does not list an initiative whose role in
it is not public. Links to unpublished records are never shown. Data for machines (the API,
the exports, JSON-LD, the search index) carries named links only.

A link with either side placed in a crisis area (peacemap/public/crisis.py) is shown unnamed at
the most, on both sides (`visibility`).
"""

from dataclasses import dataclass, field
from operator import attrgetter

from flask_babel import gettext as _

from peacemap.models import InitiativeRole, LinkVisibility, RelationshipKind
from peacemap.public.crisis import in_crisis

# Which group of the profile a link falls in, seen from the organisation's side.
GROUPS = {
    ("outgoing", RelationshipKind.MEMBER_OF): "member_of",
    ("incoming", RelationshipKind.MEMBER_OF): "members",
    ("outgoing", RelationshipKind.PARTNER_OF): "partners",
    ("incoming", RelationshipKind.PARTNER_OF): "partners",
    ("outgoing", RelationshipKind.FUNDED_BY): "funders",
    ("incoming", RelationshipKind.FUNDED_BY): "funds",
}


@dataclass
class Connections:
    """An organisation's published links to others, grouped as its profile shows them:
    (organisation, link) pairs for named links, and for each group the descriptions of the
    unnamed ones."""

    member_of: list = field(default_factory=list)
    members: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    funders: list = field(default_factory=list)
    funds: list = field(default_factory=list)
    initiatives: list = field(default_factory=list)
    unnamed: dict = field(default_factory=dict)


def visibility(link):
    """How a relationship (or an organisation's role in an initiative) is shown: as its owner
    chose, and unnamed at the most while either side is placed in a crisis area."""
    sides = (
        (link.subject, link.object)
        if hasattr(link, "subject")
        else (link.organisation, link.initiative)
    )
    chosen = LinkVisibility(link.visibility)
    if chosen == LinkVisibility.PUBLIC and any(in_crisis(side) for side in sides):
        return LinkVisibility.UNNAMED
    return chosen


def shown_by_name(link):
    """Whether the public sees the other side of a link named."""
    return visibility(link) == LinkVisibility.PUBLIC


def unnamed_label(organisation):
    """How an organisation is described where its name is not shown."""
    return _("%(type)s, name not shown", type=organisation.type.label)


def connections(organisation):
    """The organisation's links as the public sees them (relationships and initiatives
    loaded)."""
    result = Connections()
    for direction, links, other_end in (
        ("outgoing", organisation.outgoing, attrgetter("object")),
        ("incoming", organisation.incoming, attrgetter("subject")),
    ):
        for link in links:
            other = other_end(link)
            shown = visibility(link)
            if not other.is_published or shown == LinkVisibility.HIDDEN:
                continue
            group = GROUPS[direction, link.kind]
            if shown == LinkVisibility.UNNAMED:
                result.unnamed.setdefault(group, []).append(unnamed_label(other))
            else:
                getattr(result, group).append((other, link))
    for group in (result.member_of, result.members, result.partners, result.funders, result.funds):
        group.sort(key=lambda pair: pair[0].name.lower())
    for labels in result.unnamed.values():
        labels.sort()
    by_initiative = {}
    for role in organisation.initiative_roles:
        if role.initiative.is_published and shown_by_name(role):
            by_initiative.setdefault(role.initiative, []).append(role.role)
    result.initiatives = sorted(
        by_initiative.items(),
        key=lambda item: (item[0].start_date is None, item[0].start_date),
        reverse=True,
    )
    return result


@dataclass(frozen=True)
class Party:
    """An organisation taking part in an initiative, as its page shows it: the organisation
    when named, else only a description."""

    organisation: object
    label: str | None = None


def initiative_parties(initiative):
    """{role: [Party]} in lead, partner, funder order, hidden roles left out."""
    order = list(InitiativeRole)
    grouped = {}
    for role in sorted(initiative.roles, key=lambda r: order.index(r.role)):
        shown = visibility(role)
        if not role.organisation.is_published or shown == LinkVisibility.HIDDEN:
            continue
        if shown == LinkVisibility.UNNAMED:
            party = Party(None, unnamed_label(role.organisation))
        else:
            party = Party(role.organisation)
        grouped.setdefault(role.role, []).append(party)
    return grouped


def named_roles(initiative):
    """(organisation, role) of the published organisations named in an initiative."""
    return [
        (role.organisation, role.role)
        for role in initiative.roles
        if role.organisation.is_published and shown_by_name(role)
    ]


def _public_memberships(organisation):
    return (
        link
        for link in organisation.outgoing
        if link.kind == RelationshipKind.MEMBER_OF and shown_by_name(link)
    )


def public_networks(organisation):
    """The published networks the organisation is publicly a member of (links loaded)."""
    return [link.object for link in _public_memberships(organisation) if link.object.is_published]


def network_slugs(organisation):
    """The slugs of `public_networks` (exports)."""
    return sorted(network.slug for network in public_networks(organisation))


def named_leads(initiative):
    """The published organisations named as leading an initiative (lists of initiatives)."""
    return [org for org, role in named_roles(initiative) if role == InitiativeRole.LEAD]
