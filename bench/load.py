"""Benchmark: the site under load, next to a bare Flask route on the same server.

`.venv/bin/python bench/load.py [N] [SECONDS] [CLIENTS]` (defaults: 10,000 organisations,
10 s per URL, 20 clients). Needs wrk (`apt-get install wrk`). Prints figures; asserts
nothing.

It fills a temporary SQLite database with the demo content and N organisations of
bench/corpus.py's realistic directory, builds the search index, starts gunicorn with the
repository's settings (peacemap/deploy/, 2 sync workers per core plus one), and drives each
URL with wrk on loopback: requests per second and latency (p50, p95). Two patterns:
- repeated: the home page, the directory, a profile, a search, the GeoJSON map layer of the
  first view, the submission form, each asked again and again (the page cache helps);
- crawler: every request a different URL, as a crawler or many visitors ask them: 2,000
  profiles, directory pages, searches (one word each from the corpus's vocabulary) and
  initiatives, in turn (the page cache barely helps).
Each URL is asked once first (the "first" column: a cold worker's answer), then driven for
SECONDS of warm-up, then measured. The same gunicorn then serves a bare Flask route
(bench/bare_app.py) for comparison, and the machine reference is printed before and after.
Goals (issue #23): profiles built from scratch at 30 % or more of the bare route's throughput;
p95 under 100 ms for every page at 20 clients, in both patterns.
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
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import THEMES, fill, vocabulary  # noqa: E402
from reference import machine_reference  # noqa: E402

from peacemap import create_app  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.search import service  # noqa: E402

PAGES = [
    ("home", "/fr/"),
    ("directory", "/fr/organisations?country=ML"),
    ("profile", "/fr/organisations/organisation-42"),
    ("search", "/fr/search?q=paix+dialogue"),
    ("geojson", "/api/v1/organisations.geojson?view=map&zoom=4&bbox=-30.1,-3.8,28.1,31.5"),
    ("submit form", "/fr/submit/organisation"),
]
# Also: 2,000 different URLs of each kind in turn, so that most answers are built, not kept
# (each worker keeps its own pages: see peacemap/pagecache.py).
MANY = 2000
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
    command = [wrk, f"-t{min(clients, 4)}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s"]
    command += ["-s", str(REPORT)]  # a slow page is timed, not counted as failed after 2 s
    command += [url, "--", str(paths_file)] if paths_file else [url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = int(re.search(r"P50_US (\d+)", output).group(1)) / 1000
    p95 = int(re.search(r"P95_US (\d+)", output).group(1)) / 1000
    failed = int(re.search(r"ERRORS (\d+)", output).group(1))
    return rate, p50, p95, failed


def crawler_paths(folder, size):
    """{name: file of MANY different paths}: what a crawler asks."""
    step = max(1, size // MANY)
    words = [w for w in vocabulary("fr")[0][200:] if w.isalpha()][:MANY]
    kinds = {
        "profiles": [f"/fr/organisations/organisation-{n}" for n in range(1, size + 1, step)],
        "directory pages": [  # every theme's pages (a theme holds about 1/5 of the directory)
            f"/fr/organisations?theme={theme}&page={page}"
            for page in range(1, max(2, size // 150))
            for theme in THEMES
        ][:MANY],
        "searches": [f"/fr/search?q={quote(w)}" for w in words],
        "initiatives": [f"/fr/initiatives/initiative-{n}" for n in range(1, size // 4 + 1, step)],
    }
    files = {}
    for name, paths in kinds.items():
        files[name] = folder / f"{name.replace(' ', '-')}.txt"
        files[name].write_text("".join(f"{path}\n" for path in paths))
        files[name] = (files[name], len(paths))
    return files


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    tmp, env = filled_site("load", lambda: fill(size))
    port = free_port()
    workers = os.cpu_count() * 2 + 1
    print(
        f"{size:,} organisations (bench/corpus.py); gunicorn, {workers} sync workers; wrk,"
        f" {clients} clients, {seconds} s per URL after {seconds} s of warm-up; 'first' is one"
        f" request before it; machine reference {machine_reference():.1f} ms"
    )
    print(f"{'URL':<26}{'first ms':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}")
    results = {}
    crawled = crawler_paths(tmp, size)
    pages = [(name, path, None) for name, path in PAGES]
    pages += [
        (f"{count:,} {name}", path.read_text().split("\n", 1)[0], path)
        for name, (path, count) in crawled.items()
    ]
    server = serve("app:app", env, port)
    try:
        for name, path, paths in pages:
            url = f"http://127.0.0.1:{port}{path}"
            first = first_answer(url)
            # Warm-up: each worker builds its own caches (its first search reads posting lists,
            # its first map layer the points) and keeps its own pages.
            drive(url, seconds, clients, paths)
            results[name] = drive(url, seconds, clients, paths)
            rate, p50, p95, failed = results[name]
            print(f"{name:<26}{first:>9.1f}{rate:>9.1f}{p50:>9.1f}{p95:>9.1f}{failed:>8}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    server = serve("bench.bare_app:app", env, port)
    try:
        url = f"http://127.0.0.1:{port}/bare"
        first = first_answer(url)
        drive(url, seconds, clients)
        results["bare route"] = drive(url, seconds, clients)
        rate, p50, p95, failed = results["bare route"]
        print(f"{'bare route':<26}{first:>9.1f}{rate:>9.1f}{p50:>9.1f}{p95:>9.1f}{failed:>8}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    bare = results["bare route"][0]
    many = next(name for name, _, _ in pages if name.endswith(" profiles"))
    print(f"profile throughput = {results['profile'][0] / bare:.1%} of the bare route's", end="")
    print(f" ({results[many][0] / bare:.1%} over {many}, each built; goal: 30%)")
    slow = [name for name, _, _ in pages if results[name][2] >= 100]
    print("p95 under 100 ms: " + ("every page" if not slow else "not for " + ", ".join(slow)))
    print(f"machine reference after: {machine_reference():.1f} ms")


if __name__ == "__main__":
    main()
