"""GeoJSON (RFC 7946) for the map and the API, built with the `geojson` library.

The map's layer carries only an id and a point per feature (about 12 bytes each once
compressed); names and links come from the popup endpoint when a marker is opened. When a
view would hold more points than `point_limit`, they are grouped on a grid on the server, so
the first view of the map stays small whatever the size of the directory.
"""

import functools
import gc
import math

import geojson
import orjson

CELL_PIXELS = 60  # grid cell of the server-side grouping, in screen pixels


def paused_gc(function):
    """Run `function` with the cyclic garbage collector paused.

    Building 100,000 small dicts or tuples sets the collector off again and again (a third
    of the time spent), though none of them can form a cycle; reference counting frees them.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return wrapper


@paused_gc
def point_features(points, properties=None, areas=None):
    """A feature per point; `properties` maps an id to its properties (else empty).

    With `areas` (a dict, filled here), a point that stands for a region or a country (its
    `area`, see peacemap.public.places.public_spot) gets {"p": n}, n being the area's number
    in `areas`: the map layer's only property, a few bytes on the few records not drawn at a
    town, from which the page draws them as an area and names it (the names come once per
    response, see `area_labels` in the views).

    These are plain mappings of the RFC 7946 shape, not geojson.Feature objects: the
    library validates every object it builds, which costs about 15 microseconds each, a
    second and a half for 100,000 records. The tests check the output with the library's
    own validation and the GeoJSON JSON Schema instead.
    """
    shared = {}  # records at one place share one geometry: fewer objects to make
    marks = {}  # and one {"p": n} per area
    features = []
    for point in points:
        lon, lat, number = point[0], point[1], point[2]
        geometry = shared.get((lon, lat))
        if geometry is None:
            geometry = shared[lon, lat] = {"type": "Point", "coordinates": [lon, lat]}
        if properties:
            extra = properties.get(number, {})
        elif areas is not None and len(point) > 3 and point[3]:
            extra = marks.get(point[3])
            if extra is None:
                extra = marks[point[3]] = {"p": areas.setdefault(point[3], len(areas))}
        else:
            extra = {}
        features.append(
            {"type": "Feature", "id": number, "geometry": geometry, "properties": extra}
        )
    return features


def cell_size(zoom):
    """Width of a grid cell in degrees at a Web Mercator zoom level."""
    return 360 / (256 * 2**zoom) * CELL_PIXELS


def grouped_features(places, zoom):
    """Places [(lon, lat, count, mercator y)] grouped on a grid at `zoom`: one feature per
    cell, at the mean of its points, with their number (a record with two places in one
    cell counts twice) and the cell's bounds (to zoom into it)."""
    size = cell_size(zoom)
    cells = {}
    for lon, lat, count, y in places:
        key = (math.floor(lon / size), math.floor(y / size))
        cell = cells.get(key)
        if cell is None:
            cells[key] = [count, lon * count, lat * count, lon, lat, lon, lat]
        else:
            cell[0] += count
            cell[1] += lon * count
            cell[2] += lat * count
            cell[3], cell[4] = min(cell[3], lon), min(cell[4], lat)
            cell[5], cell[6] = max(cell[5], lon), max(cell[6], lat)
    features = [
        geojson.Feature(
            geometry=geojson.Point((round(x / count, 5), round(y / count, 5))),
            properties={"count": count, "bounds": [west, south, east, north]},
        )
        for count, x, y, west, south, east, north in cells.values()
    ]
    features.sort(key=lambda f: -f["properties"]["count"])
    return features


def collection(features, **members):
    """A FeatureCollection; `members` become foreign members (RFC 7946 section 6.1)."""
    return {"type": "FeatureCollection", "features": features, **members}


def dumps(value):
    """Compact UTF-8 JSON for GeoJSON. orjson writes 100,000 features in about 30 ms, where
    the standard library (and geojson.dumps, built on it) takes ten times as long."""
    return orjson.dumps(value)
