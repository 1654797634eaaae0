"""PeaceMap's search engine on a Whoosh index: what it does, what it relies on, and why.

Nothing outside `peacemap/search/` imports this package (an import-linter contract in
pyproject.toml); the rest of the site goes through `peacemap.search.service`.

Modules
-------
- `index.py`: the `WhooshIndex` backend: schema, parsing, writing, rebuild and the searcher.
- `building.py`: a rebuild's segments written straight through Whoosh's codec.
- `segments.py`: what is read from one segment and kept until the segment goes away.
- `engine.py`: matching, counting, facets and sorting on those cached segments.
- `ranking.py`: the top of a BM25 ranking from the cached impacts.
- `spelling.py`: "did you mean" from each segment's spelling words, read once.

The algorithm
-------------
Whoosh's own matchers walk every posting in Python: hundreds of milliseconds for a word found
in most of 100,000 records. Instead, each posting list is read once per segment and kept as

- a bitset (a Python int), so AND, OR and counting run in C;
- one byte of BM25 impact per document (Whoosh's BM25F formula and idf, B = 0.75, K1 = 1.2,
  quantised to 255 levels);
- the head of the list in impact order (4,096 documents), for the threshold algorithm.

A query is matched on bitsets; facets are popcounts of the match ANDed with each value's
bitset; the top k is found by scoring every match when there are few (`DIRECT`, 1,000), else
by a short threshold-algorithm walk (`BUDGET`, 256 postings; skipped from `WALK_FIRST_BELOW`,
four lists, whose bound falls too slowly), then MaxScore narrowing with the walk's k-th score
as its floor, after which the candidates are all scored (at most `CANDIDATES`, 2,000, or half
the matches: `NARROWED`) or the walk resumes over them.

Invariants
----------
- A segment never changes once written: deletions are masked by the engine, so a commit (which
  adds a small segment) keeps every other segment's cache.
- The ranking is the same whichever path finds it: every constant of `ranking.py` changes speed
  only. tests/test_search_engine.py forces each path and compares it with scoring every match,
  and the engine's answers with Whoosh's own searcher.
- A rebuild's files are read by Whoosh exactly as SegmentWriter's would be (postings, lengths,
  stored fields, columns); tests/test_search_building.py compares them.

Why the constants have their values
-----------------------------------
They were tuned with bench/search.py at 10,000 and 100,000 records (see each module): `DIRECT`,
`CANDIDATES`, `NARROWED`, `BUDGET` and `WALK_FIRST_BELOW` in ranking.py; `COMPRESS_FROM` (8) in
building.py, because zlib costs 30 microseconds a call however little it is given and most
terms are in one document; `PARALLEL_FROM` (20,000) in index.py, because below it one segment
searches 15 % faster than one per process; `NAME_BOOST` (4) is a relevance choice, not speed.

What it relies on in Whoosh (Whoosh-Reloaded 2.7.5, pinned in pyproject.toml)
------------------------------------------------------------------------------
Private attributes, which a Whoosh upgrade must be checked against (the tests above fail when
one changes):

- reading (segments.py): a block matcher's `_read_ids()`, `_read_weights()`, `_ids`,
  `_weights`, `_lastblock` and `_next_block()`; a segment reader's `_perdoc._cached_reader()`
  and that column reader's `_dbfile`, `_basepos` and `_count` (the field lengths);
- writing (building.py): the codec's `_compression` and `_blocklimit`; a field writer's
  `_postwriter`, `_postfile`, `_codec`, `_tindex` and `_fieldid`; a posting writer's
  `_write_block()`, `_ids`, `_weights`, `_values`, `_maxweight`, `_minlength`, `_maxlength`,
  `_blocklimit` and `_compression`.
"""
