"""Benchmark: the map's GeoJSON and first view at N organisations.

`.venv/bin/python bench/map.py [N]` (default 10,000). Prints figures; asserts nothing.

The organisations are bench/corpus.py's realistic directory: real gazetteer places of West
Africa weighted by population, every location precision (commune 40 %, exact with a few
hundred metres of jitter 20 %, region 20 %, country 10 %, not mapped 10 %), 2 to 4 themes
each. Measured through the application (Flask test client, so without network time):
- the full GeoJSON (`/api/v1/organisations.geojson`, names and links included) and the map's
  layer (`?view=map`, ids and points): time to produce them with the point cache cold and
  warm, their size raw and gzipped (level 6, as served), bytes per feature; and the layer
  filtered by a theme;
- the map page's first view as a desktop (zoom 4) and a phone (zoom 3) load it: the page,
  its CSS and scripts, the offline basemap and the first data request, gzipped (and what a
  large screen, which opens at zoom 5, adds: the basemap's index, régions and cities).
"""

import gzip
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import fill  # noqa: E402
from reference import machine_reference  # noqa: E402

from peacemap import create_app  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.map import services  # noqa: E402

FIRST_VIEWS = {
    "desktop 1280 px": "zoom=4&bbox=-30.1,-3.8,28.1,31.5",
    "phone 360 px": "zoom=3&bbox=-25.6,-9.5,23.6,36.0",
}


def timed(client, url, headers=None):
    started = time.perf_counter()
    response = client.get(url, headers=headers or {})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response


def gzipped(data):
    return len(gzip.compress(data, 6))


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    tmp = Path(tempfile.mkdtemp(prefix="peacemap-bench-map-"))
    os.environ["PEACEMAP_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
            "PAGE_CACHE_BYTES": 0,  # what building the layers costs, not the page cache
        }
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        fill(size)
        print(
            f"{size:,} organisations (bench/corpus.py, plus the demo's) written in"
            f" {time.perf_counter() - started:.1f} s;"
            f" machine reference {machine_reference():.1f} ms"
        )
        client = app.test_client()

        print("\nGeoJSON of every organisation (server side, no network):")
        for label, url in (
            ("full (names, links)", "/api/v1/organisations.geojson?lang=fr"),
            ("map layer (ids, points)", "/api/v1/organisations.geojson?view=map"),
            ("layer, one theme", "/api/v1/organisations.geojson?view=map&theme=dialogue-mediation"),
        ):
            services.clear_cache()
            cold, response = timed(client, url)
            warm = statistics.median(timed(client, url)[0] for _ in range(5))
            body = response.get_data()
            features = len(response.get_json()["features"])
            packed = gzipped(body)
            print(
                f"  {label:<24} {features:,} features: cold {cold * 1000:.0f} ms, "
                f"warm {warm * 1000:.0f} ms; {len(body) / 1e6:.2f} MB raw, "
                f"{packed / 1e3:.0f} KB gzipped = {len(body) / features:.1f} B and "
                f"{packed / features:.1f} B gzipped per feature"
            )

        print("\nFirst view of /fr/map (gzipped bytes, before tiles; none are configured):")
        gz = {"Accept-Encoding": "gzip"}
        _, page = timed(client, "/fr/map", gz)
        html = page.get_data(as_text=False)
        text = gzip.decompress(html).decode("utf-8")
        assets = [
            part.split('"')[0]
            for part in text.replace("href=", "src=").split('src="')[1:]
            if part.split('"')[0].split("?")[0].endswith((".css", ".js"))  # fingerprinted too
        ]
        asset_bytes = sum(len(timed(client, url, gz)[1].get_data()) for url in assets)
        basemap = len(timed(client, "/static/map/west-africa.geojson", gz)[1].get_data())
        page_bytes = len(html) + asset_bytes
        print(
            f"  page: HTML {len(html) / 1e3:.1f} KB + {len(assets)} CSS/JS files "
            f"{asset_bytes / 1e3:.1f} KB = {page_bytes / 1e3:.1f} KB"
        )
        print(f"  offline basemap (West Africa outlines and names): {basemap / 1e3:.1f} KB")
        zoom5 = sum(
            len(timed(client, f"/static/map/{name}", gz)[1].get_data())
            for name in ("index.json", "mali-regions.geojson", "towns-5-all.geojson")
        )
        print(f"  a large screen opens at zoom 5 and adds régions and cities: {zoom5 / 1e3:.1f} KB")
        for label, view in FIRST_VIEWS.items():
            url = f"/api/v1/organisations.geojson?lang=fr&view=map&{view}"
            services.clear_cache()
            cold, response = timed(client, url, gz)
            elapsed = statistics.median(timed(client, url, gz)[0] for _ in range(5))
            _, initiatives = timed(
                client, f"/api/v1/initiatives.geojson?lang=fr&view=map&{view}", gz
            )
            data = len(response.get_data()) + len(initiatives.get_data())
            total = page_bytes + basemap + data
            print(
                f"  {label}: data {data / 1e3:.1f} KB in {cold * 1000:.0f} ms cold, "
                f"{elapsed * 1000:.0f} ms warm; "
                f"first view {total / 1e3:.1f} KB"
            )
        print(f"\nmachine reference after: {machine_reference():.1f} ms")


if __name__ == "__main__":
    main()
