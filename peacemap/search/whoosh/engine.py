"""Fast answers from a Whoosh index: cached per-segment bitsets and term impacts.

Whoosh's own matchers walk every posting in Python, which costs hundreds of milliseconds when
a word is in most of 100,000 documents. This module reads each posting list once per segment,
keeps it as a bitset (a Python int: AND, OR and counting run in C) and as BM25 impacts, and
answers from those until the segment goes away. A commit adds a small segment and marks
deletions; the big segment's cache stays valid, so an approval costs little.

- matching: the parsed Whoosh query is evaluated on bitsets (Phrase and any unusual node
  fall back to Whoosh for that part);
- counting and facets: popcounts of the matched set ANDed with each facet value's bitset;
- ranking: BM25 (Whoosh's formula and idf, impacts quantised to a byte), top k found by the
  threshold algorithm over impact-ordered lists, or by scoring every match when few;
- sorting by name or date: per-segment orders from the sortable columns.

What is read from a segment lives in `segments.py`; the ranking algorithms in `ranking.py`.
"""

import heapq
import threading

from whoosh import query as wq

from peacemap.search.whoosh import ranking
from peacemap.search.whoosh.ranking import segment_top
from peacemap.search.whoosh.segments import (
    LEVELS,
    TOP,
    SegmentCache,
    _stable_reverse,
    bitmap_of,
    bits_of,
    iter_bits,
)


class Engine:
    """Query evaluation for one open Whoosh searcher (one index version)."""

    _segments = {}  # segment id -> SegmentCache, shared by the searchers of a process
    _lock = threading.Lock()

    def __init__(self, searcher, facet_names):
        self.searcher = searcher
        self.leaves = []  # (reader, offset, cache)
        live = 0
        kept = {}
        for reader, offset in searcher.reader().leaf_readers():
            segment = reader.segment()
            key = segment.segment_id() if segment is not None else id(reader)
            size = reader.doc_count_all()
            with self._lock:
                cache = self._segments.get(key) or SegmentCache(size)
            kept[key] = cache
            self.leaves.append((reader, offset, cache))
            deleted = reader.deleted_docs_set if reader.has_deletions() else ()
            segment_live = (1 << size) - 1
            if deleted:
                segment_live &= ~bits_of(deleted, size)
            live |= segment_live << offset
        with self._lock:
            Engine._segments = kept  # segments no longer in the index are let go
        self.size = searcher.reader().doc_count_all()
        self.live = live
        self.facet_names = facet_names
        self._facets = None

    def stored_key(self, docnum):
        """The record key ("organisation:12") of a global docnum."""
        for reader, offset, cache in reversed(self.leaves):
            if docnum >= offset:
                return cache.stored_key(reader, docnum - offset)
        raise IndexError(docnum)

    def stored(self, docnum):
        """Every stored field of a global docnum."""
        for reader, offset, _cache in reversed(self.leaves):
            if docnum >= offset:
                return reader.stored_fields(docnum - offset)
        raise IndexError(docnum)

    def card(self, docnum):
        """The stored card (documents.card) of a global docnum, or None."""
        for reader, offset, cache in reversed(self.leaves):
            if docnum >= offset:
                return cache.card(reader, docnum - offset)
        raise IndexError(docnum)

    # -- matching ------------------------------------------------------------------------------
    def term_bits(self, field, text):
        bits = 0
        for reader, offset, cache in self.leaves:
            found = cache.postings(reader, field, text)
            if found.count:
                bits |= found.bits << offset
        return bits

    def match(self, q):
        """The bitset of live documents matching a parsed Whoosh query."""
        return self._match(q) & self.live

    def _match(self, q):
        if isinstance(q, wq.Term):
            return self.term_bits(q.fieldname, q.text)
        if isinstance(q, wq.And):
            bits = self.live
            for sub in q.subqueries:
                bits &= self._match(sub)
                if not bits:
                    break
            return bits
        if isinstance(q, wq.Or):
            bits = 0
            for sub in q.subqueries:
                bits |= self._match(sub)
            return bits
        if isinstance(q, wq.Not):
            return self.live & ~self._match(q.query)
        if isinstance(q, wq.AndNot):
            return self._match(q.a) & ~self._match(q.b)
        if isinstance(q, wq.AndMaybe):
            return self._match(q.a)
        if isinstance(q, wq.Every):
            return self.live
        if q is wq.NullQuery:
            return 0
        # Phrases and anything else: Whoosh answers that part itself.
        return bits_of(q.docs(self.searcher), self.size)

    def scoring_terms(self, q, positive=True):
        """[(field, text, boost)] of the words that add to a match's score."""
        if isinstance(q, wq.Term):
            return [(q.fieldname, q.text, q.boost)] if positive else []
        if isinstance(q, wq.Phrase):
            return [(q.fieldname, word, q.boost) for word in q.words] if positive else []
        if isinstance(q, wq.Not):
            return []
        if isinstance(q, wq.AndNot):
            return self.scoring_terms(q.a, positive)
        if isinstance(q, (wq.AndMaybe,)):
            return self.scoring_terms(q.a, positive) + self.scoring_terms(q.b, positive)
        if isinstance(q, wq.compound.CompoundQuery):
            return [term for sub in q.subqueries for term in self.scoring_terms(sub, positive)]
        return []

    # -- facets ------------------------------------------------------------------------------------
    def facet_bits(self):
        """{(facet, value): global bits}, built once per index version."""
        if self._facets is None:
            facets = {}
            for reader, offset, cache in self.leaves:
                for key, bits in cache.facet_bits(reader, self.facet_names).items():
                    facets[key] = facets.get(key, 0) | bits << offset
            self._facets = facets
        return self._facets

    def facet_counts(self, matched):
        counts = {name: {} for name in self.facet_names}
        for (name, value), bits in self.facet_bits().items():
            count = (matched & bits).bit_count()
            if count:
                counts[name][value] = count
        return counts

    def filter_bits(self, filters):
        """The bitset allowed by exact-value filters ({facet: value}), or None for no filter."""
        bits = None
        table = self.facet_bits()
        for name, value in filters.items():
            if value:
                found = table.get((name, value), 0)
                bits = found if bits is None else bits & found
        return bits

    # -- ranking and sorting ---------------------------------------------------------------------
    def top(self, matched, terms, limit):
        """The best `limit` global docnums of `matched` by BM25 over `terms`."""
        if limit <= 0 or not matched:
            return []
        scales = {}
        for field, text, boost in terms:
            scale = self.searcher.idf(field, text) * boost * TOP / LEVELS
            scales[(field, text)] = scales.get((field, text), 0) + scale
        best = []
        for reader, offset, cache in self.leaves:
            local = (matched >> offset) & ((1 << cache.size) - 1)
            if not local:
                continue
            lists = [
                (cache.postings(reader, field, text), scale)
                for (field, text), scale in scales.items()
            ]
            lists = [(postings, scale) for postings, scale in lists if postings.count]
            for score, negative in segment_top(local, lists, limit, cache.size):
                best.append((score, negative - offset))
        best = heapq.nlargest(limit, best)
        return [-negative for _, negative in best]

    def sorted_top(self, matched, field, reverse, limit):
        """The first `limit` global docnums of `matched` ordered on a sortable column."""
        found = []
        for reader, offset, cache in self.leaves:
            local = (matched >> offset) & ((1 << cache.size) - 1)
            if not local:
                continue
            values = cache.column(reader, field)
            if local.bit_count() <= ranking.DIRECT:
                docs = sorted(iter_bits(local), key=values.__getitem__, reverse=reverse)
                if reverse:
                    docs = _stable_reverse(docs, values)
                docs = docs[:limit]
            else:
                bitmap = bitmap_of(local, cache.size)
                docs = []
                for docnum in cache.order(reader, field, reverse):
                    if bitmap[docnum >> 3] >> (docnum & 7) & 1:
                        docs.append(docnum)
                        if len(docs) == limit:
                            break
            found += [(values[d], offset + d) for d in docs]
        if reverse:
            found.sort(key=lambda pair: (_Reversed(pair[0]), pair[1]))
        else:
            found.sort()
        return [docnum for _, docnum in found[:limit]]


class _Reversed:
    """Sorts a value in descending order inside an ascending sort key."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __eq__(self, other):
        return self.value == other.value
