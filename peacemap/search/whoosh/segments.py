"""What the search engine reads from one Whoosh segment, kept until the segment goes away.

A posting list becomes a bitset (a Python int: AND, OR and counting run in C), a byte of BM25
impact per document and the head of the list in impact order. Segments never change once
written (deletions are masked by the engine), so a commit, which adds a small segment, keeps
the big segment's cache.
"""

import re
import threading
from array import array
from collections import OrderedDict
from itertools import compress

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
LEVELS = 255  # impacts are quantised to one byte
TOP = K1 + 1  # the largest value of the tf part of BM25
KEYS_PER_SEGMENT = 20_000  # stored keys of shown documents kept per segment
CARDS_PER_SEGMENT = 2_000  # stored cards of the documents shown most recently, per segment
_MISSING = object()
CACHE_BYTES = 32 << 20  # posting lists kept per segment (least recently used are dropped)
ORDER_HEAD = 4096  # impact-ordered docnums kept per list for the threshold algorithm
_ONE = re.compile("1")
_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


def bits_of(docnums, size):
    """A bitset (int) with these document numbers set."""
    bitmap = bytearray((size + 7) // 8)
    for docnum in docnums:
        bitmap[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(bitmap, "little")


def iter_bits(bits):
    """The document numbers set in a bitset, ascending, as a list.

    Built by C-level string and iterator functions, not a Python step per bit: the positions
    of "1" in the bitset's binary digits, or for dense sets every position filtered by its digit.
    """
    if not bits:
        return []
    digits = bin(bits)[:1:-1]  # lowest bit first
    if bits.bit_count() * 4 > len(digits):
        return list(compress(range(len(digits)), digits.encode("ascii").translate(_DIGITS)))
    return [found.start() for found in _ONE.finditer(digits)]


def first_bits(bits, limit, window=4096):
    """The lowest `limit` document numbers set in a bitset, without listing them all."""
    found, base = [], 0
    mask = (1 << window) - 1
    while bits and len(found) < limit:
        found += [base + docnum for docnum in iter_bits(bits & mask)]
        bits >>= window
        base += window
    return found[:limit]


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
        self.cards = OrderedDict()  # docnum -> stored card, for the documents shown

    def stored_key(self, reader, docnum):
        """The stored record key of a document, remembered for the documents shown often."""
        with self.lock:
            found = self.keys.get(docnum)
        if found is None:
            found = reader.stored_fields(docnum)["id"]
            with self.lock:
                self.keys[docnum] = found
                if len(self.keys) > KEYS_PER_SEGMENT:
                    self.keys.popitem(last=False)
        return found

    def card(self, reader, docnum):
        """The stored card of a document (None in indexes built before cards), remembered
        for the documents shown often."""
        with self.lock:
            found = self.cards.get(docnum, _MISSING)
            if found is not _MISSING:
                self.cards.move_to_end(docnum)
                return found
        found = reader.stored_fields(docnum).get("card")
        with self.lock:
            self.cards[docnum] = found
            if len(self.cards) > CARDS_PER_SEGMENT:
                self.cards.popitem(last=False)
        return found

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
