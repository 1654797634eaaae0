"""Points for the map: which published records, drawn where, grouped how.

Every point comes from the public view (`peacemap.public.places.public_spot`), so a record
is never drawn more precisely than its owner agreed to, and a bounding box only ever tests
those public points (testing raw coordinates would let anyone narrow down a hidden address
box by box).

Points per filter are kept in memory until the published data changes (`data_version`), so
the map's requests cost a dictionary look-up and a pass over a list, not a database join.
"""

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import NamedTuple

from flask import current_app
from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    extract,
    literal,
    or_,
    select,
    type_coerce,
)

from peacemap import kinds, versions
from peacemap.extensions import db
from peacemap.map.features import paused_gc
from peacemap.models import (
    Initiative,
    Location,
    Organisation,
    PublicationStatus,
    Theme,
)
from peacemap.models.directory import (
    initiative_locations,
    initiative_themes,
    organisation_locations,
    organisation_themes,
)
from peacemap.public.places import (
    in_country,
    place_rows,
    precision_column,
    public_spot,
    region_visible,
)

KINDS = kinds.NAMES


@dataclass(frozen=True)
class MapFilters:
    """The map's filters: those of search, a year for initiatives, and a bounding box."""

    q: str = ""
    country: str = ""
    region: str = ""
    theme: str = ""
    type: str = ""
    year: int | None = None
    bbox: tuple | None = None  # (west, south, east, north) in degrees


class Point(NamedTuple):
    """A record drawn at a public point (longitude and latitude already rounded); in this
    order so that sorting points sorts them by place. `area` is () for a place itself, else
    what the point stands for: ("r", country, region) or ("c", country) (`public_spot`)."""

    lon: float
    lat: float
    id: int
    area: tuple = ()


# -- the cache ---------------------------------------------------------------------------------
CACHE_SIZE = 32


def data_version():
    """The version of the published data (peacemap/versions.py, shared by every process)."""
    return versions.version()


def _cached(key, version, compute):
    return versions.kept("map_points", key, version, compute, CACHE_SIZE)


def clear_cache():
    """Let every kept set of points go."""
    current_app.extensions.pop("map_points", None)


def etag(version, *parts):
    """An entity tag for a response computed from the data at `version`."""
    digest = hashlib.sha256(repr((version, parts)).encode("utf-8"))
    return digest.hexdigest()[:32]


# -- points ------------------------------------------------------------------------------------
def points(kind, filters, version=None):
    """Public points of the published `kind` records matching `filters` (ids repeat when a
    record has several places), sorted by place so that repeated points compress well."""
    from peacemap.search.service import matching_ids

    version = version if version is not None else data_version()
    base = replace(filters, q="", bbox=None)
    found = _cached((kind, base), version, lambda: _compute_points(kind, base))
    if filters.q.strip():
        ids = matching_ids(filters.q, kind)
        if ids is None:
            ids = _database_ids(kind, filters.q)
        found = [point for point in found if point.id in ids]
    if filters.bbox:
        found = [p for p in found if in_bbox(p.lon, p.lat, filters.bbox)]
    return found


def bounds(found):
    """[west, south, east, north] around `found` points, or None when there are none."""
    if not found:
        return None
    lons = [point.lon for point in found]
    lats = [point.lat for point in found]
    return [min(lons), min(lats), max(lons), max(lats)]


def in_bbox(lon, lat, bbox):
    """Whether a point is in a bounding box; west > east crosses the antimeridian (RFC 7946
    section 5.2)."""
    west, south, east, north = bbox
    if not south <= lat <= north:
        return False
    return west <= lon <= east if west <= east else (lon >= west or lon <= east)


def places(kind, filters, version=None):
    """[(longitude, latitude, number of points there, Web Mercator y)] for `filters`: what
    the grouped layer works from (there are far fewer places than records)."""
    version = version if version is not None else data_version()
    base = replace(filters, bbox=None)
    if filters.q.strip():
        found = _count_places(points(kind, base, version))
    else:
        found = _cached(
            (kind, base, "places"), version, lambda: _count_places(points(kind, base, version))
        )
    if filters.bbox:
        found = [p for p in found if in_bbox(p[0], p[1], filters.bbox)]
    return found


def _count_places(found):
    counted = Counter((p.lon, p.lat) for p in found)
    return [(lon, lat, count, mercator_y(lat)) for (lon, lat), count in counted.items()]


def mercator_y(lat):
    """Web Mercator y of a latitude, in degrees (so that grid cells look square)."""
    lat = max(min(lat, 85.0), -85.0)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


@paused_gc
def _compute_points(kind, filters):
    """Two plain queries (record and place ids, then the places) and a memo per
    (precision, place, home country): a place is worked out once, not once per record."""
    model, links = (
        (Organisation, organisation_locations)
        if kind == "organisation"
        else (Initiative, initiative_locations)
    )
    home = Organisation.country if kind == "organisation" else literal(None, String)
    stmt = (
        select(model.id, precision_column(model), home, links.c.location_id)
        .outerjoin(links, getattr(links.c, f"{kind}_id") == model.id)
        .where(*_conditions(kind, filters))
    )
    connection = db.session.connection()  # plain rows: no ORM bookkeeping per row
    rows = connection.execute(stmt).all()
    places = place_rows(select(links.c.location_id))
    seen = set()
    found = []
    memo = {}
    wanted_country, wanted_region = filters.country, filters.region
    for record_id, agreed, country_of_record, location_id in rows:
        key = (agreed, location_id, country_of_record)
        at = memo.get(key, False)
        if at is False:
            place = places.get(location_id)
            if place is not None and (
                (wanted_region and place.admin1 != wanted_region)
                or (wanted_country and place.country != wanted_country)
            ):
                at = None  # only the places in the chosen region or country
            else:
                at = public_spot(place, agreed, country_of_record)
            memo[key] = at
        if at is not None and (record_id, at[:2]) not in seen:
            seen.add((record_id, at[:2]))
            found.append(Point(at[0], at[1], record_id, at[2]))
    found.sort()  # by place: records at one place side by side compress well
    return found


def _in_region(links, kind, region):
    return (
        select(getattr(links.c, f"{kind}_id"))
        .join(Location, Location.id == links.c.location_id)
        .where(Location.admin1 == region)
    )


def _conditions(kind, filters):
    """WHERE clauses for the published records of `kind` matching the filters (but q)."""
    if kind == "organisation":
        conditions = [Organisation.status == PublicationStatus.PUBLISHED]
        if filters.country:
            conditions.append(Organisation.country == filters.country)
        if filters.region:
            conditions.append(
                Organisation.id.in_(_in_region(organisation_locations, kind, filters.region))
            )
            conditions.append(region_visible(Organisation))
        if filters.theme:
            conditions.append(Organisation.themes.any(Theme.slug == filters.theme))
        if filters.type:
            conditions.append(Organisation.type == filters.type)
        return conditions
    conditions = [Initiative.publication == PublicationStatus.PUBLISHED]
    if filters.country:
        conditions.append(in_country(Initiative, filters.country))
    if filters.region:
        conditions.append(Initiative.id.in_(_in_region(initiative_locations, kind, filters.region)))
        conditions.append(region_visible(Initiative))
    if filters.theme:
        conditions.append(Initiative.themes.any(Theme.slug == filters.theme))
    if filters.year:
        # Running at some time in that year; initiatives without dates are left out.
        conditions.append(or_(Initiative.start_date.is_not(None), Initiative.end_date.is_not(None)))
        conditions.append(
            or_(
                Initiative.start_date.is_(None),
                extract("year", Initiative.start_date) <= filters.year,
            )
        )
        conditions.append(
            or_(Initiative.end_date.is_(None), extract("year", Initiative.end_date) >= filters.year)
        )
    return conditions


def _database_ids(kind, text):
    """Ids whose name contains `text`, when the search index cannot answer."""
    from peacemap.directory.services import like_pattern

    pattern = like_pattern(text.strip())
    if kind == "organisation":
        match = or_(
            Organisation.name.ilike(pattern, escape="\\"),
            Organisation.acronym.ilike(pattern, escape="\\"),
        )
        return set(db.session.scalars(select(Organisation.id).where(match)))
    match = cast(Initiative.title, String).ilike(pattern, escape="\\")
    return set(db.session.scalars(select(Initiative.id).where(and_(match))))


@paused_gc
def summaries(kind, ids, lang):
    """{id: {name, slug, type, themes}} for the full GeoJSON, in two queries."""
    from peacemap.i18n import localized

    if not ids:
        return {}
    many = len(ids) > 5000  # then reading every row beats an IN list of thousands of ids
    model = kinds.MODELS[kind]
    chosen = bindparam("ids", sorted(ids), expanding=True, literal_execute=True)
    connection = db.session.connection()
    if kind == "organisation":
        columns = (
            Organisation.id,
            Organisation.slug,
            Organisation.name,
            Organisation.acronym,
            type_coerce(Organisation.type, String),
        )
        found = {
            number: {"name": name, "acronym": acronym, "type": type_, "slug": slug, "themes": []}
            for number, slug, name, acronym, type_ in connection.execute(
                select(*columns).where(*([] if many else [model.id.in_(chosen)]))
            )
            if number in ids
        }
        links = organisation_themes
    else:
        columns = (
            Initiative.id,
            Initiative.slug,
            Initiative.title,
            Initiative.start_date,
            Initiative.end_date,
        )
        found = {
            number: {
                "name": localized(title, lang).text,
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
                "slug": slug,
                "themes": [],
            }
            for number, slug, title, start, end in db.session.execute(
                select(*columns).where(*([] if many else [model.id.in_(chosen)]))
            )
            if number in ids
        }
        links = initiative_themes
    owner = getattr(links.c, f"{kind}_id")
    themes = select(owner, Theme.slug).join(Theme, Theme.id == links.c.theme_id)
    for number, slug in connection.execute(themes if many else themes.where(owner.in_(chosen))):
        if number in found:
            found[number]["themes"].append(slug)
    return found
