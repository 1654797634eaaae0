"""What OCHA 3W sheets write for an organisation's type and sector, in English and French,
and what PeaceMap makes of it: an OrganisationType, OCHA cluster codes (models.Sector) and,
where one fits, a peacebuilding theme.

Names are compared folded (peacemap.places.gazetteer.fold: case, accents and punctuation
ignored), so "ONG-Int.", "ONG Int" and "ong int" are one name.
"""

import re

from peacemap.models import OrganisationType, Sector
from peacemap.places.gazetteer import fold

# HDX "Organization Types" (../shared/fixtures/hdx-taxonomies/hdx_organization_types.csv, with
# ReliefWeb's alternative terms) and the abbreviations 3W sheets use -> our types.
TYPE_NAMES = {
    OrganisationType.INTERNATIONAL_NGO: "International NGO | INGO | I-NGO | International "
    "non-governmental organisation | International non-governmental organization | "
    "ONG Int | ONG Inter | ONG Internationale | ONGI | ONG-I | ONG I | ONG étrangère",
    OrganisationType.NATIONAL_NGO: "National NGO | NNGO | N-NGO | LNGO | Local NGO | National "
    "non-governmental organisation | National non-governmental organization | ONG Nat | "
    "ONG Nationale | ONG locale | ONGN | ONG-N | ONG N",
    OrganisationType.GOVERNMENT: "Government | Govt | Gov | Gvt | Gouv | Gouvernement | "
    "Gouvernemental | État | Etat | Structure étatique | Service technique de l'État | "
    "Services techniques | Ministère | Ministry | Autorités locales | Local authorities | "
    "Collectivité territoriale | Embassy | Ambassade",
    OrganisationType.MULTILATERAL: "United Nations | UN Agency | UN | UN agencies | Agence UN | "
    "Agence ONU | Agence des Nations Unies | Agences des Nations Unies | Nations Unies | SNU | "
    "Système des Nations Unies | Red Cross / Red Crescent | Red Cross/Red Crescent Movement | "
    "Red Cross | RCRC | Red Cross Movement | Mouv. CR | Mouv CR | Mouvement CR | "
    "Mouvement Croix-Rouge | Croix-Rouge | Croix-Rouge / Croissant-Rouge | Mouvement de la "
    "Croix-Rouge et du Croissant-Rouge | International Organization | International "
    "Organisation | Organisation internationale | OI | IO | Intergovernmental organisation | "
    "Organisation intergouvernementale",
    OrganisationType.COMMUNITY_BASED: "CBO | Community-based organisation | Community-based "
    "organization | Organisation communautaire de base | OCB | Association communautaire",
    OrganisationType.NETWORK: "Network | Réseau | Coalition | Platform | Plateforme | Consortium",
    OrganisationType.RESEARCH: "Academic / Research | Academic and Research Institution | "
    "Academic | Research | Recherche | University | Université | Institut de recherche | "
    "Académique | Académique / Recherche | Think tank",
    OrganisationType.FOUNDATION: "Foundation | Fondation",
    # Known types with no counterpart among ours: "other", and not reported as unknown.
    OrganisationType.OTHER: "Other | Autre | Donor | Bailleur | Bailleur de fonds | Media | "
    "Média | Médias | Military | Militaire | Private sector | Secteur privé | Privé | "
    "Religious | Religieux | Confessionnel | Faith-based organisation",
}

# OCHA clusters and areas of responsibility: HDX "Global Coordination Groups" names in English
# and French (hdx_sectors_en_fr.csv), their acronyms, and the usual 3W spellings.
SECTOR_NAMES = {
    Sector.PROTECTION: "Protection | PRO | PROT | Protection of civilians | Protection des civils "
    "| Protection générale | General protection",
    Sector.CHILD_PROTECTION: "Child Protection | PRO-CPN | CP | Protection de l'enfance | "
    "Protection de l'enfant",
    Sector.GBV: "Gender Based Violence | Gender-based violence | PRO-GBV | GBV | VBG | "
    "Violences basées sur le genre | Violence basée sur le genre",
    Sector.MINE_ACTION: "Mine Action | PRO-MIN | Action contre les mines | Lutte antimines",
    Sector.HOUSING_LAND_PROPERTY: "Housing, Land and Property | PRO-HLP | HLP | "
    "Logement, terre, et biens | Logement, terre et biens | LTB",
    Sector.HEALTH: "Health | HEA | Santé",
    Sector.EDUCATION: "Education | EDU | Éducation | Education in emergencies | "
    "Éducation en situation d'urgence",
    Sector.FOOD_SECURITY: "Food Security | FSC | FS | Sécurité alimentaire | SECAL | SA | "
    "Food security and livelihoods | Sécurité alimentaire et moyens d'existence",
    Sector.NUTRITION: "Nutrition | NUT",
    Sector.WASH: "Water Sanitation Hygiene | Water, sanitation and hygiene | WASH | WSH | EHA | "
    "Eau, assainissement et hygiène | Eau hygiène et assainissement",
    Sector.SHELTER: "Emergency Shelter and NFI | Shelter | Shelter and NFI | Shelter/NFI | SHL | "
    "ES/NFI | NFI | Abris | Abris d'urgence et NFI | Abris et biens non alimentaires | "
    "Abris/NFI | Abris / BNA | BNA",
    Sector.EARLY_RECOVERY: "Early Recovery | ERY | ERL | Early Recovery and Livelihoods | "
    "Relèvement rapide | Relèvement précoce | Relèvement précoce et moyens d'existence | "
    "Livelihoods | Moyens d'existence",
    Sector.LOGISTICS: "Logistics | LOG | Logistique",
    Sector.CAMP_COORDINATION: "Camp Coordination / Management | Camp Coordination and Camp "
    "Management | CCCM | CCM | Coordination et gestion des camps | CCCM/Abris",
    Sector.EMERGENCY_TELECOMS: "Emergency Telecommunications | TEL | ETC | "
    "Télécommunications d'urgence",
    Sector.COORDINATION: "Coordination | Coordination and Common Services | "
    "Coordination et services communs | CCS | Coordination humanitaire",
    Sector.MULTI_SECTOR: "Multi-sector | Multisector | Multi-sectoriel | Multisectoriel | MS | "
    "Multi-Purpose Cash | Multipurpose cash | Transferts monétaires à usages multiples | "
    "Refugee response | Réponse aux réfugiés | Multi-sector refugee assistance",
}

# A cluster's peacebuilding theme, where one fits. Protection of civilians is human security,
# not community safety (policing and crime); service clusters (health, education, food,
# nutrition, WASH, shelter, logistics, camps, telecoms, coordination) have no theme.
SECTOR_THEMES = {
    Sector.PROTECTION: "human-security",
    Sector.CHILD_PROTECTION: "human-security",
    Sector.GBV: "women-peace-security",
    Sector.MINE_ACTION: "small-arms-control",
    Sector.HOUSING_LAND_PROPERTY: "conflict-prevention",  # land disputes
    Sector.EARLY_RECOVERY: "development-cooperation",
}
# Names that are no cluster but name a theme (Mali's 3W sheets pair "Cohésion sociale" with
# early recovery).
LABEL_THEMES = {
    "conflict-prevention": "Social cohesion | Cohésion sociale | Peacebuilding | "
    "Consolidation de la paix | Paix et cohésion sociale",
    "dialogue-mediation": "Mediation | Médiation | Dialogue",
    "women-peace-security": "Women, peace and security | Femmes, paix et sécurité",
    "preventing-violent-extremism": "Preventing violent extremism | PVE | "
    "Prévention de l'extrémisme violent | PEV",
}


def _names(table):
    """{folded name: key} from {key: "name | name | ..."}."""
    return {fold(name): key for key, names in table.items() for name in names.split(" | ")}


TYPES = _names(TYPE_NAMES)
SECTORS = _names(SECTOR_NAMES)
LABELS = _names(LABEL_THEMES)


def organisation_type(text):
    """(our type, known) for a 3W type cell: ("national_ngo", True) for "ONG Nat";
    ("other", False) for a type nobody listed, ("other", True) for an empty cell."""
    key = fold(text or "")
    if not key:
        return OrganisationType.OTHER, True
    found = TYPES.get(key)
    return (found, True) if found is not None else (OrganisationType.OTHER, False)


def _parts(text):
    """The names in a sector cell: the whole cell, else each part between ; , | / or +."""
    key = fold(text or "")
    if not key:
        return []
    if key in SECTORS or key in LABELS:
        return [key]
    return [fold(part) for part in re.split(r"[;,|/+\n]", text) if fold(part)]


def sectors_and_themes(text):
    """(cluster codes, theme slugs) a sector cell names: "Protection; Santé" gives
    ({"protection", "health"}, {"human-security"})."""
    sectors, themes = set(), set()
    for key in _parts(text):
        if key in SECTORS:
            sector = SECTORS[key]
            sectors.add(str(sector))
            if sector in SECTOR_THEMES:
                themes.add(SECTOR_THEMES[sector])
        if key in LABELS:
            themes.add(LABELS[key])
    return sectors, themes


def sector_codes(values):
    """The known cluster codes among `values`, sorted (a payload's or a row's sectors)."""
    known = {str(sector) for sector in Sector}
    return sorted({str(value).strip() for value in values or []} & known)
