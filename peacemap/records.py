"""Directory records as plain dicts ("payloads"): what submissions propose, what revisions
keep, and how either is applied back to an Organisation or an Initiative."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from peacemap.extensions import db
from peacemap.models import (
    Initiative,
    InitiativeOrganisation,
    LinkVisibility,
    Organisation,
    Relationship,
    RelationshipKind,
    Sector,
    Theme,
)
from peacemap.places.gazetteer import fold
from peacemap.places.service import kept_places, location_for, place_spec

# Field name -> label, in the order a diff shows them.
ORGANISATION_FIELDS = {
    "name": _l("Name"),
    "acronym": _l("Acronym"),
    "alternate_names": _l("Other names"),
    "type": _l("Type"),
    "country": _l("Country"),
    "founded_year": _l("Year founded"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "themes": _l("Themes"),
    "sectors": _l("Sectors"),
    "member_of": _l("Member of"),
    "member_of_visibility": _l("Networks shown"),
    "places": _l("Places"),
    "location_precision": _l("Location shown as"),
    "website": _l("Website"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "contacts_public": _l("Contacts public"),
    "identifiers": _l("Identifiers"),
}
INITIATIVE_FIELDS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "status": _l("Status"),
    "themes": _l("Themes"),
    "places": _l("Places"),
    "location_precision": _l("Location shown as"),
    "organisations": _l("Organisations"),
}
TEXT_FIELDS = ("title", "summary", "description")
# What a payload without the key leaves as it is (apply_organisation).
KEPT_WHEN_ABSENT = ("sectors", "member_of", "member_of_visibility")


def organisation_payload(org):
    """Everything a submission or revision says about an organisation."""
    return {
        "name": org.name,
        "acronym": org.acronym,
        "alternate_names": list(org.alternate_names or []),
        "type": str(org.type),
        "country": org.country,
        "founded_year": org.founded_year,
        "language": org.language,
        "summary": dict(org.summary or {}),
        "description": dict(org.description or {}),
        "themes": sorted(theme.slug for theme in org.themes),
        "sectors": list(org.sectors or []),
        "member_of": sorted(
            link.object.slug for link in org.outgoing if link.kind == RelationshipKind.MEMBER_OF
        ),
        "member_of_visibility": {
            link.object.slug: str(link.visibility)
            for link in org.outgoing
            if link.kind == RelationshipKind.MEMBER_OF
        },
        "places": [place_spec(location) for location in org.locations],
        "location_precision": str(org.location_precision),
        "website": org.website,
        "email": org.email,
        "phone": org.phone,
        "contacts_public": bool(org.contacts_public),
        "identifiers": sorted(str(identifier) for identifier in org.identifiers),
    }


def initiative_payload(initiative):
    """Everything a submission or revision says about an initiative."""
    return {
        "title": dict(initiative.title or {}),
        "summary": dict(initiative.summary or {}),
        "description": dict(initiative.description or {}),
        "language": initiative.language,
        "start_date": initiative.start_date.isoformat() if initiative.start_date else None,
        "end_date": initiative.end_date.isoformat() if initiative.end_date else None,
        "status": str(initiative.status),
        "themes": sorted(theme.slug for theme in initiative.themes),
        "places": [place_spec(location) for location in initiative.locations],
        "location_precision": str(initiative.location_precision),
        "organisations": sorted(
            (
                {
                    "slug": role.organisation.slug,
                    "role": str(role.role),
                    "visibility": str(role.visibility),
                }
                for role in initiative.roles
            ),
            key=lambda item: (item["role"], item["slug"]),
        ),
    }


def _themes(slugs):
    if not slugs:
        return []
    return list(db.session.scalars(select(Theme).where(Theme.slug.in_(slugs))))


def merge_texts(current, proposed, replace=False):
    """Per-language texts: replaced whole (rollback) or merged language by language, where
    an empty text removes that language."""
    if replace:
        return dict(proposed or {})
    merged = dict(current or {})
    for lang, text in (proposed or {}).items():
        text = (text or "").strip()
        if text:
            merged[lang] = text
        else:
            merged.pop(lang, None)
    return merged


def apply_organisation(org, payload, replace_texts=False):
    """Write a payload onto an organisation (new or existing); flushes nothing itself."""
    from peacemap.models import Identifier

    for field in (
        "name",
        "acronym",
        "type",
        "country",
        "founded_year",
        "website",
        "email",
        "phone",
        "location_precision",
    ):
        setattr(org, field, payload.get(field))
    org.alternate_names = list(payload.get("alternate_names") or [])
    org.contacts_public = bool(payload.get("contacts_public"))
    org.language = payload.get("language") or org.language or "fr"
    for field in ("summary", "description"):
        setattr(org, field, merge_texts(getattr(org, field), payload.get(field), replace_texts))
    org.themes = _themes(payload.get("themes"))
    if "sectors" in payload:  # forms say nothing of sectors: only imports set them
        known = {str(sector) for sector in Sector}
        org.sectors = sorted({str(code) for code in payload["sectors"] or []} & known)
    cache = {}
    specs = kept_places(payload.get("places"), org.location_precision)
    org.locations = [location_for(spec, cache) for spec in specs]
    if "member_of" in payload:
        _set_memberships(org, payload["member_of"] or [], payload.get("member_of_visibility"))
    wanted = set(payload.get("identifiers") or [])
    org.identifiers = [i for i in org.identifiers if str(i) in wanted] + [
        Identifier(scheme=value.split(":", 1)[0], value=value.split(":", 1)[1])
        for value in sorted(wanted - {str(i) for i in org.identifiers})
    ]
    return org


def _set_memberships(org, slugs, visibility=None):
    """Make the organisation a member of exactly these networks (other links untouched),
    each shown as `visibility` says ({slug: choice}; public when it says nothing)."""
    visibility = visibility or {}
    networks = {
        network.slug: network
        for network in db.session.scalars(select(Organisation).where(Organisation.slug.in_(slugs)))
        if network is not org
    }
    kept = [
        link
        for link in org.outgoing
        if link.kind != RelationshipKind.MEMBER_OF or link.object.slug in networks
    ]
    have = {link.object.slug for link in kept if link.kind == RelationshipKind.MEMBER_OF}
    org.outgoing = kept + [
        Relationship(object=networks[slug], kind=RelationshipKind.MEMBER_OF)
        for slug in sorted(set(networks) - have)
    ]
    for link in org.outgoing:
        if link.kind == RelationshipKind.MEMBER_OF:
            link.visibility = visibility.get(link.object.slug) or LinkVisibility.PUBLIC


def apply_initiative(initiative, payload, replace_texts=False):
    """Write a payload onto an initiative (new or existing)."""
    for field in TEXT_FIELDS:
        setattr(
            initiative,
            field,
            merge_texts(getattr(initiative, field), payload.get(field), replace_texts),
        )
    initiative.language = payload.get("language") or initiative.language or "fr"
    initiative.start_date = _date(payload.get("start_date"))
    initiative.end_date = _date(payload.get("end_date"))
    initiative.status = payload.get("status") or "ongoing"
    initiative.location_precision = payload.get("location_precision") or "commune"
    initiative.themes = _themes(payload.get("themes"))
    cache = {}
    specs = kept_places(payload.get("places"), initiative.location_precision)
    initiative.locations = [location_for(spec, cache) for spec in specs]
    slugs = {item["slug"] for item in payload.get("organisations") or []}
    orgs = {
        org.slug: org
        for org in db.session.scalars(select(Organisation).where(Organisation.slug.in_(slugs)))
    }
    wanted = {
        (item["slug"], item["role"])
        for item in payload.get("organisations") or []
        if item["slug"] in orgs
    }
    kept = [r for r in initiative.roles if (r.organisation.slug, str(r.role)) in wanted]
    have = {(r.organisation.slug, str(r.role)) for r in kept}
    initiative.roles = kept + [
        InitiativeOrganisation(organisation=orgs[slug], role=role)
        for slug, role in sorted(wanted - have)
    ]
    shown = {
        (item["slug"], item["role"]): item.get("visibility")
        for item in payload.get("organisations") or []
    }
    for role in initiative.roles:
        choice = shown.get((role.organisation.slug, str(role.role)))
        role.visibility = choice or LinkVisibility.PUBLIC
    return initiative


def _date(value):
    return date.fromisoformat(value) if value else None


def unique_slug(model, *candidates):
    """A free URL slug made from the first usable candidate (ASCII, hyphens)."""
    base = ""
    for candidate in candidates:
        base = re.sub(r"[^a-z0-9]+", "-", fold(candidate or "")).strip("-")[:80].strip("-")
        if base:
            break
    base = base or "record"
    taken = set(
        db.session.scalars(
            select(model.slug).where((model.slug == base) | model.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def new_organisation(payload):
    """A new published organisation from a payload; added to the session."""
    org = Organisation(slug=unique_slug(Organisation, payload.get("acronym"), payload["name"]))
    apply_organisation(org, payload)
    db.session.add(org)
    return org


def new_initiative(payload):
    """A new published initiative from a payload; added to the session."""
    title = payload.get("title") or {}
    initiative = Initiative(slug=unique_slug(Initiative, *title.values()))
    apply_initiative(initiative, payload)
    db.session.add(initiative)
    return initiative


def diff(fields, current, proposed):
    """Rows (field, label, current, proposed, changed) comparing two payloads field by field.

    Per-language texts are compared only in the languages the proposal writes.
    """
    rows = []
    for field, label in fields.items():
        if field in KEPT_WHEN_ABSENT and field not in proposed:
            continue  # applying the proposal leaves it as it is
        before = (current or {}).get(field)
        after = proposed.get(field)
        if field in TEXT_FIELDS:
            langs = sorted(after or {}) or sorted(before or {})
            for lang in langs:
                old = (before or {}).get(lang) or ""
                new = (after or {}).get(lang) or ""
                changed = _text(old) != _text(new)
                rows.append((f"{field}.{lang}", f"{label} ({lang})", old, new, changed))
            continue
        rows.append((field, label, before, after, _normal(before) != _normal(after)))
    return rows


def _text(text):
    """A text as a reader sees it: browsers send a text area's line breaks as CRLF, and
    spaces at the ends of lines show nothing, so neither counts as a change."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def _normal(value):
    if value in (None, "", [], {}):
        return None
    if isinstance(value, list):
        return sorted(
            str(item) if not isinstance(item, dict) else str(sorted(item.items())) for item in value
        )
    return value
