"""Languages: Arabic search, French typography, plurals, lists and the profile's other names."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

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


# -- French typography, applied by the catalogue ------------------------------------------------
NNBSP = "\u202f"  # narrow no-break space
# What cannot break a message's typography: placeholders, URLs, times (10:30), HTML entities.
NOT_PROSE = re.compile(r"%\(\w+\)[sd]|\{\w+\}|https?://\S+|\d+:\d+|&#?\w+;")
# A mark is punctuation when a space, the end, a closing sign or another mark follows it;
# "SCHÉMA:numéro", "ML-MAT:0603" and "?q=" are not.
MARK = re.compile(r"[:;?!](?=\s|$|[)\]»”’\"]|[:;?!])")


def typography_errors(text):
    """What breaks French typography in `text`: a mark : ; ? ! without a narrow no-break
    space before it, « » without one inside, or with more than that one space."""
    prose = NOT_PROSE.sub("x", text)
    errors = [
        f"{prose[max(0, m.start() - 12) : m.end()]!r}: {m.group()!r} needs U+202F before it"
        for m in MARK.finditer(prose)
        if m.start() == 0 or prose[m.start() - 1] not in NNBSP + "?!"
    ]
    errors += [f"{prose!r}: « needs U+202F after it" for m in re.finditer("«(?!\u202f)", prose)]
    errors += [f"{prose!r}: » needs U+202F before it" for m in re.finditer("(?<!\u202f)»", prose)]
    errors += [
        f"{prose!r}: one U+202F, no other space, at {m.start()}"
        for m in re.finditer("[ \u00a0\u202f]{2,}(?=[:;?!»])|(?<=«)[ \u00a0\u202f]{2,}", prose)
    ]
    return errors


@pytest.mark.parametrize(
    "text",
    [
        "Votre nom:",
        "Votre nom :",
        "Votre nom\u00a0:",  # U+00A0: accepted nowhere, see test below
        "Pourquoi ?",
        "Bravo!",
        "Attention ; lisez",
        "%(field)s : %(error)s",
        "« Paix »",
        "«\u202fPaix »",
        "Erreur:\nfin",
        "«\u202f\u202fPaix\u202f»",  # a space too many
        "Fin \u202f!",
    ],
)
def test_the_typography_check_sees_each_mistake(text):
    assert typography_errors(text)


@pytest.mark.parametrize(
    "text",
    [
        "Votre nom\u202f:",
        "Pourquoi\u202f? Vraiment\u202f?!",
        "«\u202fPaix\u202f»\u202f: la fiche",
        "https://peacemap.example/fr/track?code=ABC",
        "Réunion à 10:30, format SCHÉMA:numéro (p. ex. ML-MAT:0603-G-DB)",
        "%(field)s\u202f: %(error)s",
        "Code %(code)s:%(n)s",
    ],
)
def test_the_typography_check_leaves_urls_times_and_placeholders_alone(text):
    assert typography_errors(text) == []


def _catalog(lang):
    path = Path(__file__).resolve().parents[1] / "translations" / lang / "LC_MESSAGES"
    with open(path / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def _strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_french_messages_follow_french_typography():
    """U+202F (narrow no-break space, as the catalogue and CLDR's French numbers use) before
    : ; ? ! and inside « ». U+00A0 is refused too: one character throughout keeps the spacing
    even on a page and lets a search of the catalogue find every case."""
    errors, checked = [], 0
    for message in _catalog("fr"):
        for string in _strings(message) if message.id else ():
            checked += bool(MARK.search(string) or "«" in string)
            errors += typography_errors(string)
    assert checked > 50  # control: the catalogue has punctuation to check
    assert errors == []


def test_templates_leave_the_colon_after_a_label_to_the_catalogue():
    glued = re.compile(r"\)\s*\}\}\s*[:;?!]")  # {{ _("Your name") }}:
    templates = Path(__file__).resolve().parents[1] / "templates"
    found = [
        f"{path.relative_to(templates)}: {line.strip()[:80]}"
        for path in templates.rglob("*.html")
        for line in path.read_text(encoding="utf-8").splitlines()
        if glued.search(line)
    ]
    assert glued.search('<h1>{{ _("Erase") }}: <span>')  # control
    assert found == []


# -- Counts through ngettext, Arabic plural forms ---------------------------------------------
def test_every_arabic_plural_has_six_forms_that_differ():
    plurals = [m for m in _catalog("ar") if m.id and isinstance(m.id, tuple)]
    assert len(plurals) > 20  # control: the catalogue has plural entries
    for message in plurals:
        assert len(message.string) == 6 and all(message.string), message.id[0]
        assert len(set(message.string)) > 1, f"one form for every count: {message.id[0]!r}"


COUNT_NAME = re.compile(
    r"%\((n|num|count|total|rows|records|hours|days|years|organisations|initiatives)\)[sd]"
)


def test_counts_are_never_given_to_gettext():
    """A number in a message chooses its plural form: gettext cannot (ngettext can)."""
    singular = [
        m.id for m in _catalog("fr") if m.id and isinstance(m.id, str) and COUNT_NAME.search(m.id)
    ]
    assert COUNT_NAME.search("%(count)s records here")  # control
    assert singular == []


@pytest.mark.parametrize(
    ("n", "wording"),
    [(1, "منظمة واحدة"), (2, "منظمتان"), (4, "4 منظمات"), (11, "11 منظمة"), (100, "100 منظمة")],
)
def test_arabic_counts_take_the_plural_form_of_their_number(app, n, wording):
    from flask_babel import ngettext

    with app.test_request_context("/ar/"), force_locale("ar"):
        assert ngettext("%(num)s organisation", "%(num)s organisations", n) == wording


def test_the_map_gives_its_scripts_a_form_per_plural_category(client):
    map_ = soup(client.get("/ar/map")).select_one("#map")
    assert map_["data-count-organisations-few"] == "{n} منظمات"
    assert map_["data-count-organisations-many"] == "{n} منظمة"
    assert map_["data-count-organisations-two"] == "منظمتان"
    assert map_["data-count-initiatives-few"] == "{n} مبادرات"
    assert map_["data-label-shown"] == "عرض {organisations} و{initiatives}."
    french = soup(client.get("/fr/map")).select_one("#map")
    assert french["data-count-group-one"] == f"{{n}} fiche ici{NNBSP}: sélectionner pour zoomer"
    assert "data-count-group-few" not in french.attrs  # French has no "few"


# -- Lists and place labels in the page's language ----------------------------------------------
@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        ("en", "(Tombouctou, Timbuktu, and تمبكتو all work)"),
        ("fr", f"(Tombouctou, Timbuktu et تمبكتو{NNBSP}: les trois graphies fonctionnent)"),
        ("ar", "(Tombouctou وTimbuktu وتمبكتو: جميع هذه الصيغ مقبولة)"),
    ],
)
def test_the_place_hint_lists_the_spellings_in_the_page_language(client, lang, hint):
    page = soup(client.get(f"/{lang}/submit/organisation"))
    text = page.select_one("#places").find_parent(class_="field").get_text(" ", strip=True)
    assert hint in text
    assert lang == "en" or " and " not in text


def test_place_labels_join_with_the_page_languages_comma(client, make_organisation, make_location):
    bamako = make_location(name="Bamako", country="ML", admin1="Bamako")
    make_organisation(slug="org", country="ML", locations=[bamako], location_precision="commune")
    db.session.commit()
    for lang, label in (("ar", "Bamako، مالي"), ("fr", "Bamako, Mali"), ("en", "Bamako, Mali")):
        items = soup(client.get(f"/{lang}/organisations/org")).select("dd ul.plain li")
        assert label in [li.get_text(strip=True) for li in items]


# -- Other names --------------------------------------------------------------------------------
def test_other_names_leave_out_the_records_own_name_and_repeats(client, make_organisation):
    make_organisation(
        slug="wanep",
        name="West Africa Network for Peacebuilding",
        acronym="WANEP",
        alternate_names=[
            "west africa network for  peacebuilding",
            "Réseau Ouest-Africain pour l’Édification de la Paix",
            "RÉSEAU OUEST-AFRICAIN POUR L’ÉDIFICATION DE LA PAIX",
            "wanep",
            "WANEP-Mali",
        ],
    )
    db.session.commit()
    shown = soup(client.get("/en/organisations/wanep")).select_one(".alternate-names")
    names_ = shown.get_text(strip=True).split(":", 1)[1].split("·")
    assert [name.strip() for name in names_] == [
        "Réseau Ouest-Africain pour l’Édification de la Paix",
        "WANEP-Mali",
    ]


def test_no_other_names_line_when_they_are_all_its_own(client, make_organisation):
    make_organisation(slug="same", name="Paix", alternate_names=["PAIX", " paix "])
    db.session.commit()
    page = soup(client.get("/en/organisations/same"))
    assert page.select_one("h1").get_text(strip=True) == "Paix"  # control: the profile shows
    assert page.select_one(".alternate-names") is None


@pytest.mark.parametrize(
    ("lang", "listed", "placed"),
    [
        ("en", "Gao, Kidal, and Mopti", "Gao, Gao, Mali"),
        ("fr", "Gao, Kidal et Mopti", "Gao, Gao, Mali"),
        ("ar", "Gao وKidal وMopti", "Gao، Gao، مالي"),
    ],
)
def test_lists_and_places_are_joined_in_the_page_language(app, lang, listed, placed):
    from peacemap.i18n import country_name, join_list, join_place

    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        assert join_list(["Gao", "Kidal", "", "Mopti"]) == listed
        assert join_place("Gao", "Gao", None, country_name("ML")) == placed
        assert join_place(None, country_name("ML")) == country_name("ML")
