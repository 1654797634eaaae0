""" "Did you mean" from a dictionary read once per segment: known words and their frequencies,
with a deletion neighbourhood (as SymSpell does) to find the close ones.

Whoosh's corrector walks a Levenshtein automaton over the term file on every call (about
20 ms at 10,000 records). A segment never changes once written, so its spelling words are read
once, when a misspelling first asks, and kept until the segment goes away (as `engine.py` keeps
its posting lists). The answer is the one Whoosh's `ReaderCorrector.suggest(word, limit=1,
maxdist=MAX_DISTANCE, prefix=1)` gives: among the known words within the edit distance that
begin with the same letter, the most frequent (summed over segments), then the greatest.
"""

import threading

from whoosh.reading import SegmentReader

MAX_DISTANCE = 2
FIELD = "spell"
# A segment of more documents has its words read in a thread (about a second at 10,000
# records on a busy two-core machine); until they are ready, Whoosh's corrector answers.
SYNC_UP_TO = 2_000


def _deletions(word, distance=MAX_DISTANCE):
    """The word with up to `distance` letters taken out, its first letter always kept."""
    found = {word}
    last = {word}
    for _ in range(distance):
        last = {w[:i] + w[i + 1 :] for w in last for i in range(1, len(w))}
        found |= last
    return found


def levenshtein(a, b, limit=MAX_DISTANCE):
    """The edit distance of two words (insertions, deletions, substitutions), or limit + 1
    when it is larger than `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


class SegmentWords:
    """The spelling words of one segment: {word: frequency} and {deletion: [words]}."""

    def __init__(self, reader):
        self.frequency = {}
        if FIELD in reader.schema and reader.doc_count_all():
            for text, info in reader.iter_field(FIELD):
                self.frequency[text.decode("utf-8")] = info.weight()
        self.neighbours = {}
        for word in self.frequency:
            for key in _deletions(word):
                self.neighbours.setdefault(key, []).append(word)

    def candidates(self, keys):
        """The known words sharing a deletion key with the typed word."""
        return {word for key in keys for word in self.neighbours.get(key, ())}


class Speller:
    """Suggestions from the segments of one open searcher."""

    _segments = {}  # segment id -> SegmentWords, shared by the searchers of a process
    _lock = threading.Lock()

    def __init__(self, searcher):
        self.searcher = searcher
        self.readers = []
        for reader, _offset in searcher.reader().leaf_readers():
            segment = reader.segment()
            key = segment.segment_id() if segment is not None else id(reader)
            self.readers.append((key, reader))

    def _words(self):
        """Each segment's words, or None while one of them is still being read."""
        found, kept, ready = [], {}, True
        for key, reader in self.readers:
            with self._lock:
                words = self._segments.get(key)
                if words is None and reader.doc_count_all() > SYNC_UP_TO:
                    words = self._segments[key] = _Reading(reader)
            if words is None:
                words = SegmentWords(reader)
            kept[key] = words
            if isinstance(words, _Reading):
                ready = False
            found.append(words)
        with self._lock:
            for key, words in list(kept.items()):
                current = self._segments.get(key)
                if isinstance(words, _Reading) and isinstance(current, SegmentWords):
                    kept[key] = current  # read meanwhile
            Speller._segments = kept  # segments no longer in the index are let go
        return found if ready else None

    def read(self):
        """Read every segment's words now, in this thread (a worker warming up)."""
        kept = {}
        for key, reader in self.readers:
            with self._lock:
                words = self._segments.get(key)
            kept[key] = words if isinstance(words, SegmentWords) else SegmentWords(reader)
        with self._lock:
            Speller._segments = kept

    def known(self, word):
        """True when some document of the index has this spelling word."""
        return any(reader.doc_frequency(FIELD, word) for _key, reader in self.readers)

    def suggest(self, word):
        """The best known word within MAX_DISTANCE edits sharing the first letter, or None."""
        if not word:
            return None
        segments = self._words()
        if segments is None:  # still reading: Whoosh's corrector gives the same answer
            found = self.searcher.corrector(FIELD).suggest(
                word, limit=1, maxdist=MAX_DISTANCE, prefix=1
            )
            return found[0] if found else None
        keys = _deletions(word)
        frequency = {}
        for words in segments:
            for candidate in words.candidates(keys):
                frequency[candidate] = frequency.get(candidate, 0) + words.frequency[candidate]
        best = None
        for candidate, count in frequency.items():
            if candidate[0] != word[0]:
                continue
            better = best is None or (count, candidate) > best
            if better and levenshtein(word, candidate) <= MAX_DISTANCE:
                best = (count, candidate)
        return best[1] if best else None


class _Reading:
    """A segment's words being read in a thread; they replace this in the cache when read."""

    def __init__(self, reader):
        self.thread = threading.Thread(target=self._read, args=(reader,), daemon=True)
        self.key = reader.segment().segment_id()
        self.thread.start()

    def _read(self, reader):
        # A reader of its own: Whoosh's readers are not shared between threads.
        try:
            own = SegmentReader(reader._storage, reader.schema, reader.segment())
            try:
                words = SegmentWords(own)
            finally:
                own.close()
        except Exception:  # a segment merged away meanwhile: Whoosh's corrector goes on
            return
        with Speller._lock:
            if Speller._segments.get(self.key) is self:
                Speller._segments[self.key] = words


def forget():
    """Let go of every segment's words (after an erasure: a name may be among them)."""
    with Speller._lock:
        Speller._segments = {}
