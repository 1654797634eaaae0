"""The public view: nothing private leaves the server, whichever way it is asked for.

- A leak matrix: sentinel values (emails, phones, exact coordinates, places and regions below
  the agreed precision) on records that together cover every precision and both contact
  choices, then every public route of the URL map must contain none of them, and no record may
  be found by a hidden place. A control record with everything public proves that the same
  checks do see the values. It runs twice: as the owners chose, and with crisis mode on for a
  region, where a record that made everything public is expected at the coarsened view.
- The correction form shows only what the public sees, and a correction never widens it.
- Only declared modules read a record's private attributes (an AST check of the code, a text
  check of the public templates), and lazy translated strings never take user input.
"""

import ast
import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from peacemap.extensions import db
from peacemap.models import CrisisArea, Organisation
from peacemap.models.base import utcnow
from peacemap.search import service as search
from tests.conftest import approve_on_review, fill_and_post, form_values, soup

ROOT = Path(__file__).resolve().parents[1]

# -- the sentinels -------------------------------------------------------------------------------
# Each hidden value is a made-up word or number found nowhere else, so that finding it anywhere
# in a public answer can only be a leak.
HIDDEN = {
    "alpha": {  # region precision, private contacts: "Gao, Mali" and nothing finer
        "precision": "region",
        "email": "alpha.secret@sentinel.test",
        "phone": "+223 66 41 07 93",
        "place": "Zanzolocalite",
        "region": "Gao",
        "point": (16.27183, 0.04417),
    },
    "bravo": {  # country precision: Mali alone
        "precision": "country",
        "email": "bravo.secret@sentinel.test",
        "phone": "+223 75 38 20 61",
        "place": "Zorbacommune",
        "region": "Zorbaregion",
        "point": (17.33417, -2.58913),
    },
    "charlie": {  # commune precision: the place, drawn at a locality, never its own point
        "precision": "commune",
        "email": "charlie.secret@sentinel.test",
        "phone": "+223 79 52 86 14",
        "place": None,  # named publicly under commune precision
        "region": None,
        "point": (20.71093, -5.38417),  # in the desert: far from any town
    },
    "delta": {  # not mapped: the country alone, drawn nowhere
        "precision": "not_mapped",
        "email": "delta.secret@sentinel.test",
        "phone": "+223 64 90 35 72",
        "place": "Dunevillage",
        "region": "Deltaregion",
        "point": (15.90871, -1.30659),
    },
}
INITIATIVE = {  # an initiative at region precision
    "place": "Ezinvillage",
    "point": (14.61283, -3.90517),
}
CONTROL = {  # everything public: the checks must find all of it
    "email": "zulu.public@sentinel.test",
    "phone": "+223 20 71 64 38",
    "place": "Zenithville",
    "region": "Zenithregion",
    "point": (13.57913, -7.53197),
}


def coordinate_texts(point):
    """How a coordinate may be written: in full, or rounded to 4 or 5 decimals."""
    texts = set()
    for value in point:
        texts |= {f"{value:.5f}", f"{value:.4f}"}
    return texts


def secrets_of(values):
    found = {values["email"], values["phone"], values["phone"].replace(" ", "")}
    found |= coordinate_texts(values["point"])
    found |= {values[key] for key in ("place", "region") if values.get(key)}
    return found


# Everything public, but placed in a region in crisis mode: the country alone is expected.
CRISIS = {
    "email": "echo.crisis@sentinel.test",
    "phone": "+223 65 19 47 28",
    "place": "Crisevillage",
    "region": "Criseregion",
    "point": (16.70941, -3.00713),
}

SECRETS = set().union(*(secrets_of(v) for v in HIDDEN.values()))
SECRETS |= {INITIATIVE["place"]} | coordinate_texts(INITIATIVE["point"])
SECRETS -= {"Gao"}  # Alpha's region is public (and Gao is on every map page)


@pytest.fixture
def directory(app, make_organisation, make_location, make_initiative, make_theme):
    """The sentinel records, published and indexed."""
    theme = make_theme(slug="dialogue")
    records = {}
    for key, values in HIDDEN.items():
        place = make_location(
            name=values["place"] or f"Cirque{key}",
            admin1=values["region"] or "Mopti",
            latitude=values["point"][0],
            longitude=values["point"][1],
        )
        records[key] = make_organisation(
            slug=key,
            name=f"Sentinel {key.title()}",
            locations=[place],
            location_precision=values["precision"],
            email=values["email"],
            phone=values["phone"],
            contacts_public=False,
            themes=[theme],
            # Visitors may write to it: its form must not show the address it sends to.
            owner_consent="confirmed",
            contact_form=True,
        )
    control_place = make_location(
        name=CONTROL["place"],
        admin1=CONTROL["region"],
        latitude=CONTROL["point"][0],
        longitude=CONTROL["point"][1],
    )
    records["zulu"] = make_organisation(
        slug="zulu",
        name="Sentinel Zulu",
        locations=[control_place],
        location_precision="exact",
        email=CONTROL["email"],
        phone=CONTROL["phone"],
        contacts_public=True,
        themes=[theme],
    )
    initiative_place = make_location(
        name=INITIATIVE["place"],
        admin1="Mopti",
        latitude=INITIATIVE["point"][0],
        longitude=INITIATIVE["point"][1],
    )
    records["initiative"] = make_initiative(
        slug="sentinel-initiative",
        title={"en": "Sentinel initiative", "fr": "Initiative sentinelle"},
        locations=[initiative_place],
        location_precision="region",
        themes=[theme],
        organisations=[(records["alpha"], "lead"), (records["zulu"], "partner")],
    )
    db.session.commit()
    search.rebuild()
    return records


# -- every public route of the URL map ------------------------------------------------------------
NOT_PUBLIC = (
    *("moderation.", "imports.", "accounts.", "static", "vendor.", "health."),
    "owners.network",  # a network coordinator's page (signed in)
)
QUERIES = sorted(
    {HIDDEN["alpha"]["place"], HIDDEN["bravo"]["region"], HIDDEN["delta"]["place"]}
    | {INITIATIVE["place"], "Sentinel", CRISIS["place"], CRISIS["region"]}
)
BBOXES = [  # tiny boxes around every hidden point: what lies there must not be found
    f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    for lat, lon in [v["point"] for v in HIDDEN.values()] + [INITIATIVE["point"], CRISIS["point"]]
]


def public_urls(app, records):
    """Every GET route that anyone may ask for, with the parameters that reach the sentinels.

    A route the map below does not know fails the test: a new public route must be added."""
    orgs = [r for key, r in records.items() if key != "initiative"]
    initiative = records["initiative"]
    languages = ("fr", "en", "ar")

    def pages(path, **query):
        return [(path.format(lang=lang), query) for lang in languages]

    by_org = [("/{lang}/organisations/" + org.slug, {}) for org in orgs]
    searches = [{"q": q} for q in QUERIES]
    routes = {
        "root": [("/", {})],
        "directory.home": pages("/{lang}/"),
        "directory.about": pages("/{lang}/about"),
        "directory.organisations": pages("/{lang}/organisations")
        + [("/fr/organisations", q) for q in searches]
        + [("/en/organisations", {"region": HIDDEN["bravo"]["region"]})],
        "directory.organisation": [
            (path.format(lang=lang), q) for path, q in by_org for lang in languages
        ],
        "directory.initiatives": pages("/{lang}/initiatives")
        + [("/en/initiatives", q) for q in searches],
        "directory.initiative": pages("/{lang}/initiatives/" + initiative.slug),
        "submissions.suggest_organisation": [
            (f"/{lang}/organisations/{org.slug}/suggest", {})
            for org in orgs
            for lang in ("fr", "en")
        ],
        "submissions.report_organisation": [
            (f"/en/organisations/{org.slug}/report", {}) for org in orgs
        ],
        "submissions.suggest_initiative": pages(
            "/{lang}/initiatives/" + initiative.slug + "/suggest"
        ),
        "submissions.report_initiative": [(f"/en/initiatives/{initiative.slug}/report", {})],
        "submissions.choose": pages("/{lang}/submit"),
        "submissions.organisation": pages("/{lang}/submit/organisation"),
        "submissions.initiative": pages("/{lang}/submit/initiative"),
        "submissions.track": pages("/{lang}/track"),
        "map.page": pages("/{lang}/map")
        + [("/fr/map", q) for q in searches]
        + [("/en/map", {"bbox": bbox}) for bbox in BBOXES],
        "search.page": [(f"/{lang}/search", q) for q in searches for lang in languages],
        "search_api.api_search": [("/api/v1/search", q) for q in searches],
        "typeahead.places": [("/api/v1/places", q) for q in searches],
        "typeahead.organisation_names": [("/api/v1/organisation-names", q) for q in searches],
        "api.organisations": [("/api/v1/organisations", {})]
        + [("/api/v1/organisations", q) for q in searches],
        "api.organisation": [(f"/api/v1/organisations/{org.slug}", {}) for org in orgs],
        "api.initiatives": [("/api/v1/initiatives", {})],
        "api.initiative": [(f"/api/v1/initiatives/{initiative.slug}", {})],
        "api.themes": [("/api/v1/themes", {})],
        "api.openapi_description": [("/api/v1/openapi.json", {})],
        "map_api.organisations_geojson": [
            ("/api/v1/organisations.geojson", query)
            for query in [{}, {"view": "map"}, {"view": "map", "zoom": 2}]
            + [{"view": "map", "zoom": 12, "bbox": bbox} for bbox in BBOXES]
        ],
        "map_api.initiatives_geojson": [
            ("/api/v1/initiatives.geojson", query)
            for query in [{}, {"view": "map"}]
            + [{"view": "map", "zoom": 12, "bbox": bbox} for bbox in BBOXES]
        ],
        "map_api.popup": [(f"/api/v1/map/organisations/{org.id}", {}) for org in orgs]
        + [(f"/api/v1/map/initiatives/{initiative.id}", {})],
        "exports.organisations_csv": [("/api/v1/exports/organisations.csv", {})],
        "exports.organisations_hxl": [("/api/v1/exports/organisations.hxl.csv", {})],
        "exports.organisations_geojson": [("/api/v1/exports/organisations.geojson", {})],
        "exports.organisations_hsds": [("/api/v1/exports/organisations.hsds.json", {})],
        "exports.initiatives_csv": [("/api/v1/exports/initiatives.csv", {})],
        "exports.initiatives_geojson": [("/api/v1/exports/initiatives.geojson", {})],
        "owners.home": pages("/{lang}/owner"),
        "owners.redeem": [("/fr/owner/not-a-token", {})],
        "owners.danger": [(f"/en/organisations/{org.slug}/danger", {}) for org in orgs],
        # (404 unless the organisation turned its contact form on; its address never shows)
        "owners.write": [
            (f"/{lang}/organisations/{org.slug}/write", {})
            for org in orgs
            if org.contact_form
            for lang in languages
        ],
    }
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.endpoint.startswith(NOT_PUBLIC)
    }
    assert public == set(routes), (
        "public routes the leak matrix does not ask for (add them above): "
        f"{sorted(public - set(routes))}; gone: {sorted(set(routes) - public)}"
    )
    return [url for urls in routes.values() for url in urls]


def answers(client, urls):
    for path, query in urls:
        response = client.get(path, query_string=query)
        assert response.status_code in (200, 302), (path, query, response.status_code)
        yield path, query, response.get_data(as_text=True)


@pytest.fixture
def crisis_directory(directory, make_organisation, make_location):
    """The sentinel records, and crisis mode on for a region where one more record (Echo) made
    everything public."""
    place = make_location(
        name=CRISIS["place"],
        admin1=CRISIS["region"],
        latitude=CRISIS["point"][0],
        longitude=CRISIS["point"][1],
    )
    echo = make_organisation(
        slug="echo",
        name="Sentinel Echo",
        locations=[place],
        location_precision="exact",
        email=CRISIS["email"],
        phone=CRISIS["phone"],
        contacts_public=True,
    )
    db.session.add(CrisisArea(country="ML", admin1=CRISIS["region"], reason="sentinel"))
    db.session.commit()
    search.rebuild()
    return {**directory, "echo": echo}


@pytest.fixture(params=[False, True], ids=["as-chosen", "crisis-mode"])
def matrix(request):
    """The sentinel records as their owners chose them, or with crisis mode on for a region:
    (records, what must not be seen)."""
    if not request.param:
        return request.getfixturevalue("directory"), SECRETS
    return request.getfixturevalue("crisis_directory"), SECRETS | secrets_of(CRISIS)


def test_no_public_route_shows_a_private_value(app, client, matrix):
    records, secrets = matrix
    leaks = []
    for path, query, body in answers(client, public_urls(app, records)):
        asked = set(query.values())  # what the visitor typed comes back in the search box
        leaks += [(path, query, s) for s in secrets - asked if s in body]
    assert leaks == []


def test_the_crisis_record_is_asked_for_and_shown_at_its_country(app, client, crisis_directory):
    """The control of the crisis-mode run: the leak matrix does ask for the record in crisis,
    which is still listed, under its country; as its owner chose, it would show everything."""
    assert ("/en/organisations/echo", {}) in public_urls(app, crisis_directory)
    profile = soup(client.get("/en/organisations/echo")).get_text()
    assert "Sentinel Echo" in profile and "Mali" in profile
    db.session.scalar(select(CrisisArea)).lifted_at = utcnow()  # (a flush: the version rises)
    db.session.commit()
    shown = client.get("/en/organisations/echo").get_data(as_text=True)
    assert {CRISIS["email"], CRISIS["place"], CRISIS["region"]} <= {
        s for s in secrets_of(CRISIS) if s in shown
    }


def test_no_record_is_found_by_what_the_public_view_hides(client, matrix):
    directory, _secrets = matrix
    crisis = [CRISIS["place"], CRISIS["region"]] if "echo" in directory else []
    for lang in ("fr", "en", "ar"):
        for place in (
            HIDDEN["alpha"]["place"],
            HIDDEN["delta"]["place"],
            INITIATIVE["place"],
            *crisis,
        ):
            page = soup(client.get(f"/{lang}/search", query_string={"q": place}))
            assert "Sentinel" not in page.get_text(), (lang, place)
    found = client.get("/api/v1/search", query_string={"q": HIDDEN["alpha"]["place"]}).get_json()
    assert "Sentinel" not in json.dumps(found)
    listed = client.get("/en/organisations", query_string={"region": HIDDEN["bravo"]["region"]})
    assert "Sentinel Bravo" not in listed.get_data(as_text=True)
    listed = client.get("/en/organisations", query_string={"region": CRISIS["region"]})
    assert "Sentinel Echo" not in listed.get_data(as_text=True)
    for bbox in BBOXES:
        layer = client.get("/api/v1/organisations.geojson", query_string={"bbox": bbox}).get_json()
        hidden_ids = {record.id for key, record in directory.items() if key in [*HIDDEN, "echo"]}
        assert not hidden_ids & {feature["id"] for feature in layer["features"]}, bbox
    drawn = client.get("/api/v1/organisations.geojson").get_json()
    assert directory["delta"].id not in {feature["id"] for feature in drawn["features"]}
    if "echo" in directory:
        assert directory["echo"].id not in {feature["id"] for feature in drawn["features"]}
        export = client.get("/api/v1/exports/organisations.csv").get_data(as_text=True)
        assert "Sentinel Echo" not in export and "Sentinel Zulu" in export


def test_the_same_checks_see_what_is_public(app, client, matrix):
    """The control: the record that made everything public is found and shown everywhere
    it should be, by the same requests and the same string checks."""
    directory, _secrets = matrix
    urls = dict((path, query) for path, query in public_urls(app, directory) if "zulu" in path)
    assert urls
    bodies = {path: body for path, _query, body in answers(client, urls.items())}
    shown = secrets_of(CONTROL) - {CONTROL["phone"].replace(" ", "")}
    profile = bodies["/fr/organisations/zulu"]
    assert {CONTROL["email"], CONTROL["phone"], CONTROL["place"], CONTROL["region"]} <= {
        secret for secret in shown if secret in profile
    }
    detail = bodies["/api/v1/organisations/zulu"]
    assert {CONTROL["email"], f"{CONTROL['point'][0]:.5f}"} <= {s for s in shown if s in detail}
    export = client.get("/api/v1/exports/organisations.csv").get_data(as_text=True)
    assert CONTROL["email"] in export and f"{CONTROL['point'][1]:.5f}" in export
    found = soup(client.get("/en/search", query_string={"q": CONTROL["place"]}))
    assert "Sentinel Zulu" in found.get_text()
    listed = client.get("/en/organisations", query_string={"region": CONTROL["region"]})
    assert "Sentinel Zulu" in listed.get_data(as_text=True)
    lat, lon = CONTROL["point"]
    around = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    layer = client.get("/api/v1/organisations.geojson", query_string={"bbox": around}).get_json()
    assert directory["zulu"].id in {feature["id"] for feature in layer["features"]}


# -- the correction form ---------------------------------------------------------------------------
def test_the_correction_form_shows_only_what_the_public_sees(client, directory):
    for key in ("alpha", "bravo", "delta"):
        page = client.get(f"/en/organisations/{key}/suggest").get_data(as_text=True)
        values = HIDDEN[key]
        for secret in secrets_of(values) - {"Gao"}:
            assert secret not in page, (key, secret)
        assert "kept as it is unless you fill this in" in page
    control = client.get("/en/organisations/zulu/suggest").get_data(as_text=True)
    assert CONTROL["email"] in control and CONTROL["place"] in control


ANSONGO = 2461003  # a town of the Gao region, from the gazetteer (moderators' forms look it up)


def test_a_correction_keeps_what_it_was_not_shown_and_never_widens_it(
    client, make_organisation, login
):
    from peacemap.places.service import location_for

    alpha = make_organisation(
        slug="alpha",
        locations=[location_for({"geonameid": ANSONGO})],
        location_precision="region",
        email=HIDDEN["alpha"]["email"],
        phone=HIDDEN["alpha"]["phone"],
        contacts_public=False,
    )
    db.session.commit()
    page = client.get("/en/organisations/alpha/suggest").get_data(as_text=True)
    assert "Ansongo" not in page and HIDDEN["alpha"]["email"] not in page
    response = fill_and_post(
        client,
        "/en/organisations/alpha/suggest",
        {
            "summary": "A corrected summary.",
            "location_precision": "exact",  # asks to show more: a correction cannot
            "contacts_public": "y",
            "submitter_name": "",  # neither a name nor an address is needed
            "submitter_email": "",
            "consent": "y",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    login()
    from peacemap.models import Submission

    submission = db.session.query(Submission).one()
    assert submission.payload["email"] is None  # the submitter never saw it, nor sent it
    review = client.get(f"/en/moderation/{submission.id}")
    approve = form_values(soup(review), f"form[action='/en/moderation/{submission.id}/approve']")
    assert approve["approve-email"] == HIDDEN["alpha"]["email"]  # kept, for the moderator
    assert approve["approve-location_precision"] == "region"
    assert "approve-contacts_public" not in approve
    decided = approve_on_review(client, submission.id)
    assert decided.status_code == 302, soup(decided).select_one(".error-summary")
    db.session.expire_all()
    alpha = db.session.get(Organisation, alpha.id)
    assert "A corrected summary." in alpha.summary.values()
    assert (alpha.email, alpha.phone) == (HIDDEN["alpha"]["email"], HIDDEN["alpha"]["phone"])
    assert [location.geonameid for location in alpha.locations] == [ANSONGO]
    assert str(alpha.location_precision) == "region"
    assert not alpha.contacts_public


def test_a_correction_can_still_narrow_and_replace(client, make_organisation, login):
    """What the public sees can be corrected: an address replaced, the location made coarser."""
    from peacemap.places.service import location_for

    zulu = make_organisation(
        slug="zulu",
        locations=[location_for({"geonameid": ANSONGO})],
        location_precision="exact",
        email=CONTROL["email"],
        contacts_public=True,
    )
    db.session.commit()
    sent = fill_and_post(
        client,
        "/en/organisations/zulu/suggest",
        {"location_precision": "country", "email": "new.address@sentinel.test", "consent": "y"},
    )
    assert sent.status_code == 200, soup(sent).select_one(".error-summary")
    approve_the_one_submission(client, login)
    zulu = db.session.get(Organisation, zulu.id)
    assert str(zulu.location_precision) == "country"
    assert zulu.email == "new.address@sentinel.test"


def approve_the_one_submission(client, login):
    """Sign a moderator in and approve the only submission as its review page fills it in."""
    from peacemap.models import Submission

    login()
    submission = db.session.query(Submission).one()
    approved = approve_on_review(client, submission.id)
    assert approved.status_code == 302, soup(approved).select_one(".error-summary")
    db.session.expire_all()


# -- who may read private attributes -------------------------------------------------------------
# A record's private attributes: its contacts and whether they are public, its raw places and
# their coordinates, and the moderator who verified it.
PRIVATE = {
    *("email", "phone", "contacts_public", "locations", "latitude", "longitude", "verified_by"),
    *("outgoing", "incoming", "roles", "initiative_roles", "visibility"),
}
# The modules that may read them: the public view itself, the models, the rooms of moderators
# and accounts, audit, imports and backup, the payloads of submissions and revisions, and the
# intake of what submitters type (their own form fields carry the same names).
MAY_READ_PRIVATE = (
    "peacemap/public/",
    "peacemap/models/",
    "peacemap/moderation/",
    "peacemap/accounts/",
    "peacemap/audit.py",
    "peacemap/backup.py",
    "peacemap/cli.py",
    "peacemap/records.py",
    "peacemap/notifications.py",
    "peacemap/demo/",
    "peacemap/places/service.py",
    "peacemap/places/centres.py",  # reference points (the gazetteer), not records
    "peacemap/submissions/forms.py",
    "peacemap/submissions/fields.py",
    "peacemap/imports/importer.py",
    "peacemap/imports/merging.py",
    "peacemap/imports/threew.py",
    "peacemap/imports/views.py",
    "peacemap/owners/",  # the owner pages: an organisation's own data, once it proved its mailbox
)
# Templates that only moderators, account holders, the moderators' mail or an organisation in
# its own owner session see.
PRIVATE_TEMPLATES = ("moderation/", "accounts/", "mail/", "owners/owner.html")


LOADERS = {"selectinload", "joinedload", "subqueryload", "raiseload"}
# What the public view hands out: its `Contacts` (`public.contacts(org)`) are the contacts the
# owner made public, so reading them is reading the public view.
PUBLIC_OBJECTS = {"contacts"}


def private_reads(source, filename="<code>"):
    """(line, attribute) of every read of a private attribute in Python source, but for
    eager-loading options (which read nothing) and the public view's own objects."""
    tree = ast.parse(source, filename)
    loading = {
        id(argument)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in LOADERS
        for argument in node.args
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr not in PRIVATE or id(node) in loading:
            continue
        if isinstance(node.value, ast.Name) and node.value.id in PUBLIC_OBJECTS:
            continue
        found.append((node.lineno, node.attr))
    return found


def test_only_declared_modules_read_private_attributes():
    offenders = []
    for path in sorted((ROOT / "peacemap").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or relative.startswith(MAY_READ_PRIVATE):
            continue
        offenders += [(relative, *read) for read in private_reads(path.read_text())]
    assert offenders == [], "read the public view (peacemap/public/) instead"


TEMPLATE_READ = re.compile(r"(?<!form)(?<!contacts)\.(" + "|".join(sorted(PRIVATE)) + r")\b")


def test_public_templates_read_no_private_attribute():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*")):
        relative = path.relative_to(ROOT / "templates").as_posix()
        if path.is_dir() or relative.startswith(PRIVATE_TEMPLATES):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            offenders += [(relative, number, m.group(1)) for m in TEMPLATE_READ.finditer(line)]
    assert offenders == []


def test_the_private_read_checks_can_fail():
    """Controls: a new public view reading an email directly is caught, in code and templates,
    and a form's own field of the same name is not."""
    assert private_reads("def page(org):\n    return org.email\n") == [(2, "email")]
    assert private_reads("points = [(p.latitude, p.longitude) for p in org.locations]") != []
    assert TEMPLATE_READ.search("{{ org.phone }}") and TEMPLATE_READ.search("{{ o.locations }}")
    assert not TEMPLATE_READ.search("{{ field(form.email) }}")
    assert not TEMPLATE_READ.search("{{ contacts.email }}")
    assert private_reads("options(selectinload(Organisation.locations))") == []
    assert private_reads("Organisation.locations.any(Location.latitude > 14)") != []


# -- lazy strings never carry user input -----------------------------------------------------
LAZY = {"_l", "lazy_gettext", "lazy_ngettext", "lazy_pgettext"}


def lazy_with_variables(source, filename="<code>"):
    """Lines where a lazy translated string takes variables: Flask-Babel's lazy strings count as
    safe markup to Jinja, so what they carry would be rendered as HTML."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        called = node.left if isinstance(node, ast.BinOp) else node
        if not isinstance(called, ast.Call) or getattr(called.func, "id", None) not in LAZY:
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            found.append(node.lineno)  # _l("...") % value
        elif isinstance(node, ast.Call) and (
            node.keywords or len(node.args) > (3 if "ngettext" in node.func.id else 1)
        ):
            found.append(node.lineno)  # _l("...", name=value)
    return found


def test_no_lazy_string_takes_variables():
    offenders = []
    for path in sorted((ROOT / "peacemap").rglob("*.py")):
        if "migrations" not in path.parts:
            offenders += [(path.name, line) for line in lazy_with_variables(path.read_text())]
    assert offenders == [], "use gettext (_) in the request, whose result Jinja escapes"


def test_the_lazy_string_check_can_fail():
    assert lazy_with_variables('_l("We could not find: %(names)s", names=typed)') == [1]
    assert lazy_with_variables('_l("Found: %s") % typed') == [1]
    assert lazy_with_variables('_l("Name")') == []


def test_no_template_marks_text_as_safe():
    offenders = [
        path.name
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"\|\s*safe\b|Markup\(", path.read_text())
    ]
    assert offenders == []


# -- relationships ---------------------------------------------------------------------------------
@pytest.fixture
def linked(app, make_organisation, make_initiative, link):
    """A recipient with a hidden, an unnamed and a public funder; a network with a hidden and
    a public member; an initiative with a hidden funder and an unnamed partner."""
    orgs = {
        key: make_organisation(slug=key, name=name, type=kind)
        for key, name, kind in [
            ("recipient", "Sentinel Recipient", "national_ngo"),
            ("hidden-funder", "Quietfund Foundation", "international_ngo"),
            ("unnamed-funder", "Veilfund Trust", "international_ngo"),
            ("public-funder", "Openfund Alliance", "international_ngo"),
            ("network", "Sentinel Network", "network"),
            ("hidden-member", "Shadowmember Collective", "community_based"),
            ("public-member", "Brightmember Youth", "community_based"),
        ]
    }
    funded = "funded_by"
    link(orgs["recipient"], funded, orgs["hidden-funder"], visibility="hidden")
    link(orgs["recipient"], funded, orgs["unnamed-funder"], visibility="unnamed")
    link(orgs["recipient"], funded, orgs["public-funder"])
    link(orgs["hidden-member"], "member_of", orgs["network"], visibility="hidden")
    link(orgs["public-member"], "member_of", orgs["network"])
    initiative = make_initiative(slug="sentinel-initiative", title={"en": "Sentinel initiative"})
    from peacemap.models import InitiativeOrganisation

    for org, role, visibility in [
        (orgs["recipient"], "lead", "public"),
        (orgs["hidden-funder"], "funder", "hidden"),
        (orgs["unnamed-funder"], "partner", "unnamed"),
    ]:
        initiative.roles.append(
            InitiativeOrganisation(organisation=org, role=role, visibility=visibility)
        )
    db.session.commit()
    search.rebuild()
    return orgs


def bodies(client, *urls):
    return {url: client.get(url).get_data(as_text=True) for url in urls}


def test_hidden_and_unnamed_relationships_are_not_named_on_either_side(client, linked):
    """The hidden or unnamed party's name never shows where the link would: on the other
    side's profile, in its API record and the exports, on the initiative's page, in its API
    record, its export and its search document; and the hidden side's own profile does not
    list the link either."""
    secrets = ("Quietfund", "quietfund", "Veilfund", "veilfund", "Shadowmember", "shadowmember")
    where = bodies(
        client,
        *(f"/{lang}/organisations/recipient" for lang in ("fr", "en", "ar")),
        "/en/organisations/network",
        "/api/v1/organisations/recipient",
        "/api/v1/organisations/network",
        "/en/initiatives/sentinel-initiative",
        "/en/initiatives",
        "/api/v1/initiatives/sentinel-initiative",
        "/api/v1/exports/initiatives.csv",
        "/en/search?q=Sentinel+initiative",
    )
    leaks = [(url, secret) for url, body in where.items() for secret in secrets if secret in body]
    assert leaks == []
    # The hidden sides do not list the link from their end.
    assert "Sentinel Recipient" not in client.get("/en/organisations/hidden-funder").get_data(
        as_text=True
    )
    assert "Sentinel Network" not in client.get("/en/organisations/hidden-member").get_data(
        as_text=True
    )
    assert "Sentinel initiative" not in client.get("/en/organisations/hidden-funder").get_data(
        as_text=True
    )
    exported = client.get("/api/v1/exports/organisations.csv").get_data(as_text=True)
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))}
    assert rows["hidden-member"]["member_of"] == ""
    assert rows["public-member"]["member_of"] == "network"  # the control
    search_hit = client.get("/api/v1/search", query_string={"q": "Quietfund"}).get_json()
    assert "Sentinel initiative" not in json.dumps(search_hit)


def test_unnamed_parties_are_described_and_public_ones_named(client, linked):
    """The control: the same pages name the public parties, and describe the unnamed ones."""
    profile = soup(client.get("/en/organisations/recipient")).get_text(" ", strip=True)
    assert "Openfund Alliance" in profile
    assert "International NGO, name not shown" in profile
    network = client.get("/en/organisations/network").get_data(as_text=True)
    assert "Brightmember Youth" in network
    page = soup(client.get("/en/initiatives/sentinel-initiative")).get_text(" ", strip=True)
    assert "Sentinel Recipient" in page and "International NGO, name not shown" in page
    assert "Sentinel initiative" in client.get("/en/organisations/recipient").get_data(as_text=True)
    detail = client.get("/api/v1/organisations/recipient").get_json()
    assert [funder["name"] for funder in detail["funders"]] == ["Openfund Alliance"]
    found = client.get("/api/v1/search", query_string={"q": "Sentinel Recipient"}).get_json()
    assert "Sentinel initiative" in json.dumps(found)


def test_a_correction_does_not_show_or_drop_hidden_links(client, linked, login):
    """The correction form lists only the public memberships; the hidden ones stay."""
    page = client.get("/en/organisations/hidden-member/suggest").get_data(as_text=True)
    assert "Sentinel Network" not in page
    from peacemap.models import Relationship

    sent = fill_and_post(
        client,
        "/en/organisations/hidden-member/suggest",
        # Some change: a correction that changes nothing is refused (issue 21).
        {"consent": "y", "networks": "", "acronym": "HM-ML"},
    )
    assert sent.status_code == 200, soup(sent).select_one(".error-summary")
    approve_the_one_submission(client, login)
    kept = db.session.query(Relationship).filter_by(subject_id=linked["hidden-member"].id).one()
    assert (kept.object_id, str(kept.visibility)) == (linked["network"].id, "hidden")
