"""The offline gazetteer: GeoNames places of West Africa, Mali's regions and cercles."""

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"

# GeoNames first-level codes for Mali, named as in OCHA's COD (P-codes come from that file).
# Taoudénit and Ménaka became regions after the COD population tables were made.
MALI_ADMIN1 = {
    "01": "Bamako",
    "03": "Kayes",
    "04": "Mopti",
    "05": "Ségou",
    "06": "Sikasso",
    "07": "Koulikoro",
    "08": "Tombouctou",
    "09": "Gao",
    "10": "Kidal",
    "12070575": "Taoudénit",
    "12070577": "Ménaka",
}


def fold(text):
    """Lower-case, accents removed, punctuation as spaces: for matching names."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@dataclass(frozen=True)
class Place:
    """A gazetteer entry with the administrative units we know for it."""

    geonameid: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    alternate_names: tuple
    admin1: str | None
    admin1_pcode: str | None
    admin2: str | None
    admin2_pcode: str | None


@cache
def _mali_units():
    """Region P-codes by folded name (the region table's, peacemap/places/regions.py), and
    cercles by folded name."""
    with open(DATA / "mli_regions.csv", encoding="utf-8") as handle:
        regions = {
            fold(row["name"]): row["pcode"] for row in csv.DictReader(handle) if row["pcode"]
        }
    with open(DATA / "mli_adm2_cod_ps.csv", encoding="utf-8-sig") as handle:
        cercles = {
            fold(row["admin2Name_fr"]): (row["admin2Name_fr"], row["admin2Pcode"])
            for row in csv.DictReader(handle)
        }
    return regions, cercles


def _admin_units(name, country, admin1_code):
    """(admin1, admin1 P-code, admin2, admin2 P-code) where the shipped data knows them."""
    if country != "ML":
        return None, None, None, None
    region = MALI_ADMIN1.get(admin1_code)
    if region is None:
        return None, None, None, None
    regions, cercles = _mali_units()
    region_pcode = regions.get(fold(region))
    cercle, cercle_pcode = cercles.get(fold(name), (None, None))
    if cercle_pcode and region_pcode and not cercle_pcode.startswith(region_pcode):
        cercle, cercle_pcode = None, None  # same name, another region
    return region, region_pcode, cercle, cercle_pcode


@cache
def places():
    """Every gazetteer place by GeoNames id (loaded once per process, about 8,000 rows)."""
    result = {}
    with open(DATA / "geonames_west_africa.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            units = _admin_units(row["name"], row["countrycode"], row["admin1code"])
            place = Place(
                geonameid=int(row["geonameid"]),
                name=row["name"],
                country=row["countrycode"],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                population=int(row["population"] or 0),
                alternate_names=tuple(n for n in row["alternatenames"].split("|") if n),
                admin1=units[0],
                admin1_pcode=units[1],
                admin2=units[2],
                admin2_pcode=units[3],
            )
            result[place.geonameid] = place
    return result


def get(geonameid):
    """The place with this GeoNames id, or None."""
    return places().get(int(geonameid))
