"""The benchmarks' corpus (bench/corpus.py) is realistic in the ways its docstring claims."""

import re
import statistics
from collections import Counter

import pytest
from sqlalchemy import func, select
from wordfreq import top_n_list

from bench import corpus
from peacemap.extensions import db
from peacemap.models import Location, Organisation, Relationship
from peacemap.places import gazetteer

SIZE = 300
ARABIC = re.compile(r"[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def generated():
    return corpus.generate(SIZE, seed=4)


def word_counts(texts):
    return Counter(word for text in texts for word in re.findall(r"\w+", text.lower()))


def most_common_in_top(counts, lang, common=20, top=200):
    """How many of the `common` most frequent words of `counts` are among wordfreq's `top`."""
    known = set(top_n_list(lang, top))
    return sum(word in known for word, _ in counts.most_common(common))


def test_descriptions_are_50_to_300_words_of_varied_length(generated):
    lengths = [
        len(text.split()) for row in generated.organisations for text in row["description"].values()
    ]
    assert len(lengths) >= SIZE
    assert min(lengths) >= 50 and max(lengths) <= 300
    assert 80 <= statistics.median(lengths) <= 200
    assert statistics.pstdev(lengths) > 20  # not one length for all


def test_words_come_at_their_real_frequencies(generated):
    for lang in ("fr", "en"):
        texts = [
            row["description"][lang]
            for row in generated.organisations
            if lang in row["description"]
        ]
        counts = word_counts(texts)
        assert most_common_in_top(counts, lang) >= 18, counts.most_common(20)
        assert len(counts) > 2000  # a real vocabulary, rare words included
    # Control: the old benchmark's texts (a few topical words, uniformly drawn) fail the check.
    uniform = word_counts([" ".join(corpus.DOMAIN["fr"]) * 50])
    assert most_common_in_top(uniform, "fr") < 10


def test_each_organisation_has_two_to_four_real_themes(generated):
    for row in generated.organisations:
        assert 2 <= len(row["themes"]) <= 4
        assert set(row["themes"]) <= set(corpus.THEMES)
    assert {t for row in generated.organisations for t in row["themes"]} == set(corpus.THEMES)


def test_places_follow_population(generated):
    names = Counter(gazetteer.get(row["place"]).name for row in generated.organisations)
    assert names.most_common(1)[0][0] == "Bamako"
    assert names["Bamako"] > names["Kidal"] * 5
    assert names["Bamako"] > SIZE / 10
    assert len(names) > 20  # not all in the capital
    countries = Counter(row["country"] for row in generated.organisations)
    assert countries["ML"] > SIZE / 2 and len(countries) > 2


def test_networks_have_members_by_zipf(generated):
    networks = [row["id"] for row in generated.organisations if row["type"] == "network"]
    members = Counter(
        row["object_id"] for row in generated.relationships if row["kind"] == "member_of"
    )
    assert len(networks) >= 3
    assert all(members[n] >= 2 for n in networks)
    assert members[networks[0]] > members[networks[-1]]
    assert generated.initiatives and all(
        any(r["initiative_id"] == i["id"] and r["role"] == "lead" for r in generated.roles)
        for i in generated.initiatives[:20]
    )


def test_some_text_is_arabic(generated):
    arabic = [row for row in generated.organisations if ARABIC.search(row["name"])]
    assert len(arabic) >= SIZE / 50
    assert all(ARABIC.search(row["description"]["ar"]) for row in arabic)
    latin = [row for row in generated.organisations if not ARABIC.search(row["name"])]
    assert len(latin) > len(arabic)  # control: the pattern does not match every name


def test_deterministic_for_a_seed(generated):
    again = corpus.generate(SIZE, seed=4)
    assert again.organisations == generated.organisations
    assert again.relationships == generated.relationships
    assert corpus.generate(SIZE, seed=5).organisations != generated.organisations


def test_the_filled_database_opens_in_the_app(app, client):
    filled = corpus.fill(SIZE, index=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) > SIZE
    assert db.session.scalar(select(func.count()).select_from(Relationship)) >= len(
        filled.relationships
    )
    network = filled.organisations[0]
    page = client.get(f"/en/organisations/{network['slug']}")
    assert page.status_code == 200
    assert network["name"] in page.get_data(as_text=True)
    # Coordinates went through the sealed column type: read back as the gazetteer's.
    bamako = db.session.scalar(select(Location).where(Location.name == "Bamako").limit(1))
    assert bamako is not None and abs(bamako.latitude - 12.609) < 0.01
    found = client.get("/en/search", query_string={"q": network["name"]})
    assert found.status_code == 200 and network["slug"] in found.get_data(as_text=True)
