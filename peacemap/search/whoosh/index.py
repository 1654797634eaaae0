"""The Whoosh index in instance/search/: one live index, rebuilt beside it and swapped in."""

import os
import shutil
import threading
import time
from functools import lru_cache
from pathlib import Path

from whoosh import index
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, plugins
from whoosh.query import Every

from peacemap.search.analysis import spelling_analyzer, text_analyzer
from peacemap.search.whoosh import building
from peacemap.search.whoosh.engine import Engine, iter_bits
from peacemap.search.whoosh.spelling import Speller

FACETS = ("kind", "country", "region", "theme", "type", "verified")
SORTS = {"name": ("sort_name", False), "updated": ("updated", True)}
NAME_BOOST = 4.0  # a word in a name or acronym counts four times a word elsewhere
WRITE_TIMEOUT = 10  # seconds to wait for another writer before giving up (LockError)
# Processes writing segments during a rebuild (PEACEMAP_BUILD_PROCS, default: up to 2 cores),
# from PARALLEL_FROM records. Below it one process builds one segment (about 1,000 records a
# second): each search then ranks one segment, not one per process, which is 15 % faster at
# 10,000 records for a rebuild of 10 s rather than 5.
BUILD_PROCS = int(os.environ.get("PEACEMAP_BUILD_PROCS", 0)) or max(1, min(2, os.cpu_count() or 1))
PARALLEL_FROM = 20_000


def schema():
    """The index layout: names (boosted) and all other text, facet fields, sort fields."""
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        names=TEXT(analyzer=text_analyzer(), phrase=True),
        text=TEXT(analyzer=text_analyzer(), phrase=True),
        # Stored too: "did you mean" writes a word as the records write it, read from here.
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False, spelling=True, stored=True),
        country=KEYWORD(commas=True),
        region=KEYWORD(commas=True),
        theme=KEYWORD(commas=True),
        type=ID,
        verified=ID,
        # Values kept in columns only: indexing them as terms cost 17 postings a document.
        sort_name=COLUMN(VarBytesColumn()),
        updated=COLUMN(NumericColumn("q")),
        # What a result shows (documents.card): a page of results needs no record from the
        # database, only a check that each is still published as indexed.
        card=STORED,
    )


@lru_cache(maxsize=2048)
def _parser(group):
    parser = MultifieldParser(
        ["names", "text"], schema(), fieldboosts={"names": NAME_BOOST}, group=group
    )
    for plugin in (
        plugins.FieldsPlugin,
        plugins.WildcardPlugin,
        plugins.RangePlugin,
        plugins.BoostPlugin,
        plugins.FuzzyTermPlugin,
        plugins.RegexPlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser


@lru_cache(maxsize=2048)
def _parse(text, group):
    """Parsed queries are kept: Whoosh's parser takes milliseconds, visitors repeat queries."""
    return _parser(group).parse(text) if text.strip() else Every()


def _spelled(documents, layout):
    """The documents as a rebuild writes them.

    "Did you mean" needs each word once in the index, not once per record: a line (theme
    label, place, country name) already given is left out (once per share of a rebuild).
    """
    spelled = set()
    for document in documents:
        lines = [line for line in document["spell"].split("\n") if line not in spelled]
        spelled.update(lines)
        yield _fitted(document | {"spell": "\n".join(lines)}, layout)


def _fitted(document, layout):
    """The document as this index layout takes it (indexes built before the sort columns
    took text as terms, or before documents stored their card)."""
    if "card" not in layout:
        document = {name: value for name, value in document.items() if name != "card"}
    if isinstance(layout["sort_name"], COLUMN):
        return document | {"sort_name": document["sort_name"].encode("utf-8")}
    return document


class Hits(list):
    """[(kind, id)] of one page of results, with `cards`: {(kind, id): the stored card} of
    those whose document has one (indexes built before cards were stored have none)."""

    def __init__(self):
        super().__init__()
        self.cards = {}


class IndexUnavailable(RuntimeError):
    """The index is missing, locked or damaged; search falls back to the database."""


class WhooshIndex:
    """The live index of one instance folder, with a searcher reused until the index changes."""

    _searchers = {}  # per process: index folder -> open searcher
    _engines = {}  # per process: id of the open searcher -> its engine
    _lock = threading.Lock()

    def __init__(self, root):
        self.root = Path(root)

    # -- where the live index is ------------------------------------------------------------
    def live_dir(self):
        """The folder of the live index, as named in the CURRENT pointer file."""
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return self.root / name if name else None

    def exists(self):
        """True when a live index has been built."""
        live = self.live_dir()
        return live is not None and index.exists_in(live)

    def _open(self):
        live = self.live_dir()
        if live is None or not index.exists_in(live):
            raise IndexUnavailable("no search index: run `flask search rebuild`")
        try:
            return index.open_dir(live)
        except Exception as error:  # damaged files: Whoosh raises many kinds
            raise IndexUnavailable(f"search index unreadable: {error}") from error

    # -- reading ------------------------------------------------------------------------------
    def searcher(self):
        """A searcher on the live index, opened anew only when the index has changed."""
        live = self.live_dir()
        with self._lock:
            searcher = self._searchers.get(live)
            try:
                if searcher is None:
                    searcher = self._open().searcher()
                elif searcher.reader().generation() is None:
                    # An index without documents has an empty reader, which never says it is
                    # up to date and which Whoosh cannot refresh: open the index again.
                    searcher = self._open().searcher()
                elif not searcher.up_to_date():
                    # Not searcher.refresh(): Whoosh would reuse the reader of a segment whose
                    # deletions changed, and a removed or replaced document (a record hidden,
                    # or narrowed) would still be found by its old words. Segment caches are
                    # kept by segment id (engine.py), so opening anew costs little.
                    searcher = self._open().searcher()
            except IndexUnavailable:
                raise
            except Exception as error:
                self._searchers.pop(live, None)
                raise IndexUnavailable(f"search index unreadable: {error}") from error
            WhooshIndex._searchers = {live: searcher}  # a swapped-out index is let go
            return searcher

    def parse(self, text, group=AndGroup):
        """A query for `text`: words, "phrases", AND/OR/NOT; no field names or wildcards."""
        return _parse(text, group)

    def engine(self):
        """The bitset engine of the current searcher (one per index version)."""
        searcher = self.searcher()
        with self._lock:
            engine = self._engines.get(id(searcher))
            if engine is None or engine.searcher is not searcher:
                engine = Engine(searcher, FACETS)
                WhooshIndex._engines = {id(searcher): engine}
        return engine

    def search(self, text, filters, page, per_page, sort):
        """(hits as [(kind, id)], total, facet counts, query) for one page of results."""
        engine = self.engine()
        query = self.parse(text)
        allowed = engine.filter_bits(filters)
        matched = engine.match(query)
        if allowed is not None:
            matched &= allowed
        if not matched and text.strip():
            query = self.parse(text, OrGroup)  # no record has every word: any word will do
            matched = engine.match(query)
            if allowed is not None:
                matched &= allowed
        limit = page * per_page
        if sort in SORTS:
            field, reverse = SORTS[sort]
            docnums = engine.sorted_top(matched, field, reverse, limit)
        else:
            docnums = engine.top(matched, engine.scoring_terms(query), limit)
        hits = Hits()
        for docnum in docnums[(page - 1) * per_page :]:
            kind, number = engine.stored_key(docnum).split(":")
            hits.append((kind, int(number)))
            card = engine.card(docnum)
            if card is not None:
                hits.cards[hits[-1]] = card
        facets = engine.facet_counts(matched)
        return hits, matched.bit_count(), facets, query

    def ids(self, text, kind):
        """Ids of every `kind` record matching `text` (for the map: no ranking, no page)."""
        engine = self.engine()
        allowed = engine.filter_bits({"kind": kind})
        for group in (AndGroup, OrGroup):
            matched = engine.match(self.parse(text, group)) & allowed
            if matched:
                break
        return {int(engine.stored_key(n).split(":")[1]) for n in iter_bits(matched)}

    def suggest(self, text):
        """[(word as typed, close known word or None)] when some words of `text` are unknown
        to the index, else None (from the dictionary of `spelling.py`, read once per segment)."""
        speller = Speller(self.searcher())
        changed, words = False, []
        for token in spelling_analyzer()(text, keeporiginal=True):
            known = None
            if not speller.known(token.text):
                known = speller.suggest(token.text)
                changed = changed or known is not None
            words.append((token.original, known))
        return words if changed else None

    def read_spelling(self):
        """Read the spelling dictionary of every segment now (a worker warming up)."""
        Speller(self.searcher()).read()

    def spelling_texts(self, word, limit=5):
        """The stored spelling texts (names, themes, places) of up to `limit` live documents
        having this spelling word, or None when this index does not store them."""
        engine = self.engine()
        if not engine.searcher.schema["spell"].stored:
            return None
        texts = []
        for docnum in iter_bits(engine.term_bits("spell", word) & engine.live)[:limit]:
            texts.append(engine.stored(docnum).get("spell", ""))
        return texts

    def stored_keys(self):
        """{doc id: updated} of everything in the live index (for `flask search check`)."""
        searcher = self.searcher()
        keys = {}
        for reader, _offset in searcher.reader().leaf_readers():
            if not reader.doc_count_all():
                continue
            updated = list(reader.column_reader("updated"))
            for docnum in reader.all_doc_ids():
                keys[reader.stored_fields(docnum)["id"]] = updated[docnum]
        return keys

    # -- writing ------------------------------------------------------------------------------
    def update(self, documents=(), remove=()):
        """Add or replace these documents and remove these ids, in one commit."""
        ix = self._open()
        writer = ix.writer(timeout=WRITE_TIMEOUT)
        try:
            for doc_id in remove:
                writer.delete_by_term("id", doc_id)
            for document in documents:
                writer.update_document(**_fitted(document, ix.schema))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def compact(self):
        """Merge every segment into one without the deleted documents: until then a deleted
        document's words stay in its segment's files (an erasure needs them gone)."""
        ix = self._open()
        ix.writer(timeout=WRITE_TIMEOUT).commit(optimize=True)
        with self._lock:  # let go of the old segments and everything read from them
            WhooshIndex._searchers = {}
            WhooshIndex._engines = {}

    def rebuild(self, documents, progress=None):
        """Build a new index beside the live one, then swap it in atomically.

        Documents that can be `split` (documents.Published) are built by BUILD_PROCS
        processes, each writing one segment; any other iterable by this process alone.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"index-{time.time_ns()}"
        folder = self.root / name
        folder.mkdir()
        parallel = hasattr(documents, "split") and len(documents) >= PARALLEL_FROM
        shares = documents.split(BUILD_PROCS) if parallel else [documents]
        layout = schema()
        try:
            count = building.build(
                folder, layout, [_spelled(share, layout) for share in shares], progress
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(name)
        os.replace(pointer, self.root / "CURRENT")  # readers see the old or the new, never half
        for old in self.root.glob("index-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        return count
