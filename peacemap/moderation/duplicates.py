"""Likely duplicates of a proposed organisation, across case, accents and spellings."""

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from peacemap.extensions import db
from peacemap.models import Location, Organisation
from peacemap.models.directory import organisation_locations
from peacemap.places.gazetteer import fold

FREE_MAIL = {
    "gmail.com",
    "yahoo.com",
    "yahoo.fr",
    "hotmail.com",
    "hotmail.fr",
    "outlook.com",
    "live.com",
    "orange.ml",
    "aol.com",
    "icloud.com",
    "protonmail.com",
    "proton.me",
}
STOP_WORDS = {
    "de",
    "la",
    "le",
    "les",
    "des",
    "du",
    "et",
    "pour",
    "the",
    "of",
    "and",
    "for",
    "in",
    "au",
    "aux",
    "en",
    "l",
    "d",
    "a",
}


@dataclass
class Candidate:
    """An existing organisation that may be the same as the proposal, and why."""

    organisation: Organisation
    score: float = 0.0
    reasons: list = field(default_factory=list)


def _names(name, acronym, alternates):
    return {fold(n) for n in (name, acronym, *(alternates or [])) if n and fold(n)}


def _tokens(text):
    return {word for word in text.split() if word not in STOP_WORDS and len(word) > 1}


def _similarity(first, second):
    """0..1: the closer of character similarity and shared significant words."""
    ratio = SequenceMatcher(None, first, second).ratio()
    a, b = _tokens(first), _tokens(second)
    if not (a and b):
        return ratio
    shared = len(a & b)
    overlap = shared / len(a | b)
    # A shortened name ("Coalition nationale de la société civile pour la paix") is contained
    # in the full one; three significant words at least, so "Paix" alone matches nothing.
    contained = 0.9 * shared / min(len(a), len(b)) if min(len(a), len(b)) >= 3 else 0.0
    return max(ratio, overlap, contained)


def _domain(url):
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")


def likely_duplicates(payload, exclude_id=None, limit=5, threshold=0.8):
    """Existing organisations (published or not) that look like the proposed one."""
    proposed = _names(payload.get("name"), payload.get("acronym"), payload.get("alternate_names"))
    domain = _domain(payload.get("website"))
    email = (payload.get("email") or "").lower()
    email_domain = email.rpartition("@")[2]
    places = {spec.get("geonameid") for spec in payload.get("places") or []} - {None}

    located = {}
    if places:
        rows = db.session.execute(
            select(organisation_locations.c.organisation_id, Location.geonameid)
            .join(Location, Location.id == organisation_locations.c.location_id)
            .where(Location.geonameid.in_(places))
        )
        for org_id, geonameid in rows:
            located.setdefault(org_id, set()).add(geonameid)

    found = []
    for org in db.session.scalars(select(Organisation)):
        if org.id == exclude_id:
            continue
        candidate = Candidate(org)
        theirs = _names(org.name, org.acronym, org.alternate_names)
        best = max(
            (_similarity(a, b) for a in proposed for b in theirs if min(len(a), len(b)) > 2),
            default=0.0,
        )
        if proposed & theirs:
            candidate.score += 1.0
            candidate.reasons.append(_l("Same name, acronym or other name"))
        elif best >= 0.75:
            candidate.score += best
            candidate.reasons.append(_("Similar name (%(percent)s%%)", percent=round(best * 100)))
        if domain and domain == _domain(org.website):
            candidate.score += 1.0
            candidate.reasons.append(_l("Same website"))
        if email and email == (org.email or "").lower():
            candidate.score += 1.0
            candidate.reasons.append(_l("Same email address"))
        elif (
            email_domain
            and email_domain not in FREE_MAIL
            and email_domain == (org.email or "").lower().rpartition("@")[2]
        ):
            candidate.score += 0.5
            candidate.reasons.append(_l("Same email domain"))
        if located.get(org.id) and best >= 0.5:
            candidate.score += 0.3
            candidate.reasons.append(_l("Works in the same place"))
        if candidate.score >= threshold:
            found.append(candidate)
    found.sort(key=lambda c: (-c.score, c.organisation.name))
    return found[:limit]
