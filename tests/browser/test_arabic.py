"""Arabic pages in Chromium: right to left, translated, and not broken on a small phone."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

pytestmark = pytest.mark.browser

PAGES = ["/ar/", "/ar/organisations/conascipal", "/ar/search?q=paix", "/ar/submit/organisation"]


def english_interface_strings():
    """Sentences of the interface (msgids of three words or more, without placeholders)."""
    path = Path(__file__).resolve().parents[2] / "translations" / "ar" / "LC_MESSAGES"
    with open(path / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    ids = [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id]
    return [i for i in ids if len(i.split()) >= 3 and "%(" not in i and "PeaceMap" not in i]


def interface_text(page):
    """The visible text of the site's own parts of a page (not the records' content)."""
    selectors = ("header", "footer", "form", "nav", ".profile-facts", ".record-actions")
    return " ".join(
        text for selector in selectors for text in page.locator(selector).all_inner_texts()
    )


def leftovers(text):
    return [s for s in english_interface_strings() if re.search(re.escape(s), text)]


def test_the_english_check_does_see_english(page, live_server):
    page.goto(f"{live_server}/en/submit/organisation")
    assert len(leftovers(interface_text(page))) > 5


@pytest.mark.parametrize("path", PAGES)
def test_arabic_page_is_rtl_translated_and_fits_a_small_phone(browser, live_server, path):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}{path}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide at 360px"
    # The interface is translated: no English sentence of the catalogue is left on the page
    # (records may of course be written in English; only the site's own strings count).
    assert leftovers(interface_text(page)) == []
    context.close()
