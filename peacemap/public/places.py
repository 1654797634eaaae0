"""What a record's location precision lets visitors see of its places.

exact: the place, its region, its country and its own coordinates; commune: the place, its
region and its country, drawn at the locality's centre; region: the region and the country,
drawn at the region's administrative centre; country: the country alone, drawn inside it;
not_mapped: the country alone, drawn nowhere. A coarser choice never reveals a finer point:
every point but `exact` comes from public reference data (the gazetteer, Natural Earth), not
from the record.

The precision read here is the effective one (`precision`): the owner's choice, or not mapped
(the country alone, drawn nowhere) while the record is placed in a crisis area
(peacemap/public/crisis.py); the SQL conditions below say the same.
"""

from dataclasses import dataclass

from sqlalchemy import String, and_, case, literal, select, type_coerce

from peacemap.extensions import db
from peacemap.models import Location, LocationPrecision
from peacemap.places import gazetteer
from peacemap.places.centres import country_centres, nearest_locality, region_centres
from peacemap.public.crisis import in_crisis, not_in_crisis, placed_in_crisis

# Precisions under which a record's places are named (and found by their names).
NAMED = (LocationPrecision.EXACT, LocationPrecision.COMMUNE)
# Precisions under which a record may be found by, and shown in, its region.
REGION_VISIBLE = (LocationPrecision.EXACT, LocationPrecision.COMMUNE, LocationPrecision.REGION)
DIGITS = 5  # about one metre: more would be noise, and costs bytes on the map


@dataclass(frozen=True)
class VisiblePlace:
    """A place as the public may see it: a label, and coordinates only when exact."""

    name: str | None
    region: str | None
    country: str
    latitude: float | None = None
    longitude: float | None = None
    region_pcode: str | None = None  # beside its region, never in a list of its own


def precision(record):
    """The precision a record is shown at: its owner's choice, or not mapped while it is placed
    in a crisis area."""
    if in_crisis(record):
        return LocationPrecision.NOT_MAPPED
    return LocationPrecision(record.location_precision)


def precision_column(model):
    """SQL: `precision` of the records of `model`, as the enum's value (a string)."""
    return case(
        (placed_in_crisis(model), literal(LocationPrecision.NOT_MAPPED.value)),
        else_=type_coerce(model.location_precision, String),
    )


def names_places(precision):
    """Whether places below the region are named under `precision`."""
    return LocationPrecision(precision) in NAMED


def shows_region(precision):
    """Whether the region (first-level unit) is shown, and found by, under `precision`."""
    return LocationPrecision(precision) in REGION_VISIBLE


def is_mapped(precision):
    return LocationPrecision(precision) != LocationPrecision.NOT_MAPPED


def visible_places(record):
    """The places to show for an organisation or initiative, without duplicates."""
    shown_at = precision(record)
    seen = set()
    shown = []
    for location in record.locations:
        code = location.admin1_pcode if location.admin1 else None
        if shown_at == LocationPrecision.EXACT:
            place = VisiblePlace(
                location.name,
                location.admin1,
                location.country,
                location.latitude,
                location.longitude,
                region_pcode=code,
            )
        elif names_places(shown_at):
            place = VisiblePlace(
                location.name, location.admin1, location.country, region_pcode=code
            )
        elif shows_region(shown_at):
            place = VisiblePlace(None, location.admin1, location.country, region_pcode=code)
        else:
            place = VisiblePlace(None, None, location.country)
        if place not in seen:
            seen.add(place)
            shown.append(place)
    return shown


def _rounded(point):
    return (round(point[1], DIGITS), round(point[0], DIGITS)) if point else None


def public_point(location, precision, country=None):
    """(longitude, latitude) to draw for `location` under `precision`, or None.

    `location` needs country, admin1, latitude, longitude and geonameid attributes; None
    (a record without places) can only be drawn at its `country`'s centre.
    """
    spot = public_spot(location, precision, country)
    return spot[:2] if spot else None


def public_spot(location, precision, country=None):
    """(longitude, latitude, area) to draw for `location` under `precision`, or None.

    `area` says what the point stands for, so that a map never draws a region as a town:
    () for the place itself (exact, or a named locality), ("r", country, region) for
    somewhere in a region (drawn at its centre), ("c", country) for somewhere in a country.
    """
    precision = LocationPrecision(precision)
    if not is_mapped(precision):
        return None
    if location is None:
        return _spot(country_centres().get(country or ""), ("c", country or ""))
    has_point = location.latitude is not None and location.longitude is not None
    if precision == LocationPrecision.EXACT and has_point:
        return _spot((location.latitude, location.longitude), ())
    if names_places(precision):
        place = gazetteer.get(location.geonameid) if location.geonameid else None
        if place is None and has_point:
            place = nearest_locality(
                location.country, round(location.latitude, 3), round(location.longitude, 3)
            )
        if place is not None:
            return _spot((place.latitude, place.longitude), ())
    if shows_region(precision) and location.admin1:
        centre = region_centres().get((location.country, location.admin1))
        if centre:
            return _spot(centre, ("r", location.country, location.admin1))
    return _spot(country_centres().get(location.country), ("c", location.country))


def _spot(point, area):
    rounded = _rounded(point)
    return (*rounded, area) if rounded else None


def record_point(record, home_country=None):
    """The one point an export or a JSON-LD block gives for a record (its first place)."""
    first = record.locations[0] if record.locations else None
    return public_point(first, precision(record), home_country)


def place_rows(location_ids):
    """{location id: row} with what `public_point` needs, as plain rows, for the map."""
    stmt = select(
        Location.id,
        Location.country,
        Location.admin1,
        Location.latitude,
        Location.longitude,
        Location.geonameid,
    ).where(Location.id.in_(location_ids))
    return {row.id: row for row in db.session.connection().execute(stmt)}


def region_visible(model):
    """SQL: records of `model` whose precision lets them be found by their region."""
    return and_(model.location_precision.in_(REGION_VISIBLE), not_in_crisis(model))


def mapped(model):
    """SQL: records of `model` drawn on the map at all (agreed to, and in no crisis area)."""
    return and_(model.location_precision != LocationPrecision.NOT_MAPPED, not_in_crisis(model))


def exported(model):
    """SQL: records of `model` that the exports list (none placed in a crisis area)."""
    return not_in_crisis(model)


def location_columns(record, home_country):
    """regions, region_pcodes, places, geonames, latitude, longitude as the public sees them.

    `regions` and `region_pcodes` are parallel lists: each region has its slot in both."""
    locations = record.locations
    shown_at = precision(record)
    by_region = shows_region(shown_at)
    named = names_places(shown_at)
    point = record_point(record, home_country) if is_mapped(shown_at) else None
    regions = region_slots(locations) if by_region else {}
    codes = list(regions.values())
    return {
        "regions": " | ".join(regions),
        # One slot per region, empty where a region has no P-code: the nth code is always the
        # nth region's ("ML01 |  | ML07"); no slot at all when no region has one.
        "region_pcodes": " | ".join(codes) if any(codes) else "",
        "places": _join(loc.name for loc in locations) if named else "",
        "geonames": _join(loc.geonameid for loc in locations) if named else "",
        "latitude": point[1] if point else "",
        "longitude": point[0] if point else "",
    }


def region_slots(locations):
    """{region name: its P-code or ""} of `locations`, each region once, in order (a region
    keeps the code any of its places gives it)."""
    slots = {}
    for location in locations:
        if location.admin1:
            slots[location.admin1] = slots.get(location.admin1) or location.admin1_pcode or ""
    return slots


def _join(values):
    return " | ".join(str(value) for value in dict.fromkeys(v for v in values if v))


def countries(record):
    """The countries of a record's places, in order (always public, whatever the precision)."""
    return list(dict.fromkeys(location.country for location in record.locations))


def places_named(model):
    """SQL: records of `model` whose places (below the region) are public."""
    return and_(model.location_precision.in_(NAMED), not_in_crisis(model))


def named_location_ids(record):
    """The ids of a record's places when they are public (to relate records that share one),
    else none: two records at region precision are never shown to share a commune."""
    if not names_places(precision(record)):
        return []
    return [location.id for location in record.locations]


def in_country(model, country):
    """SQL: initiatives with a place in `country` (countries are always public)."""
    return model.locations.any(Location.country == country)


def findable_places(record):
    """What a record may be found by in search: (names of its places, GeoNames ids, regions),
    each empty when the precision hides it."""
    named = names_places(precision(record))
    by_region = shows_region(precision(record))
    names, geonames, regions = [], [], []
    for location in record.locations:
        if named:
            names += [location.name, location.admin2 or ""]
            if location.geonameid:
                geonames.append(location.geonameid)
        if by_region and location.admin1:
            regions.append((location.country, location.admin1))
    return names, geonames, regions


def place_json(place):
    """A `VisiblePlace` as the API writes it."""
    return {
        "name": place.name,
        "region": place.region,
        "region_pcode": place.region_pcode,
        "country": place.country,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }
