"""`flask data import` and the admins' import page: 3W sheets (CSV, XLSX, French), our own
CSV and GeoJSON exports, matching, idempotency, bad rows, pending and published modes."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import delete, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from peacemap.effects import run_ready
from peacemap.exports.columns import ORGANISATION_COLUMNS, ORGANISATION_HXL, organisation_row
from peacemap.extensions import db
from peacemap.models import (
    AuditEvent,
    Location,
    Organisation,
    Relationship,
    Revision,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from peacemap.moderation import services as moderation
from peacemap.places.service import location_for
from peacemap.records import organisation_payload
from peacemap.search import service as search
from tests.conftest import soup

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
NIGERIA = FIXTURES / "nga_3w_excerpt.csv"
FRENCH = FIXTURES / "mli_3w_fr.csv"
THEMES = (
    *("community-security", "conflict-prevention", "women-peace-security", "dialogue-mediation"),
    *("human-security", "development-cooperation"),
)


@pytest.fixture
def themes(make_theme):
    """The themes 3W sectors map to (a sector whose theme does not exist maps to nothing)."""
    return [make_theme(slug=slug) for slug in THEMES]


@pytest.fixture
def import_file(runner):
    """Run `flask data import` and return the result (exit code and output)."""

    def run(path, fmt="3w", *options):
        result = runner.invoke(args=["data", "import", str(path), "--format", fmt, *options])
        db.session.expire_all()
        return result

    return run


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def by_name(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def pending():
    return db.session.scalars(
        select(Submission).where(Submission.state == SubmissionState.PENDING)
    ).all()


# -- OCHA 3W sheets -----------------------------------------------------------------------------
def test_3w_sheet_becomes_pending_submissions_one_per_organisation(import_file, themes):
    result = import_file(NIGERIA)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # 5TEi is written two ways with one acronym: one organisation, one submission.
    assert "32 lines read, 12 organisations." in lines
    assert "created: 12" in lines and "updated: 0" in lines and "rejected: 0" in lines
    assert "Nothing published: 12 submissions wait in the moderation queue." in lines
    assert count(Organisation) == 0
    submissions = {s.payload["name"]: s for s in pending()}
    assert len(submissions) == 12
    drc = submissions["Danish Refugee Council"]
    assert drc.kind == SubmissionKind.NEW_ORGANISATION
    assert drc.submitter_name == "Data import: nga_3w_excerpt.csv"
    payload = drc.payload
    assert (payload["acronym"], payload["type"], payload["country"]) == (
        "DRC",
        "international_ngo",
        "NG",
    )
    assert payload["themes"] == ["development-cooperation", "human-security"]  # ERL, PRO
    assert payload["location_precision"] == "region"
    borno = {"country": "NG", "admin1": "Borno", "admin1_pcode": "NGA008"}
    assert payload["places"] == [  # each LGA with its state (tests/test_imports_places.py)
        {"name": "Bama", **borno, "admin2": "Bama", "admin2_pcode": "NG008003"},
        {"name": "Maiduguri", **borno, "admin2": "Maiduguri", "admin2_pcode": "NG008021"},
        {
            "name": "Michika",
            "country": "NG",
            "admin1": "Adamawa",
            "admin1_pcode": "NGA002",
            "admin2": "Michika",
            "admin2_pcode": "NG002013",
        },
    ]
    types = {name: s.payload["type"] for name, s in submissions.items()}
    assert types["Nigeria Bar Association"] == "government"
    assert types["United Nations Development Programme"] == "multilateral"
    assert types["Borno Women Development Initiative"] == "national_ngo"
    assert submissions["State Ministry Of Health"].payload["themes"] == []  # health: no theme
    # The two spellings of CATAI (a no-break space, other capitals) are one organisation.
    assert sum("Accountability" in name for name in submissions) == 1


def test_pending_imports_are_in_the_moderation_queue(
    client, login, import_file, themes, make_user, outbox
):
    make_user()
    assert import_file(NIGERIA).exit_code == 0
    run_ready()
    assert outbox() == []  # no "new submission" mail per imported organisation
    login("moderator")
    page = soup(client.get("/en/moderation/?state=pending"))
    rows = [row.get_text(" ", strip=True) for row in page.select("table.queue tbody tr")]
    assert any("Danish Refugee Council" in row and "Data import" in row for row in rows)
    assert len(rows) == 12


def test_published_3w_import_creates_records_with_regions_and_pcodes(import_file, themes):
    shown_by_region = ["--precision", "region", "--reason", "The sheet is published on HDX"]
    result = import_file(NIGERIA, "3w", "--publish", *shown_by_region)
    assert result.exit_code == 0, result.output
    # 5TEi is written two ways with one acronym: grouped into one organisation.
    assert "created: 12" in result.output and "updated: 0" in result.output
    assert "grouped: 1 " in result.output
    assert not pending()
    drc = by_name("Danish Refugee Council")
    assert drc.is_published and str(drc.location_precision) == "region"
    assert sorted((loc.admin1, loc.admin1_pcode, loc.admin2_pcode) for loc in drc.locations) == [
        ("Adamawa", "NGA002", "NG002013"),
        ("Borno", "NGA008", "NG008003"),
        ("Borno", "NGA008", "NG008021"),
    ]
    five = by_name("Five Teams Empowerment Initiative")
    assert five.alternate_names == ["Five Teams Empowerment Initiative 5TEi"]  # no-break space
    assert count(AuditEvent, AuditEvent.action == "organisation.created") == 12
    assert count(Revision) == 12
    payload = organisation_payload(drc)
    assert payload["themes"] == ["development-cooperation", "human-security"]


def test_a_published_import_is_searchable_and_no_page_from_before_is_kept(app, import_file, themes):
    """The import re-indexes through the search service, which raises the data version once
    the index has the records: a search page built between the commit and the index update
    (kept under the commit's version) is never served afterwards."""
    from peacemap import versions

    search.rebuild()
    seen = []
    real_bump = versions.bump
    versions.bump = lambda: (seen.append(versions.version()), real_bump())[1]
    try:
        result = import_file(NIGERIA, "3w", "--publish")
        run_ready()  # the effects queued after the import's commit
    finally:
        versions.bump = real_bump
    assert result.exit_code == 0, result.output
    assert seen, "the import's re-index did not raise the data version"
    assert versions.version() > seen[-1]
    hits = search.search("Danish Refugee Council", {}, lang="en")
    assert "Danish Refugee Council" in [hit.record.name for hit in hits.hits]


@pytest.mark.parametrize("publish", [False, True])
def test_importing_twice_changes_nothing_the_second_time(import_file, themes, publish):
    options = ["--publish"] if publish else []
    assert import_file(NIGERIA, "3w", *options).exit_code == 0
    before = (count(Organisation), count(Submission), count(Revision), count(AuditEvent))
    stamps = dict(db.session.execute(select(Organisation.id, Organisation.updated_at)).all())
    again = import_file(NIGERIA, "3w", *options)
    assert again.exit_code == 0, again.output
    lines = again.output.splitlines()
    assert "created: 0" in lines and "updated: 0" in lines and "unchanged: 12" in lines
    assert (count(Organisation), count(Submission), count(Revision), count(AuditEvent)) == before
    assert dict(db.session.execute(select(Organisation.id, Organisation.updated_at)).all()) == (
        stamps
    )


def test_an_approved_import_is_not_proposed_again(import_file, themes, make_user):
    assert import_file(NIGERIA).exit_code == 0
    admin = make_user(role="admin")
    for submission in pending():
        moderation.approve(submission, admin)
    db.session.commit()
    assert count(Organisation) == 12
    again = import_file(NIGERIA)
    assert "unchanged: 12" in again.output, again.output
    assert not pending()


def test_existing_organisations_are_matched_by_other_name_never_by_acronym_alone(
    import_file, themes, make_organisation
):
    drc = make_organisation(name="Conseil danois pour les réfugiés", acronym="DRC")
    women = make_organisation(
        name="Women Leaders Network of Timbuktu",
        alternate_names=["RESEAU DES FEMMES LEADERS DE TOMBOUCTOU"],
        type="other",
    )
    db.session.commit()
    result = import_file(FRENCH, "3w", "--publish")
    assert result.exit_code == 0, result.output
    assert "merged: 1 " in result.output
    nigeria = import_file(NIGERIA, "3w", "--publish")
    # The same acronym with a name that differs (here a translation) is kept apart, and
    # moderators are told (tests/test_imports_matching.py).
    assert "merged: 0 " in nigeria.output and "possible duplicates: 1 " in nigeria.output
    assert by_name("Danish Refugee Council").acronym == "DRC"
    assert drc.name == "Conseil danois pour les réfugiés"
    assert drc.alternate_names == []
    assert drc.locations == []
    assert [theme.slug for theme in women.themes] == ["women-peace-security"]
    assert str(women.type) == "community_based"  # "other" is filled in, never overwritten
    assert women.alternate_names == ["RESEAU DES FEMMES LEADERS DE TOMBOUCTOU"]
    assert by_name("Réseau des Femmes Leaders de Tombouctou") is None


def test_changes_to_existing_organisations_are_proposed_as_corrections(
    import_file, themes, make_organisation
):
    drc = make_organisation(name="Danish Refugee Council", acronym="DRC", type="international_ngo")
    db.session.commit()
    result = import_file(NIGERIA)
    assert "created: 11" in result.output and "updated: 1" in result.output
    correction = db.session.scalar(
        select(Submission).where(Submission.kind == SubmissionKind.CORRECTION)
    )
    assert correction.organisation_id == drc.id
    assert correction.payload["themes"] == ["development-cooperation", "human-security"]
    assert drc.themes == []  # nothing changes before a moderator approves


def test_french_sheet_with_accents_semicolons_and_a_row_without_country(import_file, themes):
    result = import_file(FRENCH, "3w", "--publish")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "7 lines read, 4 organisations." in lines
    assert "rejected: 1" in lines
    assert "  line 7: no country: the row has no P-code or country code (use --country)" in lines
    ampr = by_name("Association Malienne pour la Paix et la Réconciliation")
    assert (ampr.acronym, str(ampr.type), ampr.country) == ("AMPR", "national_ngo", "ML")
    # Cohésion sociale, protection (of civilians: human security, not community safety).
    assert sorted(t.slug for t in ampr.themes) == ["conflict-prevention", "human-security"]
    # Each cercle becomes a place with its région, P-codes included (a région is not its town).
    assert sorted((loc.name, loc.admin1, loc.admin1_pcode) for loc in ampr.locations) == [
        ("Bandiagara", "Mopti", "ML05"),
        ("Djenné", "Mopti", "ML05"),
        ("San", "Ségou", "ML04"),
    ]
    assert str(by_name("Comité International de la Croix-Rouge").type) == "multilateral"
    assert by_name("Éducation Sans Frontières Sahel").themes == []
    with_country = import_file(FRENCH, "3w", "--publish", "--country", "MLI")
    assert "created: 1" in with_country.output and "unchanged: 4" in with_country.output
    assert by_name("Direction Régionale du Développement Social de Ménaka").country == "ML"


def test_windows_1252_sheet(import_file, themes, tmp_path):
    path = tmp_path / "export-excel.csv"
    path.write_bytes(FRENCH.read_text(encoding="utf-8").encode("cp1252"))
    result = import_file(path, "3w", "--publish")
    assert result.exit_code == 0 and "created: 4" in result.output
    assert by_name("Réseau des Femmes Leaders de Tombouctou") is not None


def test_xlsx_sheet_found_after_a_notes_sheet(import_file, themes, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Lisez-moi"
    book.active.append(["Données 3W du trimestre, voir l'onglet suivant."])
    sheet = book.create_sheet("3W")
    sheet.append(["Nom de l'organisation", "Sigle", "Type", "Secteur", "Région", "Pcode", "Année"])
    sheet.append(["#org +name", "#org +acronym", "#org +type", "#sector", "#adm1", "#adm1 +code"])
    sheet.append(
        ["Réseau Paix et Sécurité des Femmes", "REPSFECO", "NNGO", "GBV", "Gao", "ML07", 2024]
    )
    sheet.append(["Réseau Paix et Sécurité des Femmes", "REPSFECO", "NNGO", "PRO", "Kidal", "ML08"])
    sheet.append([None, None, "INGO", "PRO", "Gao", "ML07", 2024])
    sheet.append(["Norwegian Refugee Council", "NRC", "INGO", "Protection", "Ouallam", "NER006"])
    path = tmp_path / "3w.xlsx"
    book.save(path)
    result = import_file(path, "3w", "--publish")
    assert result.exit_code == 0, result.output
    assert "  line 5: no organisation name or acronym" in result.output.splitlines()
    repsfeco = by_name("Réseau Paix et Sécurité des Femmes")
    assert sorted(t.slug for t in repsfeco.themes) == ["human-security", "women-peace-security"]
    assert sorted(loc.admin1 for loc in repsfeco.locations) == ["Gao", "Kidal"]
    nrc = by_name("Norwegian Refugee Council")
    assert nrc.country == "NE" and str(nrc.type) == "international_ngo"


def test_unreadable_files_exit_non_zero(import_file, tmp_path):
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("{not json", encoding="utf-8")
    result = import_file(garbage, "geojson")
    assert result.exit_code == 1 and "not valid GeoJSON" in result.output
    no_org = tmp_path / "no-org.csv"
    no_org.write_text("Secteur,Région\nProtection,Mopti\n", encoding="utf-8")
    result = import_file(no_org, "3w")
    assert result.exit_code == 1 and "no organisation column" in result.output
    assert import_file(NIGERIA, "csv").exit_code == 1  # not our export: no name column
    assert import_file(tmp_path / "missing.csv").exit_code == 2
    assert import_file(NIGERIA, "3w", "--country", "Mali").exit_code == 2


# -- our own exports ----------------------------------------------------------------------------
PUBLIC = [c for c in ORGANISATION_COLUMNS if c not in ("updated_at", "url", "verification")]


@pytest.fixture
def directory(make_organisation, make_theme, link):
    """Organisations with places at every precision, themes, contacts, identifiers and a
    network that comes after its member by name."""
    from peacemap.models import Identifier

    dialogue = make_theme(slug="dialogue-mediation")
    bamako = location_for({"geonameid": 2460596})
    mopti = location_for({"geonameid": 2453348})
    typed = Location(name="Quartier Sévaré II", country="ML", admin1="Mopti", admin1_pcode="ML05")
    typed.latitude, typed.longitude = 14.53, -4.09
    network = make_organisation(
        slug="zz-reseau",
        name="Zénith Réseau pour la Paix",
        acronym="ZRP",
        type="network",
        locations=[bamako],
        location_precision="commune",
        email="contact@zrp.example.org",
        phone="+223 20 22 00 00",
        contacts_public=True,
        website="https://zrp.example.org/",
    )
    member = make_organisation(
        slug="association-des-femmes",
        name="Association des Femmes de Mopti",
        alternate_names=["AFM", "Women's Association of Mopti"],
        founded_year=1998,
        locations=[typed],
        location_precision="region",
        email="private@afm.example.org",
        contacts_public=False,
        summary={"fr": "Médiation & paix — « dialogue »", "en": "Mediation"},
        description={"ar": "وساطة"},
    )
    member.identifiers.append(Identifier(scheme="ML-MAT", value="0603-G-DB"))
    member.themes = [dialogue]
    exact = make_organisation(
        slug="exact-org",
        name="Exact Org",
        locations=[mopti],
        location_precision="exact",
    )
    hidden = make_organisation(slug="hidden", name="Hidden Org", location_precision="not_mapped")
    link(member, "member_of", network)
    db.session.commit()
    return [member, exact, hidden, network]


def export_rows(orgs):
    """Rows as the export writes them, in name order."""
    rows = []
    for org in sorted(orgs, key=lambda o: o.name):
        payload = organisation_payload(org)
        rows.append(
            organisation_row(
                org,
                themes=payload["themes"],
                member_of=payload["member_of"],
                url=f"http://localhost/en/organisations/{org.slug}",
            )
        )
    return rows


def write_csv(path, rows, hxl=True):
    """UTF-8 with a byte order mark, the HXL row, phones protected from spreadsheets."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, ORGANISATION_COLUMNS)
        writer.writeheader()
        if hxl:
            writer.writerow(ORGANISATION_HXL)
        for row in rows:
            protected = {k: ("'" + v if str(v)[:1] == "+" else v) for k, v in row.items()}
            writer.writerow(protected)


def write_geojson(path, rows):
    features = []
    for row in rows:
        properties = {k: v for k, v in row.items() if k not in ("latitude", "longitude")}
        geometry = None
        if row["latitude"] != "":
            geometry = {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")


def public(rows):
    return sorted(({k: str(row[k]) for k in PUBLIC} for row in rows), key=lambda r: r["slug"])


def empty_directory():
    db.session.execute(delete(Relationship))  # both ends would delete them otherwise
    db.session.expire_all()
    for org in db.session.scalars(select(Organisation)):
        db.session.delete(org)
    db.session.commit()


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_export_then_import_gives_the_same_public_data(import_file, directory, tmp_path, fmt):
    rows = export_rows(directory)
    path = tmp_path / f"organisations.{fmt}"
    (write_csv if fmt == "csv" else write_geojson)(path, rows)
    assert "+223" in next(r for r in rows if r["phone"])["phone"]
    empty_directory()
    assert count(Organisation) == 0
    result = import_file(path, fmt, "--publish")
    assert result.exit_code == 0, result.output
    assert "created: 4" in result.output and "rejected: 0" in result.output
    assert public(export_rows(db.session.scalars(select(Organisation)).all())) == public(rows)
    member = db.session.scalar(
        select(Organisation).where(Organisation.slug == "association-des-femmes")
    )
    assert organisation_payload(member)["member_of"] == ["zz-reseau"]  # network came later
    again = import_file(path, fmt, "--publish")
    assert "unchanged: 4" in again.output and "updated: 0" in again.output


def test_reimporting_an_export_keeps_what_it_does_not_show(import_file, directory, tmp_path):
    path = tmp_path / "organisations.csv"
    write_csv(path, export_rows(directory), hxl=False)
    member = directory[0]
    before = organisation_payload(member)
    result = import_file(path, "csv", "--publish")
    assert "unchanged: 4" in result.output, result.output
    result = import_file(path, "csv")
    assert "unchanged: 4" in result.output and not pending()
    db.session.refresh(member)
    assert organisation_payload(member) == before
    assert member.email == "private@afm.example.org"  # private contacts are not exported
    assert member.locations[0].name == "Quartier Sévaré II"  # nor places shown by region


def test_bad_rows_are_reported_with_their_line_and_the_others_kept(
    import_file, directory, tmp_path, indexed_search
):
    rows = export_rows(directory)
    empty_directory()
    indexed_search()
    copy = dict(rows[0], alternate_names="")  # a new organisation with the same identifier
    broken = [
        dict(copy, slug="no-name", name=""),
        dict(copy, slug="bad-type", name="Bad Type", type="ngo"),
        dict(copy, slug="twin", name="Identifier Twin"),  # refused by the database
        dict(copy, slug="bad-year", name="Bad Year", founded_year="19O8"),
    ]
    path = tmp_path / "broken.csv"
    write_csv(path, [rows[0], *broken, *rows[1:]])
    result = import_file(path, "csv", "--publish")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "created: 4" in lines and "rejected: 4" in lines
    assert "  line 4: name is empty" in lines
    assert "  line 5: unknown type 'ngo'" in lines
    assert any(line.startswith("  line 6:") and "unique" in line.lower() for line in lines)
    assert any(line.startswith("  line 7: invalid literal for int()") for line in lines)
    assert count(Organisation) == 4
    db.session.commit()
    run_ready()
    # The refused record rolled back its SAVEPOINT only: the others are indexed all the same.
    assert search.check() == ([], [], [])


@pytest.fixture
def indexed_search(app):
    def build():
        db.session.commit()
        return search.rebuild()

    return build


# -- the upload page ----------------------------------------------------------------------------
URL = "/en/moderation/import"


def post_file(client, content, filename, fmt="3w", token=None, **fields):
    """POST a file to the import page as a browser would (the form's token unless given)."""
    if token is None:
        token = soup(client.get(URL)).select_one("input[name=csrf_token]")["value"]
    data = {"csrf_token": token, "format": fmt, "file": FileStorage(io.BytesIO(content), filename)}
    boundary, body = encode_multipart({**data, **fields})  # in memory, whatever its size
    response = client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    db.session.rollback()  # end the test's transaction, to see what the request committed
    return response


def test_admins_import_from_the_page(client, login, themes):
    admin = login("admin")
    page = soup(client.get(URL))
    assert page.select_one("input[type=file][name=file]")["accept"] == ".csv,.xlsx,.geojson,.json"
    response = post_file(client, NIGERIA.read_bytes(), "nga.csv")
    assert response.status_code == 200
    result = soup(response).select_one(".import-summary")
    terms = [dt.get_text() for dt in result.select("dt")]
    counts = dict(zip(terms, [dd.get_text() for dd in result.select("dd")], strict=True))
    assert counts["Created"] == "12" and counts["Rejected rows"] == "0"
    assert len(pending()) == 12
    published = post_file(client, FRENCH.read_bytes(), "mali.csv", publish="y")
    assert published.status_code == 200
    table = soup(published).select_one("table.rejected")
    assert table.select_one("tbody td").get_text() == "7"
    ampr = by_name("Association Malienne pour la Paix et la Réconciliation")
    assert ampr.is_published
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "organisation.created", AuditEvent.object_id == ampr.id
        )
    )
    assert event.actor_id == admin.id and event.note == "Imported from mali.csv"


def test_the_page_shows_errors_next_to_the_fields(client, login):
    login("admin")
    response = post_file(client, b"{}", "x.geojson", fmt="geojson")
    assert response.status_code == 400
    error = soup(response).select_one("#file-error")
    assert "This file cannot be read: not a GeoJSON FeatureCollection" in error.get_text()
    wrong = post_file(client, b"a,b\n", "notes.txt")
    assert wrong.status_code == 400 and soup(wrong).select_one("#file-error")
    country = post_file(client, NIGERIA.read_bytes(), "nga.csv", country="Nigeria")
    assert country.status_code == 400 and soup(country).select_one("#country-error")
    too_big = post_file(client, b"x" * (2 * 1024 * 1024 + 1), "big.csv")
    assert too_big.status_code == 413
    assert "larger than 2 MB" in soup(too_big).select_one("#file-error").get_text()
    assert count(Submission) == 0


def test_only_admins_reach_the_import_page(client, login, make_user):
    response = client.get(URL)
    assert response.status_code == 302 and response.headers["Location"].startswith("/en/login")
    assert client.post(URL).status_code in (302, 400)
    login("moderator")
    assert client.get(URL).status_code == 403
    token = soup(client.get("/en/moderation/")).select_one("input[name=csrf_token]")["value"]
    assert post_file(client, NIGERIA.read_bytes(), "nga.csv", token=token).status_code == 403
    assert count(Submission) == 0
    queue = soup(client.get("/en/moderation/"))
    assert not queue.select(f"a[href='{URL}']")


def test_the_import_needs_a_csrf_token(client, login, themes):
    login("admin")
    assert soup(client.get("/en/moderation/")).select_one(f"a[href='{URL}']")
    response = post_file(client, NIGERIA.read_bytes(), "nga.csv", token="")
    assert response.status_code == 400
    assert count(Submission) == 0


def test_the_whole_nigeria_sheet_round_trip(import_file, themes, tmp_path):
    """OCHA's full Nigeria 3W (Q4 2023, 9,366 rows; ../shared/fixtures): every row read, no
    type or sector unknown, then our own export of the result imported back changes nothing."""
    sheet = FIXTURES / "nga_3w_q4_2023.csv"
    reason = "OCHA publishes this 3W sheet by state"
    result = import_file(sheet, "3w", "--publish", "--precision", "region", "--reason", reason)
    assert result.exit_code == 0, result.output[-2000:]
    lines = result.output.splitlines()
    assert "9366 lines read" in result.output and "rejected: 0" in lines, result.output[-2000:]
    assert "unknown organisation types" not in result.output  # every type and sector known
    assert "unknown sectors" not in result.output
    orgs = db.session.scalars(select(Organisation)).all()
    assert len(orgs) > 100
    assert sum(bool(org.sectors) for org in orgs) == len(orgs)
    assert sum(len(org.locations) for org in orgs) > len(orgs)  # states and LGAs kept
    rows = export_rows(orgs)
    path = tmp_path / "nigeria-export.csv"
    write_csv(path, rows)
    again = import_file(path, "csv", "--publish")
    assert again.exit_code == 0, again.output[-2000:]
    assert f"unchanged: {len(orgs)}" in again.output.splitlines(), again.output[-2000:]
    assert public(export_rows(db.session.scalars(select(Organisation)).all())) == public(rows)
