"""Finding gazetteer places from what people type, in any spelling the gazetteer knows."""

import bisect
from functools import cache

from peacemap.places.gazetteer import fold, places


@cache
def _index():
    """Sorted (folded name, -population, geonameid) for every name and alternate name."""
    entries = set()
    for place in places().values():
        for name in (place.name, *place.alternate_names):
            key = fold(name)
            if key:
                entries.add((key, -place.population, place.geonameid))
    return sorted(entries)


def _names(low, high):
    """The index entries whose folded name is at least `low` and below `high`, found by
    bisection and sliced (the index holds tens of thousands of names). Folded names hold no
    NUL and no U+10FFFF: `key` + NUL bounds the exact name, `key` + U+10FFFF every name that
    starts with it."""
    index = _index()
    first = bisect.bisect_left(index, (low,))
    return index[first : bisect.bisect_left(index, (high,), first)]


def match(text, country=None):
    """The best place whose name or alternate name is `text` (case and accents ignored).

    Prefers places in `country`, then the most populous. Returns None when nothing matches.
    """
    found = matches(text, country)
    return found[0] if found else None


def matches(text, country=None):
    """Every place whose name or alternate name is `text`, best first (see `match`)."""
    key = fold(text or "")
    if not key:
        return []
    found = [places()[geonameid] for _name, _population, geonameid in _names(key, key + "\0")]
    found.sort(key=lambda place: (place.country != country, -place.population))
    return found


def suggest(prefix, country=None, limit=10):
    """Places whose names start with `prefix`, each place once: those in `country` first,
    then exact names, then the most populous."""
    key = fold(prefix or "")
    if len(key) < 2:
        return []
    seen = {}
    for name, _population, geonameid in _names(key, key + "\U0010ffff"):
        seen.setdefault(geonameid, name == key)
        if len(seen) >= 200:
            break
    ranked = sorted(
        (places()[geonameid] for geonameid in seen),
        key=lambda place: (
            place.country != country,
            not seen[place.geonameid],
            -place.population,
            place.name,
        ),
    )
    return ranked[:limit]


def describe(place):
    """A label that tells places of the same name apart: 'Ségou (Ségou, ML)'."""
    detail = ", ".join(part for part in (place.admin1, place.country) if part)
    return f"{place.name} ({detail})"
