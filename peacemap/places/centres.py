"""Where a record may be drawn on the map, given the precision its owner agreed to.

exact: the place's own coordinates; commune: the centre of the locality (the gazetteer's
point for it, or for a typed place the nearest gazetteer locality in the same country);
region: the region's main town; country: a point inside the country (Natural Earth);
not_mapped: nowhere. A coarser choice never reveals a finer point: every point but `exact`
comes from public reference data, not from the record.
"""

import csv
from functools import cache

from peacemap.models import LocationPrecision
from peacemap.places import gazetteer

DIGITS = 5  # about one metre: more would be noise, and costs bytes on the map


@cache
def country_centres():
    """{ISO alpha-2: (latitude, longitude)} from peacemap/data/country_centres.csv."""
    with open(gazetteer.DATA / "country_centres.csv", encoding="utf-8") as handle:
        return {
            row["country"]: (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
        }


@cache
def region_centres():
    """{(country, region name): (latitude, longitude)}: each region's most populous place."""
    best = {}
    for place in gazetteer.places().values():
        if place.admin1:
            key = (place.country, place.admin1)
            if key not in best or place.population > best[key].population:
                best[key] = place
    return {key: (place.latitude, place.longitude) for key, place in best.items()}


@cache
def _places_by_country():
    grouped = {}
    for place in gazetteer.places().values():
        grouped.setdefault(place.country, []).append(place)
    return grouped


@cache
def nearest_locality(country, latitude, longitude):
    """The gazetteer locality closest to a point, within its country, or None."""
    candidates = _places_by_country().get(country, ())
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda p: (p.latitude - latitude) ** 2 + (p.longitude - longitude) ** 2,
    )


def _rounded(point):
    return (round(point[1], DIGITS), round(point[0], DIGITS)) if point else None


def public_point(location, precision, country=None):
    """(longitude, latitude) to draw for `location` under `precision`, or None.

    `location` needs country, admin1, latitude, longitude and geonameid attributes; None
    (a record without places) can only be drawn at its `country`'s centre.
    """
    precision = LocationPrecision(precision)
    if precision == LocationPrecision.NOT_MAPPED:
        return None
    if location is None:
        return _rounded(country_centres().get(country or ""))
    has_point = location.latitude is not None and location.longitude is not None
    if precision == LocationPrecision.EXACT and has_point:
        return _rounded((location.latitude, location.longitude))
    if precision in (LocationPrecision.EXACT, LocationPrecision.COMMUNE):
        place = gazetteer.get(location.geonameid) if location.geonameid else None
        if place is None and has_point:
            place = nearest_locality(
                location.country, round(location.latitude, 3), round(location.longitude, 3)
            )
        if place is not None:
            return _rounded((place.latitude, place.longitude))
    if precision != LocationPrecision.COUNTRY and location.admin1:
        centre = region_centres().get((location.country, location.admin1))
        if centre:
            return _rounded(centre)
    return _rounded(country_centres().get(location.country))
