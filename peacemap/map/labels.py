"""The basemap's words: country names (CLDR through Babel) and towns (GeoNames), banded by
population and cut into pieces so that a view fetches only the towns it can show.

Used by `python -m peacemap.map.derive`; pure functions over the shipped data.
"""

import re

from babel import Locale

LANGUAGES = ("fr", "en", "ar")

# Towns appear by population as the map zooms in: (first zoom, smallest population). Zoom 5
# is the first view of West Africa on a large screen, so its band stays light (the ~120 cities
# of 250,000 people or more, 3 KB); at 6 the cities of 100,000 join; at 7 a country fills the
# screen and towns of 20,000 (cercle and département seats) tell where one is; from 9 (a view
# some 50 km across) every place the gazetteer has.
BANDS = ((5, 250_000), (6, 100_000), (7, 20_000), (9, 0))
# A piece holds at most this many towns: dense areas (Côte d'Ivoire has 5,000 villages in the
# gazetteer) are cut into quarters of a 64-degree square until each piece is small.
PIECE_LIMIT = 500
ROOT = (-32.0, -8.0, 64.0)  # west, south, size: covers every country of the gazetteer

# Arabic script, without the letters only Persian, Urdu, Pashto, Kurdish or Uyghur use.
ARABIC = re.compile(r"[\u0621-\u064a\u0660-\u0669 \-]+")
NOT_ARABIC_LANGUAGE = re.compile(r"^ئ|ی|ک|گ|پ|چ|ژ|ٹ|ڈ|ں|ے|ە|ې|ټ|ۆ|ڕ")


def country_names(code):
    """{language: the country's name} from CLDR."""
    return {lang: Locale(lang).territories.get(code) for lang in LANGUAGES if code}


def arabic_name(alternates):
    """The Arabic name among a place's alternate names: written in Arabic letters only (not a
    Persian or Urdu form), the shortest (a name, not "the city of ..."), with غ rather than
    the Egyptian ج for a hard g (غاو, لاغوس), then alphabetical."""
    candidates = [
        name
        for name in alternates
        if ARABIC.fullmatch(name) and not NOT_ARABIC_LANGUAGE.search(name)
    ]
    return min(candidates, key=lambda name: (len(name), "ج" in name, name)) if candidates else None


def town_names(place, regions_by_capital, french=None):
    """{"name": GeoNames' name, "fr": its French form where it differs, "ar": its Arabic
    name}. A région's capital takes the région table's names when the région is named after
    it (Tombouctou / تمبكتو); otherwise French is GeoNames' own name (its local form in the
    French-speaking countries) unless `french` gives one of its alternate names."""
    alternates = [a for a in place["alternatenames"].split("|") if a]
    names = {"name": place["name"]}
    region = regions_by_capital.get(place["geonameid"])
    fr = (french or {}).get(place["geonameid"])
    ar = arabic_name(alternates)
    if region is not None:
        fr = region.name if region.name in alternates or region.name == place["name"] else fr
        ar = region.names.get("ar") or ar
    if fr and fr != place["name"] and fr in alternates:
        names["fr"] = fr
    if ar:
        names["ar"] = ar
    return names


def band_of(population):
    """The first zoom at which a town of this population shows."""
    return next(zoom for zoom, smallest in BANDS if population >= smallest)


def quadkey_box(key):
    """(west, south, east, north) of a piece named by its quadkey ("" is the root square)."""
    west, south, size = ROOT
    for digit in key:
        size /= 2
        west += size * (int(digit) % 2)
        south += size * (int(digit) // 2)
    return west, south, west + size, south + size


def split(towns, key="", limit=PIECE_LIMIT):
    """[(quadkey, towns)]: the towns cut into quarters until each piece holds at most
    `limit`. `towns` are (longitude, latitude, ...) tuples."""
    if len(towns) <= limit or len(key) >= 8:
        return [(key, towns)] if towns else []
    west, south, east, north = quadkey_box(key)
    middle_x, middle_y = (west + east) / 2, (south + north) / 2
    pieces = []
    for digit in range(4):
        quarter = [
            t
            for t in towns
            if (t[0] >= middle_x) == bool(digit % 2) and (t[1] >= middle_y) == bool(digit // 2)
        ]
        pieces += split(quarter, key + str(digit), limit)
    return pieces


def town_feature(place, names):
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(float(place["longitude"]), 3),
                round(float(place["latitude"]), 3),
            ],
        },
        "properties": {**names, "population": int(place["population"] or 0)},
    }


def town_pieces(places, regions_by_capital, french=None):
    """[(minimum zoom, quadkey, FeatureCollection)]: every town in its band's pieces, the
    most populous first in each piece (the order labels are placed in)."""
    pieces = []
    for zoom, _ in BANDS:
        towns = [
            (float(p["longitude"]), float(p["latitude"]), p)
            for p in places
            if band_of(int(p["population"] or 0)) == zoom
        ]
        for key, members in split(towns):
            members = sorted(members, key=lambda t: (-int(t[2]["population"] or 0), t[2]["name"]))
            features = [
                town_feature(p, town_names(p, regions_by_capital, french)) for *_, p in members
            ]
            pieces.append((zoom, key, {"type": "FeatureCollection", "features": features}))
    return pieces
