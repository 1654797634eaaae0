"""Peer search engines for bench/search.py: tantivy (the `bench` extra) and SQLite FTS5 (the
standard library), indexing the same texts as PeaceMap and answering the same queries.

Both fold case and accents (tantivy: simple tokenizer, lower case, ASCII folding; FTS5:
unicode61 with diacritics removed) and need every word of the query, as PeaceMap does first.
Neither expands place names across scripts nor corrects spelling: they find less, which the
benchmark prints beside their speed. Each answers with the top 20 keys ("organisation:12")
by BM25, as PeaceMap's engine answers with (kind, id) pairs.
"""

import re
import sqlite3
import time

WORD = re.compile(r"\w+")


class Tantivy:
    """An on-disk tantivy index of (key, text) pairs."""

    name = "tantivy"

    def __init__(self, folder):
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("key", stored=True, tokenizer_name="raw")
        builder.add_text_field("body", tokenizer_name="folded")
        self.index = tantivy.Index(builder.build(), path=str(folder))
        self.index.register_tokenizer(
            "folded",
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build(),
        )

    def build(self, texts):
        """Seconds to index `texts` and commit (its writer uses both cores)."""
        started = time.perf_counter()
        writer = self.index.writer(heap_size=200_000_000)
        for key, text in texts:
            writer.add_document(self.tantivy.Document(key=key, body=text))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        return time.perf_counter() - started

    def search(self, text, limit=20):
        """(keys of the top `limit`, how many match)."""
        words = WORD.findall(text)
        if not words:
            return [], 0
        query = self.index.parse_query(" ".join(f"+{w}" for w in words), ["body"])
        found = self.searcher.search(query, limit, count=True)
        keys = [self.searcher.doc(address)["key"][0] for _score, address in found.hits]
        return keys, found.count


class Fts5:
    """An SQLite FTS5 table of (key, text) pairs in a file."""

    name = "SQLite FTS5"

    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, body,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )

    def build(self, texts):
        """Seconds to index `texts` and commit."""
        started = time.perf_counter()
        self.db.executemany("INSERT INTO docs (key, body) VALUES (?, ?)", texts)
        self.db.commit()
        self.db.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        self.db.commit()
        return time.perf_counter() - started

    def search(self, text, limit=20):
        """(keys of the top `limit`, how many match)."""
        words = WORD.findall(text)
        if not words:
            return [], 0
        match = " ".join(f'"{w}"' for w in words)
        keys = [
            key
            for (key,) in self.db.execute(
                "SELECT key FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?", (match, limit)
            )
        ]
        return keys, None

    def count(self, text):
        words = WORD.findall(text)
        if not words:
            return 0
        match = " ".join(f'"{w}"' for w in words)
        return self.db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[
            0
        ]
