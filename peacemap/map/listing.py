"""The map as text: the same records, grouped by region, for readers without JavaScript
(and for screen readers, who get a list rather than a picture)."""

from itertools import groupby

from sqlalchemy import bindparam, func, select

from peacemap.extensions import db
from peacemap.map import services
from peacemap.models import Initiative, Location, Organisation
from peacemap.models.directory import initiative_locations, organisation_locations
from peacemap.pagination import Page
from peacemap.places import regions as region_table
from peacemap.public.places import mapped, precision_column, region_visible, shows_region

INITIATIVES_SHOWN = 50


def _region_key(model, links, kind, region):
    """The region a record is listed under: the chosen one, else the first of its places,
    and none when its owner did not agree to show its region."""
    if region:
        return func.coalesce(None, region)
    owner = getattr(links.c, f"{kind}_id")
    return (
        select(func.min(Location.admin1))
        .join(links, links.c.location_id == Location.id)
        .where(owner == model.id, region_visible(model))
        .correlate(model)
        .scalar_subquery()
    )


def _narrowed(model, filters, kind, version):
    """Conditions for the listed records: mapped, matching, and in the area when one is set."""
    conditions = [
        *services._conditions(kind, filters),
        mapped(model),
    ]
    if filters.q.strip() or filters.bbox:
        ids = sorted({point.id for point in services.points(kind, filters, version)})
        # Integers only, so they can be written into the SQL: no limit on their number.
        conditions.append(model.id.in_(bindparam("ids", ids, expanding=True, literal_execute=True)))
    return conditions


def organisations(filters, page, per_page, version):
    """One page of organisations as [(country, region, [organisation, ...])] and the Page."""
    region = _region_key(Organisation, organisation_locations, "organisation", filters.region)
    conditions = _narrowed(Organisation, filters, "organisation", version)
    total = db.session.scalar(select(func.count()).where(*conditions))
    rows = db.session.execute(
        select(Organisation, region.label("region"))
        .where(*conditions)
        .order_by(Organisation.country, region.is_(None), region, func.lower(Organisation.name))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    groups = [
        (country, region_name, [row[0] for row in members])
        for (country, region_name), members in groupby(rows, key=lambda r: (r[0].country, r[1]))
    ]
    return groups, Page(rows, total, page, per_page)


def initiatives(filters, version):
    """Up to INITIATIVES_SHOWN initiatives grouped by (country, region), and their number."""
    region = _region_key(Initiative, initiative_locations, "initiative", filters.region)
    country = (
        select(func.min(Location.country))
        .join(initiative_locations, initiative_locations.c.location_id == Location.id)
        .where(initiative_locations.c.initiative_id == Initiative.id)
        .correlate(Initiative)
        .scalar_subquery()
    )
    conditions = _narrowed(Initiative, filters, "initiative", version)
    total = db.session.scalar(select(func.count()).where(*conditions))
    rows = db.session.execute(
        select(Initiative, country.label("country"), region.label("region"))
        .where(*conditions)
        .order_by(country, region.is_(None), region, Initiative.id)
        .limit(INITIATIVES_SHOWN)
    ).all()
    groups = [
        (key[0], key[1], [row[0] for row in members])
        for key, members in groupby(rows, key=lambda r: (r[1], r[2]))
    ]
    return groups, total


def mali_regions(filters, version):
    """[(region, P-code, organisations shown there)] for every region of Mali, and the number
    of organisations in Mali shown without a region, under the filters but the region."""
    from dataclasses import replace

    counts = {}
    hidden = set()
    unfiltered = replace(filters, region="")
    conditions = _narrowed(Organisation, replace(unfiltered, country="ML"), "organisation", version)
    if filters.country in ("", "ML"):
        rows = db.session.execute(
            select(Organisation.id, precision_column(Organisation), Location.admin1)
            .outerjoin(
                organisation_locations,
                organisation_locations.c.organisation_id == Organisation.id,
            )
            .outerjoin(Location, Location.id == organisation_locations.c.location_id)
            .where(*conditions)
        )
        shown = {}
        for org_id, precision, admin1 in rows:
            if shows_region(precision) and admin1:
                shown.setdefault(admin1, set()).add(org_id)
            else:
                hidden.add(org_id)
        counts = {name: len(ids) for name, ids in shown.items()}
        hidden -= set().union(*shown.values()) if shown else set()
    regions = [(r.name, r.pcode, counts.get(r.name, 0)) for r in region_table.current("ML")]
    return regions, len(hidden)
