"""schema.org JSON-LD for a profile page (what search engines read): the public view only."""

from flask import url_for

from peacemap.i18n import localized
from peacemap.public import places as public_places
from peacemap.public import view as public
from peacemap.templating import web_url


def profile_url(endpoint, slug, lang):
    return url_for(endpoint, slug=slug, lang_code=lang, _external=True)


SCHEMA_TYPES = {
    "national_ngo": "NGO",
    "international_ngo": "NGO",
    "community_based": "NGO",
    "network": "NGO",
    "research": "ResearchOrganization",
    "government": "GovernmentOrganization",
}


def organisation_jsonld(org, links, lang):
    """schema.org JSON-LD for a profile page (what search engines read), public data only."""
    places = public_places.visible_places(org)
    contacts = public.contacts(org)
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(str(org.type), "Organization"),
        "name": org.name,
        "url": profile_url("directory.organisation", org.slug, lang),
        "description": localized(org.summary, lang, org.language).text or None,
        "alternateName": [n for n in [org.acronym, *(org.alternate_names or [])] if n] or None,
        "foundingDate": str(org.founded_year) if org.founded_year else None,
        "sameAs": web_url(org.website),
        "email": contacts.email if contacts else None,
        "telephone": contacts.phone if contacts else None,
        "knowsAbout": [localized(theme.labels, lang).text for theme in org.themes] or None,
        "address": [
            {
                key: value
                for key, value in {
                    "@type": "PostalAddress",
                    "addressLocality": place.name,
                    "addressRegion": place.region,
                    "addressCountry": place.country,
                }.items()
                if value
            }
            for place in places
        ]
        or {"@type": "PostalAddress", "addressCountry": org.country},
        "memberOf": [
            {
                "@type": "Organization",
                "name": other.name,
                "url": profile_url("directory.organisation", other.slug, lang),
            }
            for other, _link in links.member_of
        ]
        or None,
    }
    return {key: value for key, value in data.items() if value is not None}
