"""Load demo/data.json into the database; loading twice changes nothing."""

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from peacemap.extensions import db
from peacemap.models import (
    Achievement,
    AuditEvent,
    Identifier,
    Initiative,
    InitiativeOrganisation,
    Organisation,
    OwnerConsent,
    Relationship,
    Theme,
)
from peacemap.places.service import location_for
from peacemap.public.consent import LEGACY_NOTE

DATA_FILE = Path(__file__).with_name("data.json")


def read_data(path=DATA_FILE):
    """The demo content as a dict."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _by_slug(model):
    return {record.slug: record for record in db.session.scalars(select(model))}


def load(data):
    """Add what is missing from `data` (matched by slug); flushes, the caller commits.

    Returns the number of records created per kind. Records that exist are left alone, so a
    moderator's later edits survive a second load.
    """
    created = {"themes": 0, "organisations": 0, "relationships": 0, "initiatives": 0}
    themes = _by_slug(Theme)
    for position, spec in enumerate(data["themes"]):
        if spec["slug"] not in themes:
            theme = Theme(slug=spec["slug"], labels=spec["labels"], position=position)
            db.session.add(theme)
            themes[theme.slug] = theme
            created["themes"] += 1

    places = {}
    organisations = _by_slug(Organisation)
    for spec in data["organisations"]:
        if spec["slug"] in organisations:
            continue
        org = Organisation(
            slug=spec["slug"],
            name=spec["name"],
            acronym=spec.get("acronym"),
            alternate_names=spec.get("alternate_names", []),
            type=spec["type"],
            country=spec["country"],
            founded_year=spec.get("founded_year"),
            website=spec.get("website"),
            email=spec.get("email"),
            phone=spec.get("phone"),
            contacts_public=spec.get("contacts_public", False),
            location_precision=spec.get("location_precision", "commune"),
            # The demo content is written from the organisations' own public documents.
            owner_consent=OwnerConsent.PUBLIC_SOURCES,
            consent_note=LEGACY_NOTE,
            language=spec.get("language", "fr"),
            summary=spec.get("summary", {}),
            description=spec.get("description", {}),
            themes=[themes[slug] for slug in spec.get("themes", [])],
            locations=[location_for(place, places) for place in spec.get("places", [])],
            identifiers=[Identifier(**ident) for ident in spec.get("identifiers", [])],
            achievements=[
                Achievement(year=item.get("year"), scope=item["scope"], text=item["text"])
                for item in spec.get("achievements", [])
            ],
        )
        db.session.add(org)
        organisations[org.slug] = org
        created["organisations"] += 1
    db.session.flush()

    existing = {
        (link.subject_id, link.object_id, str(link.kind))
        for link in db.session.scalars(select(Relationship))
    }
    for spec in data["relationships"]:
        subject, target = organisations[spec["subject"]], organisations[spec["object"]]
        if (subject.id, target.id, spec["kind"]) in existing:
            continue
        db.session.add(
            Relationship(
                subject=subject,
                object=target,
                kind=spec["kind"],
                start_year=spec.get("start_year"),
                end_year=spec.get("end_year"),
            )
        )
        existing.add((subject.id, target.id, spec["kind"]))
        created["relationships"] += 1

    initiatives = _by_slug(Initiative)
    for spec in data["initiatives"]:
        if spec["slug"] in initiatives:
            continue
        initiative = Initiative(
            slug=spec["slug"],
            title=spec["title"],
            summary=spec.get("summary", {}),
            description=spec.get("description", {}),
            language=spec.get("language", "fr"),
            start_date=_date(spec.get("start_date")),
            end_date=_date(spec.get("end_date")),
            status=spec.get("status", "ongoing"),
            themes=[themes[slug] for slug in spec.get("themes", [])],
            locations=[location_for(place, places) for place in spec.get("places", [])],
            roles=[
                InitiativeOrganisation(organisation=organisations[item["slug"]], role=item["role"])
                for item in spec.get("organisations", [])
            ],
        )
        db.session.add(initiative)
        created["initiatives"] += 1

    if any(created.values()):
        db.session.add(AuditEvent(action="demo.load", object_type="directory", after=dict(created)))
    db.session.flush()
    return created


def _date(value):
    return date.fromisoformat(value) if value else None
