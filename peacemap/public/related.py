"""Related organisations: published organisations that share what the public sees of a record.

An organisation's profile suggests the organisations that share its networks (3 points per
network), its places (2 per place) and its themes (1 per theme), best first, then by name. Only
what the public may see counts, on both sides: a membership counts when it is shown by name
(public, and neither side placed in a crisis area, peacemap/public/links.py) in a published
network; places count when both records name them (peacemap/public/places.py); themes are
always public. An organisation linked to this one in any way, whatever the link's visibility,
is never suggested: a hidden link must not surface as a suggestion either.

One query scores, orders and limits in the database, so that a profile reads as many rows at
1,000 organisations as at 100,000 (tests/test_profile_cost.py).
"""

from functools import lru_cache

from sqlalchemy import bindparam, func, literal, select, true, union_all

from peacemap.extensions import db
from peacemap.models import LinkVisibility, Organisation, Relationship, RelationshipKind
from peacemap.models.directory import organisation_locations, organisation_themes
from peacemap.public import crisis
from peacemap.public.links import public_networks
from peacemap.public.places import NAMED, named_location_ids

NETWORK_POINTS, PLACE_POINTS, THEME_POINTS = 3, 2, 1


def _linked_ids(organisation):
    """Ids of every organisation linked to this one, in either direction, at any visibility."""
    return {link.object_id for link in organisation.outgoing} | {
        link.subject_id for link in organisation.incoming
    }


def _shared(networks, places, themes, crisis_active):
    """SQL: (org_id, points) rows, one per network, place or theme shared, from the
    parameters `networks`, `places` and `themes` (lists of ids); only the parts asked for."""
    outside = crisis.outside_crisis if crisis_active else (lambda column: true())
    parts = []
    if networks:
        parts.append(
            select(
                Relationship.subject_id.label("org_id"), literal(NETWORK_POINTS).label("points")
            ).where(
                Relationship.kind == RelationshipKind.MEMBER_OF,
                Relationship.object_id.in_(bindparam("networks", expanding=True)),
                Relationship.visibility == LinkVisibility.PUBLIC,
                outside(Relationship.subject_id),
            )
        )
    if places:
        ol = organisation_locations.c
        parts.append(
            select(ol.organisation_id.label("org_id"), literal(PLACE_POINTS).label("points"))
            .join(Organisation, Organisation.id == ol.organisation_id)
            .where(
                ol.location_id.in_(bindparam("places", expanding=True)),
                Organisation.location_precision.in_(NAMED),
                outside(ol.organisation_id),
            )
        )
    if themes:
        ot = organisation_themes.c
        parts.append(
            select(ot.organisation_id.label("org_id"), literal(THEME_POINTS).label("points")).where(
                ot.theme_id.in_(bindparam("themes", expanding=True))
            )
        )
    return union_all(*parts).subquery("shared")


def _best(scores, condition):
    """SELECT of the `limit` best published organisations of `scores` meeting `condition`
    and not in the parameter `excluded`, ranked on narrow rows, so that only the few shown
    are read whole."""
    best = (
        Organisation.published()
        .with_only_columns(
            Organisation.id, scores.c.score, func.lower(Organisation.name).label("name_key")
        )
        .join(scores, scores.c.org_id == Organisation.id)
        .where(Organisation.id.not_in(bindparam("excluded", expanding=True)), condition)
        .order_by(scores.c.score.desc(), func.lower(Organisation.name), Organisation.id)
        .limit(bindparam("limit"))
        .subquery("best")
    )
    return (
        Organisation.published()
        .join(best, best.c.id == Organisation.id)
        .order_by(best.c.score.desc(), best.c.name_key, best.c.id)
    )


@lru_cache(maxsize=16)
def _statements(networks, places, themes, crisis_active):
    """(with the cut, without it) for a shape of what is shared. Built once per shape, with
    parameters for the ids: SQLAlchemy then keeps each statement's cache key instead of
    computing it again for every profile."""
    shared = _shared(networks, places, themes, crisis_active)
    scores = (
        select(shared.c.org_id, func.sum(shared.c.points).label("score"))
        .group_by(shared.c.org_id)
        .cte("scores")
    )
    # Most candidates share a theme or two and could never be shown: only those scoring at
    # least the (limit + excluded)-th best score are read. When `limit` of them are published,
    # they are the best (any other scores less); else the query runs again without the cut.
    cut = (
        select(scores.c.score)
        .order_by(scores.c.score.desc())
        .offset(bindparam("skip"))
        .limit(1)
        .scalar_subquery()
    )
    return _best(scores, scores.c.score >= func.coalesce(cut, 0)), _best(scores, true())


def related_organisations(organisation, limit=6):
    """Published organisations sharing networks, places or themes with `organisation` (its
    themes and relationships loaded), best matches first, then by name: one query (two when
    fewer than `limit` organisations pass the first one's cut)."""
    shared = {
        "networks": sorted({network.id for network in public_networks(organisation)}),
        "places": sorted(named_location_ids(organisation)),
        "themes": sorted(theme.id for theme in organisation.themes),
    }
    if not any(shared.values()):
        return []
    in_crisis = bool(crisis.ids("organisation"))
    with_cut, without = _statements(*(bool(ids) for ids in shared.values()), in_crisis)
    excluded = _linked_ids(organisation) | {organisation.id}
    parameters = {
        **{name: ids for name, ids in shared.items() if ids},
        "excluded": sorted(excluded),
        "limit": limit,
        "skip": limit + len(excluded) - 1,
    }
    found = db.session.scalars(with_cut, parameters).all()
    if len(found) < limit:
        found = db.session.scalars(without, parameters).all()
    return found
