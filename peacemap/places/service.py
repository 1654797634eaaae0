"""Turning gazetteer places and typed place specs into Location rows."""

from sqlalchemy import select

from peacemap.extensions import db
from peacemap.models import Location, LocationPrecision
from peacemap.places import gazetteer
from peacemap.places.centres import nearest_locality


def location_for(spec, cache=None):
    """The Location for `{"geonameid": N}` or `{"name", "country", "latitude", ...}`, created
    when missing. `cache` (a dict) avoids creating the same place twice before a flush."""
    cache = {} if cache is None else cache
    if spec.get("geonameid"):
        key = ("geonames", int(spec["geonameid"]))
        if key not in cache:
            cache[key] = db.session.scalar(
                select(Location).where(Location.geonameid == key[1])
            ) or _from_gazetteer(key[1])
        return cache[key]
    key = named_key(spec)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(Location)
            .where(
                Location.name == spec["name"],
                Location.country == spec["country"],
                Location.geonameid.is_(None),
                *_same_units(key),
            )
            .order_by(Location.id)
            .limit(1)
        ) or _add(
            Location(
                name=spec["name"],
                country=spec["country"],
                **{field: spec.get(field) for field in ADMIN_FIELDS},
                latitude=spec.get("latitude"),
                longitude=spec.get("longitude"),
                precision=_unit_precision(spec),
            )
        )
    return cache[key]


# A place's administrative units, from the region down, each with its P-code where known.
ADMIN_FIELDS = (
    "admin1",
    "admin1_pcode",
    "admin2",
    "admin2_pcode",
    "admin3",
    "admin3_pcode",
)
# What tells apart named places of one name: a commune, its cercle and its région can share
# a name ("Kayes"), a cercle's name can be another région's.
UNITS = ("admin1", "admin2", "admin3")


def named_key(spec):
    """What identifies a named place (no GeoNames id): its name and country, and for a
    cercle or a commune its région, cercle and commune too."""
    below = spec.get("admin2") or spec.get("admin3")
    units = tuple(spec.get(unit) or "" for unit in UNITS) if below else ("", "", "")
    return ("named", spec["name"], spec["country"], *units)  # "" (not None): keys are sorted


def _same_units(key):
    """SQL: a Location with the units of `key` (named_key): the same région, cercle and
    commune for a cercle or a commune; no cercle nor commune for any other named place."""
    admin1, admin2, admin3 = key[3:]
    if not admin2 and not admin3:
        return (Location.admin2.is_(None), Location.admin3.is_(None))
    return tuple(
        column == value if value else column.is_(None)
        for column, value in (
            (Location.admin1, admin1),
            (Location.admin2, admin2),
            (Location.admin3, admin3),
        )
    )


def _unit_precision(spec):
    """A place with a point is exact; an administrative unit is as precise as its level."""
    if spec.get("latitude") is not None and spec.get("longitude") is not None:
        return LocationPrecision.EXACT
    if spec.get("admin3") or spec.get("admin2"):
        return LocationPrecision.COMMUNE
    if spec.get("admin1") and spec.get("admin1") == spec["name"]:
        return LocationPrecision.REGION
    return LocationPrecision.EXACT


def kept_places(specs, precision):
    """Place specs as they are stored for a record at `precision`: a typed point is kept only
    when the precision is exact; at commune precision it becomes its nearest locality's
    (public reference data), and coarser it is not kept at all."""
    precision = LocationPrecision(precision or LocationPrecision.COMMUNE)
    kept = []
    for spec in specs or []:
        spec = dict(spec)
        point = spec.get("latitude"), spec.get("longitude")
        if precision != LocationPrecision.EXACT and not spec.get("geonameid") and None not in point:
            locality = None
            if precision == LocationPrecision.COMMUNE:
                locality = nearest_locality(spec["country"], float(point[0]), float(point[1]))
            spec["latitude"] = locality.latitude if locality else None
            spec["longitude"] = locality.longitude if locality else None
        kept.append(spec)
    return kept


def _from_gazetteer(geonameid):
    place = gazetteer.get(geonameid)
    if place is None:
        raise ValueError(f"GeoNames id {geonameid} is not in the gazetteer")
    return _add(
        Location(
            name=place.name,
            country=place.country,
            admin1=place.admin1,
            admin1_pcode=place.admin1_pcode,
            admin2=place.admin2,
            admin2_pcode=place.admin2_pcode,
            latitude=place.latitude,
            longitude=place.longitude,
            precision=LocationPrecision.EXACT,
            geonameid=place.geonameid,
        )
    )


def _add(location):
    db.session.add(location)
    return location


def place_spec(location):
    """The payload form of a Location (the inverse of location_for)."""
    if location.geonameid:
        return {"geonameid": location.geonameid, "name": location.name, "country": location.country}
    spec = {
        "name": location.name,
        "country": location.country,
        "latitude": location.latitude,
        "longitude": location.longitude,
    }
    if location.admin2 or location.admin3:  # a cercle or a commune: its units identify it
        spec.update({field: getattr(location, field) for field in ADMIN_FIELDS})
        spec = {key: value for key, value in spec.items() if value is not None}
    return spec
