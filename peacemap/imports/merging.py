"""Comparing, checking and merging import payloads with the records already published."""

import hashlib
import json
import re
from dataclasses import dataclass, field

from peacemap.exports.columns import region_pcodes
from peacemap.imports import threew
from peacemap.imports.grouping import similar_names
from peacemap.models import LocationPrecision, OrganisationType
from peacemap.moderation.duplicates import name_key, spelling
from peacemap.moderation.services import IMPORT_TOKEN
from peacemap.public import places as public_places
from peacemap.public import view as public_view
from peacemap.records import merge_texts, organisation_payload

MIN_KEY = 3  # shorter names and acronyms ("CA", "CG") match too many organisations
# What a row of our own export says of an organisation, field by field.
ROW_FIELDS = (
    *("name", "acronym", "alternate_names", "type", "country", "founded_year", "language"),
    *("themes", "sectors", "member_of", "website", "identifiers"),
)


# -- comparing and checking payloads ------------------------------------------------------------
def comparable(payload):
    """A payload with order, empty values and place spellings out of the way."""
    result = {"contacts_public": bool(payload.get("contacts_public"))}
    for key in (*ROW_FIELDS, "summary", "description", "places", "location_precision"):
        value = payload.get(key)
        if key == "places":
            value = sorted(threew.place_key(spec) for spec in value or [])
        elif isinstance(value, list):
            value = sorted(str(item) for item in value)
        elif isinstance(value, dict):
            value = {lang: text for lang, text in value.items() if text}
        result[key] = value if value not in (None, "", [], {}) else None
    for key in ("email", "phone"):
        result[key] = payload.get(key) or None
    return result


def check(payload):
    """ValueError (the reason) when a payload cannot be stored as it is."""
    if len(payload["name"]) > 300:
        raise ValueError("the name is longer than 300 characters")
    if len(payload.get("acronym") or "") > 40:
        raise ValueError("the acronym is longer than 40 characters")
    for key, kind in (("type", OrganisationType), ("location_precision", LocationPrecision)):
        if payload[key] not in {member.value for member in kind}:
            raise ValueError(f"unknown {key.replace('_', ' ')} {payload[key]!r}")
    year = payload.get("founded_year")
    if year is not None and not 1800 <= year <= 2200:
        raise ValueError(f"founded year {year} is not between 1800 and 2200")
    website = payload.get("website") or ""
    if website and (not re.match(r"https?://", website, re.I) or len(website) > 500):
        raise ValueError("the website must be an http:// or https:// address")
    if len(payload.get("email") or "") > 254 or len(payload.get("phone") or "") > 50:
        raise ValueError("the email or phone is too long")
    if len(payload.get("language") or "") > 5:
        raise ValueError(f"unknown language {payload['language']!r}")
    for identifier in payload.get("identifiers") or []:
        scheme, _, value = identifier.partition(":")
        if not scheme or not value or len(scheme) > 40 or len(value) > 120:
            raise ValueError(f"identifier {identifier!r} is not scheme:value")


def add_pcodes(payload, row):
    """Give the typed places of an export row their region's P-code (columns regions and
    region_pcodes list them in the same order, an empty slot for a region without one)."""
    pcodes = region_pcodes(row)
    for spec in payload["places"]:
        if not spec.get("geonameid") and spec.get("admin1") in pcodes:
            spec["admin1_pcode"] = pcodes[spec["admin1"]]


def fill_places(org, payload):
    """Write the region and P-code of typed places onto their Location rows, where missing:
    location_for() keeps the region of a new typed place but not its P-code."""
    specs = {
        (spec["name"], spec["country"]): spec
        for spec in payload.get("places") or []
        if not spec.get("geonameid")
    }
    for location in org.locations:
        spec = specs.get((location.name, location.country))
        if spec and location.geonameid is None:
            location.admin1 = location.admin1 or spec.get("admin1")
            location.admin1_pcode = location.admin1_pcode or spec.get("admin1_pcode")


def token(payload, target):
    """A form token for an imported proposal: the same proposal always gets the same one."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    target_id = target.id if target is not None else ""
    return IMPORT_TOKEN + hashlib.sha256(f"{text}|{target_id}".encode()).hexdigest()[:56]


def text(value):
    """A cell or a value as stripped text, for comparing them."""
    return "" if value is None else str(value).strip()


def overlay_row(org, payload, row):
    """An existing organisation as an export row would leave it: its fields replaced, texts
    merged by language, places and contacts replaced only when what the public sees of
    them differs (an export shows no more than that)."""
    current = organisation_payload(org)
    proposed = {**current, **{key: payload[key] for key in ROW_FIELDS}}
    for key in ("summary", "description"):
        proposed[key] = merge_texts(current[key], payload[key])
    shown = public_places.location_columns(org, org.country)
    shown["location_precision"] = str(org.location_precision)
    if any(text(row.get(key)) != text(value) for key, value in shown.items()):
        proposed["places"] = payload["places"]
        proposed["location_precision"] = payload["location_precision"]
    contacts = public_view.contacts(org)
    public = {"email": contacts.email, "phone": contacts.phone} if contacts else {}
    if any(text(row.get(key)) != text(public.get(key)) for key in ("email", "phone")):
        for key in ("email", "phone", "contacts_public"):
            proposed[key] = payload[key]
    return proposed


def overlay_3w(org, payload):
    """What a 3W record adds to an existing organisation: its names as other names, an
    acronym or a type where there was none, themes and regions. Nothing is removed."""
    current = organisation_payload(org)
    proposed = dict(current)
    known = {spelling(name) for name in (current["name"], *current["alternate_names"])}
    known.add(spelling(current["acronym"]))
    alternates = list(current["alternate_names"])
    for name in (payload["name"], *(payload.get("alternate_names") or [])):
        if spelling(name) not in known:
            known.add(spelling(name))
            alternates.append(name)
    proposed["alternate_names"] = alternates
    proposed["acronym"] = current["acronym"] or payload["acronym"]
    if current["type"] == "other":
        proposed["type"] = payload["type"]
    proposed["themes"] = sorted(set(current["themes"]) | set(payload["themes"]))
    proposed["sectors"] = sorted(set(current["sectors"]) | set(payload.get("sectors") or []))
    have = {threew.place_key(spec) for spec in current["places"]}
    proposed["places"] = current["places"] + [
        spec for spec in payload["places"] if threew.place_key(spec) not in have
    ]
    return proposed


# -- finding the record a payload is about ------------------------------------------------------
@dataclass
class Match:
    """The record a payload matched (its id, or None), how, and the records it shares an
    acronym with but not a similar name: kept apart, and possibly the same organisation."""

    org_id: int | None = None
    reason: str | None = None
    possible: list = field(default_factory=list)


class Matcher:
    """Every organisation's slug, name keys and acronym, to match import payloads with."""

    def __init__(self):
        self.slugs, self.names, self.acronyms, self.known = {}, {}, {}, {}

    def remember(self, org_id, slug, name, acronym, alternate_names):
        """Make an organisation findable by its slug, names and acronym."""
        self.slugs[slug] = org_id
        self.known[org_id] = (name, acronym or "", list(alternate_names or []))
        for index, keys in (
            (self.names, {name_key(text) for text in (name, *(alternate_names or []))}),
            (self.acronyms, {spelling(acronym)}),
        ):
            for key in keys:
                if len(key) >= MIN_KEY and org_id not in index.setdefault(key, []):
                    index[key].append(org_id)

    def find(self, payload, slug=None):
        """By our slug, then by one of its names (case, accents, ligatures, punctuation and
        stop words aside), then by acronym when a name is similar too. An acronym with names
        that differ matches nothing: the record is listed in `possible`."""
        if slug and slug in self.slugs:
            return Match(self.slugs[slug], "same address (slug)")
        names = [payload["name"], *(payload.get("alternate_names") or [])]
        for key in (name_key(text) for text in names):
            for org_id in self.names.get(key, []) if len(key) >= MIN_KEY else []:
                same = name_key(self.known[org_id][0]) == key
                return Match(org_id, "same name" if same else "another name of the record")
        acronym = spelling(payload.get("acronym"))
        candidates = [
            *self.acronyms.get(acronym, []),  # the same acronym
            *self.acronyms.get(spelling(payload["name"]), []),  # its name is their acronym
            *self.names.get(acronym, []),  # its acronym is their name
        ]
        match = Match()
        for org_id in dict.fromkeys(candidates):
            name, their_acronym, others = self.known[org_id]
            ours = [text for text in names if spelling(text) != acronym]
            theirs = [text for text in (name, *others) if spelling(text) != spelling(their_acronym)]
            if any(similar_names(a, b) for a in ours for b in theirs if a and b):
                return Match(org_id, "same acronym and similar name")
            match.possible.append(org_id)
        return match
