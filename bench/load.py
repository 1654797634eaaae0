"""Benchmark: the site under load, next to a bare Flask route on the same server.

`.venv/bin/python bench/load.py [N] [SECONDS] [CLIENTS]` (defaults: 100,000 organisations,
10 s per URL, 20 clients). Needs wrk (`apt-get install wrk`). Prints figures; asserts
nothing.

It fills a temporary SQLite database with N organisations (bench/map.py's generator), builds
the search index, starts gunicorn with the repository's settings (peacemap/deploy/, 2 sync
workers per core plus one), and drives each URL with wrk on loopback: requests per second
and latency (p50, p95), the home page, the directory, a profile, a search, the GeoJSON map
layer of the first view, the submission form, and 2,000 different profiles in turn (most of
them built, not kept by the page cache). Each URL is asked once first (the "first" column: a
cold worker's answer), then driven for 10 s of warm-up, then measured. The same gunicorn then
serves a bare Flask
route (bench/bare_app.py) for comparison. Goals (issue #8): the profile at least half the
bare route's throughput; p95 under 100 ms for every page at 20 clients.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from map import fill  # noqa: E402

from peacemap import create_app  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.search import service  # noqa: E402

PAGES = [
    ("home", "/fr/"),
    ("directory", "/fr/organisations?country=ML"),
    ("profile", "/fr/organisations/organisation-4242"),
    ("search", "/fr/search?q=paix+dialogue"),
    ("geojson", "/api/v1/organisations.geojson?view=map&zoom=4&bbox=-30.1,-3.8,28.1,31.5"),
    ("submit form", "/fr/submit/organisation"),
]
# Also: 2,000 different profiles in turn, so that most answers are built, not kept
# (each worker keeps its own pages: see peacemap/pagecache.py).
MANY_PROFILES = 2000
WARM_UP = 10  # seconds of load before each measured run
REPORT = ROOT / "bench" / "wrk_report.lua"  # p95 and error counts (wrk prints no p95)


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(app_path, env, port):
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "peacemap/deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            app_path,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)  # noqa: S310
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the server did not start")


def filled_site(name, fill_data):
    """(folder, environment for gunicorn) of a temporary SQLite site filled by `fill_data()`
    and indexed, with rate limits off."""
    tmp = Path(tempfile.mkdtemp(prefix=f"peacemap-{name}-"))
    database = f"sqlite:///{tmp / f'{name}.sqlite'}"
    os.environ["PEACEMAP_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app({"SECRET_KEY": name, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        fill_data()
        service.rebuild()
        db.engine.dispose()
    env = {
        **os.environ,
        "PEACEMAP_SQLALCHEMY_DATABASE_URI": database,
        "PEACEMAP_SECRET_KEY": name,
        "PEACEMAP_RATELIMIT_ENABLED": "false",
    }
    return tmp, env


def first_answer(url):
    """Milliseconds for one request to a server that has not answered it yet (a cold worker)."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310
        answer.read()
    return (time.perf_counter() - started) * 1000


def drive(url, seconds, clients, paths_file=None):
    """(requests per second, p50 ms, p95 ms, failed requests) from wrk; with `paths_file`,
    the paths it lists are requested in turn on `url`'s server."""
    wrk = shutil.which("wrk")
    command = [wrk, f"-t{min(clients, 4)}", f"-c{clients}", f"-d{seconds}s", "-s", str(REPORT)]
    command += [url, "--", str(paths_file)] if paths_file else [url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = int(re.search(r"P50_US (\d+)", output).group(1)) / 1000
    p95 = int(re.search(r"P95_US (\d+)", output).group(1)) / 1000
    failed = int(re.search(r"ERRORS (\d+)", output).group(1))
    return rate, p50, p95, failed


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    tmp, env = filled_site("load", lambda: fill(size))
    port = free_port()
    workers = os.cpu_count() * 2 + 1
    print(
        f"{size:,} organisations; gunicorn, {workers} sync workers; wrk, {clients} clients, "
        f"{seconds} s per URL after {WARM_UP} s of warm-up; 'first' is one request before it"
    )
    print(f"{'URL':<16}{'first ms':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}")
    results = {}
    profiles = tmp / "profiles.txt"
    step = max(1, size // MANY_PROFILES)
    slugs = range(1, size + 1, step)
    profiles.write_text("".join(f"/fr/organisations/organisation-{n}\n" for n in slugs))
    pages = [*PAGES, (f"{len(slugs):,} profiles", "/fr/")]
    server = serve("app:app", env, port)
    try:
        for name, path in pages:
            paths = profiles if name.endswith(" profiles") else None
            url = f"http://127.0.0.1:{port}{path}"
            first = first_answer(url)
            # Warm-up: each worker builds its own caches (its first search reads posting lists,
            # its first map layer the points) and keeps its own pages.
            drive(url, WARM_UP, clients, paths)
            results[name] = drive(url, seconds, clients, paths)
            rate, p50, p95, failed = results[name]
            print(f"{name:<16}{first:>9.1f}{rate:>9.1f}{p50:>9.1f}{p95:>9.1f}{failed:>8}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    server = serve("bench.bare_app:app", env, port)
    try:
        url = f"http://127.0.0.1:{port}/bare"
        first = first_answer(url)
        drive(url, WARM_UP, clients)
        results["bare route"] = drive(url, seconds, clients)
        rate, p50, p95, failed = results["bare route"]
        print(f"{'bare route':<16}{first:>9.1f}{rate:>9.1f}{p50:>9.1f}{p95:>9.1f}{failed:>8}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    bare = results["bare route"][0]
    print(f"profile throughput = {results['profile'][0] / bare:.0%} of the bare route's", end="")
    print(f" ({results[pages[-1][0]][0] / bare:.0%} over {len(slugs):,} profiles; goal: 50%)")
    slow = [name for name, _ in pages if results[name][2] >= 100]
    print("p95 under 100 ms: " + ("every page" if not slow else "not for " + ", ".join(slow)))


if __name__ == "__main__":
    main()
