"""Benchmark: time to build the busiest pages, with the demo data plus synthetic records.

Run with `make bench` (or `.venv/bin/python bench/profile_page.py [N]`). Prints figures; asserts
nothing. N synthetic organisations (default 2,000) are added, a hub with 50 relations and 50
initiatives among them, so the numbers show how pages scale. Last, the blank submission forms
with their fields kept (peacemap/fragments.py) and rendered whole, to show what keeping saves.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import machine_reference  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from peacemap import create_app, fragments  # noqa: E402
from peacemap.demo import loader  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.models import (  # noqa: E402
    Initiative,
    InitiativeOrganisation,
    Organisation,
    Relationship,
    Theme,
)


def build(size):
    """Demo content, `size` extra organisations and one very connected hub."""
    loader.load(loader.read_data())
    themes = list(db.session.scalars(select(Theme)))
    orgs = []
    for n in range(size):
        org = Organisation(
            slug=f"bench-{n}",
            name=f"Groupe de paix {n}",
            type="community_based",
            country=("ML", "NE", "BF", "SN")[n % 4],
            summary={"fr": f"Groupe local numéro {n} pour le dialogue.", "en": f"Local group {n}."},
            themes=list({themes[n % len(themes)], themes[(n * 7 + 1) % len(themes)]}),
        )
        orgs.append(org)
    db.session.add_all(orgs)
    db.session.flush()
    hub = orgs[0]
    for n in range(1, 51):
        db.session.add(Relationship(subject=orgs[n], object=hub, kind="member_of"))
        db.session.add(
            Initiative(
                slug=f"bench-initiative-{n}",
                title={"fr": f"Initiative {n}"},
                roles=[InitiativeOrganisation(organisation=hub, role="lead")],
            )
        )
    db.session.commit()
    return hub.slug


def measure(client, url, runs=30):
    """Median and 95th percentile milliseconds, and SQL statements per request."""
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    client.get(url)  # warm caches
    statements.clear()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(statements) / runs


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PEACEMAP_INSTANCE_PATH"] = tmp
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                "PAGE_CACHE_BYTES": 0,  # what building the pages costs, not the page cache
            }
        )
        with app.app_context():
            db.create_all()
            hub = build(size)
            client = app.test_client()
            print(f"{size} synthetic organisations + demo content, SQLite (WAL), test client")
            print(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'KiB':>6}")
            for url in [
                "/fr/",
                "/fr/organisations",
                "/fr/organisations?country=ML&page=5",
                "/fr/organisations?q=paix",
                f"/fr/organisations/{hub}",
                "/fr/organisations/conascipal",
                "/fr/initiatives",
            ]:
                median, p95, queries = measure(client, url)
                kib = len(client.get(url).data) / 1024
                print(f"{url:45} {median:10.1f} {p95:8.1f} {queries:8.1f} {kib:6.1f}")
            print(f"\n{'blank form':45} {'kept ms':>10} {'whole ms':>8}")
            for url in ["/fr/submit/organisation", "/fr/submit/initiative"]:
                kept = measure(client, url)[0]
                fragments.MAX_AGE, saved = -1, fragments.MAX_AGE  # never kept: rendered whole
                whole = measure(client, url)[0]
                fragments.MAX_AGE = saved
                print(f"{url:45} {kept:10.1f} {whole:8.1f}")
            print(f"\nmachine reference: {machine_reference():.1f} ms")


if __name__ == "__main__":
    main()
