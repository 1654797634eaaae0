"""Language prefixes, negotiation, direction and localized content."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from peacemap.cli import extract
from peacemap.extensions import db
from tests.conftest import soup


@pytest.mark.parametrize(
    ("accept", "target"),
    [("fr-ML,fr;q=0.9", "/fr/"), ("ar", "/ar/"), ("en-GB,en;q=0.8", "/en/"), ("de", "/fr/")],
)
def test_root_redirects_by_preferred_language(client, accept, target):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("fr", "ltr"), ("ar", "rtl")])
@pytest.mark.parametrize("path", ["/", "/organisations", "/initiatives", "/about"])
def test_every_public_page_has_lang_and_dir(client, lang, direction, path):
    response = client.get(f"/{lang}{path}")
    assert response.status_code == 200
    html = soup(response).html
    assert html["lang"] == lang and html["dir"] == direction


def test_unknown_language_prefix_is_404(client):
    assert client.get("/de/organisations").status_code == 404
    assert client.get("/xx/").status_code == 404


def test_language_switcher_keeps_page_and_filters(client):
    page = soup(client.get("/en/organisations?country=ML&page=1&_external=1"))
    links = {a["hreflang"]: a["href"] for a in page.select(".languages a")}
    assert links["fr"] == "/fr/organisations?country=ML&page=1"
    assert links["ar"] == "/ar/organisations?country=ML&page=1"
    assert page.select_one(".languages a[aria-current]")["hreflang"] == "en"


def test_interface_is_translated_to_french(client):
    page = soup(client.get("/fr/organisations"))
    nav = [a.text for a in page.select("nav .nav a")]
    assert "Organisations" in nav and "Initiatives" in nav
    assert page.select_one("label[for=country]").text == "Pays"


def test_country_names_and_dates_follow_the_page_language(client, make_organisation):
    make_organisation(slug="sn", country="SN")
    db.session.commit()
    assert "Sénégal" in soup(client.get("/fr/organisations/sn")).select_one(".meta").text
    assert "السنغال" in soup(client.get("/ar/organisations/sn")).select_one(".meta").text


def test_content_falls_back_to_original_language_and_says_so(client, make_organisation):
    make_organisation(
        slug="fr-only",
        summary={"fr": "Résumé en français"},
        description={"fr": "Description en français"},
        language="fr",
    )
    db.session.commit()
    page = soup(client.get("/en/organisations/fr-only"))
    lead = page.select_one(".lead")
    assert lead.contents[0].strip() == "Résumé en français" and lead["lang"] == "fr"
    label = lead.select_one(".shown-in")
    assert label.text == "(shown in French)" and label["lang"] == "en"
    assert page.select_one(".prose")["lang"] == "fr"
    assert "shown in French" in page.select_one(".note").text


def test_theme_labels_are_localized(client, make_organisation, make_theme):
    theme = make_theme(labels={"en": "Dialogue", "fr": "Dialogue et médiation", "ar": "الحوار"})
    make_organisation(slug="t", themes=[theme])
    db.session.commit()
    assert "Dialogue et médiation" in client.get("/fr/organisations/t").get_data(as_text=True)
    assert "الحوار" in client.get("/ar/organisations/t").get_data(as_text=True)


def _catalog(lang):
    path = Path(__file__).resolve().parents[1] / "translations" / lang / "LC_MESSAGES"
    with open(path / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_translations_are_complete_and_keep_placeholders(lang):
    placeholder = re.compile(r"%\(\w+\)s")
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        assert "fuzzy" not in message.flags, f"{lang}: fuzzy {ids[0]!r}"
        expected = set(placeholder.findall(ids[-1]))
        for string in strings:
            assert set(placeholder.findall(string)) <= expected | set(
                placeholder.findall(ids[0])
            ), f"{lang}: placeholders differ in {ids[0]!r}"


def test_catalog_template_is_up_to_date(tmp_path):
    """Every interface string in the code, pages and mail is in translations/messages.pot."""
    fresh = tmp_path / "fresh.pot"
    extract(fresh)
    with open(fresh, "rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("fr") if m.id}
    assert "Previous" in wanted and "Hello %(name)s," in wanted  # macros and mail are read
    assert wanted - have == set(), "run `flask translate extract` and translate the new strings"


def test_the_language_choice_is_remembered(client):
    response = client.get("/ar/organisations")
    assert "lang=ar" in response.headers["Set-Cookie"]
    home = client.get("/", headers={"Accept-Language": "en"})
    assert home.headers["Location"] == "/ar/"
    client.get("/en/about")
    assert client.get("/", headers={"Accept-Language": "fr"}).headers["Location"] == "/en/"


def _template_text(source):
    """Text a template shows outside Jinja expressions and tags (comments removed)."""
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", source, flags=re.S)


def test_templates_have_no_text_outside_babel():
    """Every word a person reads in a template goes through _() (brand name aside)."""
    from bs4 import BeautifulSoup, Doctype

    root = Path(__file__).resolve().parents[1] / "templates"
    found = []
    for path in sorted(root.rglob("*.html")):
        page = BeautifulSoup(_template_text(path.read_text()), "html.parser")
        for node in page.find_all(string=True):
            text = node.strip()
            if isinstance(node, Doctype) or node.parent.name in ("script", "style"):
                continue
            if text.startswith("<"):  # a tag whose name is itself an expression
                continue
            if re.search(r"[^\W\d_]", text):
                found.append(f"{path.relative_to(root)}: {text[:40]!r}")
        for element in page.find_all(True):
            for attribute in ("title", "alt", "placeholder", "aria-label"):
                if re.search(r"[^\W\d_]", element.get(attribute) or ""):
                    found.append(f"{path.relative_to(root)}: {attribute}")
    for path in sorted(root.rglob("*.txt")):
        text = _template_text(path.read_text()).replace("PeaceMap", "")
        if re.search(r"[^\W\d_]", text):
            found.append(f"{path.relative_to(root)}: {text.strip()[:40]!r}")
    assert found == []


def test_the_template_check_would_see_raw_text():
    page = _template_text('<p>{{ _("Translated") }} Forgotten words</p>')
    assert "Forgotten words" in page and "Translated" not in page


def test_region_names_follow_the_page_language(client, make_organisation, make_location):
    place = make_location(name="Niafunké", admin1="Tombouctou", country="ML")
    make_organisation(slug="north", locations=[place], location_precision="region")
    db.session.commit()
    facts = {
        lang: soup(client.get(f"/{lang}/organisations/north")).select_one(".profile-facts").text
        for lang in ("fr", "en", "ar")
    }
    assert "Tombouctou" in facts["fr"] and "Timbuktu" in facts["en"] and "تمبكتو" in facts["ar"]
    options = soup(client.get("/ar/organisations")).select("select[name=region] option")
    assert {o["value"]: o.text for o in options}["Tombouctou"] == "تمبكتو (1)"
