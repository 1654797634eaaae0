"""What the search index knows of a record: only what its public page shows."""

import os
from functools import cache

from babel import Locale
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peacemap import kinds
from peacemap.config import LANGUAGES
from peacemap.extensions import db
from peacemap.models import (
    InitiativeOrganisation,
    Organisation,
    PublicationStatus,
    VerificationLevel,
)
from peacemap.places import gazetteer
from peacemap.public.links import named_roles
from peacemap.public.places import countries, findable_places

KINDS = kinds.MODELS


def doc_id(kind, record_id):
    """The index key of a record: 'organisation:12'."""
    return f"{kind}:{record_id}"


@cache
def _country_names(code):
    names = [Locale.parse(lang).territories.get(code, code) for lang in LANGUAGES] + [code]
    return list(dict.fromkeys(names))


def place_token(geonameid):
    """One indexed word standing for a gazetteer place: its names are found through it.

    Indexing a token instead of every alternate name (Kayes has forty) keeps documents
    small; a search for any spelling of the place adds the token (see service.expand_places).
    """
    return f"gn{geonameid}"


def region_token(country, admin1):
    """One indexed word standing for a region (first-level unit) of a country."""
    return "rg" + country.lower() + "".join(gazetteer.fold(admin1).split())


def place_words(record):
    """Place names and tokens a visitor may find the record by: never more precise than the
    public view shows. Returns (words, names for "did you mean", regions)."""
    names, geonames, regions = findable_places(record)
    words = [place_token(geonameid) for geonameid in geonames]
    for country, admin1 in regions:
        names.append(admin1)
        words.append(region_token(country, admin1))
    for country in countries(record):
        names += _country_names(country)
    return words + names, names, sorted({admin1 for _country, admin1 in regions})


def _texts(*dicts):
    return [text for texts in dicts for text in (texts or {}).values() if text]


# What a results page and the API show of each record: stored in its document (`card`), so a
# page of results is drawn from the index. Public columns only: these are what every visitor
# sees on a result card, and a record that stops being published leaves the index.
SHOWN = {
    "organisation": (
        "id", "slug", "name", "acronym", "type", "country", "verification_level", "summary",
        "language",
    ),
    "initiative": ("id", "slug", "title", "status", "summary", "language"),
}  # fmt: skip


def card(kind, record):
    """The shown columns of a record as plain values (enums by value), with the time of the
    version they come from, to the microsecond (`updated`: a card older than the database is
    never shown, even when the record changed in the second it was indexed)."""
    values = {}
    for name in SHOWN[kind]:
        value = getattr(record, name)
        values[name] = getattr(value, "value", value)
    values["updated"] = record.updated_at.timestamp()
    return values


def organisation_document(org):
    """The fields indexed for a published organisation."""
    places, place_names, regions = place_words(org)
    names = [org.name, org.acronym or "", *(org.alternate_names or [])]
    themes = [label for theme in org.themes for label in theme.labels.values()]
    summary = _texts(org.summary)
    return {
        "id": doc_id("organisation", org.id),
        "kind": "organisation",
        "names": "\n".join(names),
        "text": "\n".join(
            summary
            + _texts(org.description)
            + [text for item in org.achievements for text in _texts(item.text)]
            + themes
            + places
            + [name for name in _country_names(org.country) if name not in place_names]
        ),
        "spell": "\n".join(names + themes + place_names),
        "country": org.country,
        "region": ",".join(regions),
        "theme": ",".join(theme.slug for theme in org.themes),
        "type": str(org.type),
        "verified": "no" if org.verification_level == VerificationLevel.NONE else "yes",
        "sort_name": gazetteer.fold(org.name),
        "updated": int(org.updated_at.timestamp()),
        "card": card("organisation", org),
    }


def initiative_document(initiative):
    """The fields indexed for a published initiative."""
    places, place_names, regions = place_words(initiative)
    titles = _texts(initiative.title)
    themes = [label for theme in initiative.themes for label in theme.labels.values()]
    orgs = [
        name for org, _role in named_roles(initiative) for name in (org.name, org.acronym or "")
    ]
    summary = _texts(initiative.summary)
    return {
        "id": doc_id("initiative", initiative.id),
        "kind": "initiative",
        "names": "\n".join(titles),
        "text": "\n".join(summary + _texts(initiative.description) + themes + places + orgs),
        "spell": "\n".join(titles + themes + place_names),
        "country": ",".join(sorted(countries(initiative))),
        "region": ",".join(regions),
        "theme": ",".join(theme.slug for theme in initiative.themes),
        "type": "initiative",
        "verified": "no",
        "sort_name": gazetteer.fold(next(iter(titles), initiative.slug)),
        "updated": int(initiative.updated_at.timestamp()),
        "card": card("initiative", initiative),
    }


def published(kind, ids=None):
    """Published records of a kind (all, or those with these ids), loaded for indexing."""
    model = KINDS[kind]
    stmt = model.published()
    if kind == "organisation":
        stmt = stmt.options(
            selectinload(model.themes),
            selectinload(model.locations),
            selectinload(model.achievements),
        )
    else:
        stmt = stmt.options(
            selectinload(model.themes),
            selectinload(model.locations),
            selectinload(model.roles).selectinload(InitiativeOrganisation.organisation),
        )
    if ids is not None:
        stmt = stmt.where(model.id.in_(ids))
    return db.session.scalars(stmt.order_by(model.id))


def document(kind, record):
    """The index document of a record."""
    return organisation_document(record) if kind == "organisation" else initiative_document(record)


def all_documents():
    """Every published record as a document, streamed in batches (for a rebuild)."""
    return Published(published_ids())


def published_ids():
    """[(kind, id)] of every published record, in index order (organisations first)."""
    return [
        (kind, record_id)
        for kind, model in KINDS.items()
        for record_id in db.session.scalars(
            select(model.id).where(_published(model)).order_by(model.id)
        )
    ]


class Published:
    """The documents of these published records, read in batches when iterated.

    A rebuild may `split` them into shares read by forked processes: a share read in another
    process than the one that made it opens its own database connection, never the parent's.
    """

    def __init__(self, keys, batch=1000):
        self.keys = keys
        self.batch = batch
        self.pid = os.getpid()

    def __len__(self):
        return len(self.keys)

    def split(self, parts):
        """`parts` consecutive shares of about equal size (fewer if there are few records)."""
        size = -(-len(self.keys) // max(1, parts)) or 1
        shares = [self.keys[start : start + size] for start in range(0, len(self.keys), size)]
        return [Published(share, self.batch) for share in shares or [[]]]

    def __iter__(self):
        if os.getpid() == self.pid:
            yield from self._read()
        else:  # forked: the inherited pool and session belong to the parent
            db.engine.dispose(close=False)
            with current_app.app_context():
                yield from self._read()

    def _read(self):
        for start in range(0, len(self.keys), self.batch):
            ids = {}
            for kind, record_id in self.keys[start : start + self.batch]:
                ids.setdefault(kind, []).append(record_id)
            for kind, chosen in ids.items():
                for record in published(kind, chosen):
                    yield document(kind, record)
            db.session.expunge_all()


def _published(model):
    column = model.status if model is Organisation else model.publication
    return column == PublicationStatus.PUBLISHED


def published_keys():
    """{doc id: updated timestamp} of everything that should be in the index."""
    keys = {}
    for kind, model in KINDS.items():
        rows = db.session.execute(select(model.id, model.updated_at).where(_published(model)))
        for record_id, updated in rows:
            keys[doc_id(kind, record_id)] = int(updated.timestamp())
    return keys
