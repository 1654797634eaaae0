"""Public reference points: each country's and region's centre, and the nearest locality.

Which of them a record is drawn at is the public view's decision (`peacemap.public.places`).
"""

import csv
from functools import cache

from peacemap.places import gazetteer, regions


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
    """{(country, region name): (latitude, longitude)}: each region's administrative centre
    where the region table names it (every région of Mali: Koulikoro at Koulikoro, not at a
    suburb of Bamako), else the region's most populous place in the gazetteer."""
    best = {}
    for place in gazetteer.places().values():
        if place.admin1:
            key = (place.country, place.admin1)
            if key not in best or place.population > best[key].population:
                best[key] = place
    centres = {key: (place.latitude, place.longitude) for key, place in best.items()}
    for region in regions.table():
        capital = gazetteer.get(region.capital_geonameid)
        centres[(region.country, region.name)] = (capital.latitude, capital.longitude)
    return centres


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
