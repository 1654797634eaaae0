"""Approximate outlines of Mali's régions, drawn from places (no surveyed boundary ships offline).

No first-level boundary of Mali is available offline with a licence PeaceMap can ship, so the
outlines are derived: each GeoNames populated place of Mali belongs to a région (its
`admin1code`); the country (Natural Earth) is cut into the Voronoi cells of those places, the
cells are merged per région, and a piece cut off from its région's capital (a place whose
coordinates or code are wrong in the gazetteer) goes to the neighbour it shares the longest
border with. The result says roughly where a région lies, never where its boundary runs.

Used only by `python -m peacemap.map.derive` (shapely is a development dependency).
"""

import shapely
from shapely.geometry import MultiPoint, Point, shape
from shapely.ops import polylabel

TOLERANCE = 0.04  # degrees (about 4 km): the outlines are approximate anyway
DIGITS = 2
SMALL = 0.5  # square degrees: a région smaller than this gets no label of its own


def admin1_regions(places, regions):
    """{GeoNames admin1code: région} from the capitals: the région whose capital the
    gazetteer files under that code (the table's first région wins, so the COD's régions
    come before the 2023 reform's, which GeoNames does not have yet)."""
    by_id = {place["geonameid"]: place for place in places}
    codes = {}
    for region in regions:
        capital = by_id.get(str(region.capital_geonameid))
        if capital and capital["admin1code"] not in codes:
            codes[capital["admin1code"]] = region
    return codes


def _cells(country, seeds):
    """Each seed's Voronoi cell, clipped to the country."""
    points = MultiPoint([Point(lon, lat) for lon, lat, _ in seeds])
    cells = shapely.voronoi_polygons(points, extend_to=country.envelope, ordered=True)
    return [
        (name, cell.intersection(country))
        for (_, _, name), cell in zip(seeds, cells.geoms, strict=True)
    ]


def _parts(geometry):
    return list(getattr(geometry, "geoms", [geometry]))


def outlines(country_geojson, places, regions):
    """[(région, polygon)] covering the country, one per région found in the gazetteer."""
    country = shape(country_geojson).buffer(0)
    codes = admin1_regions(places, regions)
    seeds, seen = [], set()
    for place in places:
        region = codes.get(place["admin1code"])
        point = (round(float(place["longitude"]), 5), round(float(place["latitude"]), 5))
        if region and point not in seen and country.contains(Point(point)):
            seen.add(point)
            seeds.append((*point, region.name))
    merged = {}
    for name, cell in _cells(country, seeds):
        merged.setdefault(name, []).append(cell)
    merged = {name: shapely.union_all(cells) for name, cells in merged.items()}

    by_name = {region.name: region for region in codes.values()}
    capitals = {
        region.name: next(
            Point(float(p["longitude"]), float(p["latitude"]))
            for p in places
            if p["geonameid"] == str(region.capital_geonameid)
        )
        for region in codes.values()
    }
    kept, orphans = {}, []
    for name, geometry in merged.items():
        for part in _parts(geometry):
            if part.area <= 0:
                continue
            if part.buffer(1e-9).contains(capitals[name]):
                kept[name] = part
            else:
                orphans.append(part)
    # Each cut-off piece joins the région it shares the longest border with; a piece that
    # touches only other cut-off pieces waits until one of them has joined.
    orphans.sort(key=lambda p: (-p.area, p.centroid.x, p.centroid.y))
    while orphans:
        for orphan in orphans:
            shared = {name: orphan.intersection(part).length for name, part in sorted(kept.items())}
            best = max(shared, key=lambda name: shared[name])
            if shared[best] > 0:
                kept[best] = shapely.union_all([kept[best], orphan])
                orphans.remove(orphan)
                break
        else:
            break  # pieces touching no région (none in the shipped data) are left out

    names = sorted(kept)
    simplified = shapely.coverage_simplify([kept[name] for name in names], TOLERANCE)
    return [
        (by_name[name], geometry, capitals[name])
        for name, geometry in zip(names, simplified, strict=True)
    ]


def _ring(coords):
    ring = []
    for x, y in coords:
        point = [round(x, DIGITS), round(y, DIGITS)]
        if not ring or ring[-1] != point:
            ring.append(point)
    return ring


def features(country_geojson, places, regions):
    """A GeoJSON FeatureCollection: each région's approximate outline, its names (French
    `name`, `en` and `ar` where the table has them) and where its label goes."""
    collection = []
    for region, geometry, capital in outlines(country_geojson, places, regions):
        polygons = []
        for part in _parts(geometry):
            part = shapely.geometry.polygon.orient(part, 1.0)  # RFC 7946 winding
            rings = [_ring(part.exterior.coords)] + [_ring(r.coords) for r in part.interiors]
            if len(rings[0]) >= 4:
                polygons.append([r for r in rings if len(r) >= 4])
        properties = {"name": region.name, **region.names}
        if geometry.area < SMALL:
            # Bamako's District is a few kilometres across: its town's label names it.
            label, properties["small"] = capital, True
        else:
            label = polylabel(max(_parts(geometry), key=lambda p: p.area), tolerance=0.05)
        properties["label"] = [round(label.x, DIGITS), round(label.y, DIGITS)]
        collection.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": collection}
