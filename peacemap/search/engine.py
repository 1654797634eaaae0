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
"""

import heapq
import re
import threading
from array import array
from collections import OrderedDict

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
LEVELS = 255  # impacts are quantised to one byte
TOP = K1 + 1  # the largest value of the tf part of BM25
DIRECT = 1000  # up to this many matches, every match is scored; above, threshold algorithm
CANDIDATES = 6000  # MaxScore: when at most this many candidates remain, all are scored
SAMPLE = 200  # documents scored for MaxScore's lower bound
COMBINED = 5  # MaxScore: lists enumerated in every combination (2^5 intersections at most)
BUDGET = 800  # postings the threshold algorithm may read before MaxScore narrows the matches
CHUNK = 16  # documents taken from each list at a time by the threshold algorithm
KEYS_PER_SEGMENT = 20_000  # stored keys of shown documents kept per segment
CACHE_BYTES = 32 << 20  # posting lists kept per segment (least recently used are dropped)
ORDER_HEAD = 4096  # impact-ordered docnums kept per list for the threshold algorithm
_NONZERO = re.compile(rb"[^\x00]")


def bits_of(docnums, size):
    """A bitset (int) with these document numbers set."""
    bitmap = bytearray((size + 7) // 8)
    for docnum in docnums:
        bitmap[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(bitmap, "little")


def iter_bits(bits):
    """The document numbers set in a bitset, ascending."""
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for found in _NONZERO.finditer(raw):
        index = found.start()
        byte = raw[index]
        base = index << 3
        for shift in range(8):
            if byte >> shift & 1:
                yield base + shift


def bitmap_of(bits, size):
    """The bitset as bytes, for fast membership tests: bitmap[d >> 3] >> (d & 7) & 1."""
    return bits.to_bytes((size + 7) // 8 + 1, "little")


class Sparse(dict):
    """Impacts of a rare term: docnum -> level, 0 for the documents without it."""

    def __missing__(self, docnum):
        return 0


class Postings:
    """One term of one field in one segment."""

    __slots__ = ("bits", "count", "impacts", "order", "nbytes")

    def __init__(self, bits, count, impacts, order, size):
        self.bits = bits  # int: documents containing the term
        self.count = count
        # The quantised BM25 tf part of each document, 0 when absent: a byte per document of
        # the segment, or a dictionary for rare terms.
        self.impacts = impacts
        self.order = order  # docnums, highest impact first (the first ORDER_HEAD of them)
        dense = isinstance(impacts, bytearray)
        self.nbytes = size // 8 + (size if dense else 100 * count) + 4 * len(order) + 200

    @property
    def complete(self):
        return len(self.order) == self.count


EMPTY = Postings(0, 0, Sparse(), array("I"), 0)


class SegmentCache:
    """What has been read from one segment; valid for as long as the segment exists."""

    def __init__(self, size):
        self.size = size
        self.lock = threading.Lock()
        self.terms = OrderedDict()
        self.nbytes = 0
        self.lengths = {}
        self.facets = None
        self.columns = {}
        self.orders = {}
        self.keys = OrderedDict()  # docnum -> stored record key, for the documents shown

    def postings(self, reader, field, text):
        key = (field, text)
        with self.lock:
            found = self.terms.get(key)
            if found is not None:
                self.terms.move_to_end(key)
                return found
        found = self._read(reader, field, text)
        with self.lock:
            if key not in self.terms:
                self.terms[key] = found
                self.nbytes += found.nbytes
            while self.nbytes > CACHE_BYTES and len(self.terms) > 1:
                _key, dropped = self.terms.popitem(last=False)
                self.nbytes -= dropped.nbytes
        return found

    def _read(self, reader, field, text):
        if isinstance(text, str):
            text = text.encode("utf-8")
        if (field, text) not in reader:
            return EMPTY
        ids, freqs = _read_postings(reader.postings(field, text))
        lengths = self._lengths(reader, field)
        average = (reader.field_length(field) / (reader.doc_count_all() or 1)) or 1
        dense = len(ids) * 100 > self.size
        impacts = bytearray(self.size) if dense else Sparse()
        buckets = [[] for _ in range(LEVELS + 1)]
        levels = {}  # (tf, length) -> level: few distinct pairs
        for docnum, tf in zip(ids, freqs, strict=True):
            pair = (tf, lengths[docnum])
            level = levels.get(pair)
            if level is None:
                part = tf * TOP / (tf + K1 * ((1 - B) + B * pair[1] / average))
                level = levels[pair] = max(1, min(LEVELS, round(part / TOP * LEVELS)))
            impacts[docnum] = level
            buckets[level].append(docnum)
        order = array("I")
        for level in range(LEVELS, 0, -1):
            order.extend(buckets[level][: ORDER_HEAD - len(order)])
            if len(order) >= ORDER_HEAD:
                break
        return Postings(bits_of(ids, self.size), len(ids), impacts, order, self.size)

    def _lengths(self, reader, field):
        lengths = self.lengths.get(field)
        if lengths is None:
            lengths = _read_lengths(reader, field, self.size)
            self.lengths[field] = lengths
        return lengths

    def facet_bits(self, reader, names):
        """{(facet, value): bits} for every value of these fields in the segment."""
        if self.facets is None:
            facets = {}
            for name in names:
                for value in reader.lexicon(name):
                    ids, _ = _read_postings(reader.postings(name, value))
                    facets[(name, value.decode("utf-8"))] = bits_of(ids, self.size)
            self.facets = facets
        return self.facets

    def column(self, reader, field):
        """Every document's value of a sortable column, as a list."""
        values = self.columns.get(field)
        if values is None:
            values = list(reader.column_reader(field))
            self.columns[field] = values
        return values

    def order(self, reader, field, reverse):
        """Document numbers sorted on a column (ties in document order)."""
        key = (field, reverse)
        found = self.orders.get(key)
        if found is None:
            values = self.column(reader, field)
            found = array("I", sorted(range(self.size), key=values.__getitem__, reverse=reverse))
            if reverse:  # keep ties in document order, as Whoosh does
                found = array("I", _stable_reverse(found, values))
            self.orders[key] = found
        return found


def _scored(local, score, limit):
    """[(score, -docnum)] of the best `limit` documents of `local`, every one scored."""
    best = heapq.nlargest(limit, iter_bits(local), key=score)  # ties: lower docnum first
    return [(score(docnum), -docnum) for docnum in best]


def _threshold_top(local, lists, limit, size, score, budget):
    """The threshold algorithm, a chunk of each list at a time: walk the lists from their
    highest impacts; stop when no document not yet seen can beat the k-th best found.
    Returns None when more than `budget` postings would be needed."""
    bitmap = bitmap_of(local, size)
    heap, seen = [], set()
    lists = [
        (postings.order, postings.impacts, scale, postings.complete) for postings, scale in lists
    ]
    depth, deepest = 0, max(len(order) for order, _, _, _ in lists)
    while depth < deepest:
        if budget is not None and depth * len(lists) > budget:
            return None
        threshold = 0.0
        for order, impacts, scale, complete in lists:
            chunk = order[depth : depth + CHUNK]
            if not complete and len(chunk) < CHUNK:
                return None  # only the head of this list is kept: no bound beyond it
            if not chunk:
                continue
            threshold += impacts[chunk[-1]] * scale
            for docnum in chunk:
                if docnum in seen or not bitmap[docnum >> 3] >> (docnum & 7) & 1:
                    continue
                seen.add(docnum)
                entry = (score(docnum), -docnum)
                if len(heap) < limit:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)
        if len(heap) == limit and heap[0][0] >= threshold:
            break
        depth += CHUNK
    return heap


def _max_score_candidates(local, lists, limit, score):
    """The matches that can still be in the top `limit` (the MaxScore idea, on bitsets).

    A lower bound of the k-th best score (the floor) comes from real documents: those
    matching as many of the most valuable lists as possible. A document's score is at most
    the sum of the best contributions of the lists it is in. The few most valuable lists are
    enumerated in every combination; the rest count as if every document were in them. The
    candidates are the documents in a combination that can reach the floor: when names carry
    rare words, a few hundred documents out of tens of thousands.
    """
    bounds = sorted(
        ((postings.impacts[postings.order[0]] * scale, postings) for postings, scale in lists),
        key=lambda pair: pair[0],
        reverse=True,
    )
    rich = local
    for _bound, postings in bounds:
        narrower = rich & postings.bits
        if narrower.bit_count() >= 2 * limit:
            rich = narrower
    sample = []
    for docnum in iter_bits(rich):
        sample.append(docnum)
        if len(sample) == SAMPLE:
            break
    if len(sample) < limit:
        return local
    floor = heapq.nlargest(limit, map(score, sample))[-1]
    valuable, rest = bounds[:COMBINED], bounds[COMBINED:]
    slack = sum(bound for bound, _postings in rest)
    candidates = 0
    for mask in range(1, 1 << len(valuable)):
        chosen = [valuable[i] for i in range(len(valuable)) if mask >> i & 1]
        if sum(bound for bound, _postings in chosen) + slack < floor:
            continue
        bits = local
        for _bound, postings in chosen:
            bits &= postings.bits
        candidates |= bits
    if slack >= floor:  # the other lists alone could reach the floor
        candidates = local
    return candidates


def _read_lengths(reader, field, size):
    """Every document's length of `field` in a segment (as BM25 uses it).

    Whoosh 3 keeps lengths as one byte per document in a column file; reading the bytes at
    once is a hundred times faster than asking document by document, which stays the
    fallback for other codecs."""
    try:
        column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        raw = column._dbfile.get(column._basepos, column._count) if column is not None else b""
    except AttributeError:
        return array("I", (reader.doc_field_length(n, field) for n in range(size)))
    table = [0] + [byte_to_length(byte) for byte in range(1, 256)]
    lengths = array("I", (table[byte] for byte in raw[:size]))
    lengths.extend([0] * (size - len(lengths)))
    return lengths


def _scorer(weights):
    """A function: docnum -> score, for [(impacts, scale)] (unrolled for the usual sizes)."""
    if len(weights) == 1:
        ((w0, s0),) = weights
        return lambda d: w0[d] * s0
    if len(weights) == 2:
        (w0, s0), (w1, s1) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1
    if len(weights) == 3:
        (w0, s0), (w1, s1), (w2, s2) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2
    if len(weights) == 4:
        (w0, s0), (w1, s1), (w2, s2), (w3, s3) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2 + w3[d] * s3
    if len(weights) == 6:
        (w0, s0), (w1, s1), (w2, s2), (w3, s3), (w4, s4), (w5, s5) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2 + w3[d] * s3 + w4[d] * s4 + w5[d] * s5
    return lambda d: sum([w[d] * s for w, s in weights])


def _read_postings(matcher):
    """(docnums, term frequencies) of a posting list, ignoring deletions (masked later)."""
    matcher = getattr(matcher, "child", matcher)  # deletions are applied by the live mask
    ids, freqs = array("I"), array("f")
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        # Block by block (Whoosh 3 codec): its per-posting iteration is a Python call each.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            freqs.extend(matcher._weights)
            if matcher._lastblock:
                break
            matcher._next_block()
    else:  # postings stored inline with the term, or another codec
        while matcher.is_active():
            ids.append(matcher.id())
            freqs.append(matcher.weight())
            matcher.next()
    return ids, freqs


def _stable_reverse(order, values):
    """A descending order in which equal values keep ascending document numbers."""
    result, run = [], []
    for docnum in order:
        if run and values[run[-1]] != values[docnum]:
            result += sorted(run)
            run = []
        run.append(docnum)
    return result + sorted(run)


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

    def stored_key(self, docnum, field="id"):
        """A stored field of a global docnum, remembered for the documents shown often."""
        for reader, offset, cache in reversed(self.leaves):
            if docnum >= offset:
                local = docnum - offset
                with cache.lock:
                    found = cache.keys.get(local)
                if found is None:
                    found = reader.stored_fields(local)[field]
                    with cache.lock:
                        cache.keys[local] = found
                        if len(cache.keys) > KEYS_PER_SEGMENT:
                            cache.keys.popitem(last=False)
                return found
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
            for score, negative in self._segment_top(local, lists, limit, cache.size):
                best.append((score, negative - offset))
        best = heapq.nlargest(limit, best)
        return [-negative for _, negative in best]

    def _segment_top(self, local, lists, limit, size):
        """[(score, -docnum)] of the best local documents."""
        if not lists:  # nothing to score (an empty query): document order
            found = []
            for docnum in iter_bits(local):
                found.append((0.0, -docnum))
                if len(found) == limit:
                    break
            return found
        score = _scorer([(postings.impacts, scale) for postings, scale in lists])
        if local.bit_count() <= DIRECT:
            return _scored(local, score, limit)
        found = _threshold_top(local, lists, limit, size, score, BUDGET)
        if found is not None:
            return found
        # Many ties at the top (a rare word in names, common words in text): narrow first.
        candidates = _max_score_candidates(local, lists, limit, score)
        if candidates.bit_count() <= CANDIDATES:
            return _scored(candidates, score, limit)
        found = _threshold_top(candidates, lists, limit, size, score, None)
        return found if found is not None else _scored(candidates, score, limit)

    def sorted_top(self, matched, field, reverse, limit):
        """The first `limit` global docnums of `matched` ordered on a sortable column."""
        found = []
        for reader, offset, cache in self.leaves:
            local = (matched >> offset) & ((1 << cache.size) - 1)
            if not local:
                continue
            values = cache.column(reader, field)
            if local.bit_count() <= DIRECT:
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
