"""Comparing, checking and merging import payloads with the records already published."""

import hashlib
import json
import re

from peacemap.exports.columns import split
from peacemap.imports import threew
from peacemap.models import LocationPrecision, OrganisationType
from peacemap.places.gazetteer import fold
from peacemap.public import places as public_places
from peacemap.public import view as public_view
from peacemap.records import merge_texts, organisation_payload

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
    region_pcodes list them in the same order)."""
    pcodes = dict(zip(split(row.get("regions")), split(row.get("region_pcodes")), strict=False))
    if len(pcodes) != len(split(row.get("regions"))):
        return
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
    return "import:" + hashlib.sha256(f"{text}|{target_id}".encode()).hexdigest()[:56]


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
    """What a 3W record adds to an existing organisation: its name as another name, an
    acronym or a type where there was none, themes and regions. Nothing is removed."""
    current = organisation_payload(org)
    proposed = dict(current)
    known = {fold(name) for name in (current["name"], *current["alternate_names"])}
    known.add(fold(current["acronym"] or ""))
    if fold(payload["name"]) not in known:
        proposed["alternate_names"] = [*current["alternate_names"], payload["name"]]
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
