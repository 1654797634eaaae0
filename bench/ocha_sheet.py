"""A synthetic OCHA Mali 3W sheet for bench/import.py, written as CSV and as XLSX.

As OCHA Mali writes them: French header names and no HXL row (admin1Pcod, Organisation
Accronyme...), one row per organisation x activity x commune, real régions, cercles and
communes with their P-codes (../shared/fixtures/mali-admin, else the cercles shipped in
peacemap/data/), French organisation names with accents, the 3W type abbreviations and
French cluster names, sometimes two in one cell.
"""

import csv
import random
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
COMMUNES = ROOT.parent / "shared/fixtures/mali-admin/mali_communes_pcodes.csv"
CERCLES = ROOT / "peacemap/data/mli_adm2_cod_ps.csv"
HEADER = [
    "Nom Organisation",
    "Organisation Accronyme",
    "Type Organisation",
    "Secteur",
    "Sous-secteur",
    "Activité",
    "admin1Name",
    "admin1Pcod",
    "admin2Name",
    "admin2Pcod",
    "admin3Name",
    "admin3Pcod",
    "Statut",
    "Bénéficiaires",
    "Mois",
]
TYPES = ["ONG Nat"] * 6 + ["ONG Int"] * 3 + ["Agence UN", "Gouv", "Mouv. CR"]
SECTORS = [
    "Protection",
    "Santé",
    "Éducation",
    "Sécurité alimentaire",
    "Nutrition",
    "Eau, assainissement et hygiène",
    "Abris d'urgence et NFI",
    "Relèvement précoce",
    "Protection; Santé",
    "Violences basées sur le genre",
    "Protection de l'enfance",
    "Coordination et gestion des camps",
]
KINDS = ["Association", "Réseau", "Coalition", "Fondation", "Collectif", "Union", "Groupe"]
AIMS = [
    "pour la Paix",
    "des Femmes Leaders",
    "des Jeunes",
    "pour le Développement Durable",
    "de Médiation Communautaire",
    "pour la Cohésion Sociale",
    "pour l'Éducation des Filles",
    "Œuvre de Solidarité",
]
TOWNS = ["Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Ménaka", "Djenné", "Kayes", "Sikasso"]
ACTIVITIES = ["Médiation", "Sensibilisation", "Distribution", "Formation", "Écoute", "Dialogue"]


def communes():
    """[(région, P-code, cercle, P-code, commune, P-code)]: Mali's communes, else cercles."""
    if COMMUNES.exists():
        with open(COMMUNES, encoding="utf-8-sig") as handle:
            return [tuple(row.values()) for row in csv.DictReader(handle) if all(row.values())]
    with open(CERCLES, encoding="utf-8-sig") as handle:
        return [
            (r["admin1Name_fr"], r["admin1Pcode"], r["admin2Name_fr"], r["admin2Pcode"], "", "")
            for r in csv.DictReader(handle)
        ]


def organisations(count, rng):
    """`count` distinct (name, acronym, type) that look Malian."""
    found = {}
    while len(found) < count:
        name = f"{rng.choice(KINDS)} {rng.choice(AIMS)} de {rng.choice(TOWNS)}"
        if name in found:
            name = f"{name} {len(found)}"
        acronym = "".join(word[0] for word in name.split() if word[0].isupper())[:8]
        found[name] = (name, f"{acronym}{len(found)}", rng.choice(TYPES))
    return list(found.values())


def rows(count, organisation_count, seed=11):
    """The sheet's data rows: a few organisations with thousands of rows, most with few."""
    rng = random.Random(seed)
    orgs = organisations(organisation_count, rng)
    places = communes()
    weights = [1 / (rank + 1) ** 0.9 for rank in range(organisation_count)]
    picked = rng.choices(orgs, weights, k=count - organisation_count) + orgs
    for name, acronym, kind in picked:
        region, region_code, cercle, cercle_code, commune, commune_code = rng.choice(places)
        yield [
            name,
            acronym,
            kind,
            rng.choice(SECTORS),
            "",
            rng.choice(ACTIVITIES),
            region,
            region_code,
            cercle,
            cercle_code,
            commune,
            commune_code,
            rng.choice(["En cours", "Terminé", "Planifié"]),
            rng.randint(20, 5000),
            rng.choice(["Janvier", "Février", "Mars"]),
        ]


def write_csv(path, count, organisation_count):
    """The sheet as CSV (semicolons, as Excel saves it in French)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows(count, organisation_count))


def write_xlsx(path, count, organisation_count):
    """The same sheet as XLSX (openpyxl's write-only mode streams it out)."""
    book = openpyxl.Workbook(write_only=True)
    notes = book.create_sheet("Lisez-moi")
    notes.append(["3W Mali: qui fait quoi où, données synthétiques pour bench/import.py"])
    sheet = book.create_sheet("5W")
    sheet.append(HEADER)
    for row in rows(count, organisation_count):
        sheet.append(row)
    book.save(path)
