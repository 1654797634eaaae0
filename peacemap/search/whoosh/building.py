"""A rebuild's index, written straight through Whoosh's codec by one process per share.

Whoosh's SegmentWriter pickles every posting into an external sort pool, reads the pool back
sorted and looks up each posting's field length again: about 2 ms of CPU per document here.
A rebuild adds its documents in order and all at once, so `SegmentBuilder` keeps a segment's
postings in memory (per term: document numbers, weights, encoded positions) and hands them to
the codec's own per-document and field writers (terms in one block are written by
`_write_short_term` in the codec's format). Whoosh reads the same postings, lengths, stored
fields and columns as from SegmentWriter's files (tests/test_search_building.py compares them);
only posting lists under COMPRESS_FROM documents are left uncompressed, which the codec's
reader takes as it is. Our engine and later commits read the index as any other.
"""

import gc
import shutil
import zlib
from array import array
from multiprocessing import get_context
from pickle import dumps

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Frequency, Positions
from whoosh.index import _DEF_INDEX_NAME, TOC, clean_files
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import delta_encode

from peacemap.search.analysis import (
    indexed_word,
    spelling_analyzer,
    spelling_word,
    text_analyzer,
    words,
)

PROGRESS_EVERY = 100  # documents between two progress reports
# Posting lists shorter than this are written uncompressed: zlib costs 30 microseconds a call
# however little it is given, and most terms (numbers, acronyms) are in one document.
COMPRESS_FROM = 8


class SegmentBuilder:
    """One new segment: documents are added in order, its files written by `finish()`."""

    def __init__(self, storage, schema, indexname=_DEF_INDEX_NAME):
        self.codec = default_codec()
        self.storage = storage
        self.schema = schema
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.count = 0
        self.fields = {}  # name -> (field, inverter, postings {term: (docnums, weights, values)})
        for name, field in schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: vectors and spelling fields are not built")
            if field.indexed:
                self.fields[name] = (field, _inverter(field), {})
        # Each scorable field's length in every document, as the length column keeps it.
        self.lengths = {name: array("I") for name, field in schema.items() if field.scorable}

    def add(self, document):
        """Add a document, as SegmentWriter.add_document does (no boosts, no `_` keys)."""
        docnum = self.count
        perdoc = self.perdoc
        perdoc.start_doc(docnum)
        for lengths in self.lengths.values():
            lengths.append(0)
        for name in sorted(document):
            value = document[name]
            if value is None or name.startswith("_"):
                continue
            length = 0
            if name in self.fields:
                field, invert, postings = self.fields[name]
                for term, freq, weight, encoded in invert(value):
                    found = postings.get(term)
                    if found is None:
                        found = postings[term] = (array("I"), array("f"), [])
                    found[0].append(docnum)
                    found[1].append(weight)
                    found[2].append(encoded)
                    length += freq
                if field.scorable:
                    self.lengths[name][docnum] = byte_to_length(length_to_byte(length))
                else:
                    length = 0
            else:
                field = self.schema[name]
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self.count += 1

    def finish(self):
        """Write the postings and assemble the segment's files; returns the segment."""
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        compression = self.codec._compression
        blocklimit = self.codec._blocklimit
        for name in sorted(self.fields):
            field, _invert, postings = self.fields[name]
            if not postings:
                continue
            lengths = self.lengths.get(name)
            writer.start_field(name, field)
            fixed_size = field.format.fixed_value_size()
            for term in sorted(postings):
                docnums, weights, values = postings.pop(term)  # let memory go as we write
                if len(docnums) <= blocklimit:  # most terms
                    _write_short_term(writer, term, docnums, weights, values, lengths, fixed_size)
                    continue
                writer.start_term(term)
                _add_postings(writer._postwriter, docnums, weights, values, lengths, compression)
                writer.finish_term()
            writer.finish_field()
        writer.close()
        self.segment.set_doc_count(self.count)
        if self.segment.should_assemble():
            self.segment.create_compound_file(self.storage)
            self.segment.compound = True
        return self.segment


def _add_postings(postwriter, docnums, weights, values, lengths, compression):
    """Give a term's postings to the codec's postings writer a block at a time, leaving the
    last block for finish_term(): what its add_posting() does one posting at a time, with
    checks that cost more than the writing."""
    limit = postwriter._blocklimit
    postwriter._compression = compression if len(docnums) >= COMPRESS_FROM else 0
    for start in range(0, len(docnums), limit):
        if start:
            postwriter._write_block()
        block = docnums[start : start + limit]
        postwriter._ids = block
        postwriter._weights = weights[start : start + limit]
        postwriter._values = [encoded for encoded in values[start : start + limit] if encoded]
        postwriter._maxweight = max(0, *postwriter._weights)
        known = [lengths[docnum] for docnum in block if lengths[docnum]] if lengths else ()
        postwriter._minlength = min(known) if known else None
        postwriter._maxlength = max(known, default=0)


def _write_short_term(writer, term, docnums, weights, values, lengths, fixed_size):
    """Write a term whose postings fit in one block, as W3PostingsWriter writes it (block
    header, pickled block, term info), without its per-posting and per-block bookkeeping:
    most terms are in a few documents, and for them that bookkeeping is most of the cost."""
    postfile = writer._postfile
    start = postfile.tell()
    known = [lengths[docnum] for docnum in docnums if lengths[docnum]] if lengths else ()
    minlength = min(known) if known else None
    maxlength = max(known, default=0)
    maxweight = max(0, *weights)
    if all(weight == 1.0 for weight in weights):
        packed_weights = None
    elif all(weight == weights[0] for weight in weights):
        packed_weights = weights[0]
    else:
        packed_weights = tuple(weights)
    values = [encoded for encoded in values if encoded]
    if fixed_size is None:
        packed_values = tuple(values)
    elif fixed_size == 0:
        packed_values = None
    else:
        packed_values = b"".join(values)
    data = dumps((tuple(delta_encode(docnums)), packed_weights, packed_values), 2)
    compression = 0
    if len(docnums) >= COMPRESS_FROM:
        compression = writer._codec._compression
        data = zlib.compress(data, compression)
    info = dumps(
        (
            len(docnums),
            docnums[-1],
            maxweight,
            compression,
            length_to_byte(minlength),
            length_to_byte(maxlength),
        ),
        2,
    )
    postfile.write(WHOOSH3_HEADER_MAGIC)
    postfile.write_int(-(len(info) + len(data)))  # negative: the last block
    postfile.write(info)
    postfile.write(data)
    terminfo = W3TermInfo(
        weight=sum(weights),
        df=len(docnums),
        minlength=minlength,
        maxlength=maxlength,
        maxweight=maxweight,
        minid=docnums[0],
        maxid=docnums[-1],
    )
    terminfo.set_extent(start, postfile.tell() - start)
    writer._tindex.add(pack_ushort(writer._fieldid) + term, terminfo.to_bytes())


def _inverter(field):
    """A function: field value -> [(term bytes, frequency, weight, encoded value)], what
    `field.index(value)` yields, computed faster for the analyzers that work word by word."""
    boost = field.format.field_boost
    if field.analyzer == text_analyzer() and type(field.format) is Positions:
        terms = _Remembered(_as_bytes(indexed_word), limit=1_000_000)
        encodings = _Remembered(field.format.encode)

        def invert(value):
            positions = {}
            position = None
            # As TextAnalyzer numbers them: the first word kept keeps its place among all
            # words, the following ones are numbered on from it.
            for index, word in enumerate(words(value)):
                term = terms[word]
                if term is not None:
                    position = index if position is None else position + 1
                    found = positions.get(term)
                    if found is None:
                        positions[term] = [position]
                    else:
                        found.append(position)
            return [
                (term, len(found), len(found) * boost, encodings[tuple(found)])
                for term, found in positions.items()
            ]

        return invert
    if field.analyzer == spelling_analyzer() and type(field.format) is Frequency:
        terms = _Remembered(_as_bytes(spelling_word), limit=1_000_000)

        def invert(value):
            counts = {}
            for word in words(value):
                term = terms[word]
                if term is not None:
                    counts[term] = counts.get(term, 0) + 1
            return [(term, n, n * boost, pack_uint(n)) for term, n in counts.items()]

        return invert
    if field.unique:
        return lambda value: list(field.index(value))
    return _Remembered(lambda value: list(field.index(value))).__getitem__  # facets repeat


class _Remembered(dict):
    """function(key), computed once per key (a dictionary: a known key costs no call)."""

    def __init__(self, function, limit=200_000):
        super().__init__()
        self.function = function
        self.limit = limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        found = self[key] = self.function(key)
        return found


def _as_bytes(word_term):
    """word -> word_term(word) encoded as UTF-8 (None stays None)."""

    def term(word):
        found = word_term(word)
        return found.encode("utf-8") if found is not None else None

    return term


def build(folder, schema, shares, progress=None):
    """A new index in `folder` with a segment per share of the documents; returns the count.

    The first share is built in this process, each other in a forked process of its own
    (a share read in a child must open its own database connection). If this process is
    killed, its helpers are in its process group; if a helper fails, so does the build.
    """
    storage = FileStorage(str(folder)).create()
    context = get_context("fork")
    helpers = []
    for share in shares[1:]:
        receiver, sender = context.Pipe(duplex=False)
        counter = context.Value("q", 0, lock=False)
        helper = context.Process(
            target=_build_in_helper, args=(storage, schema, share, sender, counter), daemon=True
        )
        helper.start()
        sender.close()
        helpers.append((helper, receiver, counter))

    def report(count):
        if progress:
            progress(count + sum(counter.value for _, _, counter in helpers))

    try:
        segments = [_build_segment(storage, schema, shares[0], report)]
        for helper, receiver, _counter in helpers:
            while not receiver.poll(0.2):
                report(segments[0].doc_count_all())
            segments.append(_outcome(receiver.recv()))
            helper.join()
    except BaseException:
        for helper, _receiver, _counter in helpers:
            if helper.is_alive():
                helper.terminate()
                helper.join()
        raise
    report(segments[0].doc_count_all())
    segments = [segment for segment in segments if segment.doc_count_all()]
    TOC(schema, segments, 0).write(storage, _DEF_INDEX_NAME)
    clean_files(storage, _DEF_INDEX_NAME, 0, segments)  # the files of empty segments
    shutil.rmtree(folder / f"{_DEF_INDEX_NAME}.tmp", ignore_errors=True)  # the column writers'
    return sum(segment.doc_count_all() for segment in segments)


def _build_segment(storage, schema, documents, report):
    # The postings are millions of small lists and tuples kept to the end, without cycles:
    # Python's cyclic collector would walk them (and all the process holds) again and again,
    # a fifth of the CPU time at 100,000 records. Reference counting frees what is let go.
    collecting = gc.isenabled()
    gc.disable()
    try:
        builder = SegmentBuilder(storage, schema)
        for document in documents:
            builder.add(document)
            if builder.count % PROGRESS_EVERY == 0:
                report(builder.count)
        report(builder.count)
        return builder.finish()
    finally:
        if collecting:
            gc.enable()


def _build_in_helper(storage, schema, share, sender, counter):
    """A forked helper: build a segment, send it back (or what went wrong)."""

    def report(count):
        counter.value = count

    try:
        sender.send(_build_segment(storage, schema, share, report))
    except BaseException as error:  # the parent raises it
        sender.send(RuntimeError(f"search index helper failed: {error!r}"))
    finally:
        sender.close()


def _outcome(received):
    if isinstance(received, BaseException):
        raise received
    return received
