"""3W sheets as OCHA writes them, typed: organisation types and sectors in French and English,
OCHA's header names without an HXL row, and files that must be refused with a clear message
(issue 20, items 1, 5, 6 and 7). Sheets are built here, as CSV and XLSX."""

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from peacemap.extensions import db
from peacemap.imports import xlsx
from peacemap.imports.vocabulary import organisation_type, sectors_and_themes
from peacemap.models import Organisation, Submission
from tests.conftest import soup

TAXONOMIES = Path(__file__).parent / "fixtures" / "imports"  # HDX's tables (PROVENANCE.txt)
THEMES = ("human-security", "community-security", "women-peace-security", "conflict-prevention")
# OCHA Mali's header names, as its 3W workbooks write them (no HXL row).
OCHA_FR = [
    "Nom Organisation",
    "Organisation Accronyme",
    "Type Organisation",
    "Secteur",
    "admin1Name",
    "admin1Pcod",
    "admin2Name",
    "admin2Pcod",
]
OCHA_EN = [
    "Organization",
    "Org. Acronym",
    "Type of Organization",
    "Cluster",
    "State",
    "admin1Pcode",
]


@pytest.fixture
def themes(make_theme):
    """Themes sectors may map to; community-security is there so that a wrong mapping shows."""
    return [make_theme(slug=slug) for slug in THEMES]


@pytest.fixture
def import_file(runner):
    """Run `flask data import --format 3w` and return the result."""

    def run(path, *options, fmt="3w"):
        result = runner.invoke(args=["data", "import", str(path), "--format", fmt, *options])
        db.session.expire_all()
        return result

    return run


def write_csv(path, rows, delimiter=";", encoding="utf-8"):
    """A CSV sheet from rows of cells."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows):
    """An XLSX sheet from rows of cells (openpyxl saves formulas without their values)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def by_name(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def organisations():
    return db.session.scalar(select(func.count()).select_from(Organisation))


def submissions():
    return db.session.scalar(select(func.count()).select_from(Submission))


# -- types --------------------------------------------------------------------------------------
def test_french_3w_type_abbreviations_become_our_types(import_file, themes, tmp_path, client):
    rows = [OCHA_FR]
    for name, acronym, kind in [
        ("Association des Jeunes pour la Paix de Mopti", "AJPM", "ONG Nat"),
        ("Femmes et Développement Sahel", "FDS", "ONG Nat."),
        ("Conseil Danois pour les Réfugiés", "DRC", "ONG Int"),
        ("Croix-Rouge Malienne", "CRM", "Mouv. CR"),
        ("Fonds des Nations Unies pour l'Enfance", "UNICEF", "Agence UN"),
        ("Direction Régionale de la Santé de Mopti", "DRS", "Gouv"),
        ("Orange Mali Fondation Entreprise", "OMFE", "Secteur privé"),
        ("Université de Ségou", "US", "Académique"),
        ("Syndicat des Transporteurs de Gao", "STG", "Syndicat"),
        ("Syndicat des Enseignants de Gao", "SEG", "syndicat"),
    ]:
        rows.append([name, acronym, kind, "Protection", "Mopti", "MLI05", "Mopti", "MLI0506"])
    result = import_file(write_csv(tmp_path / "3w.csv", rows), "--publish")
    assert result.exit_code == 0, result.output
    types = {org.name: str(org.type) for org in db.session.scalars(select(Organisation))}
    assert types["Association des Jeunes pour la Paix de Mopti"] == "national_ngo"
    assert types["Femmes et Développement Sahel"] == "national_ngo"
    assert types["Conseil Danois pour les Réfugiés"] == "international_ngo"
    assert types["Croix-Rouge Malienne"] == "multilateral"
    assert types["Fonds des Nations Unies pour l'Enfance"] == "multilateral"
    assert types["Direction Régionale de la Santé de Mopti"] == "government"
    assert types["Université de Ségou"] == "research"
    assert types["Orange Mali Fondation Entreprise"] == "other"  # known, no counterpart
    # Unknown types are reported once, with their count (the two spellings fold together
    # only when they are the same text: "Syndicat" and "syndicat" are two cells).
    unknown = [line for line in result.output.splitlines() if "unknown organisation type" in line]
    assert unknown == [
        "unknown organisation types, imported as other: 'Syndicat' (1 lines), 'syndicat' (1 lines)"
    ]
    # The national-NGO filter now finds the sheet's national NGOs.
    page = soup(client.get("/en/organisations?type=national_ngo"))
    listed = {a.get_text(strip=True) for a in page.select("article.card h3 a")}
    assert {"Association des Jeunes pour la Paix de Mopti", "Femmes et Développement Sahel"} <= (
        listed
    )
    assert "Conseil Danois pour les Réfugiés" not in listed


def test_english_types_in_xlsx(import_file, themes, tmp_path):
    rows = [OCHA_EN]
    for name, kind in [
        ("Borno Women Development Initiative", "NNGO"),
        ("Mercy Corps", "INGO"),
        ("Nigerian Red Cross Society", "Red Cross/Red Crescent Movement"),
        ("World Food Programme", "UN Agency"),
        ("Borno State Emergency Management Agency", "Government"),
        ("Dangote Foundation Trading", "Private sector"),
        ("University of Maiduguri", "Academic"),
        ("Kukawa Youth Club", "Youth club"),
    ]:
        rows.append([name, "", kind, "Protection", "Borno", "NGA008"])
    result = import_file(write_xlsx(tmp_path / "3w.xlsx", rows), "--publish")
    assert result.exit_code == 0, result.output
    assert str(by_name("Borno Women Development Initiative").type) == "national_ngo"
    assert str(by_name("Mercy Corps").type) == "international_ngo"
    assert str(by_name("Nigerian Red Cross Society").type) == "multilateral"
    assert str(by_name("World Food Programme").type) == "multilateral"
    assert str(by_name("Borno State Emergency Management Agency").type) == "government"
    assert str(by_name("University of Maiduguri").type) == "research"
    assert by_name("Mercy Corps").country == "NG"  # from the P-code
    assert "'Youth club' (1 lines)" in result.output
    assert "Private sector" not in result.output  # a known type is not reported


def hdx_rows(name):
    """The rows of an HDX taxonomy CSV after its header and HXL rows."""
    with open(TAXONOMIES / name, encoding="utf-8") as handle:
        return list(csv.reader(handle))[2:]


def test_every_hdx_organisation_type_is_known():
    terms = {term for row in hdx_rows("hdx_organization_types.csv") for term in (row[1], row[6])}
    # ReliefWeb's "Non-governmental Organization" says neither national nor international:
    # it is reported for the data manager to decide, not guessed.
    assert organisation_type("Non-governmental Organization") == ("other", False)
    terms.discard("Non-governmental Organization")
    assert len(terms - {""}) >= 14
    unknown = sorted(term for term in terms - {""} if not organisation_type(term)[1])
    assert unknown == []
    assert organisation_type("Syndicat") == ("other", False)  # the control


# -- sectors ------------------------------------------------------------------------------------
SECTOR_SHEET = [
    ["Amis du Sahel", "ADS", "ONG Nat", "Protection; Santé", "Mopti", "MLI05"],
    ["Amis du Sahel", "ADS", "ONG Nat", "Éducation", "Ségou", "MLI04"],
    ["Amis du Sahel", "ADS", "ONG Nat", "Sécurité alimentaire", "Ségou", "MLI04"],
    ["Eau Vive Mali", "EVM", "ONG Nat", "Eau, assainissement et hygiène", "Gao", "MLI07"],
    ["Eau Vive Mali", "EVM", "ONG Nat", "Abris d'urgence et NFI", "Gao", "MLI07"],
    ["Eau Vive Mali", "EVM", "ONG Nat", "Nutrition", "Gao", "MLI07"],
    ["Femmes Debout", "FD", "ONG Nat", "VBG", "Kidal", "MLI08"],
    ["Femmes Debout", "FD", "ONG Nat", "Relèvement précoce", "Kidal", "MLI08"],
    ["Mercy Sahel", "MS", "ONG Int", "Food Security", "Gao", "MLI07"],
    ["Mercy Sahel", "MS", "ONG Int", "CCCM", "Gao", "MLI07"],
    ["Mercy Sahel", "MS", "ONG Int", "Sports et loisirs", "Gao", "MLI07"],
]


def test_sectors_are_kept_mapped_to_themes_exported_filtered_and_shown(
    import_file, themes, tmp_path, client
):
    path = write_csv(tmp_path / "3w.csv", [OCHA_FR[:4] + ["Région", "admin1Pcod"], *SECTOR_SHEET])
    result = import_file(path, "--publish")
    assert result.exit_code == 0, result.output
    amis, eau, femmes = by_name("Amis du Sahel"), by_name("Eau Vive Mali"), by_name("Femmes Debout")
    assert amis.sectors == ["education", "food_security", "health", "protection"]
    assert eau.sectors == ["nutrition", "shelter", "wash"]
    assert femmes.sectors == ["early_recovery", "gbv"]
    assert by_name("Mercy Sahel").sectors == ["camp_coordination", "food_security"]
    assert "unknown sectors, not kept: 'Sports et loisirs' (1 lines)" in result.output
    assert result.output.count("unknown sectors") == 1  # known names are not listed
    # Protection is human security, never community safety (which exists, as the control).
    assert [theme.slug for theme in amis.themes] == ["human-security"]
    assert eau.themes == []  # WASH, shelter, nutrition: no peacebuilding theme
    assert [theme.slug for theme in femmes.themes] == ["women-peace-security"]

    # Exports: CSV, HXL and the API carry the codes.
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/exports/organisations.csv").text)))
    assert {row["name"]: row["sectors"] for row in rows}[
        "Eau Vive Mali"
    ] == "nutrition | shelter | wash"
    hxl = list(csv.reader(io.StringIO(client.get("/api/v1/exports/organisations.hxl.csv").text)))
    assert hxl[1][hxl[0].index("sectors")] == "#sector+cluster+code"
    detail = client.get(f"/api/v1/organisations/{femmes.slug}").get_json()
    assert detail["sectors"] == ["early_recovery", "gbv"]

    # The directory filters by sector; without the filter every one is listed (the control).
    def listed(query):
        page = soup(client.get(f"/en/organisations{query}"))
        return {a.get_text(strip=True) for a in page.select("article.card h3 a")}

    assert {"Amis du Sahel", "Eau Vive Mali", "Femmes Debout"} <= listed("")
    assert listed("?sector=food_security") & {"Amis du Sahel", "Eau Vive Mali", "Mercy Sahel"} == {
        "Amis du Sahel",
        "Mercy Sahel",
    }
    assert "Eau Vive Mali" not in listed("?sector=health")
    assert client.get("/en/organisations?sector=nonsense").status_code == 400
    filtered = client.get("/api/v1/exports/organisations.csv?sector=gbv").text
    assert [row["name"] for row in csv.DictReader(io.StringIO(filtered))] == ["Femmes Debout"]

    # The profile names the sectors in the page's language, each linking to the filter.
    page = soup(client.get(f"/fr/organisations/{eau.slug}"))
    links = {a.get_text(strip=True): a["href"] for a in page.select("dd a[href*='sector=']")}
    assert links["Eau, assainissement et hygiène"].endswith("sector=wash")
    assert "Nutrition" in links and len(links) == 3
    assert not soup(client.get(f"/fr/organisations/{by_name('Amis du Sahel').slug}")).find(
        string=re.compile("Eau, assainissement")
    )

    # Our own export read back changes nothing: the sectors survive the round trip.
    export = tmp_path / "export.csv"
    export.write_text(client.get("/api/v1/exports/organisations.csv").text, encoding="utf-8")
    back = import_file(export, "--publish", fmt="csv")
    assert back.exit_code == 0 and "unchanged: 4" in back.output, back.output
    assert by_name("Eau Vive Mali").sectors == ["nutrition", "shelter", "wash"]


def test_every_hdx_cluster_name_is_a_sector_in_english_french_and_acronym():
    rows = hdx_rows("hdx_sectors_en_fr.csv")
    assert len(rows) == 15
    for row in rows:
        english, french, acronym = (sectors_and_themes(text)[0] for text in row[1:4])
        assert english and english == french == acronym, row[1:4]
    assert sectors_and_themes("Sports et loisirs") == (set(), set())  # the control


# -- headers ------------------------------------------------------------------------------------
def test_ocha_header_names_without_hxl_row_and_country_from_pcodes(import_file, themes, tmp_path):
    rows = [
        OCHA_FR,
        ["Tassaght", "TASS", "ONG Nat", "Protection", "Gao", "MLI07", "Ansongo", "MLI0701"],
        ["Tassaght", "TASS", "ONG Nat", "Protection", "Ménaka", "", "Ménaka", "ML0901"],
        ["Groupe Pivot Santé", "GPSP", "ONG Nat", "Santé", "Mopti", "ML05", "Bandiagara", ""],
    ]
    result = import_file(write_xlsx(tmp_path / "ocha.xlsx", rows), "--publish")
    assert result.exit_code == 0, result.output
    assert "rejected: 0" in result.output
    tassaght = by_name("Tassaght")
    assert (tassaght.acronym, tassaght.country, tassaght.sectors) == ("TASS", "ML", ["protection"])
    assert by_name("Groupe Pivot Santé").country == "ML"  # from ML05 (two-letter prefix)


def test_every_row_rejected_prints_a_bounded_summary_and_exits_non_zero(
    import_file, themes, tmp_path
):
    header = ["Nom Organisation", "Organisation Accronyme", "Type Organisation", "Secteur"]
    rows = [header] + [[f"Association {n}", f"A{n}", "ONG Nat", "Santé"] for n in range(300)]
    path = write_csv(tmp_path / "no-pcodes.csv", rows)
    result = import_file(path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) < 40
    assert "  300 lines: no country: the row has no P-code or country code (use --country)" in lines
    assert "nothing could be imported" in result.output
    assert submissions() == 0
    # The control: the same sheet with a country given is imported and exits 0.
    result = import_file(path, "--country", "ML")
    assert result.exit_code == 0 and "created: 300" in result.output


# -- bad files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_header_only_file_is_refused(import_file, tmp_path, kind):
    rows = [OCHA_FR, ["#org +name", "#org +acronym"]] if kind == "csv" else [OCHA_FR]
    path = (write_csv if kind == "csv" else write_xlsx)(tmp_path / f"empty.{kind}", rows)
    result = import_file(path)
    assert result.exit_code == 1
    assert "no data rows" in result.output
    assert "0 lines read" not in result.output


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le"])
def test_utf16_without_bom_is_decoded(import_file, themes, tmp_path, encoding):
    rows = [OCHA_FR[:6], ["Réseau Œcuménique de Ségou", "ROS", "ONG Nat", "Santé", "Ségou", "ML04"]]
    path = write_csv(tmp_path / "utf16.csv", rows, delimiter="\t", encoding=encoding)
    assert not path.read_bytes().startswith((b"\xfe\xff", b"\xff\xfe"))
    result = import_file(path, "--publish")
    assert result.exit_code == 0, result.output
    assert by_name("Réseau Œcuménique de Ségou").sectors == ["health"]


def test_files_that_are_no_text_say_what_they_are(import_file, tmp_path):
    old_excel = tmp_path / "3w.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    result = import_file(old_excel)
    assert result.exit_code == 1 and "old Excel workbook (.xls)" in result.output
    binary = tmp_path / "3w.csv"
    binary.write_bytes(b"Nom;Type\n\x00\x01\x02\x03garbage\xff\xfe\x00\x00\x00\x10" * 3)
    result = import_file(binary)
    assert result.exit_code == 1 and "cannot decode this file" in result.output


def with_saved_value(path, cell, value):
    """The XLSX at `path` with a saved value for the formula in `cell` (as Excel writes)."""
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet, found = re.subn(
        rf'<c r="{cell}"([^>]*)><f>(.*?)</f>(<v\s*/>|<v></v>)?</c>',
        rf'<c r="{cell}"\1 t="str"><f>\2</f><v>{value}</v></c>',
        sheet,
    )
    assert found == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def test_xlsx_formulas_without_saved_values_are_refused_by_cell(import_file, themes, tmp_path):
    rows = [
        OCHA_FR[:6],
        ['=HYPERLINK("https://ong-tassaght.org","Tassaght")', "TASS", "ONG Nat", "Santé", "Gao"],
        ['=HYPERLINK("https://amss.ml","AMSS")', "AMSS", "ONG Nat", "Santé", "Gao", "MLI07"],
        ["Groupe Pivot Santé", "GPSP", "ONG Nat", "Santé", "Mopti", "MLI05"],
    ]
    rows[1].append("MLI07")
    path = write_xlsx(tmp_path / "formulas.xlsx", rows)
    with_saved_value(path, "A3", "Association Malienne pour la Survie au Sahel")
    result = import_file(path, "--publish")
    assert result.exit_code == 0, result.output
    assert (
        "  line 2: cell A2 is a formula with no saved value "
        '(=HYPERLINK("https://ong-tassaght.org","Tassaght")): open the file in Excel or '
        "LibreOffice and save it, or paste the values"
    ) in result.output.splitlines()
    assert by_name("TASS") is None and by_name("Tassaght") is None  # the acronym is no name
    # The control: a formula whose value was saved is read as that value.
    assert by_name("Association Malienne pour la Survie au Sahel").acronym == "AMSS"
    assert by_name("Groupe Pivot Santé") is not None


def test_the_xlsx_stream_reads_the_same_rows_in_any_chunk_size(tmp_path):
    rows = [OCHA_FR[:3]] + [[f'=CONCAT("Org",{n})', f"Réseau Œuvre {n}", n] for n in range(200)]
    rows.append(["", "", 2024.0])
    path = write_xlsx(tmp_path / "many.xlsx", rows)
    with open(path, "rb") as handle:
        book = xlsx.open_workbook(handle)
        try:
            whole = list(xlsx.sheet_rows(book, book.sheets[0][1]))
            chunked = list(xlsx.sheet_rows(book, book.sheets[0][1], chunk=97))
        finally:
            book.close()
    assert len(whole) == 202 and chunked == whole
    assert whole[0] == (1, OCHA_FR[:3])
    number, cells = whole[1]
    assert (number, cells[1:]) == (2, ["Réseau Œuvre 0", "0"])
    assert isinstance(cells[0], xlsx.FormulaCell) and cells[0].formula == '=CONCAT("Org",0)'
    assert cells[0].ref == "A2" and [c.ref for _n, (c, *_r) in chunked[1:3]] == ["A2", "A3"]
    assert whole[-1] == (202, ["", "", "2024"])  # a number as a CSV would hold it


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "@SUM(1)", "-2+3"])
def test_formula_looking_names_are_refused(import_file, themes, tmp_path, name):
    rows = [OCHA_FR[:6], [name, "", "ONG Nat", "Santé", "Gao", "MLI07"]]
    result = import_file(write_csv(tmp_path / "inject.csv", rows))
    assert result.exit_code == 1
    assert f"the organisation name starts with {name[0]!r}, as a spreadsheet formula does" in (
        result.output
    )
    assert submissions() == 0
    # The control: the same row with a plain name is queued.
    rows[1][0] = "Association Paix " + name.strip("=+-@")
    result = import_file(write_csv(tmp_path / "plain.csv", rows))
    assert result.exit_code == 0 and submissions() == 1


def test_the_upload_page_lists_unknown_types(client, login, themes, tmp_path):
    from tests.test_imports import post_file

    login("admin")
    rows = [OCHA_FR[:6]]
    rows += [["Syndicat des Transporteurs", "STG", "Syndicat", "Santé", "Gao", "MLI07"]] * 2
    rows += [["Amis du Sahel", "ADS", "ONG Nat", "Santé", "Gao", "MLI07"]]
    content = write_csv(tmp_path / "3w.csv", rows).read_bytes()
    page = soup(post_file(client, content, "3w.csv", fmt="3w"))
    assert [li.get_text() for li in page.select("ul.unknown-types li")] == ["Syndicat: 2 rows"]
    # The control: a sheet whose types are all known shows no such list.
    content = write_csv(tmp_path / "known.csv", [rows[0], rows[-1]]).read_bytes()
    assert soup(post_file(client, content, "known.csv")).select("ul.unknown-types") == []


def with_shared_strings(path):
    """The XLSX at `path` with its texts in a shared-strings table, as Excel writes them
    (openpyxl writes them inline), one with an entity and one with phonetic guides."""
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    strings = []

    def shared(match):
        strings.append(match.group(2))
        return f'<c r="{match.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'

    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>(.*?)</t></is></c>', shared, sheet)
    items = "".join(
        f'<si><r><t xml:space="preserve">{text}</t></r><rPh sb="0" eb="1"><t>ふ</t></rPh></si>'
        for text in strings
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    parts["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>'.encode(),
    )
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return len(strings)


def test_xlsx_with_shared_strings_as_excel_writes_them(import_file, themes, tmp_path):
    rows = [
        OCHA_FR[:6],
        ["Aide &amp; Action Sahel", "A&amp;A", "ONG Int", "Éducation", "Ségou", "MLI04"],
        ["Œuvre Malienne d'Aide", "OMA", "ONG Nat", "Santé", "Mopti", "MLI05"],
    ]
    path = write_xlsx(
        tmp_path / "excel.xlsx", [[cell.replace("&amp;", "&") for cell in row] for row in rows]
    )
    assert with_shared_strings(path) == 18  # every cell is now a shared string
    assert b't="inlineStr"' not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    result = import_file(path, "--publish")
    assert result.exit_code == 0, result.output
    aide = by_name("Aide & Action Sahel")
    assert (aide.acronym, str(aide.type), aide.sectors) == (
        "A&A",
        "international_ngo",
        ["education"],
    )
    assert by_name("Œuvre Malienne d'Aide").sectors == ["health"]
