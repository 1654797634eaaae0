"""Lighthouse from tests/browser/tools (`make browser-tools`), run on Debian's Chromium.

Shared by the browser audits (tests/browser/test_audits.py), which assert what does not depend
on the machine's speed, and bench/lighthouse.py, which prints the timings.
"""

import json
import os
import subprocess

TOOLS = os.path.join(os.path.dirname(__file__), "tools", "node_modules")
LIGHTHOUSE = os.path.join(TOOLS, "lighthouse", "cli", "index.js")
CHROMIUM = os.environ.get("PEACEMAP_CHROMIUM", "/usr/bin/chromium")
# The pages people land on: audited by the tests, timed by the benchmark.
PAGES = [
    "/fr/",
    "/fr/organisations",
    "/fr/organisations/wanep",
    "/fr/initiatives/building-lasting-peace-mali",
    "/fr/search?q=paix",
    "/fr/map",
    "/fr/submit/organisation",
    "/ar/organisations/conascipal",
]
# The Sahel profile: 400 ms round trip, 400 kbit/s, a phone's CPU six times slower than this one.
SAHEL = [
    "--throttling-method=simulate",
    "--throttling.rttMs=400",
    "--throttling.throughputKbps=400",
    "--throttling.cpuSlowdownMultiplier=6",
]


def run_lighthouse(node, url, output, *extra):
    """Lighthouse's JSON report for `url` (performance and accessibility categories)."""
    subprocess.run(  # noqa: S603
        [
            node,
            LIGHTHOUSE,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={output}",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            *extra,
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        timeout=240,
        check=True,
    )
    with open(output, encoding="utf-8") as file:
        report = json.load(file)
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"])
    return report
