"""Private values sealed at rest: a copy of the database, or of a backup, does not give away
how to reach the people listed (issue: personal data, item 3)."""

import subprocess

import pytest
from sqlalchemy import select, text

from peacemap import backup, create_app, sealed
from peacemap.extensions import db
from peacemap.models import AuditEvent, Location, Organisation, Revision, Submission
from peacemap.records import apply_organisation, organisation_payload
from peacemap.search import service as search
from tests.test_submissions import NEW_ORG, submit_org

EMAIL = "sentinel-contact@hidden-example.org"
PHONE = "+223 76 54 32 10"
SUBMITTER = "Sentinelle Submitter"
SUBMITTER_EMAIL = "sentinel-submitter@hidden-example.org"
LATITUDE = 14.123456  # a typed point, kept because the precision is exact
PUBLIC_NAME = "Réseau Témoin de Mopti"  # what the raw files must show (the control)


@pytest.fixture
def listed(app, client, make_organisation, make_location, make_user):
    """An organisation with private contacts and an exact typed point, revised and audited,
    and a submission from a person who gave their name and address."""
    org = make_organisation(
        name=PUBLIC_NAME,
        email=EMAIL,
        phone=PHONE,
        location_precision="exact",
        summary={"fr": "Un réseau de médiation communautaire."},
    )
    org.locations = [make_location(name="Sévaré-Témoin", latitude=LATITUDE, longitude=-4.1)]
    db.session.commit()
    from peacemap import audit

    moderator = make_user()
    audit.add_revision(org, moderator)
    audit.record(moderator, "organisation.updated", org, before={"email": None}, after=None)
    db.session.commit()
    response = submit_org(client, submitter_name=SUBMITTER, submitter_email=SUBMITTER_EMAIL)
    assert response.status_code == 200
    search.rebuild()
    db.session.remove()
    return org.id


def raw_files(app):
    """The bytes of the SQLite database and its write-ahead log, after a checkpoint."""
    with db.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    path = db.engine.url.database
    content = b""
    for suffix in ("", "-wal"):
        try:
            with open(path + suffix, "rb") as handle:
                content += handle.read()
        except FileNotFoundError:
            pass
    return content


def private_texts():
    return [EMAIL, PHONE, SUBMITTER, SUBMITTER_EMAIL, str(LATITUDE)]


@pytest.mark.parametrize("search_backend", ["whoosh"])
def test_the_database_file_holds_no_private_value_in_clear(app, listed):
    content = raw_files(app)
    assert PUBLIC_NAME.encode() in content  # (control: the scan sees what is stored)
    assert NEW_ORG["name"].encode() in content
    for value in private_texts():
        assert value.encode() not in content, value
    # ...yet the site reads every value back.
    org = db.session.get(Organisation, listed)
    assert (org.email, org.phone, org.locations[0].latitude) == (EMAIL, PHONE, LATITUDE)
    submission = db.session.scalars(select(Submission)).one()
    assert (submission.submitter_name, submission.submitter_email) == (SUBMITTER, SUBMITTER_EMAIL)
    assert submission.payload["email"] == NEW_ORG["email"]
    revision = db.session.scalars(select(Revision)).one()
    assert revision.snapshot["email"] == EMAIL and revision.snapshot["phone"] == PHONE
    assert NEW_ORG["email"].encode() not in content


def test_revisions_and_audit_events_keep_private_values_sealed(app, listed):
    stored = db.session.execute(text("SELECT snapshot FROM revisions")).scalar()
    stored = stored if isinstance(stored, str) else repr(stored)
    assert PUBLIC_NAME in stored and EMAIL not in stored and "$sealed" in stored
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.updated")
    ).one()
    assert event.before == {"email": None}  # nothing to hide stays as it was
    # Rollback still has the values: the revision applied again gives the contacts back.
    org = db.session.get(Organisation, listed)
    apply_organisation(org, {**organisation_payload(org), "email": None, "phone": None})
    db.session.commit()
    assert org.email is None
    apply_organisation(org, db.session.scalars(select(Revision)).one().snapshot)
    db.session.commit()
    assert (org.email, org.phone) == (EMAIL, PHONE)


def test_a_sealed_value_is_bound_to_its_column_and_cannot_be_compared_in_sql(app, listed):
    token = db.session.execute(text("SELECT email FROM organisations")).scalar()
    assert token.startswith("s1.")
    with pytest.raises(sealed.SealError):  # moved to another column, it does not open
        sealed.open_(token, "organisations.phone")
    assert sealed.open_(token, "organisations.email") == EMAIL
    with pytest.raises(TypeError, match="blind index"):
        select(Organisation).where(Organisation.email == EMAIL)
    found = db.session.scalars(
        select(Organisation).where(Organisation.email_index == sealed.blind_email(EMAIL.upper()))
    ).all()
    assert [org.id for org in found] == [listed]


def test_search_never_indexes_private_values(app, listed, client):
    assert PUBLIC_NAME in client.get("/fr/search", query_string={"q": "Témoin"}).text
    for value in (EMAIL, "sentinel-contact", PHONE):
        page = client.get("/fr/search", query_string={"q": value}).text
        assert PUBLIC_NAME not in page, value


def test_rotation_seals_everything_again_and_the_index_key_keeps_matching(app, listed, runner):
    old_key = app.config["DATA_KEY"] or sealed.read_key_file(app.instance_path + "/data_keys").get(
        "DATA_KEY"
    )
    index_key = sealed.read_key_file(app.instance_path + "/data_keys")["INDEX_KEY"]
    before = db.session.execute(text("SELECT email FROM organisations")).scalar()
    new_key = runner.invoke(args=["data", "new-key"]).output.strip()
    app.extensions[sealed.EXTENSION] = sealed.make_keys(f"{new_key},{old_key}", index_key)
    result = runner.invoke(args=["data", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "rows sealed anew" in result.output and not result.output.startswith("0 ")
    after = db.session.execute(text("SELECT email FROM organisations")).scalar()
    assert after != before and after.split(".")[1] != before.split(".")[1]
    # Only the new key now: everything still opens, and the blind index still matches.
    app.extensions[sealed.EXTENSION] = sealed.make_keys(new_key, index_key)
    db.session.expire_all()
    org = db.session.get(Organisation, listed)
    assert (org.email, org.phone, org.locations[0].latitude) == (EMAIL, PHONE, LATITUDE)
    assert db.session.scalars(select(Revision)).one().snapshot["email"] == EMAIL
    assert db.session.scalars(select(Submission)).one().submitter_email == SUBMITTER_EMAIL
    from peacemap.owners import services as owners

    assert [o.id for o in owners.organisations_at(EMAIL)] == [listed]
    # (control: with the old key alone the rotated values do not open)
    app.extensions[sealed.EXTENSION] = sealed.make_keys(old_key, index_key)
    with pytest.raises(sealed.SealError):
        sealed.open_(after, "organisations.email")


def test_a_backup_holds_neither_private_values_nor_keys_and_restores_with_the_key(
    app, listed, tmp_path, runner
):
    target = tmp_path / "peacemap.backup"
    backup.backup(target)
    content = dump_text(target)
    assert PUBLIC_NAME.encode() in content  # (control)
    keys = sealed.read_key_file(app.instance_path + "/data_keys")
    for value in [*private_texts(), keys["DATA_KEY"], keys["INDEX_KEY"]]:
        assert value.encode() not in content, value
    org = db.session.get(Organisation, listed)
    before = (org.name, org.email, org.phone, org.locations[0].latitude)
    db.session.execute(text("UPDATE organisations SET name = 'damaged', email = NULL"))
    db.session.commit()
    db.session.remove()

    # A wrong key: nothing is replaced, and the operator is told which key.
    right = app.extensions[sealed.EXTENSION]
    app.extensions[sealed.EXTENSION] = sealed.make_keys(sealed.new_key(), keys["INDEX_KEY"])
    result = runner.invoke(args=["data", "restore", "--yes", str(target)])
    assert result.exit_code != 0 and "PEACEMAP_DATA_KEY" in result.output
    app.extensions[sealed.EXTENSION] = right
    assert db.session.get(Organisation, listed).name == "damaged"

    assert runner.invoke(args=["data", "restore", "--yes", str(target)]).exit_code == 0
    db.session.remove()
    org = db.session.get(Organisation, listed)
    assert (org.name, org.email, org.phone, org.locations[0].latitude) == before


def dump_text(target):
    """The backup as text: the SQLite file itself, or a plain pg_dump (the custom format is
    compressed, where a grep would find nothing whatever it holds)."""
    if db.engine.url.get_backend_name() == "sqlite":
        return target.read_bytes()
    arguments, env = backup._libpq(db.engine.url)
    return subprocess.run(  # noqa: S603
        [backup._postgres_tool("pg_dump"), "--format=plain", *arguments],
        env=env,
        check=True,
        capture_output=True,
    ).stdout


def test_exact_coordinates_are_kept_only_at_exact_precision(app, make_organisation):
    typed = {"name": "Campement Témoin", "country": "ML", "latitude": 14.4872, "longitude": -4.1963}
    kept = {}
    for precision in ("exact", "commune", "region", "country"):
        org = make_organisation(location_precision=precision)
        payload = {**organisation_payload(org), "places": [dict(typed, name=f"{precision} camp")]}
        apply_organisation(org, payload)
        db.session.flush()
        location = org.locations[0]
        kept[precision] = (location.latitude, location.longitude)
    assert kept["exact"] == (14.4872, -4.1963)
    assert kept["commune"] != kept["exact"] and None not in kept["commune"]  # a locality's
    assert kept["region"] == kept["country"] == (None, None)
    with pytest.raises(ValueError, match="out of range"):
        Location(name="Nowhere", country="ML", latitude=91)


@pytest.fixture
def clean_environment(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "DATA_KEY", "INDEX_KEY", "KEY_FILE", "ENVIRONMENT"):
        monkeypatch.delenv(f"PEACEMAP_{name}", raising=False)
    monkeypatch.setenv("PEACEMAP_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path


def production(**settings):
    return create_app({"ENVIRONMENT": "production", "SECRET_KEY": "s" * 40, **settings})


def test_production_needs_keys_kept_away_from_the_data(clean_environment):
    tmp = clean_environment
    with pytest.raises(RuntimeError, match="PEACEMAP_DATA_KEY"):
        production()
    for place in (tmp / "instance" / "keys", tmp / "data" / "keys"):
        place.parent.mkdir(exist_ok=True)
        sealed.write_key_file(place, sealed.new_key(), sealed.new_key())
        database = f"sqlite:///{tmp / 'data' / 'peacemap.sqlite'}"
        with pytest.raises(RuntimeError, match="must not be kept with the data"):
            production(KEY_FILE=str(place), SQLALCHEMY_DATABASE_URI=database)
    away = tmp / "keys" / "peacemap.keys"
    away.parent.mkdir()
    sealed.write_key_file(away, sealed.new_key(), sealed.new_key())
    app = production(KEY_FILE=str(away), SQLALCHEMY_DATABASE_URI=database)
    assert app.extensions[sealed.EXTENSION].data
    with pytest.raises(RuntimeError, match="must differ"):
        key = sealed.new_key()
        production(DATA_KEY=key, INDEX_KEY=key)
    with pytest.raises(sealed.SealError, match="32 random bytes"):
        production(DATA_KEY="short", INDEX_KEY=sealed.new_key())


def test_development_generates_its_keys_into_the_instance_folder_and_says_so(
    clean_environment, caplog
):
    app = create_app()
    path = clean_environment / "instance" / "data_keys"
    assert path.stat().st_mode & 0o077 == 0
    assert "Development data keys created" in caplog.text
    caplog.clear()
    again = create_app()
    assert "Development data keys created" not in caplog.text  # (said once, when made)
    with app.app_context():
        token = sealed.seal("x", "test")
    with again.app_context():
        assert sealed.open_(token, "test") == "x"


def test_the_migration_seals_the_values_already_stored(clean_environment):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{clean_environment / 'old.sqlite'}"})
    with app.app_context():
        upgrade(revision="f65447597087")
        db.session.execute(
            text(
                "INSERT INTO organisations (id, slug, name, alternate_names, type, summary, "
                "description, language, email, phone, country, verification_level, status, "
                "location_precision, contacts_public, owner_consent, contact_verified, "
                "contact_form, created_at, updated_at) VALUES (1, 'old', :name, '[]', "
                "'national_ngo', '{}', '{}', 'fr', :email, :phone, 'ML', 'none', 'published', "
                "'exact', 0, 'unconfirmed', 0, 0, '2026-01-01', '2026-01-01')"
            ),
            {"name": PUBLIC_NAME, "email": EMAIL, "phone": PHONE},
        )
        db.session.execute(
            text(
                "INSERT INTO locations (id, name, country, latitude, longitude, precision) "
                "VALUES (1, 'Témoin', 'ML', :latitude, -4.1, 'exact')"
            ),
            {"latitude": LATITUDE},
        )
        db.session.execute(
            text(
                "INSERT INTO revisions (id, object_type, object_id, number, snapshot, created_at) "
                "VALUES (1, 'organisation', 1, 1, :snapshot, '2026-01-01')"
            ),
            {"snapshot": f'{{"name": "x", "email": "{EMAIL}", "places": []}}'},
        )
        db.session.commit()
        upgrade()
        content = raw_files(app)
        assert PUBLIC_NAME.encode() in content  # (control)
        for value in (EMAIL, PHONE, str(LATITUDE)):
            assert value.encode() not in content, value
        org = db.session.get(Organisation, 1)
        assert (org.email, org.phone, org.email_index) == (EMAIL, PHONE, sealed.blind_email(EMAIL))
        assert db.session.get(Location, 1).latitude == LATITUDE
        assert db.session.get(Revision, 1).snapshot["email"] == EMAIL
        db.engine.dispose()
