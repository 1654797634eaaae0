"""Published records as the read API shows them: a summary in lists, the detail on its own.

Everything here reads a record's places, contacts and links through the public view
(`peacemap/public/`), as the pages do.
"""

from flask import url_for

from peacemap.config import LANGUAGES
from peacemap.i18n import localized
from peacemap.public import links as public_links
from peacemap.public import places as public_places
from peacemap.public import view as public
from peacemap.templating import web_url


def _profile_url(endpoint, slug, lang):
    return url_for(endpoint, slug=slug, lang_code=lang, _external=True)


def organisation_summary(org, lang):
    """An organisation in API lists."""
    return {
        "slug": org.slug,
        "name": org.name,
        "acronym": org.acronym,
        "type": str(org.type),
        "country": org.country,
        "summary": localized(org.summary, lang, org.language).text or None,
        "themes": sorted(theme.slug for theme in org.themes),
        "sectors": list(org.sectors or []),
        "verification": str(org.verification_level),
        "updated_at": org.updated_at.isoformat(timespec="seconds"),
        "url": _profile_url("directory.organisation", org.slug, lang),
        "api_url": url_for("api.organisation", slug=org.slug, _external=True),
    }


def organisation_detail(org, links, lang):
    """Everything public about an organisation; `links` from directory.services.connections."""

    def refs(pairs):
        return [{"slug": other.slug, "name": other.name} for other, _link in pairs]

    point = public_places.record_point(org, org.country)
    contacts = public.contacts(org)
    return {
        **organisation_summary(org, lang),
        "alternate_names": list(org.alternate_names or []),
        "texts": {
            "summary": {k: v for k, v in (org.summary or {}).items() if k in LANGUAGES},
            "description": {k: v for k, v in (org.description or {}).items() if k in LANGUAGES},
            "original_language": org.language,
        },
        "description": localized(org.description, lang, org.language).text or None,
        "founded_year": org.founded_year,
        "website": web_url(org.website),
        "email": contacts.email if contacts else None,
        "phone": contacts.phone if contacts else None,
        "location_precision": str(public_places.precision(org)),
        "places": [public_places.place_json(p) for p in public_places.visible_places(org)],
        "point": {"longitude": point[0], "latitude": point[1]} if point else None,
        "identifiers": sorted(str(identifier) for identifier in org.identifiers),
        "verification_details": {
            "level": str(org.verification_level),
            "verified_at": org.verified_at.isoformat(timespec="seconds")
            if org.verified_at
            else None,
        },
        "member_of": refs(links.member_of),
        "members": refs(links.members),
        "partners": refs(links.partners),
        "funders": refs(links.funders),
        "funds": refs(links.funds),
        "initiatives": [
            {"slug": item.slug, "title": localized(item.title, lang).text, "roles": sorted(roles)}
            for item, roles in links.initiatives
        ],
        "created_at": org.created_at.isoformat(timespec="seconds"),
    }


def initiative_summary(item, lang):
    return {
        "slug": item.slug,
        "title": localized(item.title, lang, item.language).text,
        "summary": localized(item.summary, lang, item.language).text or None,
        "status": str(item.status),
        "start_date": item.start_date.isoformat() if item.start_date else None,
        "end_date": item.end_date.isoformat() if item.end_date else None,
        "themes": sorted(theme.slug for theme in item.themes),
        "updated_at": item.updated_at.isoformat(timespec="seconds"),
        "url": _profile_url("directory.initiative", item.slug, lang),
        "api_url": url_for("api.initiative", slug=item.slug, _external=True),
    }


def initiative_detail(item, lang):
    return {
        **initiative_summary(item, lang),
        "texts": {
            "title": dict(item.title or {}),
            "summary": dict(item.summary or {}),
            "description": dict(item.description or {}),
            "original_language": item.language,
        },
        "location_precision": str(public_places.precision(item)),
        "places": [public_places.place_json(p) for p in public_places.visible_places(item)],
        "organisations": sorted(
            (
                {"slug": org.slug, "name": org.name, "role": str(role)}
                for org, role in public_links.named_roles(item)
            ),
            key=lambda entry: (entry["role"], entry["slug"]),
        ),
    }
