"""Imports a data manager can trust: no merge on an acronym alone, spellings of one
organisation grouped, pending proposals settled by a later published import, bulk approval
that holds back likely duplicates and works in batches, a review page that reads as words,
and search that folds ligatures (sheets built here, in French and English)."""

import csv
import random
import re
import string

import pytest
from sqlalchemy import func, select

from peacemap.effects import run_ready
from peacemap.extensions import db
from peacemap.imports import grouping
from peacemap.models import (
    AuditEvent,
    Organisation,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from peacemap.moderation.views import BULK_BATCH
from peacemap.search import service as search
from peacemap.submissions import services as submissions
from tests.conftest import soup

HEADER_FR = ["Organisation", "Acronyme", "Type d'organisation", "Secteur", "Région", "Pcode Région"]
HEADER_EN = ["Organization", "Org Acronym", "Organization Type", "Sector", "State", "State Pcode"]


def sheet(tmp_path, name, rows, header=HEADER_FR, delimiter=";"):
    """A 3W CSV in tmp_path: the header on line 1, so the n-th row is on line n + 1."""
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def import_file(runner):
    """Run `flask data import --format 3w` and return the result."""

    def run(path, *options):
        result = runner.invoke(args=["data", "import", str(path), "--format", "3w", *options])
        run_ready()
        db.session.expire_all()
        assert result.exit_code == 0, result.output
        return result

    return run


def orgs(*where):
    return list(db.session.scalars(select(Organisation).where(*where).order_by(Organisation.id)))


def open_submissions(kind=SubmissionKind.NEW_ORGANISATION):
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.state == SubmissionState.PENDING, Submission.kind == kind)
            .order_by(Submission.id)
        )
    )


def mopti(name, acronym, kind="Gouvernement"):
    return [name, acronym, kind, "Protection", "Mopti", "ML05"]


# -- acronyms -----------------------------------------------------------------------------------
def test_an_acronym_alone_never_merges_a_directorate_into_an_ingo(
    import_file, tmp_path, make_organisation, client, login
):
    ngo = make_organisation(
        name="Danish Refugee Council", acronym="DRC", type="international_ngo", country="ML"
    )
    db.session.commit()
    path = sheet(
        tmp_path,
        "mopti.csv",
        [
            mopti("Direction Régionale du Commerce de Mopti", "DRC"),  # line 2
            mopti("Centre d'Analyse et de Recherche sur l'Environnement", "CARE", "Recherche"),
            mopti("CARE International", "CARE", "ONG internationale"),  # line 4
        ],
    )
    result = import_file(path, "--publish")
    lines = result.output.splitlines()
    assert "merged: 0 (matched an existing organisation by another name or acronym)" in lines
    assert (
        '  line 2: "Direction Régionale du Commerce de Mopti" kept apart from '
        '"Danish Refugee Council" (already in PeaceMap): same acronym, names differ' in lines
    )
    assert (
        '  line 4: "CARE International" kept apart from '
        "\"Centre d'Analyse et de Recherche sur l'Environnement\" (line 3): "
        "same acronym, names differ" in lines
    )
    assert any(line.startswith("possible duplicates: 2 ") for line in lines), lines
    # Each is its own record; the INGO keeps its name and gains no alternate name.
    assert len(orgs(Organisation.acronym == "DRC")) == 2
    assert len(orgs(Organisation.acronym == "CARE")) == 2
    db.session.refresh(ngo)
    assert (ngo.name, ngo.alternate_names) == ("Danish Refugee Council", [])
    # Moderators are told, in the queue, with both records.
    reports = open_submissions(SubmissionKind.REPORT)
    assert len(reports) == 2
    directorate = orgs(Organisation.name == "Direction Régionale du Commerce de Mopti")[0]
    report = next(r for r in reports if r.organisation_id == directorate.id)
    assert report.payload["reason"] == "possible_duplicate"
    login()
    page = soup(client.get(f"/en/moderation/{report.id}"))
    section = page.select_one("section[aria-labelledby=report]")
    assert "Possible duplicate" in section.get_text()
    links = [a.get_text() for a in section.select("li a")]
    assert links == ["Danish Refugee Council"]
    # A second run changes nothing and tells nobody again.
    again = import_file(path, "--publish")
    assert "unchanged: 3" in again.output.splitlines()
    assert len(open_submissions(SubmissionKind.REPORT)) == 2


def test_the_upload_page_lists_possible_duplicates_with_both_names_and_lines(
    tmp_path, make_organisation, client, login
):
    make_organisation(name="Danish Refugee Council", acronym="DRC", country="ML")
    db.session.commit()
    path = sheet(tmp_path, "mopti.csv", [mopti("Direction Régionale du Commerce de Mopti", "DRC")])
    login("admin")
    token = soup(client.get("/en/moderation/import")).select_one("input[name=csrf_token]")
    response = client.post(
        "/en/moderation/import",
        data={"csrf_token": token["value"], "format": "3w", "file": (path.open("rb"), path.name)},
    )
    assert response.status_code == 200
    tables = soup(response).select("table.import-notes")
    assert len(tables) == 1 and "Possible duplicates" in tables[0].caption.get_text()
    cells = [td.get_text(" ", strip=True) for td in tables[0].select("tbody td")]
    assert cells == [
        "2",
        "Direction Régionale du Commerce de Mopti",
        "kept apart from",
        "Danish Refugee Council (already listed)",
        "same acronym, names differ",
    ]


def test_an_acronym_with_a_similar_name_merges(import_file, tmp_path, make_organisation):
    nrc = make_organisation(name="Norwegian Refugee Council", acronym="NRC", country="NG")
    oeuvre = make_organisation(name="Œuvre Malienne d’Entraide", acronym="OME", country="ML")
    db.session.commit()
    english = sheet(
        tmp_path,
        "borno.csv",
        [["Norwegian Refugee Council (NRC)", "NRC", "INGO", "Shelter", "Borno", "NGA008"]],
        header=HEADER_EN,
        delimiter=",",
    )
    french = sheet(tmp_path, "mopti.csv", [mopti("OEUVRE MALIENNE D'ENTRAIDE", "OME", "ONG")])
    result = import_file(english, "--publish")
    lines = result.output.splitlines()
    assert (
        '  line 2: "Norwegian Refugee Council (NRC)" merged into "Norwegian Refugee Council" '
        "(already in PeaceMap): same acronym and similar name" in lines
    )
    assert "merged: 1 (matched an existing organisation by another name or acronym)" in lines
    db.session.refresh(nrc)
    assert nrc.alternate_names == ["Norwegian Refugee Council (NRC)"]
    result = import_file(french, "--publish")
    assert "merged: 1 " in result.output
    assert '"OEUVRE MALIENNE D\'ENTRAIDE" merged into "Œuvre Malienne d’Entraide"' in result.output
    assert len(orgs()) == 2  # nothing created: both found
    db.session.refresh(oeuvre)
    assert oeuvre.alternate_names == []  # only case, ligature and apostrophe differ


@pytest.mark.parametrize(
    "first,second,same",
    [
        ("Norwegian Refugee Council (NRC)", "Norwegian Refugee Council", True),
        ("Conseil Norvégien pour les Réfugiés", "CONSEIL NORVEGIEN POUR LES REFUGIES", True),
        ("Wrold Vision", "World Vision", True),
        ("Association des Jeunes de Kati", "Association des Jeunes de Kita", False),
        ("Comité de Paix Section 1", "Comité de Paix Section 2", False),
        ("Direction Régionale du Commerce", "Danish Refugee Council", False),
        ("Centre de Recherche", "CARE International", False),
    ],
)
def test_which_names_sharing_an_acronym_are_one_organisation(first, second, same):
    assert grouping.similar_names(first, second) is same
    assert grouping.same_organisation((first, "X1"), (second, "X1"))[0] is same


# -- spellings of one organisation in one file ---------------------------------------------------
VARIANTS = [
    mopti("World Vision", "WV", "ONG Int"),  # line 2
    mopti("World Vision", "WV", "ONG Int"),
    mopti("Wrold Vision", "", "ONG Int"),  # line 4: a typo
    mopti("Œuvre Malienne d’Entraide", "OME", "ONG"),  # line 5
    mopti("Oeuvre malienne d'entraide", "", "ONG"),
    mopti("ASSOCIATION DES FEMMES DE SÉGOU", "", "ONG"),  # line 7
    mopti("Association des femmes de Segou", "", "ONG"),
    mopti("Association des Femmes de Kati", "", "ONG"),  # line 9: two towns, not a typo
    mopti("Association des Femmes de Kita", "", "ONG"),
]


def test_spelling_variants_in_one_file_become_one_submission_each(import_file, tmp_path):
    result = import_file(sheet(tmp_path, "variants.csv", VARIANTS))
    lines = result.output.splitlines()
    assert "9 lines read, 5 organisations." in lines
    assert "grouped: 2 (spellings of one organisation in this file)" in lines
    assert (
        '  line 4: "Wrold Vision" grouped with "World Vision" (line 2): spelling variant' in lines
    )
    assert (
        '  line 6: "Oeuvre malienne d\'entraide" grouped with "Œuvre Malienne d’Entraide" '
        "(line 5): same name" in lines
    )
    proposed = {s.payload["name"]: s.payload for s in open_submissions()}
    assert sorted(proposed) == [
        "ASSOCIATION DES FEMMES DE SÉGOU",
        "Association des Femmes de Kati",
        "Association des Femmes de Kita",
        "World Vision",
        "Œuvre Malienne d’Entraide",
    ]
    assert proposed["World Vision"]["alternate_names"] == ["Wrold Vision"]
    assert proposed["Œuvre Malienne d’Entraide"]["alternate_names"] == []
    assert proposed["Œuvre Malienne d’Entraide"]["acronym"] == "OME"


def test_a_published_import_settles_the_proposals_a_pending_one_left(
    import_file, tmp_path, client, login
):
    path = sheet(tmp_path, "variants.csv", VARIANTS)
    import_file(path)
    proposed = open_submissions()
    assert len(proposed) == 5
    # A proposal a person sent about the same organisation is not an import's to settle.
    human, _ = submissions.submit(
        SubmissionKind.NEW_ORGANISATION,
        {**proposed[0].payload, "summary": {"fr": "Envoyé par une personne."}},
        form_token=submissions.new_form_token(),
        submitter={"name": "Awa", "consent": True},
    )
    db.session.commit()
    # The same organisations, written another way, published at once.
    published = sheet(
        tmp_path,
        "published.csv",
        [row for row in VARIANTS if row[0] != "World Vision"] + [mopti("WORLD VISION", "WV")],
    )
    result = import_file(published, "--publish")
    assert "superseded: 5 pending submissions of earlier imports (now published)" in (
        result.output.splitlines()
    )
    assert open_submissions() == [human]
    for submission in proposed:
        db.session.refresh(submission)
        assert submission.state == SubmissionState.WITHDRAWN
        assert submission.decided_at is not None
        assert submission.moderator_note.startswith("Superseded: Imported from published.csv")
    events = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "submission.superseded")
    )
    assert events == 5
    assert len(orgs()) == 5
    login()
    queue = soup(client.get("/en/moderation/"))
    assert len(queue.select("table.queue tbody input[name=ids]")) == 1


# -- bulk approval ------------------------------------------------------------------------------
def bulk_token(client):
    page = soup(client.get("/en/moderation/"))
    return page.select_one("form[action='/en/moderation/bulk'] input[name=csrf_token]")["value"]


def test_bulk_approve_holds_back_likely_duplicates_unless_confirmed(
    import_file, tmp_path, make_organisation, client, login
):
    make_organisation(name="Danish Refugee Council", acronym="DRC", country="ML")
    db.session.commit()
    path = sheet(
        tmp_path,
        "mopti.csv",
        [mopti("Direction Régionale du Commerce de Mopti", "DRC"), mopti("Kisal Jeunesse", "")],
    )
    import_file(path)
    directorate, kisal = open_submissions()
    login()
    token = bulk_token(client)
    response = client.post(
        "/en/moderation/bulk",
        data={"csrf_token": token, "ids": [directorate.id, kisal.id], "action": "approve"},
    )
    assert response.status_code == 200
    page = soup(response)
    held = page.select_one("ul.held")
    assert held.select_one(f"input[name=confirmed][value='{directorate.id}']") is not None
    assert "Danish Refugee Council" in held.get_text() and "Same acronym" in held.get_text()
    assert "Kisal" not in held.get_text()
    db.session.expire_all()
    assert (directorate.state, kisal.state) == (SubmissionState.PENDING, SubmissionState.APPROVED)
    # Ticked as checked, it is approved: a separate record.
    form = page.select_one("form[action='/en/moderation/bulk']")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    response = client.post("/en/moderation/bulk", data={**data, "confirmed": [directorate.id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert directorate.state == SubmissionState.APPROVED
    assert len(orgs(Organisation.acronym == "DRC")) == 2


def test_bulk_approve_works_in_bounded_batches(client, login):
    letters = random.Random(20).choices
    ids = []
    for _ in range(BULK_BATCH * 2 + 5):
        name = "".join(letters(string.ascii_lowercase, k=14)).title()
        submission, _created = submissions.submit(
            SubmissionKind.NEW_ORGANISATION,
            {"name": name, "type": "national_ngo", "country": "ML", "places": []},
            form_token=submissions.new_form_token(),
            submitter={"name": "Data import: test.csv"},
        )
        ids.append(submission.id)
    other_kind, _created = submissions.submit(  # the control: outside the filter
        SubmissionKind.REPORT,
        {"reason": "other", "message": "Not a new organisation."},
        form_token=submissions.new_form_token(),
        submitter={"name": "Awa"},
    )
    db.session.commit()
    login()
    queue = soup(client.get("/en/moderation/?kind=new_organisation"))
    form = queue.select_one("form[action='/en/moderation/bulk']")
    label = form.select_one("label[for=bulk-everything]").get_text()
    assert f"all {len(ids)} open submissions these filters show" in label
    # Every open submission the filters show, not only the 20 ticked on the page.
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    assert data["kind"] == "new_organisation"
    data.update(everything="y", action="approve")
    approved = []
    for remaining in (BULK_BATCH + 5, 5):
        response = client.post("/en/moderation/bulk", data=data)
        assert response.status_code == 200
        page = soup(response)
        status = page.select_one(".bulk-progress").get_text(" ", strip=True)
        assert f"{remaining} selected submissions remain" in status
        button = page.select_one("form[action='/en/moderation/bulk'] button").get_text(strip=True)
        assert button == f"Approve the next {min(BULK_BATCH, remaining)}"
        approved.append(db.session.scalar(select(func.count()).select_from(Organisation)))
        form = page.select_one("form[action='/en/moderation/bulk']")
        data = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
        data["ids"] = [i["value"] for i in form.select("input[name=ids]")]
        assert len(data["ids"]) == remaining
    assert approved == [BULK_BATCH, BULK_BATCH * 2]
    response = client.post("/en/moderation/bulk", data=data)
    assert response.status_code == 302  # the last batch: back to the queue
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == len(ids)
    db.session.refresh(other_kind)
    assert other_kind.state == SubmissionState.PENDING


# -- the review page ----------------------------------------------------------------------------
def test_the_review_page_of_an_import_reads_as_words(import_file, tmp_path, client, login):
    path = sheet(
        tmp_path,
        "borno.csv",
        [
            ["Action Against Hunger", "ACF", "INGO", "Protection", "Borno", "NGA008"],
            ["Action Against Hunger", "ACF", "INGO", "Protection", "Yobe", "NGA036"],
        ],
        header=HEADER_EN,
        delimiter=",",
    )
    import_file(path)
    (submission,) = open_submissions()
    login()
    page = soup(client.get(f"/en/moderation/{submission.id}"))

    def cell(label):
        row = next(
            tr for tr in page.select("table.diff tbody tr") if tr.th.get_text(strip=True) == label
        )
        return row.select("td")[-1]

    for label, text in (("Type", "International NGO"), ("Location shown as", "Region")):
        value = cell(label)
        assert value.select("li") == [], f"{label} is listed letter by letter"
        assert [element.get_text() for element in value.find_all(True)] == [text]
    places = [li.get_text() for li in cell("Places").select("li")]  # the control: a real list
    assert places == ["Borno (NGA008)", "Yobe (NGA036)"]
    consent = page.select_one("dd.consent-imported").get_text()
    assert "data import" in consent and "protective choices" in consent
    french = soup(client.get(f"/fr/moderation/{submission.id}"))
    rows = {tr.th.get_text(strip=True): tr for tr in french.select("table.diff tbody tr")}
    assert not rows["Type"].select("li") and len(rows["Type"].td.get_text(strip=True)) > 3


def test_the_review_page_shows_a_proposals_sectors(client, login):
    submission, _ = submissions.submit(
        SubmissionKind.NEW_ORGANISATION,
        {"name": "Sahel Santé", "type": "national_ngo", "country": "ML", "sectors": ["Health"]},
        form_token=submissions.new_form_token(),
        submitter={"name": "Data import: x.csv"},
    )
    db.session.commit()
    login()
    page = soup(client.get(f"/en/moderation/{submission.id}"))
    rows = {tr.th.get_text(strip=True): tr for tr in page.select("table.diff tbody tr")}
    assert [li.get_text() for li in rows["Sectors"].select("li")] == ["Health"]


# -- search -------------------------------------------------------------------------------------
@pytest.mark.parametrize("search_backend", ["whoosh", "postgres"])
def test_search_folds_ligatures_and_apostrophes(client, make_organisation, search_backend):
    make_organisation(name="Œuvre Malienne d’Entraide")
    make_organisation(name="Oeuvre du Sahel")
    make_organisation(name="Association lʼAvenir")  # U+02BC, a letter to Unicode
    make_organisation(name="Unrelated Group")
    db.session.commit()
    search.rebuild()

    def found(query):
        page = soup(client.get("/en/search", query_string={"q": query}))
        return sorted(a.get_text(strip=True) for a in page.select(".result h3 a"))

    both = ["Oeuvre du Sahel", "Œuvre Malienne d’Entraide"]
    assert found("oeuvre") == both
    assert found("ŒUVRE") == both
    assert found("l'oeuvre malienne") == ["Œuvre Malienne d’Entraide"]
    assert found("avenir") == ["Association lʼAvenir"]
    assert found("unrelated") == ["Unrelated Group"]  # the control: search works at all
    assert not re.search("oeuvre", "Œuvre")  # what the fold is for
