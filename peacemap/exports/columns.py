"""Records as flat rows: what exports write and what imports of those exports read back.

A row shows what the public may see and nothing more, as the public view decides it
(`peacemap/public/`): contacts only when the organisation made them public, places only as
precisely as it agreed to (place names and GeoNames ids for `exact` and `commune`, the region
for `region`, the country alone otherwise) and the point drawn on the map. Reading a row back
(`organisation_payload_from_row`) gives a payload that, once published, shows the same
public data.
"""

from peacemap.models import LocationPrecision
from peacemap.public import places as public_places
from peacemap.public import view as public
from peacemap.templating import web_url

LANGUAGES = ("fr", "en", "ar")
SEPARATOR = " | "  # between the values of a list in one cell

ORGANISATION_COLUMNS = [
    "slug",
    "name",
    "acronym",
    "alternate_names",
    "type",
    "country",
    "regions",
    "region_pcodes",
    "places",
    "geonames",
    "latitude",
    "longitude",
    "location_precision",
    "themes",
    "sectors",
    "member_of",
    "language",
    *(f"summary_{lang}" for lang in LANGUAGES),
    *(f"description_{lang}" for lang in LANGUAGES),
    "founded_year",
    "website",
    "email",
    "phone",
    "identifiers",
    "verification",
    "updated_at",
    "url",
]

# HXL hashtags (hxlstandard.org) for the same columns, for humanitarian tools.
ORGANISATION_HXL = {
    "slug": "#org+code",
    "name": "#org+name",
    "acronym": "#org+acronym",
    "alternate_names": "#org+name+alt",
    "type": "#org+type",
    "country": "#country+code",
    "regions": "#adm1+name",
    "region_pcodes": "#adm1+code",
    "places": "#loc+name",
    "geonames": "#loc+code+geonames",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "location_precision": "#geo+precision",
    "themes": "#sector+code",
    "sectors": "#sector+cluster+code",
    "member_of": "#org+network",
    "language": "#meta+lang",
    **{f"summary_{lang}": f"#description+summary+i_{lang}" for lang in LANGUAGES},
    **{f"description_{lang}": f"#description+i_{lang}" for lang in LANGUAGES},
    "founded_year": "#date+year+founded",
    "website": "#contact+url",
    "email": "#contact+email",
    "phone": "#contact+phone",
    "identifiers": "#org+id",
    "verification": "#status+verification",
    "updated_at": "#date+updated",
    "url": "#meta+url",
}


def join(values):
    return SEPARATOR.join(str(value) for value in values if value not in (None, ""))


def split(text):
    return [part.strip() for part in (text or "").split("|") if part.strip()]


def slots(text):
    """The values of a list cell, empty slots kept ("ML01 |  | ML07" has three): for columns
    whose nth value goes with another column's nth (region_pcodes with regions)."""
    return [part.strip() for part in text.split("|")] if (text or "").strip() else []


def region_pcodes(row):
    """{region: P-code} from a row's parallel regions and region_pcodes columns (regions
    without a code left out); {} when the columns do not line up."""
    regions, codes = split(row.get("regions")), slots(row.get("region_pcodes"))
    if codes and len(codes) != len(regions):
        return {}
    return {region: code for region, code in zip(regions, codes, strict=False) if code}


def organisation_row(org, themes, member_of, url):
    """The public row of an organisation; `themes` and `member_of` are slug lists."""
    contacts = public.contacts(org)
    row = {
        "slug": org.slug,
        "name": org.name,
        "acronym": org.acronym or "",
        "alternate_names": join(org.alternate_names or []),
        "type": str(org.type),
        "country": org.country,
        "location_precision": str(public_places.precision(org)),
        "themes": join(sorted(themes)),
        "sectors": join(org.sectors or []),
        "member_of": join(sorted(member_of)),
        "language": org.language or "",
        "founded_year": org.founded_year or "",
        "website": web_url(org.website) or "",  # only http(s) addresses are ever passed on
        "email": (contacts.email or "") if contacts else "",
        "phone": (contacts.phone or "") if contacts else "",
        "identifiers": join(sorted(str(i) for i in org.identifiers)),
        "verification": str(org.verification_level),
        "updated_at": org.updated_at.isoformat(timespec="seconds") if org.updated_at else "",
        "url": url,
    }
    for lang in LANGUAGES:
        row[f"summary_{lang}"] = (org.summary or {}).get(lang, "")
        row[f"description_{lang}"] = (org.description or {}).get(lang, "")
    row.update(public_places.location_columns(org, org.country))
    return row


def _number(text, kind=float):
    text = str(text or "").strip()
    return kind(text) if text else None


def organisation_payload_from_row(row):
    """A submission payload from one of our own export rows (ValueError when unusable)."""
    name = (row.get("name") or "").strip()
    country = (row.get("country") or "").strip().upper()
    if not name:
        raise ValueError("name is empty")
    if len(country) != 2 or not country.isalpha():
        raise ValueError(f"country {country!r} is not an ISO 3166 code")
    precision = (row.get("location_precision") or "commune").strip()
    LocationPrecision(precision)  # ValueError when unknown
    places = [{"geonameid": int(number)} for number in split(row.get("geonames"))]
    if not places and split(row.get("places")):
        latitude, longitude = _number(row.get("latitude")), _number(row.get("longitude"))
        regions = split(row.get("regions"))
        places = [
            {
                "name": place,
                "country": country,
                "admin1": regions[0] if regions else None,
                "latitude": latitude,
                "longitude": longitude,
            }
            for place in split(row.get("places"))
        ]
    elif not places:
        pcodes = region_pcodes(row)
        places = [
            {"name": region, "country": country, "admin1": region}
            | ({"admin1_pcode": pcodes[region]} if region in pcodes else {})
            for region in split(row.get("regions"))
        ]
    email, phone = (row.get("email") or "").strip(), (row.get("phone") or "").strip()
    return {
        "name": name,
        "acronym": (row.get("acronym") or "").strip() or None,
        "alternate_names": split(row.get("alternate_names")),
        "type": (row.get("type") or "other").strip(),
        "country": country,
        "founded_year": _number(row.get("founded_year"), int),
        "language": (row.get("language") or "fr").strip(),
        "summary": {
            lang: row[f"summary_{lang}"] for lang in LANGUAGES if row.get(f"summary_{lang}")
        },
        "description": {
            lang: row[f"description_{lang}"] for lang in LANGUAGES if row.get(f"description_{lang}")
        },
        "themes": split(row.get("themes")),
        "sectors": split(row.get("sectors")),
        "member_of": split(row.get("member_of")),
        "places": places,
        "location_precision": precision,
        "website": (row.get("website") or "").strip() or None,
        "email": email or None,
        "phone": phone or None,
        "contacts_public": bool(email or phone),
        "identifiers": split(row.get("identifiers")),
    }
