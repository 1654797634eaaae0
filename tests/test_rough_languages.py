"""Languages: Arabic search, French typography, plurals, lists and the profile's other names."""

import pytest

from peacemap.demo import loader
from peacemap.extensions import db
from peacemap.search import service
from peacemap.search.text import arabic_stem, normalise
from tests.conftest import soup

BOTH_BACKENDS = pytest.mark.parametrize("search_backend", ["whoosh", "postgres"])


def names(response):
    return sorted(a.get_text(strip=True) for a in soup(response).select(".result h3 a"))


@pytest.fixture
def demo(app):
    """The demo content, committed and indexed."""
    loader.load(loader.read_data())
    db.session.commit()
    service.rebuild()


# -- Arabic search ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("words", "stem"),
    [
        (["سلام", "السلام", "والسلام", "للسلام", "بسلام"], "سلام"),
        (["أمن", "امن", "الأمن", "والأمن", "بالأمن", "للأمن", "الأمنية", "وأمن"], "امن"),
        (["منظمة", "منظمات", "المنظمات", "ـمنظمةـ"], "منظم"),
        (["مُبَادَرَة", "مبادرات"], "مبادر"),
        (["وطن", "وطني", "الوطنية"], "وطن"),
    ],
)
def test_the_light_stemmer_gives_one_stem_to_a_words_forms(words, stem):
    assert {arabic_stem(normalise(word)) for word in words} == {stem}


@pytest.mark.parametrize("word", ["كتاب", "فريق", "بيان", "لجنة", "ولد", "حق", "Bamako", "2019"])
def test_the_stemmer_leaves_short_words_and_other_scripts_whole(word):
    # "كتاب" and "فريق" begin with ك and ف, "بيان" ends with ان, "ولد" begins with و: a
    # stemmer without a minimum length would take them for prefixes and suffixes.
    assert arabic_stem(normalise(word)) == normalise(word).removesuffix("ه")
    assert arabic_stem("الكتاب") == "كتاب"  # control: the same letters are stripped around


@BOTH_BACKENDS
@pytest.mark.parametrize(("bare", "with_article"), [("سلام", "السلام"), ("أمن", "الأمن")])
def test_words_without_the_article_find_what_the_article_finds(client, demo, bare, with_article):
    found = names(client.get("/ar/search", query_string={"q": with_article}))
    assert len(found) >= 2
    assert names(client.get("/ar/search", query_string={"q": bare})) == found
    unhamzated = names(client.get("/ar/search", query_string={"q": normalise(bare)}))
    assert unhamzated == found  # امن: the hamza (أ) is optional when typing


@BOTH_BACKENDS
def test_did_you_mean_keeps_the_hamza_and_only_offers_more(client, demo):
    page = soup(client.get("/ar/search", query_string={"q": "الأمنن"}))
    assert page.select_one(".result") is None
    assert page.select_one(".suggestion a").text == "الأمن"  # written as records write it
    assert names(client.get(page.select_one(".suggestion a")["href"]))
    # "سلام" is not in the spelling vocabulary (names, themes, places), but the search finds
    # what a suggestion would find: no "did you mean".
    page = soup(client.get("/ar/search", query_string={"q": "سلام"}))
    assert page.select(".result") and page.select_one(".suggestion") is None
    # Words the index knows are kept as typed, accents and all; only the unknown one changes.
    corrected = service.backend().suggest("Sécurité الأمنن")
    assert corrected == [("Sécurité", None), ("الأمنن", "الامن")]
