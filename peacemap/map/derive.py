"""Make the map's shipped data, run by a developer when a source changes.

    python -m peacemap.map.derive [world-atlas folder, default peacemap/data/natural-earth]

writes `peacemap/data/country_centres.csv` (a point inside each country, where country-level
records are drawn) and the offline basemap in `static/map/`: country outlines with their names
(`west-africa.geojson`, 22 countries of Natural Earth's 1:50m layer; `world.geojson`, every
other country at 1:110m), Mali's approximate région outlines (`mali-regions.geojson`,
peacemap/map/region_outlines.py), towns by population band and area (`towns-*.geojson`,
peacemap/map/labels.py) and `index.json`, which lists the pieces with their fingerprints.
Everything is simplified and rounded so that the basemap costs little on a slow connection.
"""

import csv
import gzip
import hashlib
import json
import sys
from pathlib import Path

from babel import Locale

from peacemap.map import labels, region_outlines
from peacemap.places import regions

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "peacemap/data/natural-earth"  # world-atlas 2.0.2, vendored with its LICENSE

# French names GeoNames lists among a town's alternate names but does not use as its name
# (its name is the English form); the région capitals take theirs from the région table.
FRENCH = {
    "2507480": "Alger",  # Algiers
}

# world-atlas names that Babel spells otherwise (ISO 3166-1 alpha-2 codes).
NAME_CODES = {
    "United States of America": "US",
    "Dem. Rep. Congo": "CD",
    "Congo": "CG",
    "Central African Rep.": "CF",
    "Côte d'Ivoire": "CI",
    "S. Sudan": "SS",
    "Eq. Guinea": "GQ",
    "eSwatini": "SZ",
    "W. Sahara": "EH",
    "Bosnia and Herz.": "BA",
    "Dominican Rep.": "DO",
    "Solomon Is.": "SB",
    "Falkland Is.": "FK",
    "Fr. S. Antarctic Lands": "TF",
    "Macedonia": "MK",
    "North Macedonia": "MK",
    "Czechia": "CZ",
    "Kosovo": "XK",
    "Timor-Leste": "TL",
    "Myanmar": "MM",
    "Palestine": "PS",
    "Russia": "RU",
    "Gambia": "GM",
    "Guinea-Bissau": "GW",
    "Cabo Verde": "CV",
    "Bahamas": "BS",
    "Brunei": "BN",
    "Laos": "LA",
    "Vietnam": "VN",
    "Turkey": "TR",
    "Trinidad and Tobago": "TT",
    "Somaliland": None,  # not a member state: no code
    "N. Cyprus": None,
}


def decode(topology, name):
    """{country name: [polygon, ...]} where a polygon is [ring, ...] of (lon, lat) pairs."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes):
        points = []
        for index in indexes:
            part = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(part if not points else part[1:])
        return points

    countries = {}
    for geometry in topology["objects"][name]["geometries"]:
        if geometry.get("type") == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        countries[geometry["properties"]["name"]] = [[ring(r) for r in p] for p in polygons]
    return countries


def area(ring):
    """Signed area (shoelace), positive when counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def inside_point(polygons):
    """A point inside the largest polygon: its centroid when that is inside, else the middle
    of the longest east-west chord at the centroid's latitude (crescent-shaped countries)."""
    outer = max((p[0] for p in polygons), key=lambda r: abs(area(r)))
    a = area(outer)
    cy = sum(
        (y1 + y2) * (x1 * y2 - x2 * y1)
        for (x1, y1), (x2, y2) in zip(outer, outer[1:], strict=False)
    )
    cx = sum(
        (x1 + x2) * (x1 * y2 - x2 * y1)
        for (x1, y1), (x2, y2) in zip(outer, outer[1:], strict=False)
    )
    cx, cy = cx / (6 * a), cy / (6 * a)
    crossings = sorted(
        x1 + (cy - y1) * (x2 - x1) / (y2 - y1)
        for (x1, y1), (x2, y2) in zip(outer, outer[1:], strict=False)
        if (y1 <= cy < y2) or (y2 <= cy < y1)
    )
    chords = list(zip(crossings[::2], crossings[1::2], strict=False))
    if any(west <= cx <= east for west, east in chords):
        return round(cy, 4), round(cx, 4)
    west, east = max(chords, key=lambda chord: chord[1] - chord[0])
    return round(cy, 4), round((west + east) / 2, 4)


def simplify(ring, tolerance):
    """Douglas-Peucker on a closed ring; keeps at least 4 points."""
    if len(ring) <= 4:
        return ring

    def walk(points):
        (x1, y1), (x2, y2) = points[0], points[-1]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5 or 1e-12
        worst, index = 0.0, 0
        for i in range(1, len(points) - 1):
            px, py = points[i]
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
            if distance > worst:
                worst, index = distance, i
        if worst <= tolerance:
            return [points[0], points[-1]]
        return walk(points[: index + 1])[:-1] + walk(points[index:])

    middle = len(ring) // 2
    result = walk(ring[: middle + 1])[:-1] + walk(ring[middle:])
    return result if len(result) >= 4 else ring


def shrink(polygon, tolerance, digits):
    """The polygon simplified and rounded; rings that vanish are dropped."""
    rings = []
    for ring in polygon:
        points = [(round(x, digits), round(y, digits)) for x, y in simplify(ring, tolerance)]
        deduplicated = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        if len(deduplicated) >= 4 and abs(area(deduplicated)) > 0:
            rings.append([list(p) for p in deduplicated])
    return rings if rings and rings[0] else None


def wind(polygon):
    """RFC 7946 winding: exterior counter-clockwise, holes clockwise."""
    exterior, *holes = polygon
    if area(exterior) < 0:
        exterior = exterior[::-1]
    return [exterior] + [hole[::-1] if area(hole) > 0 else hole for hole in holes]


def collection(countries, tolerance, digits, smallest=0.0):
    """A FeatureCollection of the countries; islands under `smallest` square degrees go."""
    features = []
    for name, polygons in sorted(countries.items()):
        kept = [p for p in polygons if abs(area(p[0])) >= smallest] or polygons[:1]
        shrunk = [wind(p) for p in (shrink(p, tolerance, digits) for p in kept) if p]
        if shrunk:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiPolygon", "coordinates": shrunk},
                    "properties": {"name": name},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def code_of(name, babel_codes):
    if name in NAME_CODES:
        return NAME_CODES[name]
    return babel_codes.get(name)


def write(target, filename, data):
    """Write compact JSON; returns its fingerprint (as `peacemap.assets` computes it)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    raw = text.encode("utf-8")
    (target / filename).write_bytes(raw)
    print(f"{filename}: {len(raw)} bytes, {len(gzip.compress(raw, mtime=0))} gzipped")
    return hashlib.sha256(raw).hexdigest()[:12]


def label_countries(shapes, codes, centres):
    """Give each country feature its code, names in every language and its label point."""
    for feature in shapes["features"]:
        code = codes.get(feature["properties"]["name"])
        if code and code in centres:
            names = {k: v for k, v in labels.country_names(code).items() if v}
            latitude, longitude = centres[code]
            feature["properties"].update(
                code=code, **names, label=[round(longitude, 2), round(latitude, 2)]
            )
    return shapes


def read_places():
    with open(ROOT / "peacemap/data/geonames_west_africa.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main(source=SOURCE, root=ROOT):
    """Write every piece of the basemap under `root` (the repository by default), and
    `static/map/index.json` which lists them."""
    source = Path(source)
    topology = json.loads((source / "countries-110m.json").read_text(encoding="utf-8"))
    world = decode(topology, "countries")
    babel_codes = {
        label: code for code, label in Locale("en").territories.items() if len(code) == 2
    }
    rows = []
    codes = {}
    for name, polygons in sorted(world.items()):
        code = code_of(name, babel_codes)
        if code:
            codes[name] = code
            rows.append((code, name, *inside_point(polygons)))
        elif name not in NAME_CODES:
            print(f"no ISO code for {name!r}", file=sys.stderr)
    (root / "peacemap/data").mkdir(parents=True, exist_ok=True)
    with open(root / "peacemap/data/country_centres.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["country", "name", "latitude", "longitude"])
        writer.writerows(sorted(rows))
    centres = {code: (latitude, longitude) for code, _, latitude, longitude in rows}

    west = json.loads((source / "west_africa_sahel_ne50m.geojson").read_text(encoding="utf-8"))
    west_countries = {}
    mali = None
    for feature in west["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        west_countries[feature["properties"]["name"]] = [
            [[tuple(point) for point in ring] for ring in polygon] for polygon in polygons
        ]
        if feature["properties"]["name"] == "Mali":
            mali = geometry
    west_names = set(west_countries) | {"Côte d'Ivoire", "W. Sahara"}
    target = root / "static/map"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("towns-*.geojson"):
        old.unlink()  # pieces are named by where they lie: a new cut leaves no stale piece
    others = {n: p for n, p in world.items() if n not in west_names}
    index = {}
    for filename, countries, tolerance, digits, smallest in (
        ("west-africa.geojson", west_countries, 0.02, 2, 0.0),
        ("world.geojson", others, 0.3, 1, 1.0),
    ):
        shapes = label_countries(collection(countries, tolerance, digits, smallest), codes, centres)
        index[filename] = write(target, filename, shapes)

    places = read_places()
    mali_places = [p for p in places if p["countrycode"] == "ML"]
    outlines = region_outlines.features(mali, mali_places, regions.table())
    pieces = {"regions": write_piece(target, "mali-regions.geojson", outlines, index), "towns": []}
    by_capital = {str(r.capital_geonameid): r for r in regions.table()}
    for zoom, key, towns in labels.town_pieces(places, by_capital, FRENCH):
        filename = f"towns-{zoom}-{key or 'all'}.geojson"
        west_, south, east, north = labels.quadkey_box(key)
        pieces["towns"].append(
            [zoom, [west_, south, east, north], write_piece(target, filename, towns, index)]
        )
    write(target, "index.json", pieces)


def write_piece(target, filename, data, index):
    """Write a piece; its address relative to the index, with its fingerprint."""
    index[filename] = write(target, filename, data)
    return f"{filename}?v={index[filename]}"


if __name__ == "__main__":
    main(*sys.argv[1:2])
