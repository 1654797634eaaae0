"""The region table: every current first-level unit (région) of Mali, found by its P-code or
any spelling of its name, with its administrative centre.

`peacemap/data/mli_regions.csv` lists the nine régions and the District of OCHA's COD (P-codes
ML01 to ML09), Ménaka (ML10, from OCHA Mali's 3W workbook), and the régions created since
OCHA last published codes (Taoudénit, and the 2023 reform's Nioro, Kita, Dioïla, Nara,
Bougouni, Koutiala, San, Douentza, Bandiagara): those have no P-code and are kept by name.
A P-code is never made up. Each région is named after its capital, its administrative
centre, given with its GeoNames id (the shipped gazetteer has no feature codes).
"""

import csv
import re
from dataclasses import dataclass
from functools import cache

from peacemap.places import gazetteer
from peacemap.places.gazetteer import fold

# "Région de Ségou", "Region of Segou", "Ségou Region": the words around a région's name.
AROUND = re.compile(r"^(?:region|district)(?: de| of| du)? |(?: region| district)$")


@dataclass(frozen=True)
class Region:
    """A région: its official French name, OCHA P-code (None where OCHA has none yet), other
    spellings, its names in other languages and its administrative centre."""

    country: str
    name: str
    pcode: str | None
    variants: tuple
    names: dict
    capital_geonameid: int  # where it is drawn (peacemap/places/centres.py)


@cache
def table():
    """Every région of the table, in its order (the COD's régions first)."""
    with open(gazetteer.DATA / "mli_regions.csv", encoding="utf-8") as handle:
        return tuple(
            Region(
                country="ML",
                name=row["name"],
                pcode=row["pcode"] or None,
                variants=tuple(v for v in row["variants"].split("|") if v),
                names={lang: row[lang] for lang in ("en", "ar") if row[lang]},
                capital_geonameid=int(row["capital_geonameid"]),
            )
            for row in csv.DictReader(handle)
        )


@cache
def _index():
    """({(country, folded name): Region}, {(country, P-code): Region})."""
    by_name, by_pcode = {}, {}
    for region in table():
        for name in (region.name, *region.variants, *region.names.values()):
            by_name[(region.country, fold(name))] = region
        if region.pcode:
            by_pcode[(region.country, region.pcode)] = region
    return by_name, by_pcode


def canonical_pcode(pcode):
    """A P-code in the COD's form: upper case, the country's ISO alpha-3 prefix ("MLI04", as
    OCHA Mali's 3W sheets write it) as its alpha-2 ("ML04"). The same code, never another."""
    text = re.sub(r"\s+", "", pcode or "").upper()
    if re.fullmatch(r"MLI\d+", text):
        return "ML" + text[3:]
    return text or None


def by_pcode(pcode, country="ML"):
    """The région with this P-code (ML04 or MLI04), or None."""
    return _index()[1].get((country, canonical_pcode(pcode)))


def by_name(name, country="ML"):
    """The région called `name` in any spelling the table knows (accents, case, "Région de"
    ignored), or None."""
    key = fold(name or "")
    found = _index()[0].get((country, key))
    if found is None:
        found = _index()[0].get((country, AROUND.sub("", key).strip()))
    return found


def find(name=None, pcode=None, country="ML"):
    """The région called `name`, else the one with this P-code, or None. The name comes
    first: a sheet may give a new région (no code of its own) the code of the one it was
    carved from ("Bougouni", "MLI03")."""
    return by_name(name, country) or (by_pcode(pcode, country) if pcode else None)


def current(country="ML"):
    """The régions of `country`, sorted by name."""
    return sorted((r for r in table() if r.country == country), key=lambda r: fold(r.name))


def localised(name, lang):
    """A région's name in `lang` where the table has one, else its official name."""
    region = _index()[0].get(("ML", fold(name or "")))
    if region is None or region.name != name:
        return name
    return region.names.get(lang, name)
