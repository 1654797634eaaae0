"""Likely duplicates of a proposed organisation, across case, accents and spellings."""

from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
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


SIMILAR_NAME = 0.75  # names this alike (`_similarity`) make a likely duplicate
# Ligatures are two letters, and the modifier letter ʼ (a letter to Unicode) an apostrophe.
_SPELLING = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "\u02bc": " "})


@lru_cache(maxsize=100_000)
def spelling(text):
    """Lower case, without accents, punctuation or apostrophes, ligatures as two letters:
    what two spellings of one name share ("L’Œuvre" and "l'oeuvre" give "l oeuvre")."""
    return fold((text or "").translate(_SPELLING))


@lru_cache(maxsize=100_000)
def name_key(text):
    """A name as names are matched: `spelling` without stop words ("de", "la", "for"...), so
    "Réseau de la paix" and "RESEAU PAIX" share one key."""
    words = spelling(text).split()
    return " ".join(word for word in words if word not in STOP_WORDS) or " ".join(words)


def _names(name, acronym, alternates):
    """The keys an organisation is known by: its names', and its acronym as spelt."""
    keys = {name_key(n) for n in (name, *(alternates or [])) if n}
    if acronym:
        keys.add(spelling(acronym))
    return keys - {""}


@lru_cache(maxsize=100_000)
def _tokens(text):
    return frozenset(word for word in text.split() if word not in STOP_WORDS and len(word) > 1)


def _similarity(first, second, floor=0.0):
    """0..1: the closer of character similarity and shared significant words. Values under
    `floor` may be reported lower than they are (the character comparison is skipped when
    its quick upper bounds say it cannot reach the floor)."""
    a, b = _tokens(first), _tokens(second)
    best = 0.0
    if a and b:
        shared = len(a & b)
        best = shared / len(a | b)
        # A shortened name ("Coalition nationale de la société civile pour la paix") is
        # contained in the full one; three significant words at least, so "Paix" alone
        # matches nothing.
        if min(len(a), len(b)) >= 3:
            best = max(best, 0.9 * shared / min(len(a), len(b)))
    # SequenceMatcher's own upper bounds (real_quick_ratio, quick_ratio), on letter counts
    # kept per name: a bulk decision compares each proposal with every organisation.
    bar, total = max(best, floor), len(first) + len(second)
    if total and 2 * min(len(first), len(second)) / total > bar:
        shared = sum((_letters(first) & _letters(second)).values())
        if 2 * shared / total > bar:
            best = max(best, SequenceMatcher(None, first, second).ratio())
    return best


@lru_cache(maxsize=100_000)
def _letters(text):
    return Counter(text)


def _domain(url):
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")


def likely_duplicates(payload, exclude_id=None, limit=5, threshold=0.8, organisations=None):
    """Existing organisations (published or not) that look like the proposed one; among
    `organisations` when given (a bulk decision loads them once for many proposals)."""
    proposed = _names(payload.get("name"), None, payload.get("alternate_names"))
    acronym = spelling(payload.get("acronym"))
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
    if organisations is None:
        organisations = db.session.scalars(select(Organisation))
    for org in organisations:
        if org.id == exclude_id:
            continue
        candidate = Candidate(org)
        theirs = _names(org.name, None, org.alternate_names)
        their_acronym = spelling(org.acronym)
        # Under 0.75 a name's likeness counts only beside a shared place (0.5): the letter
        # by letter comparison, the slow part, is skipped when its bounds stay under that.
        floor = 0.5 if org.id in located else SIMILAR_NAME
        best = max(
            (
                _similarity(a, b, floor=floor)
                for a in proposed
                for b in theirs
                if min(len(a), len(b)) > 2
            ),
            default=0.0,
        )
        if proposed & theirs:
            candidate.score += 1.0
            candidate.reasons.append(_l("Same name or other name"))
        elif best >= SIMILAR_NAME:
            candidate.score += best
            candidate.reasons.append(_("Similar name (%(percent)s%%)", percent=round(best * 100)))
        if (acronym and acronym in {their_acronym, *theirs}) or (their_acronym in proposed):
            candidate.score += 1.0
            candidate.reasons.append(_l("Same acronym"))
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
