"""RFC 7946 conformance for tests: the GeoJSON JSON Schema, plus the rules a schema cannot
express (position ranges, longitude first, precision, closed rings, right-hand winding)."""

import json
from pathlib import Path

from jsonschema import Draft7Validator

FIXTURES = Path(__file__).parent / "fixtures" / "geojson"
SCHEMA = json.loads((FIXTURES / "GeoJSON.json").read_text(encoding="utf-8"))
MAX_DECIMALS = 6  # RFC 7946 section 11.2: six decimal places is about 10 cm


def _positions(geometry):
    kind, coordinates = geometry["type"], geometry.get("coordinates")
    if kind == "Point":
        return [coordinates]
    if kind in ("MultiPoint", "LineString"):
        return coordinates
    if kind in ("MultiLineString", "Polygon"):
        return [p for line in coordinates for p in line]
    if kind == "MultiPolygon":
        return [p for polygon in coordinates for ring in polygon for p in ring]
    if kind == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in _positions(g)]
    return []


def _signed_area(ring):
    return (
        sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:], strict=False))
        / 2
    )


def _polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in _polygons(g)]
    return []


def _geometries(document):
    kind = document.get("type")
    if kind == "FeatureCollection":
        return [f["geometry"] for f in document["features"] if f.get("geometry")]
    if kind == "Feature":
        return [document["geometry"]] if document.get("geometry") else []
    return [document]


def problems(document, rfc=True):
    """Every way `document` breaks RFC 7946, as readable strings (empty when valid).

    rfc=False checks the schema only: RFC 7946 tells parsers to accept either winding, so
    the schema's own "valid" fixtures may wind rings either way; what we publish must not.
    """
    found = [f"schema: {error.message}" for error in Draft7Validator(SCHEMA).iter_errors(document)]
    if found or not rfc:
        return found
    for geometry in _geometries(document):
        for position in _positions(geometry):
            lon, lat = position[0], position[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                found.append(f"position out of range (longitude first?): {position}")
            for value in position:
                text = repr(float(value))
                if "e" not in text and len(text.split(".")[1]) > MAX_DECIMALS:
                    found.append(f"more than {MAX_DECIMALS} decimals: {value}")
        for polygon in _polygons(geometry):
            for index, ring in enumerate(polygon):
                if len(ring) < 4 or ring[0] != ring[-1]:
                    found.append("ring not closed or shorter than four positions")
                    continue
                area = _signed_area(ring)
                if index == 0 and area < 0:
                    found.append("exterior ring is clockwise")
                if index > 0 and area > 0:
                    found.append("hole is counter-clockwise")
    return found
