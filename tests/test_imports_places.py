"""Where imported organisations are: regions and P-codes that never slip apart in exports,
every admin level of a 3W sheet kept as a place, imported records shown protectively unless an
admin says why by region is safe, regions drawn at their administrative centre, and the region
table of Mali (P-codes, spellings, régions without a P-code)."""

import csv
import io
import json

import pytest
from sqlalchemy import delete, func, select

from peacemap.extensions import db
from peacemap.models import (
    AuditEvent,
    ConsentRecord,
    Location,
    Organisation,
    OwnerConsent,
    Relationship,
)
from peacemap.places import centres, gazetteer, regions
from peacemap.places.service import location_for

# Eight régions, the fourth (Taoudénit) without a P-code: from it on, a list that drops empty
# codes puts each code beside the wrong name.
EIGHT = [
    ("Kayes", "ML01"),
    ("Koulikoro", "ML02"),
    ("Sikasso", "ML03"),
    ("Taoudénit", ""),
    ("Ségou", "ML04"),
    ("Mopti", "ML05"),
    ("Tombouctou", "ML06"),
    ("Gao", "ML07"),
]
KOULIKORO_TOWN = gazetteer.get(2454530)


@pytest.fixture
def import_sheet(runner):
    """Run `flask data import` on a 3W sheet and return the result."""

    def run(path, *options):
        result = runner.invoke(args=["data", "import", str(path), "--format", "3w", *options])
        db.session.expire_all()
        return result

    return run


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def by_name(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def region_places():
    """Places for the eight régions, each carrying its région and P-code (None when none)."""
    return [
        location_for({"name": name, "country": "ML", "admin1": name, "admin1_pcode": code or None})
        for name, code in EIGHT
    ]


def pairs(names, codes):
    """(region, P-code) from two parallel list cells, each slot kept."""
    split = [part.strip() for part in names.split("|")]
    slots = [part.strip() for part in codes.split("|")]
    assert len(split) == len(slots), (names, codes)
    return list(zip(split, slots, strict=True))


def csv_rows(response, hxl=False):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    return rows[1:] if hxl else rows


# -- regions and P-codes in every export ---------------------------------------------------------
def test_a_record_in_eight_regions_keeps_each_code_beside_its_region_in_every_export(
    client, make_organisation
):
    make_organisation(
        slug="huit", name="Huit Régions", locations=region_places(), location_precision="region"
    )
    db.session.commit()
    # Control: the record's places do carry seven codes and one missing, in this order.
    org = by_name("Huit Régions")
    assert [(loc.admin1, loc.admin1_pcode or "") for loc in org.locations] == EIGHT

    for url, hxl in (
        ("/api/v1/exports/organisations.csv", False),
        ("/api/v1/exports/organisations.hxl.csv", True),
    ):
        (row,) = csv_rows(client.get(url), hxl)
        assert pairs(row["regions"], row["region_pcodes"]) == EIGHT, url
        assert row["region_pcodes"] == "ML01 | ML02 | ML03 |  | ML04 | ML05 | ML06 | ML07"
    (feature,) = client.get("/api/v1/exports/organisations.geojson").get_json()["features"]
    properties = feature["properties"]
    assert pairs(properties["regions"], properties["region_pcodes"]) == EIGHT
    # The read API gives each region with its own code, side by side.
    places = client.get("/api/v1/organisations/huit").get_json()["places"]
    assert [(p["region"], p["region_pcode"] or "") for p in places] == EIGHT
    (hsds,) = client.get("/api/v1/exports/organisations.hsds.json").get_json()
    assert hsds["locations"][0]["name"].split(" | ") == [name for name, _code in EIGHT]


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_an_export_in_eight_regions_reads_back_with_each_code_on_its_region(
    client, runner, make_organisation, tmp_path, fmt
):
    make_organisation(
        slug="huit", name="Huit Régions", locations=region_places(), location_precision="region"
    )
    db.session.commit()
    body = client.get(f"/api/v1/exports/organisations.{fmt}").get_data()
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(body)
    db.session.execute(delete(Relationship))
    for org in db.session.scalars(select(Organisation)):
        db.session.delete(org)
    db.session.execute(delete(Location))
    db.session.commit()
    result = runner.invoke(args=["data", "import", str(path), "--format", fmt, "--publish"])
    assert result.exit_code == 0, result.output
    assert "created: 1" in result.output
    db.session.expire_all()
    org = by_name("Huit Régions")
    assert sorted((loc.admin1, loc.admin1_pcode or "") for loc in org.locations) == sorted(EIGHT)


def test_regions_whose_codes_do_not_line_up_are_read_without_codes():
    """An export made before the slots (codes of regions without one dropped) cannot say which
    code is whose: none is guessed."""
    from peacemap.exports.columns import organisation_payload_from_row, region_pcodes

    old = {"regions": "Kayes | Taoudénit | Gao", "region_pcodes": "ML01 | ML07"}
    assert region_pcodes(old) == {}
    slotted = {"regions": "Kayes | Taoudénit | Gao", "region_pcodes": "ML01 |  | ML07"}
    assert region_pcodes(slotted) == {"Kayes": "ML01", "Gao": "ML07"}
    payload = organisation_payload_from_row(
        {"name": "X", "country": "ML", "location_precision": "region", **slotted}
    )
    assert [(p["admin1"], p.get("admin1_pcode")) for p in payload["places"]] == [
        ("Kayes", "ML01"),
        ("Taoudénit", None),
        ("Gao", "ML07"),
    ]


# -- every admin level of a 3W sheet -------------------------------------------------------------
FRENCH_HEADER = (
    "Nom de l'organisation;Sigle;Type d'organisation;Secteur;Région;P-code Région;Cercle;"
    "P-code Cercle;Commune;P-code Commune"
)
FRENCH_ROWS = [
    # Kayes is a région, a cercle and a commune: three places.
    "Association Kayes Paix;AKP;ONG nationale;Protection;Kayes;MLI01;Kayes;MLI0103;Kayes;MLI010301",
    "Association Kayes Paix;AKP;ONG nationale;Protection;Kayes;MLI01;Kayes;MLI0103;Bangassi;"
    "MLI010302",
    "Association Kayes Paix;AKP;ONG nationale;Protection;Kayes;MLI01;Kita;MLI0105;;",
    "Association Kayes Paix;AKP;ONG nationale;Protection;Kayes;MLI01;;;;",
    "Association Kayes Paix;AKP;ONG nationale;Protection;Segou;ML04;San;MLI0405;Téné;MLI040519",
    # Another organisation in the same commune: the same place.
    "Femmes de San;FDS;ONG nationale;Cohésion sociale;Ségou;MLI04;San;MLI0405;Téné;MLI040519",
]
ENGLISH = (
    "Organisation,Acronym,Organisation type,Sector,Admin1,Admin1 Pcode,Admin2,Admin2 Pcode,"
    "Admin3,Admin3 Pcode\n"
    "Mopti Peace Network,MPN,NNGO,Protection,Mopti,MLI05,Bandiagara,MLI0501,Dandoli,MLI050105\n"
    # No région given: its code is the start of the cercle's.
    "Mopti Peace Network,MPN,NNGO,Protection,,,Douentza,MLI0502,,\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_admin_level_a_sheet_gives_is_kept_as_a_place(import_sheet, tmp_path):
    french = write(tmp_path, "3w-fr.csv", "\n".join([FRENCH_HEADER, *FRENCH_ROWS]) + "\n")
    result = import_sheet(french, "--publish")
    assert result.exit_code == 0, result.output
    english = import_sheet(write(tmp_path, "3w-en.csv", ENGLISH), "--publish")
    assert english.exit_code == 0, english.output
    units = {
        (loc.name, loc.admin1, loc.admin1_pcode, loc.admin2, loc.admin2_pcode, loc.admin3)
        for loc in db.session.scalars(select(Location))
    }
    assert units == {
        ("Kayes", "Kayes", "ML01", "Kayes", "ML0103", "Kayes"),
        ("Bangassi", "Kayes", "ML01", "Kayes", "ML0103", "Bangassi"),
        ("Kita", "Kayes", "ML01", "Kita", "ML0105", None),
        ("Kayes", "Kayes", "ML01", None, None, None),
        ("Téné", "Ségou", "ML04", "San", "ML0405", "Téné"),
        ("Dandoli", "Mopti", "ML05", "Bandiagara", "ML0501", "Dandoli"),
        ("Douentza", "Mopti", "ML05", "Douentza", "ML0502", None),
    }
    assert count(Location) == 7  # Téné once for both organisations
    akp = by_name("Association Kayes Paix")
    assert len(akp.locations) == 5
    tene = next(loc for loc in akp.locations if loc.name == "Téné")
    assert (tene.admin3_pcode, tene.admin2, tene.admin1) == ("ML040519", "San", "Ségou")
    assert tene in by_name("Femmes de San").locations
    # Importing again finds the same places.
    again = import_sheet(french, "--publish")
    assert "unchanged: 2" in again.output and count(Location) == 7


def test_a_new_region_is_kept_by_name_and_gets_no_p_code(import_sheet, tmp_path):
    """Bougouni became a région in 2023, out of Sikasso: a sheet may still give it Sikasso's
    code, which is never taken for Bougouni's."""
    sheet = write(
        tmp_path,
        "new-regions.csv",
        "Organisation,Acronym,Admin1,Admin1 Pcode\n"
        "Bougouni Solidarité,BS,Bougouni,MLI03\n"
        "Bougouni Solidarité,BS,Région de Taoudénit,\n"
        "Bougouni Solidarité,BS,Menaka,\n",
    )
    result = import_sheet(sheet, "--publish", "--country", "ML")
    assert result.exit_code == 0, result.output
    org = by_name("Bougouni Solidarité")
    assert sorted((loc.admin1, loc.admin1_pcode) for loc in org.locations) == [
        ("Bougouni", None),
        ("Ménaka", "ML10"),  # Ménaka's code comes from the table (OCHA's 3W Admin sheet)
        ("Taoudénit", None),
    ]


# -- imported records are third-party listings ---------------------------------------------------
SHEET = "Organisation,Acronym,Admin1,Admin1 Pcode\nRéseau Paix Koulikoro,RPK,Koulikoro,MLI02\n"


def test_an_imported_record_is_shown_at_the_protective_choices(client, import_sheet, tmp_path):
    result = import_sheet(write(tmp_path, "3w.csv", SHEET), "--publish")
    assert result.exit_code == 0, result.output
    assert "shown at the protective choices until they confirm: 1" in result.output
    org = by_name("Réseau Paix Koulikoro")
    assert org.is_published and org.owner_consent == OwnerConsent.UNCONFIRMED
    assert str(org.location_precision) == "country" and not org.contacts_public
    assert [loc.admin1 for loc in org.locations] == ["Koulikoro"]  # kept, not shown
    (row,) = csv_rows(client.get("/api/v1/exports/organisations.csv"))
    assert (row["regions"], row["region_pcodes"], row["location_precision"]) == ("", "", "country")


def test_an_admin_may_show_imported_records_by_region_with_a_reason(client, import_sheet, tmp_path):
    reason = "OCHA publishes this sheet on HDX with the same régions"
    path = write(tmp_path, "3w.csv", SHEET)
    result = import_sheet(path, "--publish", "--precision", "region", "--reason", reason)
    assert result.exit_code == 0, result.output
    assert "protective" not in result.output
    org = by_name("Réseau Paix Koulikoro")
    assert str(org.location_precision) == "region"
    assert org.owner_consent == OwnerConsent.PUBLIC_SOURCES and reason in org.consent_note
    record = db.session.scalar(select(ConsentRecord).where(ConsentRecord.organisation_id == org.id))
    assert record.basis == OwnerConsent.PUBLIC_SOURCES and reason in record.note
    assert record.choices["location_precision"] == "region"
    assert count(AuditEvent, AuditEvent.action == "organisation.created") == 1
    (row,) = csv_rows(client.get("/api/v1/exports/organisations.csv"))
    assert (row["regions"], row["region_pcodes"]) == ("Koulikoro", "ML02")


@pytest.mark.parametrize(
    "options, message",
    [
        (["--publish", "--precision", "region"], "needs --reason"),
        (["--publish", "--precision", "region", "--reason", "  "], "needs --reason"),
        (["--precision", "region", "--reason", "public"], "needs --publish"),
        (["--publish", "--precision", "exact", "--reason", "public"], "exact"),
    ],
)
def test_showing_imported_records_by_region_needs_a_reason(
    import_sheet, tmp_path, options, message
):
    result = import_sheet(write(tmp_path, "3w.csv", SHEET), *options)
    assert result.exit_code == 2 and message in result.output, result.output
    assert count(Organisation) == 0
    control = import_sheet(write(tmp_path, "3w.csv", SHEET), "--publish")
    assert control.exit_code == 0 and count(Organisation) == 1


# -- where a region is drawn ---------------------------------------------------------------------
def test_a_region_is_drawn_at_its_administrative_centre(client, make_organisation):
    # Control: the most populous place of Koulikoro region is a suburb of Bamako.
    in_region = [p for p in gazetteer.places().values() if p.admin1 == "Koulikoro"]
    largest = max(in_region, key=lambda place: place.population)
    assert largest.name != "Koulikoro" and largest.population > KOULIKORO_TOWN.population
    region = location_for(
        {"name": "Koulikoro", "country": "ML", "admin1": "Koulikoro", "admin1_pcode": "ML02"}
    )
    make_organisation(slug="k", name="K", locations=[region], location_precision="region")
    db.session.commit()
    (row,) = csv_rows(client.get("/api/v1/exports/organisations.csv"))
    assert (float(row["latitude"]), float(row["longitude"])) == (
        KOULIKORO_TOWN.latitude,
        KOULIKORO_TOWN.longitude,
    )
    (feature,) = client.get("/api/v1/organisations.geojson").get_json()["features"]
    assert feature["geometry"]["coordinates"] == [
        KOULIKORO_TOWN.longitude,
        KOULIKORO_TOWN.latitude,
    ]


@pytest.mark.parametrize(
    "region, capital",
    [
        ("Ségou", "Ségou"),
        ("Kidal", "Kidal"),
        ("Bamako", "Bamako"),
        ("Tombouctou", "Timbuktu"),
        ("Taoudénit", "Taoudenni"),
        ("Nioro", "Nioro"),
        ("Dioïla", "Dioïla"),
    ],
)
def test_every_region_has_its_capital_as_centre(region, capital):
    centre = centres.region_centres()["ML", region]
    assert [p.name for p in gazetteer.places().values() if (p.latitude, p.longitude) == centre] == [
        capital
    ]


# -- the region table ----------------------------------------------------------------------------
CURRENT = {
    "Bamako",
    "Kayes",
    "Koulikoro",
    "Sikasso",
    "Ségou",
    "Mopti",
    "Tombouctou",
    "Gao",
    "Kidal",
    "Ménaka",
    "Taoudénit",
    "Nioro",
    "Kita",
    "Dioïla",
    "Nara",
    "Bougouni",
    "Koutiala",
    "San",
    "Douentza",
    "Bandiagara",
}


def test_the_region_table_covers_every_current_region_of_mali():
    assert {region.name for region in regions.current("ML")} == CURRENT
    codes = {region.name: region.pcode for region in regions.table()}
    with open(gazetteer.DATA / "mli_adm1_cod_ps.csv", encoding="utf-8-sig") as handle:
        cod = {row["admin1Pcode"] for row in csv.DictReader(handle)}
    # Every P-code comes from OCHA: the COD's nine, and Ménaka's from OCHA's 3W workbook.
    assert {code for code in codes.values() if code} == cod | {"ML10"}
    assert codes["Ménaka"] == "ML10"
    created_since = CURRENT - {"Bamako", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti"}
    created_since -= {"Tombouctou", "Gao", "Kidal", "Ménaka"}
    assert len(created_since) == 10 and all(codes[name] is None for name in created_since)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Ségou", "Ségou"),
        ("Segou", "Ségou"),
        ("SEGOU", "Ségou"),
        ("Région de Ségou", "Ségou"),
        ("Segou Region", "Ségou"),
        ("Tombouctou", "Tombouctou"),
        ("Timbuktu", "Tombouctou"),
        ("District de Bamako", "Bamako"),
        ("Bamako", "Bamako"),
        ("Menaka", "Ménaka"),
        ("Taoudeni", "Taoudénit"),
        ("Dioila", "Dioïla"),
        ("Nioro du Sahel", "Nioro"),
    ],
)
def test_regions_are_found_by_any_spelling(text, name):
    assert regions.by_name(text).name == name


def test_regions_are_found_by_p_code_in_either_form():
    assert regions.by_pcode("ML04").name == regions.by_pcode("MLI04").name == "Ségou"
    assert regions.by_pcode("mli06").name == "Tombouctou"
    assert regions.by_pcode("ML11") is None and regions.by_name("Ouagadougou") is None
    assert regions.find("Bougouni", "MLI03").name == "Bougouni"  # the name comes first
    assert regions.find("Segu", "MLI03").name == "Sikasso"  # else the code


def test_region_names_in_the_interface_languages():
    assert regions.localised("Tombouctou", "en") == "Timbuktu"
    assert regions.localised("Tombouctou", "fr") == "Tombouctou"
    assert regions.localised("Bougouni", "ar") == "بوغوني"
    assert json.dumps(regions.localised("Unknown", "ar")) == '"Unknown"'
