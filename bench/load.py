"""Benchmark: the site under load, next to a bare Flask route on the same server.

`.venv/bin/python bench/load.py [N] [SECONDS] [CLIENTS]` (defaults: 100,000 organisations,
10 s per URL, 20 clients). Needs wrk (`apt-get install wrk`). Prints figures; asserts
nothing.

It fills a temporary SQLite database with N organisations (bench/map.py's generator), builds
the search index, starts gunicorn with the repository's settings (peacemap/deploy/, 2 sync
workers per core plus one), and drives each URL with wrk on loopback: requests per second
and latency percentiles, the home page, the directory, a profile, a search, the GeoJSON map
layer of the first view and the submission form. The same gunicorn then serves a bare Flask
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
# wrk --latency prints lines such as "     90%   12.34ms".
PERCENTILE = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


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


def drive(url, seconds, clients):
    """(requests per second, p50 ms, p90 ms, p99 ms) from wrk."""
    wrk = shutil.which("wrk")
    output = subprocess.run(  # noqa: S603
        [wrk, "--latency", f"-t{min(clients, 4)}", f"-c{clients}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    found = {p: float(v) * scale[u] for p, v, u in PERCENTILE.findall(output)}
    return rate, found.get("50"), found.get("90"), found.get("99")


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="peacemap-load-"))
    database = f"sqlite:///{tmp / 'load.sqlite'}"
    os.environ["PEACEMAP_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app({"SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        fill(size)
        service.rebuild()
        db.engine.dispose()
    env = {
        **os.environ,
        "PEACEMAP_SQLALCHEMY_DATABASE_URI": database,
        "PEACEMAP_SECRET_KEY": "load",
        "PEACEMAP_RATELIMIT_ENABLED": "false",
    }
    port = free_port()
    workers = os.cpu_count() * 2 + 1
    print(
        f"{size:,} organisations; gunicorn, {workers} sync workers; wrk, {clients} clients, "
        f"{seconds} s per URL (p99 is wrk's; it prints no p95)"
    )
    print(f"{'URL':<14}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}")
    results = {}
    server = serve("app:app", env, port)
    try:
        for name, path in PAGES:
            drive(f"http://127.0.0.1:{port}{path}", 2, clients)  # warm the caches
            results[name] = drive(f"http://127.0.0.1:{port}{path}", seconds, clients)
            print(f"{name:<14}" + "".join(f"{v:>9.1f}" for v in results[name]))
    finally:
        server.terminate()
        server.wait(timeout=10)
    server = serve("bench.bare_app:app", env, port)
    try:
        results["bare route"] = drive(f"http://127.0.0.1:{port}/bare", seconds, clients)
        print(f"{'bare route':<14}" + "".join(f"{v:>9.1f}" for v in results["bare route"]))
    finally:
        server.terminate()
        server.wait(timeout=10)
    share = results["profile"][0] / results["bare route"][0]
    print(f"profile throughput = {share:.0%} of the bare route's (goal: at least 50%)")


if __name__ == "__main__":
    main()
