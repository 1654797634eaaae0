"""A realistic directory for the benchmarks: every bench/ script fills its database from here.

`generate(size, seed)` returns plain rows (deterministic for a seed); `fill(size, seed)` writes
them with core INSERTs after the demo content (themes, a few real records) and can build the
search index. What makes it realistic, where the old synthetic data flattered the code:

- texts drawn from real word frequencies (the `wordfreq` package's lists for French, English
  and Arabic: "de", "la", "et" as often as in real prose, rare words as rarely), with a few
  peacebuilding words mixed in (about 1 word in 12) so queries find what they look for;
  descriptions of 50 to 300 words (log-normal, median about 120), summaries of 15 to 45;
- names in French and English built from the organisation's kind, subject and town, and
  about 6 % written in Arabic (with Arabic descriptions);
- 2 to 4 of the site's real themes per organisation (the demo content's theme list);
- places from the shipped GeoNames gazetteer weighted by population (Mali three times as
  likely as its neighbours), at every location precision;
- a few hundred networks whose member counts follow Zipf's law, partnerships, and
  initiatives led by organisations (some lead many), with partners, themes and places.

Needs the `bench` extra (`pip install -e '.[bench]'`). Private columns (e-mail, phone) are left
empty; coordinates go through the ORM column types, so they are sealed as the app seals them.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

import numpy
from wordfreq import get_frequency_dict, top_n_list

SEED = 23
VOCABULARY = 20_000  # most frequent words of each language drawn from
THEMES = [  # the demo content's themes (peacemap/demo/data.json), which fill() loads
    "small-arms-control",
    "conflict-prevention",
    "human-security",
    "security-governance",
    "civil-society-participation",
    "research-and-analysis",
    "preventing-violent-extremism",
    "women-peace-security",
    "youth-peacebuilding",
    "dialogue-mediation",
    "community-security",
    "capacity-building",
    "advocacy-awareness",
    "development-cooperation",
]


def _listed(text):
    return text.split()


DOMAIN = {  # mixed into the prose, most common first (Zipf-weighted among themselves)
    "fr": _listed(
        "paix sécurité dialogue jeunes femmes communautés conflits médiation cohésion "
        "sociale prévention réconciliation gouvernance droits justice éducation "
        "développement résilience plaidoyer réseau alerte précoce fonciers éleveurs "
        "agriculteurs transhumance déplacés extrémisme violent armes légères "
        "radicalisation transitionnelle humains capacités renforcement leaders religieux "
        "coutumiers sensibilisation"
    ),
    "en": _listed(
        "peace security dialogue youth women communities conflict mediation social "
        "cohesion prevention reconciliation governance rights justice education "
        "development resilience advocacy network early warning land herders farmers "
        "displaced extremism violent small arms radicalisation transitional human "
        "capacity building religious traditional leaders awareness"
    ),
    "ar": _listed(
        "السلام الأمن الحوار الشباب النساء المجتمع النزاعات الوساطة المصالحة التنمية "
        "العدالة حقوق التعليم الوقاية التماسك"
    ),
}
DOMAIN_SHARE = 1 / 12
KINDS = {
    "fr": ["Association", "Réseau", "Collectif", "Groupement", "Centre", "Fondation", "Union"],
    "en": ["Association", "Network", "Coalition", "Centre", "Foundation", "Initiative", "Forum"],
    "ar": ["جمعية", "منظمة", "شبكة", "رابطة", "مؤسسة", "مركز"],
}
SUBJECTS = {
    "fr": [
        "des femmes pour la paix",
        "des jeunes pour le dialogue",
        "pour la cohésion sociale",
        "de médiation communautaire",
        "pour la prévention des conflits",
        "des leaders religieux",
        "pour les droits humains",
        "des éleveurs et agriculteurs",
        "contre les armes légères",
        "pour la réconciliation",
    ],
    "en": [
        "for Peace and Development",
        "of Women Mediators",
        "for Youth and Dialogue",
        "for Human Rights",
        "for Social Cohesion",
        "against Small Arms",
        "for Conflict Prevention",
        "of Community Leaders",
    ],
    "ar": ["السلام", "الحوار", "الشباب", "النساء", "التنمية", "المصالحة", "حقوق الإنسان"],
}
# Who writes the directory: languages of the records, kinds of organisation, precisions.
LANGUAGES = ["fr"] * 60 + ["en"] * 34 + ["ar"] * 6
TYPES = ["community_based"] * 45 + ["national_ngo"] * 35 + ["international_ngo"] * 8
TYPES += ["research"] * 4 + ["foundation"] * 4 + ["other"] * 4
PRECISIONS = ["commune"] * 8 + ["exact"] * 4 + ["region"] * 4 + ["country"] * 2 + ["not_mapped"] * 2
TRANSLATED = 0.3  # share of French or English records that also have the other language


@dataclass
class Corpus:
    """Rows ready for core INSERTs; organisation and initiative ids count from 1 (fill()
    moves them past the demo content). `place` is a GeoNames id, `themes` are slugs."""

    organisations: list = field(default_factory=list)
    relationships: list = field(default_factory=list)
    initiatives: list = field(default_factory=list)
    roles: list = field(default_factory=list)


@cache
def vocabulary(lang):
    """(words, cumulative weights) of the language's most frequent words at their real
    frequencies (one-letter fragments of elisions, "l", "d", left out), with the
    peacebuilding words sharing `DOMAIN_SHARE` of the mass among themselves by Zipf's law."""
    frequencies = get_frequency_dict(lang)
    common = [w for w in top_n_list(lang, VOCABULARY) if len(w) > 1 or w in ("à", "a", "y")]
    mass = sum(frequencies[w] for w in common)
    weights = [frequencies[w] * (1 - DOMAIN_SHARE) / mass for w in common]
    domain = DOMAIN[lang]
    harmonic = sum(1 / (rank + 1) for rank in range(len(domain)))
    weights += [DOMAIN_SHARE / (rank + 1) / harmonic for rank in range(len(domain))]
    return numpy.array(common + domain, dtype=object), numpy.cumsum(weights)


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def words(rng, lang, count):
    """`count` words: real frequencies, a share of peacebuilding vocabulary."""
    vocabulary_words, cumulative = vocabulary(lang)
    draws = numpy.random.default_rng(rng.getrandbits(64)).random(count) * cumulative[-1]
    return vocabulary_words[numpy.searchsorted(cumulative, draws, side="right")].tolist()


def prose(rng, lang, count):
    """`count` words as sentences of 6 to 22 words, capitalised and ended by a full stop."""
    drawn, sentences, start = words(rng, lang, count), [], 0
    while start < count:
        length = rng.randint(6, 22)
        sentence = drawn[start : start + length]
        sentence[0] = sentence[0][:1].upper() + sentence[0][1:]
        sentences.append(" ".join(sentence) + ".")
        start += length
    return " ".join(sentences)


def description_length(rng):
    """Words in a description: log-normal around 120, kept within 50 to 300."""
    return max(50, min(300, int(rng.lognormvariate(math.log(120), 0.5))))


@cache
def _places():
    """(gazetteer places with a population, cumulative weights): population, Mali thrice."""
    from peacemap.places import gazetteer

    places = [
        p
        for p in gazetteer.places().values()
        if p.population > 0 and p.country in ("ML", "BF", "NE", "SN", "MR")
    ]
    places.sort(key=lambda p: p.geonameid)  # deterministic whatever the CSV's order
    weights = [p.population * (3 if p.country == "ML" else 1) for p in places]
    return places, list(_accumulate(weights))


def _name(rng, lang, place, n):
    if lang == "ar":
        return f"{rng.choice(KINDS['ar'])} {rng.choice(SUBJECTS['ar'])} {n}"
    subject = rng.choice(SUBJECTS[lang])
    if lang == "fr":
        return f"{rng.choice(KINDS['fr'])} {subject} de {place.name} {n}"
    return f"{place.name} {rng.choice(KINDS['en'])} {subject} {n}"


def _texts(rng, lang):
    """(summary, description) as {language: text}, sometimes translated."""
    summary = {lang: prose(rng, lang, rng.randint(15, 45))}
    description = {lang: prose(rng, lang, description_length(rng))}
    if lang != "ar" and rng.random() < TRANSLATED:
        other = "en" if lang == "fr" else "fr"
        summary[other] = prose(rng, other, rng.randint(15, 45))
        description[other] = prose(rng, other, description_length(rng))
    return summary, description


def generate(size, seed=SEED):
    """A deterministic directory of `size` organisations (see the module's docstring)."""
    rng = random.Random(seed)
    places, cumulative = _places()
    corpus = Corpus()
    networks = min(300, max(3, size // 35))
    for n in range(1, size + 1):
        lang = rng.choice(LANGUAGES)
        place = rng.choices(places, cum_weights=cumulative)[0]
        summary, description = _texts(rng, lang)
        network = n <= networks
        corpus.organisations.append(
            {
                "id": n,
                "slug": f"organisation-{n}",
                "name": (
                    f"Réseau {place.name} {n}" if lang == "fr" else f"{place.name} Network {n}"
                )
                if network and lang != "ar"
                else _name(rng, lang, place, n),
                "acronym": "".join(w[0] for w in _name(rng, "fr", place, n).split()[:4]).upper()
                if lang != "ar"
                else None,
                "type": "network" if network else rng.choice(TYPES),
                "country": place.country,
                "language": lang,
                "summary": summary,
                "description": description,
                "alternate_names": [],
                "location_precision": rng.choice(PRECISIONS),
                "themes": rng.sample(THEMES, rng.randint(2, 4)),
                "place": place.geonameid,
                "founded_year": rng.randint(1990, 2025),
            }
        )
    _links(rng, corpus, size, networks)
    _initiatives(rng, corpus, size, places, cumulative)
    return corpus


def _links(rng, corpus, size, networks):
    """Network memberships (the k-th largest network has 1/k of the largest's members) and
    partnerships."""
    largest = max(3, size // 25)
    seen = set()
    for rank in range(1, networks + 1):
        members = min(size - 1, max(3, largest // rank))
        for member in rng.sample(range(1, size + 1), members):
            if member != rank:
                seen.add((member, rank, "member_of"))
    for _ in range(size // 10):
        a, b = rng.randint(1, size), rng.randint(1, size)
        if a != b:
            seen.add((a, b, "partner_of"))
    corpus.relationships = [
        {"subject_id": a, "object_id": b, "kind": kind} for a, b, kind in sorted(seen)
    ]


def _initiatives(rng, corpus, size, places, cumulative):
    """One initiative per four organisations: leads drawn by Zipf (some lead many), 0 to 2
    partners, 1 to 3 themes, a place."""
    leads = [1 / (rank + 1) for rank in range(size)]
    leads = list(_accumulate(leads))
    for n in range(1, size // 4 + 1):
        lang = rng.choice(LANGUAGES[:94])  # initiatives here are written in French or English
        lead = rng.choices(range(1, size + 1), cum_weights=leads)[0]
        lead = (lead * 7919) % size + 1  # the busiest leads spread over the directory
        title = " ".join(words(rng, lang, rng.randint(4, 8))).capitalize()
        corpus.initiatives.append(
            {
                "id": n,
                "slug": f"initiative-{n}",
                "title": {lang: title},
                "summary": {lang: prose(rng, lang, rng.randint(30, 80))},
                "description": {},
                "language": lang,
                "themes": rng.sample(THEMES, rng.randint(1, 3)),
                "place": rng.choices(places, cum_weights=cumulative)[0].geonameid,
            }
        )
        roles = {(n, lead, "lead")}
        for partner in rng.sample(range(1, size + 1), rng.randint(0, 2)):
            if partner != lead:
                roles.add((n, partner, "partner"))
        corpus.roles += [
            {"initiative_id": i, "organisation_id": o, "role": r} for i, o, r in sorted(roles)
        ]


def texts(corpus):
    """(key, text) of every organisation and initiative: what the peers index (names, texts,
    the place's name and the themes' words, as PeaceMap's documents hold them)."""
    from peacemap.places import gazetteer

    for kind, rows in (("organisation", corpus.organisations), ("initiative", corpus.initiatives)):
        for row in rows:
            parts = [row.get("name", ""), *row.get("title", {}).values()]
            parts += [*row["summary"].values(), *row["description"].values()]
            parts += [
                gazetteer.get(row["place"]).name,
                *(t.replace("-", " ") for t in row["themes"]),
            ]
            yield f"{kind}:{row['id']}", " ".join(parts)


def fill(size, seed=SEED, index=False):
    """Write the demo content and `size` generated organisations (with their places, themes,
    networks and initiatives) in the app's database; with `index`, rebuild the search index.
    Call inside an app context on an empty database. Returns the Corpus, ids as written."""
    from sqlalchemy import func, select

    from peacemap.demo import loader
    from peacemap.extensions import db
    from peacemap.models import (
        Initiative,
        InitiativeOrganisation,
        Location,
        Organisation,
        Relationship,
        Theme,
    )
    from peacemap.models.directory import (
        initiative_locations,
        initiative_themes,
        organisation_locations,
        organisation_themes,
    )
    from peacemap.places import gazetteer

    loader.load(loader.read_data())
    db.session.commit()
    corpus = generate(size, seed)
    themes = dict(db.session.execute(select(Theme.slug, Theme.id)).all())
    org_start = db.session.scalar(select(func.max(Organisation.id))) or 0
    initiative_start = db.session.scalar(select(func.max(Initiative.id))) or 0
    location_ids = dict(
        db.session.execute(
            select(Location.geonameid, Location.id).where(Location.geonameid.is_not(None))
        ).all()
    )
    next_location = (db.session.scalar(select(func.max(Location.id))) or 0) + 1
    jitter = random.Random(seed + 1)
    locations, now = [], datetime.now(UTC)

    def location(geonameid, exact=False):
        nonlocal next_location
        if not exact and geonameid in location_ids:
            return location_ids[geonameid]
        place = gazetteer.get(geonameid)
        row = {
            "id": next_location,
            "name": place.name,
            "country": place.country,
            "admin1": place.admin1,
            "admin1_pcode": place.admin1_pcode,
            "admin2": place.admin2,
            "admin2_pcode": place.admin2_pcode,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "precision": "exact",
            "geonameid": None if exact else geonameid,
        }
        if exact:  # a typed address: a few hundred metres from the town's centre
            row["latitude"] = round(place.latitude + jitter.uniform(-0.004, 0.004), 5)
            row["longitude"] = round(place.longitude + jitter.uniform(-0.004, 0.004), 5)
        else:
            location_ids[geonameid] = next_location
        locations.append(row)
        next_location += 1
        return row["id"]

    organisations, org_themes, org_places = [], [], []
    for row in corpus.organisations:
        row["id"] += org_start
        organisations.append(
            {key: value for key, value in row.items() if key not in ("themes", "place")}
            | {"status": "published", "created_at": now, "updated_at": now}
        )
        org_themes += [{"organisation_id": row["id"], "theme_id": themes[t]} for t in row["themes"]]
        if row["location_precision"] != "not_mapped":
            exact = row["location_precision"] == "exact"
            place = location(row["place"], exact)
            org_places.append({"organisation_id": row["id"], "location_id": place})
    for row in corpus.relationships:
        row["subject_id"] += org_start
        row["object_id"] += org_start
    for row in corpus.roles:
        row["initiative_id"] += initiative_start
        row["organisation_id"] += org_start
    initiatives, initiative_theme_rows, initiative_places = [], [], []
    for row in corpus.initiatives:
        row["id"] += initiative_start
        initiatives.append(
            {key: value for key, value in row.items() if key not in ("themes", "place")}
            | {"created_at": now, "updated_at": now}
        )
        initiative_theme_rows += [
            {"initiative_id": row["id"], "theme_id": themes[t]} for t in row["themes"]
        ]
        initiative_places.append(
            {"initiative_id": row["id"], "location_id": location(row["place"])}
        )
    for table, rows in (
        (Location.__table__, locations),  # the column types seal the coordinates on bind
        (Organisation.__table__, organisations),
        (organisation_themes, org_themes),
        (organisation_locations, org_places),
        (Relationship.__table__, corpus.relationships),
        (Initiative.__table__, initiatives),
        (initiative_themes, initiative_theme_rows),
        (initiative_locations, initiative_places),
        (InitiativeOrganisation.__table__, corpus.roles),
    ):
        for start in range(0, len(rows), 5_000):
            db.session.execute(table.insert(), rows[start : start + 5_000])
    db.session.commit()
    if index:
        from peacemap.search import service

        service.rebuild()
    return corpus
