"""Crisis mode, as admins set and lift it: which areas may be chosen, and what changes with them.

Setting or lifting an area is one flush (the data version rises with it, so every server's kept
pages and map points are dropped at the next request), one audit event, and, after the
commit, the search documents of every record whose public view changed: those placed in the
area, and the initiatives that named them (peacemap/public/crisis.py says what the public
sees of them).
"""

from sqlalchemy import select

from peacemap import audit
from peacemap.effects import after_commit
from peacemap.extensions import db
from peacemap.models import CrisisArea, InitiativeOrganisation, Location
from peacemap.models.base import utcnow
from peacemap.places.centres import country_centres, region_centres
from peacemap.public import crisis
from peacemap.search import service as search

ALREADY, UNKNOWN = "already in crisis mode", "unknown area"


class AreaError(ValueError):
    """An area that cannot be set: unknown, or already in crisis mode."""


def known_areas():
    """{country: [region, ...]}: the countries and first-level regions of the gazetteer and of
    the places records already have, each region once, sorted."""
    areas = {country: set() for country in country_centres()}
    for country, region in region_centres():
        areas.setdefault(country, set()).add(region)
    used = db.session.execute(select(Location.country, Location.admin1).distinct())
    for country, region in used:
        areas.setdefault(country, set())
        if region:
            areas[country].add(region)
    return {country: sorted(regions) for country, regions in sorted(areas.items())}


def history():
    """Every area ever set, the active ones first, newest first."""
    return db.session.scalars(
        select(CrisisArea).order_by(CrisisArea.lifted_at.is_not(None), CrisisArea.set_at.desc())
    ).all()


def get_active(area_id):
    area = db.session.get(CrisisArea, area_id)
    return area if area is not None and area.active else None


def _affected():
    """{kind: ids} whose public view crisis mode changes now: the records in crisis, and the
    initiatives that name one of the organisations among them."""
    organisations = crisis.ids("organisation")
    initiatives = set(crisis.ids("initiative"))
    if organisations:
        initiatives |= set(
            db.session.scalars(
                select(InitiativeOrganisation.initiative_id).where(
                    InitiativeOrganisation.organisation_id.in_(sorted(organisations))
                )
            )
        )
    return {"organisation": set(organisations), "initiative": initiatives}


def _reindex(before, after):
    for kind in before:
        ids = before[kind] | after[kind]
        if ids:
            after_commit(search.reindex_many, kind, ids)


def set_area(country, region, reason, actor):
    """Put `country` (or its `region`) in crisis mode; the caller commits."""
    region = region or None
    known = known_areas()
    if country not in known or (region is not None and region not in known[country]):
        raise AreaError(UNKNOWN)
    already = db.session.scalar(
        select(CrisisArea.id).where(
            crisis.active(),
            CrisisArea.country == country,
            CrisisArea.admin1.is_(None) if region is None else CrisisArea.admin1 == region,
        )
    )
    if already:
        raise AreaError(ALREADY)
    before = _affected()
    area = CrisisArea(country=country, admin1=region, reason=reason, set_by=actor)
    db.session.add(area)
    db.session.flush()
    audit.record(actor, "crisis.set", area, after=_state(area), note=reason)
    _reindex(before, _affected())
    return area


def lift(area, actor, note=None):
    """End an area's crisis mode (kept in the history); the caller commits."""
    before = _affected()
    area.lifted_at, area.lifted_by = utcnow(), actor
    db.session.flush()
    audit.record(actor, "crisis.lifted", area, before=_state(area), note=note)
    _reindex(before, _affected())


def _state(area):
    return {"country": area.country, "region": area.admin1, "reason": area.reason}
