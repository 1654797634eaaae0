"""Benchmark: search on a realistic directory (bench/corpus.py) through PeaceMap's service and
its engine alone, beside tantivy and SQLite FTS5 indexing the same texts in the same run.

`.venv/bin/python bench/search.py [N] [whoosh|postgres]` (default 10,000 and whoosh). Prints
figures; asserts nothing. With `postgres`, a throwaway PostgreSQL server is started (Debian's
`postgresql` package) and both the data and the search index live there.

N organisations (and N/4 initiatives) are written to a temporary database, then indexed with
`service.rebuild()` (what `flask search rebuild` does) and queried with realistic queries:
frequent words, rare ones (drawn from the corpus), misspellings, places written in Latin,
Arabic and Cyrillic script, Arabic words, and one that finds nothing. Timed, in rounds that
take turns so that the machine's load falls on each alike:
- the service (`service.search`: place expansion, the engine, the "did you mean" suggestion
  when fewer than 3 hits, records loaded from the database, snippets);
- PeaceMap's engine alone (`backend().search`: parsing, matching, top 20 and facet counts,
  without place expansion, suggestion, records or snippets);
- tantivy and SQLite FTS5 (bench/peers.py): top 20 keys by BM25, every word required.
Rebuild times: PeaceMap's reads the records from the database; the peers index the same texts
already in memory. Each figure is printed beside the machine reference (bench/reference.py).
"""

import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import peers  # noqa: E402
from reference import machine_reference  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from peacemap import create_app  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.models import Organisation  # noqa: E402
from peacemap.search import service  # noqa: E402

ROUNDS = 8  # timed passes over the queries, taking turns between the engines
QUERIES = {  # rare words are added from the corpus itself (rare_words())
    "frequent": [
        "paix",
        "sécurité",
        "peace",
        "paix et sécurité",
        "dialogue jeunes",
        "women mediation",
        "cohésion sociale",
        "conflits fonciers",
    ],
    "misspelt": ["reconcilation", "securte", "mediaton", "develppement"],
    "place": ["Tombouctou", "تمبكتو", "Тимбукту", "jeunes Bamako", "باماكو", "Гао"],
    "arabic": ["السلام", "الحوار الشباب", "جمعية"],
    "nothing": ["xyzzy"],
}


def rare_words(generated, count=4):
    """Words of 6 letters or more found in 2 to 5 organisations: what a precise query asks."""
    seen = {}
    for key, body in corpus.texts(generated):
        for word in set(peers.WORD.findall(body.lower())):
            seen.setdefault(word, set()).add(key)
    rare = sorted(
        w for w, keys in seen.items() if 2 <= len(keys) <= 5 and w.isalpha() and len(w) > 5
    )
    return random.Random(1).sample(rare, min(count, len(rare)))


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    backend = sys.argv[2] if len(sys.argv) > 2 else "whoosh"
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PEACEMAP_INSTANCE_PATH"] = tmp
        database = f"sqlite:///{tmp}/bench.sqlite"
        if backend == "postgres":
            from tests.postgres import PostgresServer

            server = PostgresServer().start()
            database = server.create_database()
        app = create_app(
            {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database, "SEARCH_BACKEND": backend}
        )
        try:
            run(app, size, backend)
        finally:
            if server:
                with app.app_context():
                    db.engine.dispose()
                server.stop()


def run(app, size, backend):
    """Fill, index and query; print the figures."""
    with app.test_request_context("/fr/search"):
        db.create_all()
        started = time.perf_counter()
        generated = corpus.fill(size)
        print(
            f"{size:,} organisations (bench/corpus.py) and {len(generated.initiatives):,}"
            f" initiatives written to the {backend} set-up's database"
            f" in {time.perf_counter() - started:.1f} s"
        )
        print(f"machine reference (fixed Python workload): {machine_reference():.1f} ms")
        started = time.perf_counter()
        count = service.rebuild()
        build = time.perf_counter() - started
        if backend == "postgres":
            megabytes = (
                db.session.execute(
                    text("SELECT pg_total_relation_size('search_documents')")
                ).scalar()
                / 1e6
            )
        else:
            folder = service.backend().live_dir()
            megabytes = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        rebuilds = {"PeaceMap": build}
        with tempfile.TemporaryDirectory() as folder:
            texts = list(corpus.texts(generated))
            others = [peers.Tantivy(folder), peers.Fts5(f"{folder}/fts5.sqlite")]
            for peer in others:
                rebuilds[peer.name] = peer.build(texts)
            print(
                f"\nindex rebuild, {count:,} records (PeaceMap: flask search rebuild,"
                f" {megabytes:.1f} MB; peers: the same texts, from memory)"
            )
            for name, seconds in rebuilds.items():
                ratio = rebuilds["PeaceMap"] / seconds
                print(f"  {name:<12} {seconds:7.1f} s   (PeaceMap's takes {ratio:.1f} × as long)")
            queries = {**QUERIES, "rare": rare_words(generated)}
            timed_queries(queries, others, backend)
        approval_latency(backend)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process (max RSS): {peak:.0f} MB")


def timed_queries(queries, others, backend):
    """p50 and p95 of each engine over every query, rounds taking turns; then what each finds."""
    index = service.backend()
    every = [q for group in queries.values() for q in group]
    cold = []
    for query in every:  # first searches of a fresh worker: posting lists not yet read
        started = time.perf_counter()
        service.search(query, {}, lang="fr")
        cold.append((time.perf_counter() - started) * 1000)
    engines = {
        "PeaceMap service (page, facets, suggestion, records, snippets)": lambda q: service.search(
            q, {}, lang="fr"
        ),
        "PeaceMap engine alone (parse, match, top 20, facets)": lambda q: index.search(
            q, {}, 1, 20, ""
        ),
        **{f"{peer.name} (top 20 keys)": peer.search for peer in others},
    }
    for run in engines.values():  # warm up, as a worker that has served these words
        for query in every:
            run(query)
    reference = machine_reference()
    samples = {name: [] for name in engines}
    by_group = {name: {group: [] for group in queries} for name in engines}
    for _ in range(ROUNDS):
        for name, run in engines.items():
            gc.collect()  # one engine's garbage is not collected during another's timing
            for group, group_queries in queries.items():
                for query in group_queries:
                    started = time.perf_counter()
                    run(query)
                    elapsed = (time.perf_counter() - started) * 1000
                    samples[name].append(elapsed)
                    by_group[name][group].append(elapsed)
    after = machine_reference()
    print(
        f"\nsearch, {len(every)} queries × {ROUNDS} rounds ({backend}); machine reference"
        f" {reference:.1f} ms before, {after:.1f} ms after"
    )
    p50, p95 = percentiles(cold)
    first = "PeaceMap service, first search of each query"
    print(f"  {first:62} p50 {p50:6.2f}  p95 {p95:6.2f} ms")
    tantivy = percentiles(samples["tantivy (top 20 keys)"])
    for name, values in samples.items():
        p50, p95 = percentiles(values)
        print(
            f"  {name:62} p50 {p50:6.2f}  p95 {p95:6.2f} ms"
            f"   ({p50 / tantivy[0]:.1f} × / {p95 / tantivy[1]:.1f} × tantivy's p50 / p95)"
        )
    print(f"\n  p50 ms by kind of query: {'':30}" + "".join(f"{g:>10}" for g in queries))
    for name in engines:
        line = "".join(f"{statistics.median(by_group[name][g]):10.2f}" for g in queries)
        print(f"  {name[:56]:56}{line}")
    print(f"\n  what each finds {'(PeaceMap total; peers: every word required)':48}", end="")
    print(f"{'PeaceMap':>10}{'tantivy':>10}{'FTS5':>10}")
    for query in every:
        found = service.search(query, {}, lang="fr")
        counts = [found.total, others[0].search(query)[1], others[1].count(query)]
        suggestion = f" (did you mean {found.suggestion!r})" if found.suggestion else ""
        print(f"  {query + suggestion:64}" + "".join(f"{c:>10,}" for c in counts))


def approval_latency(backend):
    """Time from an approved change's commit to the first search that finds it."""
    record = db.session.scalar(select(Organisation).order_by(Organisation.id.desc()))
    record.name = "Zanzibarien Peace Network"
    db.session.commit()
    started = time.perf_counter()
    service.reindex("organisation", record.id)  # what the approval's after-commit effect runs
    found = service.search("zanzibarien", {}, lang="fr")
    elapsed = (time.perf_counter() - started) * 1000
    assert found.total == 1, "the approved record was not found"
    print(f"approved record searchable after {elapsed:.0f} ms (reindex, then the next search)")
    started = time.perf_counter()
    service.search("paix", {}, lang="fr")
    print(f"first common search after that commit: {(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
