"""OCHA 3W ("who does what where") and HXL operational-presence sheets, read as organisations.

A 3W sheet has one row per organisation x activity x place. Columns are found by their HXL
hashtags when the sheet has a tag row (hxlstandard.org), else by their English or French
header names. Rows are folded into one record per organisation as they stream past, so
memory grows with the number of organisations, not of rows. Each row's finest administrative
unit (commune, else cercle, else région) becomes one of the organisation's places, carrying
the units above it and their P-codes. Imported organisations are proposed at `region`
precision (a 3W sheet says where an organisation works, not where its offices are); what the
public sees of them is the importer's decision (peacemap/imports/importer.py).
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from babel import Locale
from babel.core import get_global

from peacemap.imports.readers import parse_tag
from peacemap.imports.vocabulary import organisation_type, sectors_and_themes
from peacemap.imports.xlsx import FormulaCell
from peacemap.places import regions
from peacemap.places.gazetteer import fold
from peacemap.places.service import named_key

# Column roles and the header names (folded: lower case, no accents, punctuation as spaces)
# that name them: English and French forms, and OCHA's own names (admin1Pcod, Organisation
# Accronyme...) for sheets without an HXL tag row.
HEADERS = {
    "name": "organization | organisation | organization name | organisation name | partner | "
    "partner name | implementing partner | nom de l organisation | nom organisation | "
    "nom de l organisme | partenaire | partenaire de mise en oeuvre | acteur | org name | "
    "nom organisation partenaire | nom du partenaire | nom partenaire | organisme | "
    "nom de la structure | nom structure | structure | agency | agence | organisation nom",
    "acronym": "org acronym | organization acronym | organisation acronym | acronym | acronyme | "
    "sigle | abbreviation | abreviation | organisation accronyme | organization accronym | "
    "accronyme | org accronyme | acronyme organisation | acronyme de l organisation | "
    "sigle organisation | sigle de l organisation",
    "type": "type of organization | type of organisation | organization type | organisation type | "
    "org type | partner type | type d organisation | type de l organisation | type organisation | "
    "type de partenaire | type | type organization | type de structure | categorie | "
    "categorie d organisation | type d acteur",
    "sector": "sector | sectors | project sector | cluster | secteur | secteurs | "
    "secteur du projet | secteur d intervention | clusters | sector cluster | secteur cluster | "
    "cluster secteur | secteur d activite | sector name | nom secteur",
    "adm1_name": "state | region | admin1 | admin 1 | adm1 | admin1 name | province | etat | "
    "admin1name | admin1name fr | admin1 name fr | admin1 fr | nom region | region name",
    "adm1_code": "state pcode | state p code | region pcode | region p code | pcode region | "
    "p code region | admin1 pcode | adm1 pcode | admin1pcode | code region | admin1pcod | "
    "admin1 pcod | admin1 p code | adm1pcode | adm1 code | region code",
    "adm2_name": "lga | cercle | district | admin2 | adm2 | departement | prefecture | "
    "admin2name | admin2 name | admin2name fr | admin2 name fr | admin2 fr | nom cercle",
    "adm2_code": "lga pcode | lga p code | cercle pcode | pcode cercle | p code cercle | "
    "district pcode | admin2 pcode | adm2 pcode | admin2pcode | code cercle | admin2pcod | "
    "admin2 pcod | admin2 p code | adm2pcode | adm2 code | cercle code | cercle p code",
    "adm3_name": "commune | ward | admin3 | admin 3 | adm3 | admin3name | admin3 name | "
    "admin3name fr | admin3 name fr | nom commune | sous prefecture | arrondissement",
    "adm3_code": "commune pcode | pcode commune | p code commune | commune p code | ward pcode | "
    "admin3 pcode | adm3 pcode | admin3pcode | admin3pcod | admin3 pcod | admin3 p code | "
    "adm3pcode | adm3 code | code commune | commune code",
    "country": "country code | code pays | iso3 | iso 3 | country iso3 | admin0pcod | "
    "admin0pcode | admin0 pcode | admin0 pcod | adm0 pcode | adm0 code | pays code | pcode pays",
}
ORG_NOT_NAME = {"acronym", "abbrev", "type", "code", "id"}
# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@")
# The roles whose cells are read as text (a formula there is refused, not guessed).
TEXT_ROLES = ("name", "acronym", "type", "sector", "adm1_name", "adm1_code")


def _names(table):
    """{folded name: key} from {key: "name | name | ..."}."""
    return {fold(name): key for key, names in table.items() for name in names.split(" | ")}


HEADER_ROLES = _names(HEADERS)


@cache
def _iso3():
    """{ISO alpha-3: alpha-2} from CLDR (Babel): MLI -> ML."""
    return {
        alias: targets[0]
        for alias, targets in get_global("territory_aliases").items()
        if len(alias) == 3 and alias.isalpha() and len(targets[0]) == 2
    }


@cache
def _iso2():
    """Every ISO alpha-2 territory code CLDR knows."""
    return {code for code in Locale("en").territories if len(code) == 2 and code.isalpha()}


def country_code(text):
    """ISO alpha-2 for a country code or P-code ("MLI", "ML", "NGA008", "NG008023"), or None."""
    letters = re.match(r"[A-Za-z]*", (text or "").strip()).group().upper()
    if len(letters) >= 3 and letters[:3] in _iso3():
        return _iso3()[letters[:3]]
    if len(letters) >= 2 and letters[:2] in _iso2():
        return letters[:2]
    return None


def _role_of_tag(tag, attributes):
    """The column role of an HXL hashtag and its attributes, or None."""
    if tag == "#org":
        if attributes & {"acronym", "abbrev"}:
            return "acronym"
        if "type" in attributes:
            return "type"
        return None if attributes & ORG_NOT_NAME else "name"
    if tag == "#sector":
        return "sector"
    if tag in ("#adm1", "#adm2", "#adm3"):
        return f"{tag[1:]}_{'code' if 'code' in attributes else 'name'}"
    if tag in ("#country", "#adm0") and "code" in attributes:
        return "country"
    return None


def find_columns(header, tags):
    """{role: column index} from the tag row (first choice) and the header names."""
    columns = {}
    for index, cell in enumerate(tags or []):
        parsed = parse_tag(cell)
        role = _role_of_tag(*parsed) if parsed else None
        if role and role not in columns:
            columns[role] = index
    for index, cell in enumerate(header or []):
        role = HEADER_ROLES.get(fold(cell or ""))
        if role and role not in columns:
            columns[role] = index
    return columns


def organisation_columns(header, tags):
    """The 3W columns of a sheet, or None when it has no organisation name or acronym."""
    columns = find_columns(header, tags)
    return columns if {"name", "acronym"} & set(columns) else None


@dataclass
class _Organisation:
    """What the rows said so far about one organisation."""

    line: int
    name: str
    acronyms: Counter = field(default_factory=Counter)
    types: Counter = field(default_factory=Counter)
    countries: Counter = field(default_factory=Counter)
    sectors: set = field(default_factory=set)
    themes: set = field(default_factory=set)
    places: dict = field(default_factory=dict)


class Aggregator:
    """Folds 3W rows into one payload per organisation."""

    def __init__(self, columns, themes, country=None):
        """`columns` from find_columns; `themes` the slugs that exist; `country` overrides."""
        self.columns = columns
        self.themes = themes
        self.country = country
        self.organisations = {}
        self.unknown_types = Counter()  # type cells no table knows -> rows ("other")
        self.unknown_sectors = Counter()  # sector cells naming no cluster or theme -> rows
        self._keys = {}  # raw name -> folded key, so each spelling is folded once
        self._types = {}  # raw type cell -> (type, known)
        self._sectors = {}  # raw sector cell -> (cluster codes, theme slugs)
        self._places = {}

    def _cell(self, cells, role):
        """A row's cell for a column role, spaces tidied ("" when absent): sheets have
        names with no-break or doubled spaces."""
        index = self.columns.get(role)
        if index is None or index >= len(cells):
            return ""
        cell = cells[index]
        if cell is None:
            return ""
        if isinstance(cell, FormulaCell) and role in TEXT_ROLES:
            raise ValueError(
                f"cell {cell.ref} is a formula with no saved value ({cell.formula[:60]}): "
                "open the file in Excel or LibreOffice and save it, or paste the values"
            )
        return " ".join(cell.split())

    def add(self, line, cells):
        """Take in one row; ValueError (the reason) when the row cannot be used."""
        name = self._cell(cells, "name")
        acronym = self._cell(cells, "acronym")
        for role, text in (("organisation name", name), ("acronym", acronym)):
            if text.startswith(FORMULA_START):
                raise ValueError(
                    f"the {role} starts with {text[0]!r}, as a spreadsheet formula does: "
                    f"{text[:40]!r} is refused"
                )
        name = name or acronym
        if not name:
            raise ValueError("no organisation name or acronym")
        if len(name) > 300:
            raise ValueError("the organisation name is longer than 300 characters")
        country = self.country or next(
            filter(
                None,
                (
                    country_code(self._cell(cells, role))
                    for role in ("adm1_code", "adm2_code", "adm3_code", "country")
                ),
            ),
            None,
        )
        if country is None:
            raise ValueError("no country: the row has no P-code or country code (use --country)")
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = fold(name)
        org = self.organisations.get(key)
        if org is None:
            org = self.organisations[key] = _Organisation(line, name)
        if acronym and acronym != name and len(acronym) <= 40:
            org.acronyms[acronym] += 1
        org.types[self._type(self._cell(cells, "type"))] += 1
        org.countries[country] += 1
        sector = self._cell(cells, "sector")
        if sector:
            if sector not in self._sectors:
                self._sectors[sector] = sectors_and_themes(sector)
            sectors, themes = self._sectors[sector]
            if not sectors and not themes:
                self.unknown_sectors[sector] += 1
            org.sectors |= sectors
            org.themes |= themes & self.themes
        units = tuple(self._cell(cells, role) for role in UNIT_ROLES)
        if any(units):
            spec = self._place(units, country)
            if spec is not None:
                org.places.setdefault(place_key(spec), spec)

    def _type(self, text):
        """Our type for a type cell; a cell no table knows is counted for the summary."""
        if text not in self._types:
            self._types[text] = organisation_type(text)
        found, known = self._types[text]
        if not known:
            self.unknown_types[text] += 1
        return str(found)

    def _place(self, units, country):
        """The place spec of a row's finest administrative unit (each spelling worked out
        once per sheet)."""
        key = (units, country)
        if key not in self._places:
            self._places[key] = unit_place(*units, country=country)
        return self._places[key]

    def records(self):
        """(first line, payload) per organisation, in the order they first appeared."""
        for org in self.organisations.values():
            yield org.line, payload(org)


UNIT_ROLES = ("adm1_name", "adm1_code", "adm2_name", "adm2_code", "adm3_name", "adm3_code")


def unit_place(adm1, adm1_code, adm2, adm2_code, adm3, adm3_code, country):
    """The place spec of the finest administrative unit a row names (a commune, else a
    cercle, else a région), carrying the units above it and every P-code the row gives.

    A région of Mali takes its name and P-code from the region table whatever the sheet's
    spelling ("Segou", "MLI04"); one the table knows without a P-code (created since OCHA's
    codes) keeps none, whatever code the sheet gives it. Other P-codes are kept as the sheet
    writes them (MLI prefixes as ML, the COD's form). None when no région can be told."""
    region = regions.find(adm1, adm1_code, country) if country == "ML" else None
    if region is None and country == "ML" and not adm1:
        # Mali's P-codes nest: a cercle's or a commune's code starts with its région's.
        codes = (regions.canonical_pcode(code) for code in (adm2_code, adm3_code))
        region = next(filter(None, (regions.by_pcode(code[:4]) for code in codes if code)), None)
    if region is not None:
        admin1, admin1_pcode = region.name, region.pcode
    else:
        admin1, admin1_pcode = adm1 or None, regions.canonical_pcode(adm1_code)
        if admin1 is None:
            return None
    spec = {"name": admin1, "country": country, "admin1": admin1}
    if admin1_pcode:
        spec["admin1_pcode"] = admin1_pcode
    for level, name, code in ((2, adm2, adm2_code), (3, adm3, adm3_code)):
        if name:
            spec["name"] = spec[f"admin{level}"] = name
            if regions.canonical_pcode(code):
                spec[f"admin{level}_pcode"] = regions.canonical_pcode(code)
    return spec


def place_key(spec):
    """What tells two place specs apart: the GeoNames id, else name, country and, for a
    cercle or a commune, its units (peacemap.places.service.named_key)."""
    if spec.get("geonameid"):
        return ("geonames", int(spec["geonameid"]))
    return named_key(spec)


def payload(org):
    """The submission payload of an aggregated organisation."""
    return {
        "name": org.name,
        "acronym": org.acronyms.most_common(1)[0][0] if org.acronyms else None,
        "alternate_names": [],
        "type": org.types.most_common(1)[0][0],
        "country": org.countries.most_common(1)[0][0],
        "founded_year": None,
        "language": "fr",
        "summary": {},
        "description": {},
        "themes": sorted(org.themes),
        "sectors": sorted(org.sectors),
        "member_of": [],
        "places": sorted(org.places.values(), key=lambda spec: (spec["country"], spec["name"])),
        "location_precision": "region",
        "website": None,
        "email": None,
        "phone": None,
        "contacts_public": False,
        "identifiers": [],
    }


WIDER_PRECISIONS = ("region",)  # what a published 3W sheet itself shows


def precision_reason(fmt, publish, precision, reason):
    """The reason imported 3W records may be shown at `precision`, or None for the protective
    choices; ValueError when the request cannot be granted (the message says why)."""
    if precision is None:
        return None
    reason = " ".join((reason or "").split())
    if precision not in WIDER_PRECISIONS:
        raise ValueError(f"--precision can only be {', '.join(WIDER_PRECISIONS)}")
    if fmt != "3w":
        raise ValueError("--precision applies to 3W sheets only")
    if not publish:
        raise ValueError(
            "--precision needs --publish: a pending submission's precision is decided by the "
            "moderator who approves it"
        )
    if not reason:
        raise ValueError("--precision needs --reason: why showing these records by region is safe")
    return f"Imported 3W sheet shown by region: {reason}"[:2000]
