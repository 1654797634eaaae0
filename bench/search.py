"""Benchmark: search index build time, size and query latency at N organisations.

`.venv/bin/python bench/search.py [N] [whoosh|postgres]` (default 100,000 and whoosh). Prints
figures; asserts nothing. With `postgres`, a throwaway PostgreSQL server is started (Debian's
`postgresql` package) and both the data and the search index live there.
Synthetic organisations have French and English text with accents, Arabic names and real
Malian places; they are written to a temporary SQLite database, then indexed with
`service.rebuild()` (what `flask search rebuild` does) and queried through the service (page
with facets, snippets and records loaded from the database) and through the bare backend.
"""

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

from reference import machine_reference  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from peacemap import create_app  # noqa: E402
from peacemap.demo import loader  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.models import Organisation, Theme  # noqa: E402
from peacemap.models.directory import organisation_locations, organisation_themes  # noqa: E402
from peacemap.places import gazetteer  # noqa: E402
from peacemap.search import service  # noqa: E402

WORDS_FR = [
    "paix",
    "sécurité",
    "médiation",
    "dialogue",
    "jeunes",
    "femmes",
    "conflits",
    "fonciers",
    "réconciliation",
    "cohésion",
    "sociale",
    "prévention",
    "gouvernance",
    "communautés",
    "armes",
    "légères",
    "éducation",
    "droits",
    "humains",
    "justice",
    "transitionnelle",
    "développement",
    "résilience",
    "alerte",
    "précoce",
    "réseau",
]
WORDS_EN = [
    "peace",
    "security",
    "mediation",
    "dialogue",
    "youth",
    "women",
    "land",
    "conflicts",
    "reconciliation",
    "social",
    "cohesion",
    "prevention",
    "governance",
    "communities",
    "small",
    "arms",
    "education",
    "human",
    "rights",
    "justice",
    "development",
    "resilience",
    "early",
    "warning",
    "network",
    "organization",
]
ARABIC = ["جمعية السلام", "مؤسسة الأمن", "شبكة الحوار", "منظمة الشباب", "رابطة النساء"]
ROUNDS = 10  # timed passes over QUERIES: 160 samples, so p95 is not one slow moment
QUERIES = [
    "securite segou",
    "paix",
    "Tombouctou",
    "تمبكتو",
    "conflits fonciers",
    "organisations",
    "women mediation",
    "الأمن",
    "jeunes bamako",
    "reseau alerte precoce",
    "réconciliation gao",
    "human rights",
    "cohesion sociale mopti",
    "xyzzy",
    "dialogue",
    "armes legeres",
]


def populate(size, seed=7):
    """`size` organisations with texts, themes and Malian places, inserted in bulk."""
    rng = random.Random(seed)
    mali = [p for p in gazetteer.places().values() if p.country == "ML"]
    loader.load(loader.read_data())
    db.session.commit()
    themes = list(db.session.scalars(select(Theme.id)))
    from peacemap.places.service import location_for

    locations = [location_for({"geonameid": p.geonameid}) for p in mali]
    db.session.commit()
    location_ids = [loc.id for loc in locations]
    now = __import__("datetime").datetime.now(__import__("datetime").UTC)
    start = db.session.scalar(select(Organisation.id).order_by(Organisation.id.desc())) + 1
    batch = 5000
    for first in range(0, size, batch):
        rows, theme_rows, place_rows = [], [], []
        for n in range(first, min(size, first + batch)):
            oid = start + n
            french = " ".join(rng.choices(WORDS_FR, k=25))
            english = " ".join(rng.choices(WORDS_EN, k=25))
            name = (
                rng.choice(ARABIC)
                if n % 10 == 0
                else f"{rng.choice(['Association', 'Réseau', 'Groupe', 'Collectif'])} "
                f"{rng.choice(WORDS_FR)} {rng.choice(WORDS_FR)} {n}"
            )
            rows.append(
                {
                    "id": oid,
                    "slug": f"bench-{n}",
                    "name": name,
                    "acronym": f"B{n}",
                    "alternate_names": [],
                    "type": "community_based",
                    "country": "ML",
                    "summary": {"fr": french[:200], "en": english[:200]},
                    "description": {"fr": french},
                    "language": "fr",
                    "verification_level": "none",
                    "status": "published",
                    "location_precision": rng.choice(["commune", "region", "country"]),
                    "contacts_public": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            theme_rows += [{"organisation_id": oid, "theme_id": t} for t in rng.sample(themes, 2)]
            place_rows.append({"organisation_id": oid, "location_id": rng.choice(location_ids)})
        db.session.execute(insert(Organisation), rows)
        db.session.execute(insert(organisation_themes), theme_rows)
        db.session.execute(insert(organisation_locations), place_rows)
        db.session.commit()


def bare_query(index, query, backend):
    """The backend's own top-20 query, without facets, snippets or records."""
    if backend == "postgres":
        from peacemap.search.postgres import tsquery

        db.session.execute(
            text(
                "SELECT id FROM search_documents WHERE tsv @@ to_tsquery('english', :q) "
                "ORDER BY ts_rank(tsv, to_tsquery('english', :q)) DESC LIMIT 20"
            ),
            {"q": tsquery(query) or "''"},
        ).all()
    else:
        index.searcher().search(index.parse(query), limit=20)


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
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
    """Populate, index and query; print the figures."""
    with app.test_request_context("/fr/search"):
        db.create_all()
        started = time.perf_counter()
        populate(size)
        print(
            f"{size:,} organisations written to the {backend} set-up's database"
            f" in {time.perf_counter() - started:.1f} s"
        )
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
        print(
            f"index build (flask search rebuild): {count:,} records in {build:.1f} s, "
            f"{megabytes:.1f} MB"
        )
        index = service.backend()
        cold = []
        for query in QUERIES:  # first searches of a fresh worker: posting lists not yet read
            started = time.perf_counter()
            service.search(query, {}, lang="fr")
            cold.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(cold)
        print(f"{'service, first search of each query':45} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        for query in QUERIES:  # warm up, as a worker that has served these words
            service.search(query, {}, lang="fr")
        # Each measured apart: Whoosh's own query leaves much garbage, which Python would
        # otherwise collect during the next service timing.
        reference = machine_reference()
        through_service, bare = [], []
        for _ in range(ROUNDS):
            for query in QUERIES:
                started = time.perf_counter()
                service.search(query, {}, lang="fr")
                through_service.append((time.perf_counter() - started) * 1000)
        for _ in range(ROUNDS):
            for query in QUERIES:
                started = time.perf_counter()
                bare_query(index, query, backend)
                bare.append((time.perf_counter() - started) * 1000)
        for label, samples in (
            ("service (page, facets, snippets, records)", through_service),
            ("bare backend query (top 20)", bare),
        ):
            p50, p95 = percentiles(samples)
            print(f"{label:45} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        print(
            f"machine reference (fixed Python workload): {reference:.1f} ms before the timed"
            f" loops, {machine_reference():.1f} ms after"
        )
        approval_latency(backend)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process (max RSS): {peak:.0f} MB")


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
