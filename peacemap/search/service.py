"""Search as the rest of the site sees it: results, facets, snippets, index upkeep.

Pages, the API, the CLI and the moderation hooks call these functions; only this package
knows that Whoosh is behind them. When the index is missing, locked or damaged, searches fall
back to a plain database query and say so, and `flask search rebuild` heals the index.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import String, cast, or_

from peacemap import versions
from peacemap.extensions import db
from peacemap.models import Initiative, Organisation
from peacemap.pagination import Page
from peacemap.places import gazetteer
from peacemap.places.matching import matches
from peacemap.search import analysis, documents, shown
from peacemap.search.analysis import matching_spans, text_analyzer
from peacemap.search.postgres import PostgresIndex
from peacemap.search.whoosh import spelling
from peacemap.search.whoosh.index import IndexUnavailable, WhooshIndex, _parse

MAX_QUERY = 300  # characters searched; longer queries are cut, and the page says so


@dataclass
class Hit:
    """One result: the record (organisation or initiative) and its highlighted snippet."""

    kind: str
    record: object  # a published record, or a row of its SHOWN columns
    snippet: list = field(default_factory=list)  # [(text, is_match)]


@dataclass
class Results(Page):
    """One page of hits with everything the search page shows around them."""

    facets: dict = field(default_factory=dict)
    suggestion: str | None = None
    degraded: bool = False
    truncated: bool = False

    @property
    def hits(self):
        return self.items


def backend():
    """The configured search index: Whoosh files in instance/, or PostgreSQL tables."""
    name = current_app.config["SEARCH_BACKEND"]
    if name == "postgres":
        return PostgresIndex()
    if name != "whoosh":
        raise RuntimeError(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {name!r}.")
    return WhooshIndex(Path(current_app.instance_path) / "search")


def search(text, filters, page=1, per_page=20, sort="relevance", lang="fr"):
    """Search published organisations and initiatives."""
    text = (text or "").replace("\x00", " ")
    truncated = len(text) > MAX_QUERY
    text = text[:MAX_QUERY]
    try:
        index = backend()
        expanded = expand_places(text)
        found, total, facets, query = index.search(expanded, filters, page, per_page, sort)
        terms = {token.text for token in text_analyzer()(expanded)}
        suggestion = _better_spelling(index, text, filters, total) if total < 3 else None
    except IndexUnavailable as error:
        current_app.logger.warning("Search degraded to the database: %s", error)
        return _database_search(text, filters, page, per_page, truncated)
    records = shown.records(found)
    hits = []
    for kind, number in found:
        record = records.get((kind, number))
        if record is not None:  # unpublished since it was indexed: never shown
            hits.append(Hit(kind, record, snippet(_summary(record, lang), terms)))
    # Nor counted: a listing hidden a moment ago must not show as "1 result" with nothing.
    total -= len(found) - len(hits)
    return Results(hits, total, page, per_page, facets, suggestion, truncated=truncated)


def _better_spelling(index, text, filters, total):
    """ "Did you mean": the query with its words unknown to the index replaced by close known
    ones, written as the records write them, only when it finds more than `total`."""
    if not text.strip():
        return None
    corrected = index.suggest(text)  # [(word as typed, known word or None)], or None
    if not corrected:
        return None
    suggestion = " ".join(_written(index, known) if known else typed for typed, known in corrected)
    _found, better, _facets, _query = index.search(expand_places(suggestion), filters, 1, 1, "")
    return suggestion if better > total else None


def _written(index, word):
    """A word of the spelling vocabulary (normalised: "securite", "الامن") as a record writes
    it ("sécurité", "الأمن"): a suggestion never drops the accents or hamza people read.
    Read from the index's stored spelling texts (the most common writing among a few records
    having the word), or from the records themselves when the index does not store them."""
    texts = index.spelling_texts(word)
    if texts is not None:
        writings = [
            written.lower()
            for text in texts
            for written in analysis.words(text)
            if analysis.spelling_word(written) == word
        ]
        return max(writings, key=writings.count) if writings else word
    found, _total, _facets, _query = index.search(word, {}, 1, 5, "")
    for kind, number in found:
        for record in documents.published(kind, [number]):
            for written in analysis.words(documents.document(kind, record)["spell"]):
                if analysis.spelling_word(written) == word:
                    return written.lower()
    return word


def warm_spelling():
    """Read "did you mean"'s dictionary before a worker answers anyone (warmup.py)."""
    index = backend()
    if index.exists():
        index.read_spelling()


def matching_ids(text, kind):
    """Ids of the published `kind` records that `text` finds, or None when the index cannot
    answer (callers then fall back to the database)."""
    text = (text or "").replace("\x00", " ")[:MAX_QUERY]
    try:
        return backend().ids(expand_places(text), kind)
    except IndexUnavailable as error:
        current_app.logger.warning("Map search degraded to the database: %s", error)
        return None


# Proper names in Latin script (codes such as "TOM" and lower-case romanisations left out).
LATIN_NAME = re.compile(r"^[A-ZÀ-Þ][a-zà-ɏ'-]{3,}( [A-ZÀ-Þ][a-zà-ɏ'-]+)*$")


def expand_places(text, limit=20):
    """Let a place name typed in one script or spelling find it written in another.

    "تمبكتو" becomes "(تمبكتو OR Timbuktu OR Tombouctou ... OR gn2449067 OR rgmltombouctou)":
    the gazetteer's Latin names find free text that names the town, and the place and region
    tokens find every record located there (documents index a token, not forty names).
    Words inside quotes, operators and short words are left alone.
    """
    if '"' in text:
        return text
    return " ".join(expand_place(word, limit) for word in text.split())


@lru_cache(maxsize=20_000)
def expand_place(word, limit=20):
    """One word of a query with the names and tokens of the places it names (see
    `expand_places`), or the word itself. Kept per word: the gazetteer is read once per process
    and never changes while it runs (`_forget_words` empties this too)."""
    places = matches(word)[:5] if len(word) >= 3 and word.upper() not in OPERATORS else []
    if not places:
        return word
    names = {gazetteer.fold(word): word}
    tokens = []
    for place in places:
        tokens.append(documents.place_token(place.geonameid))
        if place.admin1 and gazetteer.fold(place.admin1) == gazetteer.fold(place.name):
            tokens.append(documents.region_token(place.country, place.admin1))
    for name in (places[0].name, *places[0].alternate_names):
        if LATIN_NAME.match(name) and gazetteer.fold(name) not in names and len(names) < limit:
            names[gazetteer.fold(name)] = name
    quoted = [f'"{name}"' if " " in name else name for name in names.values()]
    return "(" + " OR ".join(quoted + list(dict.fromkeys(tokens))) + ")"


OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


def _summary(record, lang):
    from peacemap.i18n import localized

    return localized(record.summary, lang, record.language).text


def snippet(text, terms, width=220):
    """The part of `text` around the first matched word, as [(text, is_match)] pieces."""
    if not text:
        return []
    spans = matching_spans(text, terms)
    start = max(0, spans[0][0] - 60) if spans else 0
    if start > 0:  # begin on a word, not in the middle of one
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > (spans[-1][1] if spans else start) else end
    pieces, cursor = [], start
    for first, last in spans:
        if first < cursor or last > end:
            continue
        pieces.append((text[cursor:first], False))
        pieces.append((text[first:last], True))
        cursor = last
    pieces.append((text[cursor:end], False))
    if start > 0:
        pieces.insert(0, ("… ", False))
    if end < len(text):
        pieces.append((" …", False))
    return [piece for piece in pieces if piece[0]]


def _database_search(text, filters, page, per_page, truncated):
    """Name and summary matching in the database, when the index cannot answer."""
    from peacemap.directory.services import like_pattern

    hits = []
    pattern = like_pattern(text.strip())
    kinds = [filters["kind"]] if filters.get("kind") else list(documents.KINDS)
    for kind in kinds:
        model = documents.KINDS[kind]
        name = model.name if model is Organisation else cast(Initiative.title, String)
        stmt = model.published().where(
            or_(
                name.ilike(pattern, escape="\\"),
                cast(model.summary, String).ilike(pattern, escape="\\"),
            )
        )
        if kind == "organisation" and filters.get("country"):
            stmt = stmt.where(Organisation.country == filters["country"])
        hits += [Hit(kind, record) for record in db.session.scalars(stmt.limit(500))]
    total = len(hits)
    shown = hits[(page - 1) * per_page : page * per_page]
    return Results(shown, total, page, per_page, degraded=True, truncated=truncated)


# -- keeping the index in step -----------------------------------------------------------------
def reindex(kind, record_id):
    """Put a record in the index as it now is, or take it out if it is not published.

    Runs after commit (see effects.py); a failure is logged there and healed by a rebuild.
    """
    record = next(iter(documents.published(kind, [record_id])), None)
    index = backend()
    if not index.exists():
        return
    doc_id = documents.doc_id(kind, record_id)
    if record is None:
        index.update(remove=[doc_id])
    else:
        index.update(documents=[documents.document(kind, record)])
    versions.bump()  # search pages kept before the index had the change are stale now


def reindex_many(kind, ids, batch=500):
    """Put many records of one kind in the index as they now are, in few index updates (a
    Whoosh commit costs about 90 ms: an import of 1,000 records one by one took 90 s)."""
    index = backend()
    if not index.exists():
        return
    ids = sorted(ids)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        found = {record.id: record for record in documents.published(kind, chunk)}
        index.update(
            documents=[documents.document(kind, found[i]) for i in chunk if i in found],
            remove=[documents.doc_id(kind, i) for i in chunk if i not in found],
        )
    versions.bump()  # as after one record: no search page from before the update is kept


def erase(kind, record_id, others=()):
    """Take an erased record out of the index for good: remove its document, put the records
    whose documents named it (`others`, (kind, id) pairs: the initiatives an organisation took
    part in) in again as they now are, then compact the index so that no file keeps its words.
    Raises IndexUnavailable when the index cannot be written (a rebuild then heals it)."""
    index = backend()
    if index.exists():
        found, remove = [], [documents.doc_id(kind, record_id)]
        for other in sorted({other_kind for other_kind, _id in others}):
            ids = sorted({number for other_kind, number in others if other_kind == other})
            records = {record.id: record for record in documents.published(other, ids)}
            found += [documents.document(other, records[i]) for i in ids if i in records]
            remove += [documents.doc_id(other, i) for i in ids if i not in records]
        index.update(documents=found, remove=remove)
        index.compact()
    _forget_words()
    versions.bump()


def _forget_words():
    """Empty this process's caches of analysed words and parsed queries (an erased name may
    be among them)."""
    for cached in (
        analysis.normalise,
        analysis.arabic_stem,
        analysis._stem_word,
        analysis._indexed_form,
        analysis.word_spans,
        expand_place,
        _parse,
    ):
        cached.cache_clear()
    spelling.forget()


def rebuild(progress=None):
    """Index every published record into a new index and swap it in; returns the count."""
    count = backend().rebuild(documents.all_documents(), progress)
    versions.bump()
    return count


def published_count():
    """How many records a rebuild will index (for a progress bar)."""
    return len(documents.published_keys())


def health():
    """(ok, short reason) for /healthz: the index can be opened and searched."""
    try:
        index = backend()
        if not index.exists():
            return False, "missing: run `flask search rebuild`"
        index.search("", {}, 1, 1, "relevance")
    except IndexUnavailable:
        return False, "unavailable: run `flask search rebuild`"
    return True, "ok"


def check():
    """Differences between the database and the index: (missing, extra, stale) id lists."""
    wanted = documents.published_keys()
    try:
        indexed = backend().stored_keys()
    except IndexUnavailable:
        indexed = {}
    missing = sorted(set(wanted) - set(indexed))
    extra = sorted(set(indexed) - set(wanted))
    stale = sorted(key for key in set(wanted) & set(indexed) if wanted[key] != indexed[key])
    return missing, extra, stale
