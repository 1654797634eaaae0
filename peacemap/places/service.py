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
    key = ("named", spec["name"], spec["country"])
    if key not in cache:
        cache[key] = db.session.scalar(
            select(Location).where(
                Location.name == spec["name"],
                Location.country == spec["country"],
                Location.geonameid.is_(None),
            )
        ) or _add(
            Location(
                name=spec["name"],
                country=spec["country"],
                admin1=spec.get("admin1"),
                admin1_pcode=spec.get("admin1_pcode"),
                latitude=spec.get("latitude"),
                longitude=spec.get("longitude"),
                precision=LocationPrecision.EXACT,
            )
        )
    return cache[key]


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
    return {
        "name": location.name,
        "country": location.country,
        "latitude": location.latitude,
        "longitude": location.longitude,
    }
