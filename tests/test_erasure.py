"""Erasure (issue #19): `flask records erase SLUG` and the admins' button take a record out
for good, from the database's files, the search index, the caches and the outbox."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from peacemap import effects
from peacemap.extensions import db
from peacemap.models import (
    AccessEvent,
    AuditEvent,
    ConsentRecord,
    DoNotList,
    Initiative,
    Organisation,
    OwnerToken,
    Revision,
    Submission,
)
from peacemap.moderation import erasure
from peacemap.moderation import services as moderation
from peacemap.search import service as search
from tests.conftest import approve_on_review, fill_and_post, soup

# Unique strings, each kept somewhere the erasure must reach. ASCII and lower-case in the
# index, so one case-folded byte scan finds them in every store.
NAME = "Collectif Vexmorqa pour la Paix"
ACRONYM = "VXMQZ"
EMAIL = "bureau@plonthravik.example.org"
PHONE = "+223 70 41 86 29"
SUMMARY = "Un collectif de mediation drumbelquist entre eleveurs et agriculteurs."
DESCRIPTION = "Son bureau est au carrefour glimbarosk, derriere le marche."
OFFICE = "Quartier Tsorvinkel"
SLUG = "vxmqz"  # made from the acronym
SENTINELS = [
    "vexmorqa",
    ACRONYM,
    EMAIL,
    PHONE,
    "drumbelquist",
    "glimbarosk",
    "tsorvinkel",
    "plonthravik",
]
FORM = {
    "name": NAME,
    "acronym": ACRONYM,
    "type": "community_based",
    "country": "ML",
    "language": "fr",
    "summary": SUMMARY,
    "places": "Segou",
    "location_precision": "commune",
    "email": EMAIL,
    "phone": PHONE,
    "website": "https://www.plonthravik.example.org/",
    "networks": ["wanep"],
    "submitter_name": "Un voisin",
    "submitter_email": "voisin@example.org",
    "consent": "y",
}
OWNER_LINK = re.compile(r"http://localhost(/(?:fr|en|ar)/owner/[A-Za-z0-9_-]{30,})")


def found_in(data, sentinels=SENTINELS):
    """The sentinels found in these bytes, case-folded."""
    folded = data.lower()
    return {sentinel for sentinel in sentinels if sentinel.lower().encode() in folded}


def files_under(*paths):
    for path in paths:
        path = Path(path)
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from (child for child in path.rglob("*") if child.is_file())


def scan_files(*paths):
    """{sentinel: files} over every file under these paths, as raw bytes."""
    found = {}
    for path in files_under(*paths):
        for sentinel in found_in(path.read_bytes()):
            found.setdefault(sentinel, []).append(path.name)
    return found


def database_files(app, request):
    """The files holding the database: SQLite's file, WAL and shared memory, or the folder of
    the PostgreSQL test database (written out by a CHECKPOINT first)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        path = uri.removeprefix("sqlite:///")
        return [path, f"{path}-wal", f"{path}-shm"]
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("CHECKPOINT")
        oid = connection.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar()
    server = request.getfixturevalue("postgres_server")
    return [Path(server.folder) / "data" / "base" / str(oid)]


def index_files(app, request):
    """The search index's files: Whoosh's folder, or the files of PostgreSQL's search table,
    its indexes and its TOAST table (inside the database folder the database scan reads)."""
    if app.config["SEARCH_BACKEND"] == "whoosh":
        return [Path(app.instance_path) / "search"]
    relations = db.session.scalars(
        text(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.relname LIKE "
            "'search_documents%' OR c.oid = (SELECT reltoastrelid FROM pg_class "
            "WHERE relname = 'search_documents')"
        )
    ).all()
    db.session.rollback()
    data = Path(request.getfixturevalue("postgres_server").folder) / "data"
    return [
        path
        for relation in map(Path, relations)
        for path in (data / relation).parent.glob(f"{relation.name}*")
        if re.fullmatch(rf"{relation.name}([._].*)?", path.name)  # (its segments and forks)
    ]


def outbox_texts(app):
    """Each outbox message's raw bytes with its decoded headers and text, as bytes."""
    texts = []
    for path in files_under(Path(app.instance_path) / "outbox"):
        raw = path.read_bytes()
        message = message_from_bytes(raw, policy=policy.default)
        decoded = [str(value) for value in message.values()]
        decoded += [
            part.get_content() for part in message.walk() if part.get_content_type() == "text/plain"
        ]
        texts.append(raw + "\n".join(decoded).encode())
    return texts


def page_cache_bodies(app):
    return [page.body for page in app.extensions["page_cache"].pages.values()]


def map_point_ids(app):
    """The record ids of every point the map keeps in memory."""
    ids = set()
    for _version, value in app.extensions.get("map_points", {}).values():
        for item in value if isinstance(value, list | tuple) else []:
            ids.add(getattr(item, "id", None))
    return ids


def scan(app, request):
    """Where each sentinel is found: database files, search index, page cache, outbox."""
    return {
        "database": scan_files(*database_files(app, request)),  # (a CHECKPOINT first)
        "index": scan_files(*index_files(app, request)),
        "pages": {s for body in page_cache_bodies(app) for s in found_in(body)},
        "outbox": {s for message in outbox_texts(app) for s in found_in(message)},
    }


@pytest.fixture
def erasable(app, client, login, make_organisation, make_location, make_initiative):
    """An organisation sent from the public form and approved, then confirmed by its owner,
    translated by a moderator, given an office, partner of an initiative, seen by a moderator
    and by visitors, indexed: every store holds its values. Returns the ids around it."""
    wanep = make_organisation(
        slug="wanep", name="West Africa Network for Peacebuilding", type="network"
    )
    control = make_organisation(name="Gardiens du Fleuve", summary={"fr": "Un controle."})
    for _ in range(6):  # (so that its search document is in a segment no commit merges)
        make_organisation()
    db.session.commit()
    search.rebuild()
    visitor = app.test_client()
    assert fill_and_post(visitor, "/fr/submit/organisation", FORM).status_code == 200
    submission = db.session.scalar(select(Submission).order_by(Submission.id.desc()))
    moderator = login()
    approved = approve_on_review(client, submission.id)
    assert approved.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == NAME))
    assert org.slug == SLUG
    org.locations.append(make_location(name=OFFICE, latitude=14.61, longitude=-4.13))
    moderation.set_texts(org, {"description": {"fr": DESCRIPTION}}, moderator)
    initiative = make_initiative(organisations=[(org, "partner")])
    db.session.commit()
    effects.run_ready()
    search.rebuild()  # one segment of ten documents: Whoosh merges none of that size by itself
    # Its owner opens the mailed link and confirms: an owner link used, a consent record.
    owner = app.test_client()
    link = next(
        OWNER_LINK.search(m.get_content()).group(1)
        for m in reversed(_outbox_messages(app))
        if m["To"] == EMAIL and OWNER_LINK.search(m.get_content())
    )
    assert owner.get(link).status_code == 303
    confirmed = fill_and_post(owner, "/fr/owner", {}, selector="form[action$='/owner/confirm']")
    assert confirmed.status_code == 303
    # A moderator sees its private contacts; visitors see its pages (kept in the page cache).
    assert client.get(f"/en/moderation/organisations/{SLUG}").status_code == 200
    anonymous = app.test_client(use_cookies=False)
    for path in (
        f"/fr/organisations/{SLUG}",
        "/en/organisations/wanep",
        "/fr/search?q=vexmorqa",
        f"/fr/initiatives/{initiative.slug}",
        "/fr/map",
        "/api/v1/organisations.geojson",
        f"/api/v1/organisations/{SLUG}",
    ):
        assert anonymous.get(path).status_code == 200, path
    return {"id": org.id, "wanep": wanep.id, "control": control.id, "initiative": initiative.id}


def _outbox_messages(app):
    folder = Path(app.instance_path) / "outbox"
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]


def test_an_erased_record_is_in_no_file_index_cache_or_outbox(
    app, client, runner, erasable, request
):
    org_id = erasable["id"]
    # Control: before, every store holds the values the scan looks for.
    before = scan(app, request)
    # (The email and phone are sealed at rest, tests/test_sealed.py: only the outbox has them.)
    sealed_values = {EMAIL, PHONE}
    assert set(before["database"]) == set(SENTINELS) - sealed_values, before["database"]
    assert {"vexmorqa", "drumbelquist"} <= set(before["index"]), before["index"]
    assert {"vexmorqa", ACRONYM} <= before["pages"]  # (the slug is the acronym)
    assert {"vexmorqa", EMAIL} <= before["outbox"]
    assert org_id in map_point_ids(app)
    assert db.session.scalar(select(func.count()).select_from(AccessEvent)) == 1
    assert db.session.scalar(select(func.count()).select_from(ConsentRecord)) >= 1

    result = runner.invoke(args=["records", "erase", SLUG, "--yes"])
    effects.run_ready()
    assert result.exit_code == 0, result.output
    assert f"Erased the organisation {SLUG}." in result.output
    assert "Not compacted" not in result.output and "could not" not in result.output

    after = scan(app, request)
    assert after == {"database": {}, "index": {}, "pages": set(), "outbox": set()}
    assert org_id not in map_point_ids(app)

    # The slug answers like one that never existed, on the site and in the API.
    visitor = app.test_client(use_cookies=False)
    for path in ("/fr/organisations/{}", "/api/v1/organisations/{}"):
        erased, unknown = (visitor.get(path.format(slug)) for slug in (SLUG, "never-was-here"))
        assert erased.status_code == unknown.status_code == 404
        assert erased.get_data().replace(SLUG.encode(), b"X") == unknown.get_data().replace(
            b"never-was-here", b"X"
        )
    assert not search.search("vexmorqa", {}).hits
    assert not search.search("drumbelquist", {}).hits

    # Nothing of it is left in the tables; what was around it is.
    db.session.expire_all()
    assert db.session.get(Organisation, org_id) is None
    for model in (Submission, Revision, OwnerToken, ConsentRecord, AccessEvent):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    for kept in ("wanep", "control"):
        assert db.session.get(Organisation, erasable[kept]) is not None
    initiative = db.session.get(Initiative, erasable["initiative"])
    assert initiative.roles == []
    assert search.search(initiative.title["fr"], {}).hits  # still found, without the partner

    # The audit log keeps that it happened, by whom and when, without the data.
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    erased_events = [event for event in events if event.action == "record.erased"]
    assert len(erased_events) == 1
    event = erased_events[0]
    assert (event.object_type, event.object_id, event.actor_id) == ("organisation", org_id, None)
    assert event.created_at is not None and event.note == "cli"
    about = [e for e in events if e.object_type == "organisation" and e.object_id == org_id]
    assert {e.action for e in about} >= {"organisation.created", "organisation.confirmed"}
    for event in events:
        assert not found_in(repr((event.before, event.after, event.note)).encode()), event.action

    # It is on the do-not-list register: sent again, it is refused unless an admin overrides.
    assert db.session.scalar(select(func.count()).select_from(DoNotList)) == 4
    sent = fill_and_post(
        app.test_client(),
        "/fr/submit/organisation",
        {**FORM, "name": "COLLECTIF vexmorqa  pour la paix", "acronym": "", "website": ""},
    )
    assert sent.status_code == 200
    submission = db.session.scalar(select(Submission).order_by(Submission.id.desc()))
    refused = approve_on_review(client, submission.id)
    assert refused.status_code == 400
    assert "asked not to be listed" in refused.get_data(as_text=True)


def test_erase_asks_to_be_sure_and_which_record(runner, make_organisation, make_initiative):
    org = make_organisation(slug="shared-slug", name="Shared Org")
    initiative = make_initiative(slug="shared-slug")
    make_organisation(slug="alone", name="Alone")
    db.session.commit()
    unknown = runner.invoke(args=["records", "erase", "nobody", "--yes"])
    assert unknown.exit_code != 0 and "no organisation or initiative" in unknown.output
    both = runner.invoke(args=["records", "erase", "shared-slug", "--yes"])
    assert both.exit_code != 0 and "--kind" in both.output
    # Not from a terminal and without --yes: nothing is erased.
    unsure = runner.invoke(args=["records", "erase", "alone"], input="alone\n")
    assert unsure.exit_code != 0 and "--yes" in unsure.output
    db.session.expire_all()
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "alone"))
    result = runner.invoke(
        args=["records", "erase", "shared-slug", "--kind", "initiative", "--yes"]
    )
    effects.run_ready()
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id) is None
    assert db.session.get(Organisation, org.id) is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record.erased"))
    assert (event.object_type, event.object_id) == ("initiative", initiative.id)
    assert db.session.scalar(select(func.count()).select_from(DoNotList)) == 0  # (organisations)


def test_the_admin_button_wants_the_slug_typed_and_an_admin(
    app, client, login, make_user, make_organisation
):
    org = make_organisation(slug="to-erase", name="To Erase", email="x@to-erase.example.org")
    org_id = org.id
    db.session.commit()
    page = "/en/moderation/organisations/to-erase"
    erase_page = f"{page}/erase"
    login()  # a moderator
    record_page = soup(client.get(page))
    assert record_page.select_one("a[href$='/erase']") is None
    assert client.get(erase_page).status_code == 403
    token = record_page.select_one("input[name$='csrf_token']")["value"]  # (a valid one)
    posted = client.post(erase_page, data={"erase-csrf_token": token, "erase-slug": "to-erase"})
    assert posted.status_code == 403
    admin = app.test_client()
    user = make_user(role="admin")
    signed_in = fill_and_post(
        admin, "/en/login", {"email": user.email, "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302
    link = soup(admin.get(page)).select_one("a[href$='/to-erase/erase']")
    assert link is not None
    form = "form[action$='/erase']"
    wrong = fill_and_post(admin, link["href"], {"erase-slug": "to-erase-not"}, selector=form)
    assert wrong.status_code == 400
    assert "not the record's slug" in soup(wrong).select_one(".error").text
    db.session.expire_all()
    assert db.session.get(Organisation, org_id) is not None
    db.session.rollback()  # (this test's reads must not hold a table the erasure compacts)
    done = fill_and_post(admin, link["href"], {"erase-slug": " to-erase "}, selector=form)
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/en/moderation/records")
    assert "Erased" in admin.get(done.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, org_id) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record.erased"))
    assert event.actor_id == user.id and event.object_id == org_id
    assert admin.get(page).status_code == 404
    rows = soup(admin.get("/en/moderation/audit")).select("table.audit tbody tr")
    erased_row = [row for row in rows if "record.erased" in row.text]
    assert len(erased_row) == 1 and user.display_name in erased_row[0].text
    assert not any("To Erase" in row.text or "to-erase" in row.text for row in rows)


def test_from_a_terminal_the_slug_is_typed_again(runner, make_organisation, monkeypatch):
    import sys
    from types import SimpleNamespace

    org = make_organisation(slug="typed-again", name="Typed Again")
    org_id = org.id
    db.session.commit()
    terminal = SimpleNamespace(stdin=SimpleNamespace(isatty=lambda: True), stderr=sys.stderr)
    monkeypatch.setattr("peacemap.moderation.commands.sys", terminal)
    mistyped = runner.invoke(args=["records", "erase", "typed-again"], input="typed-agian\n")
    assert mistyped.exit_code != 0 and "what you typed is not the slug" in mistyped.output
    db.session.expire_all()
    assert db.session.get(Organisation, org_id) is not None
    typed = runner.invoke(args=["records", "erase", "typed-again"], input="typed-again\n")
    effects.run_ready()
    assert typed.exit_code == 0, typed.output
    db.session.expire_all()
    assert db.session.get(Organisation, org_id) is None


@pytest.mark.parametrize("search_backend", ["postgres"])
def test_a_session_older_than_the_erasure_is_waited_for_then_named(
    app, runner, erasable, request, monkeypatch
):
    monkeypatch.setattr(erasure, "SNAPSHOT_TIMEOUT", 1)
    # A report that began before the erasure: its snapshot may still read the record.
    reader = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    assert reader.execute(select(Organisation.id).where(Organisation.slug == SLUG)).scalar()
    result = runner.invoke(args=["records", "erase", SLUG, "--yes"])
    effects.run_ready()
    assert result.exit_code == 0, result.output
    assert "began before the erasure" in result.output
    assert "flask records compact" in result.output
    # That is why it says so: VACUUM FULL copied the rows the old snapshot may see.
    assert "vexmorqa" in scan_files(*database_files(app, request))
    reader.rollback()
    reader.close()
    compacted = runner.invoke(args=["records", "compact"])
    assert compacted.exit_code == 0, compacted.output
    assert scan_files(*database_files(app, request)) == {}
