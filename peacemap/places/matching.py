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
    index = _index()
    first = bisect.bisect_left(index, (key,))
    last = bisect.bisect_left(index, (key + "\0",), first)  # "\0" folds away: none typed
    found = [places()[geonameid] for _name, _population, geonameid in index[first:last]]
    found.sort(key=lambda place: (place.country != country, -place.population))
    return found


def suggest(prefix, country=None, limit=10):
    """Places whose names start with `prefix`, each place once: those in `country` first,
    then exact names, then the most populous."""
    key = fold(prefix or "")
    if len(key) < 2:
        return []
    index = _index()
    start = bisect.bisect_left(index, (key,))
    seen = {}
    for name, _population, geonameid in index[start:]:
        if not name.startswith(key):
            break
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
