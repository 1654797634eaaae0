"""A web vulnerability scan of the running site with wapiti: the production settings under
gunicorn, over HTTPS on loopback, as a visitor and as a signed-in moderator. No finding of
medium severity or higher may remain.

wapiti lives in .venv-wapiti/ (`make scan-tools`; its pinned dependencies clash with ours).
"""

import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy import select

from peacemap import create_app, sealed
from peacemap.accounts.services import create_user
from peacemap.demo import loader
from peacemap.extensions import db
from peacemap.models import Initiative, Organisation
from peacemap.search import service as search
from peacemap.submissions import services as submissions
from tests.test_deploy import ROOT, free_port, start_gunicorn

pytestmark = pytest.mark.scan

WAPITI = ROOT / ".venv-wapiti" / "bin" / "wapiti"
PASSWORD = "scan moderator password"
# The site's certificate is a throwaway one made for the test.
UNVERIFIED = ssl._create_unverified_context()  # noqa: S323
# wapitiCore/language/vulnerability.py: INFO 0, LOW 1, MEDIUM 2, HIGH 3, CRITICAL 4.
MEDIUM = 2
LEVELS = {0: "info", 1: "low", 2: "medium", 3: "high", 4: "critical"}
# Attacks on what the app does with input, and checks of its headers and cookies. Left out:
# modules that need an endpoint on the internet (ssrf, xxe, log4shell), download a database
# (nikto, wapp, htp) or are about the web server in front (ssl, https_redirect, backup,
# buster, htaccess), other software (cms, wp_enum, spring4shell, shellshock, network_device,
# takeover), a login brute force, time-based SQL injection (minutes of sleeps) and LDAP
# injection (there is no directory server; its test misreads a form that shows the submitted
# value back, HTML-escaped, as an injection). Command injection (exec) too: the app runs no
# command, and in one run of five its time-based payloads kept it going past
# --max-attack-time for over six minutes (wapiti 3.2.3).
VISITOR_MODULES = [
    "xss",
    "permanentxss",
    "sql",
    "file",
    "redirect",
    "crlf",
    "csrf",
    "csp",
    "http_headers",
    "cookieflags",
    "methods",
    "upload",
]
# Behind the sign-in: the injections and the forms' CSRF protection (the headers are the same).
MODERATOR_MODULES = ["xss", "permanentxss", "sql", "file", "redirect", "crlf", "csrf"]
# Each attack module stops after this many seconds: the scans take about four minutes in all
# on two cores, and the modules cover the pages in order (links first, then forms).
ATTACK_SECONDS = {"visitor": 30, "moderator": 15}
MODULES = {"visitor": VISITOR_MODULES, "moderator": MODERATOR_MODULES}
# The crawl stops after this many seconds (it takes under a minute on two cores).
CRAWL_SECONDS = 240
# Filters and choices whose value is checked against a fixed list before any use: attacking
# each of them on every list page took most of a module's time, so that the free-text fields
# (search, forms) came too late. They are still sent, with their crawled values.
NOT_ATTACKED = ["country", "region", "theme", "type", "verification", "sort", "status", "kind"]
NOT_ATTACKED += ["verified", "age", "state"]
# The API is not linked from the pages: its parameters are scanned from these addresses.
API = [
    "/api/v1/organisations?q=paix&country=ML&sort=name&page=1",
    "/api/v1/initiatives?q=paix",
    "/api/v1/search?q=paix",
    "/api/v1/places?q=Bam",
    "/api/v1/organisations.geojson?q=paix&bbox=-12,10,4,25",
]


def https_ready(port, timeout=60):
    """Until gunicorn's workers answer /healthz over TLS."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            url = f"https://127.0.0.1:{port}/healthz"
            with urllib.request.urlopen(url, context=UNVERIFIED, timeout=5):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on {port}")


def self_signed_certificate(folder):
    """A throwaway certificate for 127.0.0.1: (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: `apt-get install openssl`")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    """The demo directory with a pending submission and a moderator, served by gunicorn with
    the production settings over HTTPS; yields the base URL and the moderator's email.

    With PEACEMAP_TEST_BACKEND=postgres (`make test-postgres`) the data and the search index
    are in PostgreSQL, whose search builds SQL of its own: the scan attacks that too."""
    if not WAPITI.exists():
        pytest.skip("wapiti is not installed: run `make scan-tools` (PyPI)")
    tmp = tmp_path_factory.mktemp("scan")
    cert, key = self_signed_certificate(tmp)
    backend = os.environ.get("PEACEMAP_TEST_BACKEND", "whoosh")
    database = f"sqlite:///{tmp / 'site.sqlite'}"
    if backend == "postgres":
        database = request.getfixturevalue("postgres_server").create_database()
    instance = tmp / "instance"
    email = "moderator@example.org"
    keys = {"DATA_KEY": sealed.new_key(), "INDEX_KEY": sealed.new_key()}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEACEMAP_INSTANCE_PATH", str(instance))
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database,
                "SEARCH_BACKEND": backend,
                "SECRET_KEY": "x",
                **keys,
            }
        )
    with app.app_context():
        db.create_all()
        loader.load(loader.read_data())
        submissions.submit(
            "new_organisation",
            {
                "name": "Réseau des Jeunes pour la Paix",
                "type": "network",
                "country": "ML",
                "language": "fr",
                "website": "https://rjp.example.org/",
                "summary": {"fr": "Un réseau de jeunes médiateurs."},
                "description": {"fr": ""},
                "themes": [],
                "places": [{"geonameid": 2460596, "name": "Bamako", "country": "ML"}],
                "location_precision": "commune",
                "contacts_public": False,
                "alternate_names": [],
                "identifiers": [],
            },
            form_token=submissions.new_form_token(),
            submitter={"name": "Awa", "email": "awa@example.org", "consent": True},
        )
        create_user(email, PASSWORD, "moderator")
        db.session.commit()
        search.rebuild()
        duplicates = repeated_record_pages(
            db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)),
            db.session.scalars(select(Initiative.slug).order_by(Initiative.slug)),
        )
        db.session.remove()
        db.engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "PEACEMAP_ENVIRONMENT": "production",
        "PEACEMAP_INSTANCE_PATH": str(instance),
        "PEACEMAP_SQLALCHEMY_DATABASE_URI": database,
        "PEACEMAP_SEARCH_BACKEND": backend,
        "PEACEMAP_SECRET_KEY": "scan-test-secret",
        "PEACEMAP_DATA_KEY": keys["DATA_KEY"],
        "PEACEMAP_INDEX_KEY": keys["INDEX_KEY"],
        "PEACEMAP_WORKERS": "2",
        # Thousands of requests from one address: with the limits on, the attacks on the
        # forms and the API would meet 429 instead of the code under test.
        "PEACEMAP_RATELIMIT_ENABLED": "false",
        # wapiti signs in with the password form only; it cannot give a TOTP code.
        # tests/test_totp.py covers the second factor.
        "PEACEMAP_REQUIRE_TWO_FACTOR": "false",
    }
    gunicorn = start_gunicorn(port, env, "--certfile", str(cert), "--keyfile", str(key))
    try:
        https_ready(port)
        yield {"url": f"https://127.0.0.1:{port}", "email": email, "duplicates": duplicates}
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=10)
        except subprocess.TimeoutExpired:
            gunicorn.kill()


def repeated_record_pages(organisations, initiatives):
    """Address patterns of the pages that only repeat others with another record: every record
    keeps its profile, but the forms under it (suggest, report; verify, texts, publication for
    moderators) are scanned for one organisation and one initiative. The filter links repeat
    the filter form, which is scanned with all its fields."""
    organisations, initiatives = list(organisations), list(initiatives)
    patterns = ["/en/organisations?country=*", "/en/organisations?theme=*", "/en/map?region=*"]
    patterns += ["/en/moderation/?state=*"]
    for kind, slugs in (("organisations", organisations[1:]), ("initiatives", initiatives[1:])):
        for slug in slugs:
            patterns += [f"/en/{kind}/{slug}/*", f"/en/moderation/{kind}/{slug}/*"]
    return patterns


def wapiti(site, folder, who, *options):
    """Run wapiti on the site; returns its JSON report and prints how far each module got."""
    report = folder / "report.json"
    excluded = ["/fr/*", "/ar/*", "/static/*", "/api/v1/exports/*", *site["duplicates"]]
    command = [
        str(WAPITI),
        *(f"--exclude={site['url']}{path}" for path in excluded),
        *(f"--skip={name}" for name in NOT_ATTACKED),
        "--depth",
        "4",
        "--max-links-per-page",
        "50",
        "--max-attack-time",
        str(ATTACK_SECONDS[who]),
        "--max-scan-time",
        str(CRAWL_SECONDS),
        "--tasks",
        "4",
        "--timeout",
        "30",  # gunicorn's worker timeout: a slower answer is a finding (resource consumption)
        # Payloads that name an outside address name a closed port on loopback instead, and no
        # DNS name is looked up; no crash report is sent.
        "--endpoint",
        "http://127.0.0.1:9/",
        "--dns-endpoint",
        "localhost",
        "--no-bugreport",
        "--store-session",
        str(folder / "session"),
        "--store-config",
        str(folder / "config"),
        "--verbose",
        "1",
        "--format",
        "json",
        "--detailed-report",
        "1",
        "--output",
        str(report),
        "--module",
        ",".join(MODULES[who]),
        *options,
    ]
    started = time.monotonic()
    # --max-scan-time bounds the crawl only, and --max-attack-time each module; a module may
    # then wait for its requests in flight (--timeout) and its last checks. The whole run is
    # given that much and a minute to start and write the report, so a slow machine takes
    # longer without failing, and only a scan that hangs is stopped.
    bound = CRAWL_SECONDS + len(MODULES[who]) * (ATTACK_SECONDS[who] + 30 + 15) + 60
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=bound)  # noqa: S603
    except subprocess.TimeoutExpired as stopped:
        output = stopped.output or b""  # bytes, even with text=True
        output = output.decode(errors="replace") if isinstance(output, bytes) else output
        pytest.fail(f"wapiti ({who}) ran past {bound} s; the end of its output:\n{output[-3000:]}")
    (folder / "wapiti.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    print(f"wapiti ({who}) took {time.monotonic() - started:.0f} s")
    for line in run.stdout.splitlines():
        if "Launching module" in line or "Max attack time" in line:
            print("  " + line.strip())
    return json.loads(report.read_text())


def findings(report):
    """Every vulnerability and anomaly of the report, as (level, category, finding)."""
    return [
        (finding["level"], category, finding)
        for section in ("vulnerabilities", "anomalies")
        for category, items in report[section].items()
        for finding in items
    ]


def describe(level, category, finding):
    return (
        f"[{LEVELS.get(level, level)}] {category}: {finding['method']} {finding['path']}"
        f" parameter={finding['parameter']!r}: {finding['info']}"
    )


def prefixed_csrf_token(site, category, finding):
    """True for wapiti's "Lack of anti CSRF token" on a form whose token field has a WTForms
    prefix (`publication-csrf_token`): wapiti knows token fields by exact names only. The
    token is there and checked: the request sent again with a forged token must get 400."""
    if category != "Cross Site Request Forgery" or finding["info"] != "Lack of anti CSRF token":
        return False
    head, _, body = finding["http_request"].partition("\n\n")
    fields = parse_qsl(body.strip(), keep_blank_values=True)
    if not any(name.endswith("-csrf_token") and value for name, value in fields):
        return False
    cookie = next(
        line.split(":", 1)[1].strip()
        for line in head.splitlines()
        if line.lower().startswith("cookie:")
    )
    forged = urlencode(
        [(n, "forged" if n.endswith("-csrf_token") else v) for n, v in fields]
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        site["url"] + finding["path"],
        data=forged,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=UNVERIFIED, timeout=30)  # noqa: S310
    refused.value.close()
    assert refused.value.code == 400, describe(0, category, finding)
    return True


def check(site, report):
    """Print every finding; fail on those of medium severity or higher."""
    crawled = report["infos"]["crawled_pages_nbr"]
    print(f"{crawled} pages and forms crawled")
    # A scan that reached nothing would find nothing.
    assert crawled >= 20, report["infos"]
    serious = []
    for level, category, finding in findings(report):
        if prefixed_csrf_token(site, category, finding):
            print("not a finding (prefixed CSRF token): " + describe(level, category, finding))
        elif level >= MEDIUM:
            serious.append(describe(level, category, finding))
        else:
            print(describe(level, category, finding))
    for category, items in report["additionals"].items():
        if items:
            print(f"[info] {category}: {len(items)} (e.g. {items[0]['info']!r})")
    assert serious == [], "\n".join(serious)


def test_scan_as_a_visitor(site, tmp_path):
    report = wapiti(
        site,
        tmp_path,
        "visitor",
        "--url",
        f"{site['url']}/en/",
        "--scope",
        "domain",
        *(f"--start={site['url']}{path}" for path in API),
    )
    check(site, report)
    crawled = {page["request"]["url"] for page in report["infos"]["crawled_pages"]}
    for path in ("/en/submit/organisation", "/en/search?q=paix", "/api/v1/places?q=Bam"):
        assert any(url.startswith(site["url"] + path.split("?")[0]) for url in crawled), path


def test_scan_as_a_moderator(site, tmp_path):
    report = wapiti(
        site,
        tmp_path,
        "moderator",
        "--url",
        f"{site['url']}/en/moderation/",
        "--scope",
        "folder",
        "--form-url",
        f"{site['url']}/en/login",
        "--form-user",
        site["email"],
        "--form-password",
        PASSWORD,
    )
    assert report["infos"]["auth"]["logged_in"], report["infos"]["auth"]
    check(site, report)
    crawled = {page["request"]["url"] for page in report["infos"]["crawled_pages"]}
    assert f"{site['url']}/en/moderation/1" in crawled  # the pending submission's review
