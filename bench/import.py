"""Benchmark: `flask data import` of an OCHA 3W sheet, CSV and XLSX, pending and published.

`.venv/bin/python bench/import.py [ROWS] [ORGANISATIONS]` (default 50,000 and 1,000), or
`bench/import.py files [ROWS]` for the first part alone. Prints figures; asserts nothing.

First, files (bench/ocha_sheet.py): an OCHA Mali 5W sheet as OCHA writes it (French header
names without an HXL row, real communes and P-codes, 3W type abbreviations, French cluster
names), 24,000 rows over 155 organisations, written as CSV and as XLSX; for each, rows per
second and the tracemalloc peak of reading and folding the rows alone (at a fifth of the
rows and at all of them: memory follows the organisations, not the rows), then of the whole
published import into an empty database.

Writes a 3W-style CSV (header row, HXL tag row, then organisation x activity x place rows)
into a temporary folder: Malian and Nigerian-looking organisation names with accents, a few
organisations with many rows and many with few (as in real 3W sheets), real P-codes (Mali's
regions and cercles from peacemap/data/, Nigeria's states and LGAs from the shared OCHA
Nigeria sheet when it is there). Then imports it into a temporary SQLite database through
`importer.run()`, what the command runs:
- pending (a submission per organisation), then the same file again;
- published at once, then again, with the search index present, its reindexing after
  commit timed on its own;
- each timed without tracemalloc, then once more with it for the peak of Python memory;
  ru_maxrss is the process's peak resident size so far;
- the reading and aggregation alone at a fifth of the rows, to show memory follows the
  organisations, not the rows.
"""

import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peacemap import create_app, effects  # noqa: E402
from peacemap.demo import loader  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.imports import importer, readers, threew  # noqa: E402
from peacemap.models import Theme  # noqa: E402
from peacemap.places.gazetteer import DATA  # noqa: E402
from peacemap.search import service as search  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ocha_sheet  # noqa: E402
from reference import machine_reference  # noqa: E402

NIGERIA = Path(__file__).resolve().parents[2] / "shared/fixtures/nigeria-3w-ocha-2023"
HEADER = [
    "Organisation",
    "Acronyme",
    "Type d'organisation",
    "Secteur",
    "Activité",
    "Région",
    "P-code Région",
    "Cercle",
    "P-code Cercle",
    "Statut",
]
TAGS = [
    "#org +name",
    "#org +acronym",
    "#org +type",
    "#sector +cluster",
    "#activity",
    "#adm1 +name",
    "#adm1 +code",
    "#adm2 +name",
    "#adm2 +code",
    "#status",
]
KINDS_FR, AIMS_FR = ocha_sheet.KINDS, ocha_sheet.AIMS  # one list of French name parts
KINDS_EN = ["Foundation", "Initiative", "Network", "Centre", "Society", "Women Initiative"]
WORDS_NG = ["Nasara", "Albarka", "Zumunta", "Hadin Kai", "Kanem", "Bulama", "Gidan", "Arewa"]
TYPES = ["NNGO", "NNGO", "ONG nationale", "INGO", "ONG internationale", "Govt", "UN Agency", "CBO"]
SECTORS = ["PRO", "Protection", "ERL", "Cohésion sociale", "GBV", "HEA", "WASH", "EDU", "FSC"]
ACTIVITIES = ["Médiation", "Sensibilisation", "Distribution", "Formation", "Écoute", "Dialogue"]


def places():
    """[(country, region, region P-code, district, district P-code)] with real P-codes."""
    found = []
    with open(DATA / "mli_adm2_cod_ps.csv", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            found.append(
                (
                    "ML",
                    row["admin1Name_fr"],
                    row["admin1Pcode"],
                    row["admin2Name_fr"],
                    row["admin2Pcode"],
                )
            )
    sheet = NIGERIA / "nga_3w_q4_2023.csv"
    if sheet.exists():
        with open(sheet, encoding="utf-8-sig") as handle:
            rows = csv.reader(handle)
            next(rows), next(rows)
            found += sorted({("NG", r[7], r[8], r[9], r[10]) for r in rows})
    return found


def organisations(count, rng):
    """`count` distinct (name, acronym, type, country) that look Malian or Nigerian."""
    towns_ml = ["Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Ménaka", "Djenné", "Kayes"]
    towns_ng = ["Maiduguri", "Yola", "Damaturu", "Bama", "Konduga", "Mubi", "Potiskum"]
    found, acronyms = {}, set()
    while len(found) < count:
        if rng.random() < 0.65:
            name = f"{rng.choice(KINDS_FR)} {rng.choice(AIMS_FR)} de {rng.choice(towns_ml)}"
            country = "ML"
        else:
            words = f"{rng.choice(WORDS_NG)} {rng.choice(KINDS_EN)}"
            name = f"{words} for Peace and Development, {rng.choice(towns_ng)}"
            country = "NG"
        if name in found:
            name = f"{name} {len(found)}"
        # Distinct acronyms, as in real sheets (the Nigeria one has 170 for 172 names).
        acronym = base = "".join(word[0] for word in name.split() if word[0].isupper())[:10]
        while acronym in acronyms:
            acronym = f"{base}{rng.randint(2, 99)}"
        acronyms.add(acronym)
        found[name] = (name, acronym, rng.choice(TYPES), country)
    return list(found.values())


def write_sheet(path, rows, count, seed=7):
    """The 3W CSV: `rows` rows over `count` organisations, a few of them very active."""
    rng = random.Random(seed)
    orgs = organisations(count, rng)
    by_country = {}
    for place in places():
        by_country.setdefault(place[0], []).append(place)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(count)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(TAGS)
        picked = rng.choices(orgs, weights, k=rows - count) + orgs  # every one at least once
        for name, acronym, kind, country in picked:
            _country, region, region_pcode, district, district_pcode = rng.choice(
                by_country.get(country) or by_country["ML"]
            )
            writer.writerow(
                [
                    name,
                    acronym,
                    kind,
                    rng.choice(SECTORS),
                    rng.choice(ACTIVITIES),
                    region,
                    region_pcode,
                    district,
                    district_pcode,
                    rng.choice(["En cours", "Terminé", "Ongoing"]),
                ]
            )


def reset():
    """An empty directory with the demo themes (3W sectors map onto them)."""
    db.session.remove()
    db.drop_all()
    db.create_all()
    for position, spec in enumerate(loader.read_data()["themes"]):
        db.session.add(Theme(slug=spec["slug"], labels=spec["labels"], position=position))
    db.session.commit()


def rss_mb():
    """The process's peak resident size so far, in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(path, publish, measure_memory=False):
    """(summary, seconds, tracemalloc peak in MB or None) of one import, committed."""
    if measure_memory:
        tracemalloc.start()
    started = time.perf_counter()
    summary = importer.run(path, "3w", publish=publish)
    db.session.commit()
    seconds = time.perf_counter() - started
    peak = None
    if measure_memory:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return summary, seconds, peak


def report(label, summary, seconds, peak=None):
    """Print one import's figures."""
    rate = summary.rows / seconds if seconds else 0
    memory = f", tracemalloc peak {peak:.1f} MB" if peak is not None else ""
    print(
        f"  {label:<34} {seconds:6.2f} s = {rate:8,.0f} rows/s; created {summary.created}, "
        f"updated {summary.updated}, unchanged {summary.unchanged}, merged {summary.merged}, "
        f"rejected {len(summary.rejected)}{memory}; ru_maxrss {rss_mb():.0f} MB"
    )


def fold_rows(path, rows):
    """Read and fold the first `rows` rows of a 3W sheet (CSV or XLSX), as the import does;
    returns the number of organisations."""
    with open(path, "rb") as handle:
        if readers.is_zip(handle):
            sheet = readers.xlsx_rows(handle, readers.Reading(), threew.organisation_columns)
        else:
            sheet = readers.csv_rows(handle, readers.Reading())
        header, tags, data = readers.split_header(sheet)
        aggregator = threew.Aggregator(threew.organisation_columns(header, tags), set())
        for number, (line, cells) in enumerate(data, start=1):
            aggregator.add(line, cells)
            if number >= rows:
                break
        sheet.close()  # the XLSX reader closes its workbook
    return len(aggregator.organisations)


def aggregation_peak(path, rows):
    """Tracemalloc peak (MB) of reading and folding the first `rows` rows of the sheet."""
    tracemalloc.start()
    found = fold_rows(path, rows)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return peak, found


def files(tmp, rows=24_000, count=155):
    """The OCHA Mali sheet as CSV and XLSX: reading alone, then the published import."""
    print(f"machine reference (fixed Python workload): {machine_reference():.1f} ms")
    paths = {"CSV": Path(tmp) / "5w.csv", "XLSX": Path(tmp) / "5w.xlsx"}
    started = time.perf_counter()
    ocha_sheet.write_csv(paths["CSV"], rows, count)
    ocha_sheet.write_xlsx(paths["XLSX"], rows, count)
    print(
        f"OCHA Mali 5W sheet, {rows:,} rows over {count} organisations, written in "
        f"{time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{kind} {path.stat().st_size / 1e6:.1f} MB" for kind, path in paths.items())
    )
    print("\nReading and folding the rows (no database):")
    fold_rows(paths["CSV"], 1_000)  # load the gazetteer and code tables before measuring
    for kind, path in paths.items():
        started = time.perf_counter()
        fold_rows(path, rows)
        seconds = time.perf_counter() - started
        fifth, _found = aggregation_peak(path, rows // 5)
        peak, found = aggregation_peak(path, rows)
        print(
            f"  {kind:<5} {seconds:6.2f} s = {rows / seconds:8,.0f} rows/s -> {found} "
            f"organisations; tracemalloc peak {fifth:.1f} MB at {rows // 5:,} rows, "
            f"{peak:.1f} MB at {rows:,}"
        )
    print("\nPublished import into an empty database (flask data import --publish):")
    for kind, path in paths.items():
        reset()
        report(f"{kind}", *timed_import(path, publish=True))
        effects.run_ready()
        reset()
        report(f"{kind}, tracemalloc on", *timed_import(path, True, measure_memory=True))
        effects.run_ready()
    print("\nThe same, each in a process of its own (its peak resident size is the import's):")
    for kind, path in paths.items():
        own_process(tmp, path, kind)
    fifth = Path(tmp) / "5w-fifth.xlsx"
    ocha_sheet.write_xlsx(fifth, rows // 5, count)
    own_process(tmp, fifth, f"XLSX {rows // 5 // 1000}k")


CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from peacemap import create_app
from peacemap.extensions import db
from peacemap.imports import importer
app = create_app({{"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": {uri!r}}})
with app.app_context():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    summary = importer.run({path!r}, "3w", publish=True)
    db.session.commit()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{{seconds:.2f}} {{summary.rows}} {{summary.created}} {{before}} {{after}}")
"""


def own_process(tmp, path, kind):
    """Import `path` into a fresh database in a child process; print its time and peak RSS."""
    database = Path(tmp) / f"child-{kind.replace(' ', '-')}.sqlite"
    uri = f"sqlite:///{database}"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        reset()
        db.session.remove()
        db.engine.dispose()
    root = str(Path(__file__).resolve().parents[1])
    code = CHILD.format(root=root, uri=uri, path=str(path))
    output = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    seconds, rows, created = float(output[0]), int(output[1]), int(output[2])
    before, after = int(output[3]) / 1024, int(output[4]) / 1024
    print(
        f"  {kind:<11} {seconds:6.2f} s = {rows / seconds:8,.0f} rows/s, created {created}; "
        f"resident size {before:.0f} MB with the app loaded, peak {after:.0f} MB"
    )


def main():
    """Write the sheets, make a temporary app, run the imports."""
    only_files = sys.argv[1:2] == ["files"]
    args = sys.argv[2:] if only_files else sys.argv[1:]
    rows = int(args[0]) if args else (24_000 if only_files else 50_000)
    count = int(args[1]) if len(args) > 1 else 1_000
    with tempfile.TemporaryDirectory(prefix="peacemap-bench-import-") as tmp:
        os.environ["PEACEMAP_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        app = create_app(
            {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite"}
        )
        with app.app_context():
            files(tmp, rows if only_files else 24_000)
            if not only_files:
                path = Path(tmp) / "3w.csv"
                started = time.perf_counter()
                write_sheet(path, rows, count)
                print(
                    f"\n{rows:,} rows over {count:,} organisations written in "
                    f"{time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} MB)"
                )
                run(path, rows)
            db.session.remove()
            db.engine.dispose()


def run(path, rows):
    """Import the sheet in each mode and print the figures."""
    print("\nReading and aggregation only (no database):")
    aggregation_peak(path, 1_000)  # load the gazetteer and code tables before measuring
    for share in (5, 1):
        peak, found = aggregation_peak(path, rows // share)
        print(f"  {rows // share:>7,} rows -> {found:,} organisations: peak {peak:.1f} MB")

    print("\nPending (one submission per organisation):")
    reset()
    importer.run(path, "3w")  # warm the gazetteer and the matching code
    reset()
    report("first run", *timed_import(path, publish=False))
    report("same file again", *timed_import(path, publish=False))
    reset()
    report("first run, tracemalloc on", *timed_import(path, False, measure_memory=True))

    print("\nPublished at once (--publish), search index present:")
    reset()
    search.rebuild()
    summary, seconds, _peak = timed_import(path, publish=True)
    report("first run", summary, seconds)
    started = time.perf_counter()
    effects.run_ready()  # reindexing one record at a time, after commit
    print(f"  {'reindexing after commit':<34} {time.perf_counter() - started:6.2f} s")
    report("same file again", *timed_import(path, publish=True))
    reset()
    report("first run, tracemalloc on", *timed_import(path, True, measure_memory=True))
    effects.run_ready()


if __name__ == "__main__":
    main()
