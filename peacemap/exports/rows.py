"""Published records as the exports write them: flat rows and HSDS objects, loaded in batches.

Everything here reads a record's places and contacts through the public view
(`peacemap/public/`), as the pages do; records placed in a crisis area are left out
(`public_places.exported`).
"""

import uuid

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peacemap.exports.columns import LANGUAGES, join, organisation_row, split
from peacemap.extensions import db
from peacemap.models import (
    Initiative,
    InitiativeOrganisation,
    Organisation,
    Relationship,
)
from peacemap.public import links as public_links
from peacemap.public import places as public_places

BATCH = 500
# Stable identifiers for HSDS (which wants UUIDs): derived from our slugs.
NAMESPACE = uuid.UUID("6f1c2a4e-8d0b-5c57-9a3e-2b7d4c1e9f60")


def stable_uuid(*parts):
    return str(uuid.uuid5(NAMESPACE, ":".join(str(part) for part in parts)))


def batches(stmt, *options, size=BATCH):
    """The records of `stmt` in batches of `size`, relations loaded per batch (memory stays
    flat however many records there are)."""
    model = stmt.column_descriptions[0]["entity"]
    ids = db.session.scalars(stmt.with_only_columns(model.id)).all()
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        records = db.session.scalars(
            select(model).where(model.id.in_(chunk)).options(*options)
        ).all()
        order = {number: position for position, number in enumerate(chunk)}
        # The session's identity map holds records weakly: each batch is let go in turn.
        yield sorted(records, key=lambda record: order[record.id])


ORGANISATION_LOADING = (
    selectinload(Organisation.themes),
    selectinload(Organisation.locations),
    selectinload(Organisation.identifiers),
    selectinload(Organisation.outgoing).selectinload(Relationship.object),
)


def _profile_url(endpoint, slug, lang):
    return url_for(endpoint, slug=slug, lang_code=lang, _external=True)


def organisation_rows(stmt, lang):
    """Export rows (peacemap/exports/columns.py) for the organisations of `stmt`."""
    stmt = stmt.where(public_places.exported(Organisation))
    for batch in batches(stmt, *ORGANISATION_LOADING):
        for org in batch:
            yield organisation_row(
                org,
                themes=[theme.slug for theme in org.themes],
                member_of=public_links.network_slugs(org),
                url=_profile_url("directory.organisation", org.slug, lang),
            )


INITIATIVE_LOADING = (
    selectinload(Initiative.themes),
    selectinload(Initiative.locations),
    selectinload(Initiative.roles).selectinload(InitiativeOrganisation.organisation),
)


INITIATIVE_COLUMNS = [
    "slug",
    *(f"title_{lang}" for lang in LANGUAGES),
    *(f"summary_{lang}" for lang in LANGUAGES),
    "status",
    "start_date",
    "end_date",
    "themes",
    "organisations",
    "countries",
    "regions",
    "region_pcodes",
    "places",
    "geonames",
    "latitude",
    "longitude",
    "location_precision",
    "updated_at",
    "url",
]


def initiative_rows(stmt, lang):
    """Flat rows for the initiatives of `stmt`, with the same place rules as organisations."""
    stmt = stmt.where(public_places.exported(Initiative))
    for batch in batches(stmt, *INITIATIVE_LOADING):
        for item in batch:
            countries = public_places.countries(item)
            row = {
                "slug": item.slug,
                "status": str(item.status),
                "start_date": item.start_date.isoformat() if item.start_date else "",
                "end_date": item.end_date.isoformat() if item.end_date else "",
                "themes": join(sorted(theme.slug for theme in item.themes)),
                "organisations": join(
                    sorted(f"{org.slug}:{role}" for org, role in public_links.named_roles(item))
                ),
                "countries": join(sorted(countries)),
                "location_precision": str(public_places.precision(item)),
                "updated_at": item.updated_at.isoformat(timespec="seconds"),
                "url": _profile_url("directory.initiative", item.slug, lang),
            }
            for lang_code in LANGUAGES:
                row[f"title_{lang_code}"] = (item.title or {}).get(lang_code, "")
                row[f"summary_{lang_code}"] = (item.summary or {}).get(lang_code, "")
            row.update(public_places.location_columns(item, countries[0] if countries else None))
            yield row


def hsds_organization(row):
    """An export row as an Open Referral HSDS 3.0 `organization` object."""
    org_id = stable_uuid("organisation", row["slug"])
    description = next(
        (row[f"summary_{lang}"] for lang in LANGUAGES if row.get(f"summary_{lang}")), ""
    )
    result = {
        "id": org_id,
        "name": row["name"],
        "description": description,
        "uri": row["url"],
        "locations": [],
        "organization_identifiers": [
            {
                "id": stable_uuid("identifier", row["slug"], value),
                "organization_id": org_id,
                "identifier_scheme": value.split(":", 1)[0],
                "identifier_type": "org-id.guide",
                "identifier": value.split(":", 1)[-1],
            }
            for value in split(row["identifiers"])
        ],
    }
    if row["alternate_names"] or row["acronym"]:
        result["alternate_name"] = "; ".join(
            [n for n in [row["acronym"], *split(row["alternate_names"])] if n]
        )
    if row["website"]:
        result["website"] = row["website"]
    if row["email"]:
        result["email"] = row["email"]
    if row["phone"]:
        result["phones"] = [
            {
                "id": stable_uuid("phone", row["slug"]),
                "organization_id": org_id,
                "number": row["phone"],
            }
        ]
    if row["founded_year"]:
        result["year_incorporated"] = int(row["founded_year"])
    if row["latitude"] != "":
        label = row["places"] or row["regions"] or row["country"]
        result["locations"].append(
            {
                "id": stable_uuid("location", row["slug"]),
                "organization_id": org_id,
                "location_type": "physical",
                "name": label,
                "latitude": row["latitude"],
                "longitude": row["longitude"],
            }
        )
    return result
