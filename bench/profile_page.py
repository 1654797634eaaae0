"""Benchmark: time to build the busiest pages, in process, on a realistic directory.

Run with `make bench` (or `.venv/bin/python bench/profile_page.py [N]`). Prints figures; asserts
nothing. The demo content plus N organisations of bench/corpus.py (default 10,000: networks
with members, partners, initiatives, themes, places), page cache off. Each busy page is timed
(median, p95, SQL statements); then 2,000 different profiles in turn (as a crawler asks them),
beside a bare Flask route (bench/bare_app.py) through the same test client, with the ratio.
Last, the blank submission forms with their fields kept (peacemap/fragments.py) and rendered
whole, to show what keeping saves. bench/load.py measures the same through gunicorn and wrk.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_app import app as bare_app  # noqa: E402
from corpus import fill  # noqa: E402
from reference import machine_reference  # noqa: E402
from sqlalchemy import event  # noqa: E402

from peacemap import create_app, fragments  # noqa: E402
from peacemap.extensions import db  # noqa: E402

MANY_PROFILES = 2000


def build(size):
    """Demo content and `size` organisations of the corpus; the slug of the largest network."""
    generated = fill(size)
    return generated.organisations[0]["slug"]


def many_profiles(app, client, size, count=MANY_PROFILES):
    """(median ms, p95 ms, statements per page, pages per second) over `count` different
    profiles, each asked once."""
    statements = []
    listener = lambda *a: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    step = max(1, size // count)
    times = []
    started = time.perf_counter()
    for n in range(1, size + 1, step):
        start = time.perf_counter()
        response = client.get(f"/fr/organisations/organisation-{n}")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (n, response.status_code)
    total = time.perf_counter() - started
    event.remove(db.engine, "before_cursor_execute", listener)
    times.sort()
    median, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    return median, p95, len(statements) / len(times), len(times) / total, len(times)


def bare_route(runs=2000):
    """(median ms, requests per second) of bench/bare_app.py's route through a test client."""
    client = bare_app.test_client()
    times = []
    started = time.perf_counter()
    for _ in range(runs):
        start = time.perf_counter()
        client.get("/bare")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), runs / (time.perf_counter() - started)


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
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
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
            print(
                f"{size:,} organisations (bench/corpus.py) + demo content, SQLite (WAL),"
                f" test client, page cache off; machine reference {machine_reference():.1f} ms"
            )
            print(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'KiB':>6}")
            for url in [
                "/fr/",
                "/fr/organisations",
                "/fr/organisations?country=ML&page=5",
                "/fr/organisations?q=paix",
                f"/fr/organisations/{hub}",
                f"/fr/organisations/organisation-{size // 2}",
                "/fr/organisations/conascipal",
                "/fr/initiatives",
            ]:
                median, p95, queries = measure(client, url)
                kib = len(client.get(url).data) / 1024
                print(f"{url:45} {median:10.1f} {p95:8.1f} {queries:8.1f} {kib:6.1f}")
            median, p95, queries, rate, count = many_profiles(app, client, size)
            bare_median, bare_rate = bare_route()
            print(
                f"{f'{count:,} different profiles, once each':45} {median:10.1f} {p95:8.1f}"
                f" {queries:8.1f}   {rate:.0f} pages/s"
            )
            print(
                f"{'bare Flask route (bench/bare_app.py)':45} {bare_median:10.2f}"
                f" {'':8} {'':8}   {bare_rate:.0f} pages/s;"
                f" profiles at {rate / bare_rate:.1%} of it"
            )
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
