"""The Whoosh index in instance/search/: one live index, rebuilt beside it and swapped in."""

import os
import shutil
import threading
import time
from collections import Counter
from itertools import chain
from pathlib import Path

from whoosh import index
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, plugins
from whoosh.query import And, Every, Term

from peacemap.search.analysis import spelling_analyzer, text_analyzer

FACETS = ("kind", "country", "region", "theme", "type", "verified")
NAME_BOOST = 4.0  # a word in a name or acronym counts four times a word elsewhere
WRITE_TIMEOUT = 10
BUILD_PROCS = max(
    1, min(2, os.cpu_count() or 1)
)  # seconds to wait for another writer before giving up (LockError)


def schema():
    """The index layout: names (boosted) and all other text, facet fields, sort fields."""
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        names=TEXT(analyzer=text_analyzer(), phrase=True),
        text=TEXT(analyzer=text_analyzer(), phrase=True),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False, spelling=True),
        country=KEYWORD(commas=True),
        region=KEYWORD(commas=True),
        theme=KEYWORD(commas=True),
        type=ID,
        verified=ID,
        sort_name=ID(sortable=True),
        updated=NUMERIC(stored=True, sortable=True, bits=64),
    )


class IndexUnavailable(RuntimeError):
    """The index is missing, locked or damaged; search falls back to the database."""


class WhooshIndex:
    """The live index of one instance folder, with a searcher reused until the index changes."""

    _searchers = {}  # per process: index folder -> open searcher
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
        """A searcher on the live index, refreshed only when the index has changed."""
        live = self.live_dir()
        with self._lock:
            searcher = self._searchers.get(live)
            try:
                if searcher is None:
                    searcher = self._open().searcher()
                elif not searcher.up_to_date():
                    searcher = searcher.refresh()
            except IndexUnavailable:
                raise
            except Exception as error:
                self._searchers.pop(live, None)
                raise IndexUnavailable(f"search index unreadable: {error}") from error
            WhooshIndex._searchers = {live: searcher}  # a swapped-out index is let go
            return searcher

    def parse(self, text, group=AndGroup):
        """A query for `text`: words, "phrases", AND/OR/NOT; no field names or wildcards."""
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
        return parser.parse(text) if text.strip() else Every()

    def search(self, text, filters, page, per_page, sort):
        """(hits as [(kind, id)], total, facet counts, query) for one page of results."""
        searcher = self.searcher()
        query = self.parse(text)
        results = self._run(searcher, query, filters, page * per_page, sort)
        if results.scored_length() == 0 and text.strip():
            query = self.parse(text, OrGroup)  # no page has every word: any word will do
            results = self._run(searcher, query, filters, page * per_page, sort)
        matched = results.docs()
        hits = [
            tuple(results[i]["id"].split(":"))
            for i in range((page - 1) * per_page, min(results.scored_length(), page * per_page))
        ]
        facets = self._count_facets(searcher, matched)
        return [(kind, int(number)) for kind, number in hits], len(matched), facets, query

    def ids(self, text, kind):
        """Ids of every `kind` record matching `text` (for the map: no ranking, no page)."""
        searcher = self.searcher()
        for group in (AndGroup, OrGroup):
            results = searcher.search(
                self.parse(text, group), limit=None, filter=Term("kind", kind)
            )
            if not results.is_empty():
                break
        return {int(searcher.stored_fields(n)["id"].split(":")[1]) for n in results.docs()}

    def _run(self, searcher, query, filters, limit, sort):
        terms = [Term(name, value) for name, value in filters.items() if value]
        sortedby, reverse = {
            "name": ("sort_name", False),
            "updated": ("updated", True),
        }.get(sort, (None, False))
        return searcher.search(
            query,
            limit=limit,
            filter=And(terms) if terms else None,
            sortedby=sortedby,
            reverse=reverse,
        )

    def _count_facets(self, searcher, matched):
        """{facet: {value: count}} over the matched documents, from a per-searcher table."""
        table = self._facet_table(searcher)
        counts = Counter(chain.from_iterable(table[docnum] for docnum in matched))
        facets = {name: {} for name in FACETS}
        for (name, value), count in counts.items():
            facets[name][value] = count
        return facets

    _tables = {}

    def _facet_table(self, searcher):
        """For each document, its (facet, value) pairs: built once per index version.

        Whoosh's own grouping rebuilds this on every search (about 0.3 s at 10,000
        documents); here it is kept with the searcher until the index changes.
        """
        key = id(searcher)
        table = self._tables.get(key)
        if table is None:
            reader = searcher.reader()
            table = [() for _ in range(reader.doc_count_all())]
            for name in FACETS:
                for value in reader.lexicon(name):
                    pair = (name, value.decode("utf-8"))
                    for docnum in reader.postings(name, value).all_ids():
                        table[docnum] = (*table[docnum], pair)
            WhooshIndex._tables = {key: table}
        return table

    def suggest(self, text):
        """A corrected query when some of its words are unknown to the index, else None."""
        searcher = self.searcher()
        corrector = searcher.corrector("spell")
        reader = searcher.reader()
        changed, words = False, []
        for token in spelling_analyzer()(text):
            word = token.text
            if reader.doc_frequency("spell", word) == 0:
                found = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
                if found:
                    word, changed = found[0], True
            words.append(word)
        return " ".join(words) if changed else None

    def stored_keys(self):
        """{doc id: updated} of everything in the live index (for `flask search check`)."""
        searcher = self.searcher()
        return {fields["id"]: fields["updated"] for fields in searcher.all_stored_fields()}

    # -- writing ------------------------------------------------------------------------------
    def update(self, documents=(), remove=()):
        """Add or replace these documents and remove these ids, in one commit."""
        ix = self._open()
        writer = ix.writer(timeout=WRITE_TIMEOUT)
        try:
            for doc_id in remove:
                writer.delete_by_term("id", doc_id)
            for document in documents:
                writer.update_document(**document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents, progress=None):
        """Build a new index beside the live one, then swap it in atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"index-{time.time_ns()}"
        folder = self.root / name
        folder.mkdir()
        ix = index.create_in(folder, schema())
        # Both cores, each writing its own segment; no final merge (searches read them all).
        writer = ix.writer(procs=BUILD_PROCS, limitmb=128, multisegment=BUILD_PROCS > 1)
        count = 0
        try:
            for document in documents:
                writer.add_document(**document)
                count += 1
                if progress:
                    progress(count)
        except BaseException:
            writer.cancel()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        writer.commit()
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(name)
        os.replace(pointer, self.root / "CURRENT")  # readers see the old or the new, never half
        for old in self.root.glob("index-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        return count
