"""Arabic in Chromium: a search without the article finds what it finds with it, and counts
read in the plural form of their number (on the results page and in the map's status)."""

import re
from gettext import c2py

import pytest

from tests.test_rough_languages import _catalog

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def arabic(singular, n):
    """The Arabic catalogue's form of a plural message for `n`, as ngettext picks it."""
    catalog = _catalog("ar")
    form = c2py(catalog.plural_expr)(n)
    return catalog.get(singular).string[form].replace("%(num)s", str(n))


def results(page, query):
    page.goto(page.site + "/ar/")
    page.fill("#home-q", query)
    page.press("#home-q", "Enter")
    page.wait_for_selector(".result-count")
    titles = sorted(page.locator(".result h3 a").all_inner_texts())
    return titles, page.locator(".result-count").inner_text()


def test_arabic_search_without_the_article_and_its_count(page, live_server):
    page.site = live_server
    with_article, count = results(page, "السلام")
    assert len(with_article) >= 2
    bare, bare_count = results(page, "سلام")
    assert bare == with_article and bare_count == count
    assert count == arabic("%(num)s result", len(with_article))
    assert page.locator(".suggestion").count() == 0  # nothing better to suggest
    security, _count = results(page, "أمن")
    assert security and security == results(page, "الأمن")[0]


def test_the_map_status_counts_in_arabic_plurals(page, live_server):
    page.goto(f"{live_server}/ar/map")
    status = page.locator("#map-status")
    # Not wait_for_function: the page's Content-Security-Policy forbids evaluating strings.
    expect(status).to_have_text(re.compile(r"^عرض "), timeout=20_000)
    text = status.inner_text()
    found = re.fullmatch(r"عرض (.+) و(.+?)\.(?: .*)?", text)
    assert found, text
    for phrase, singular in zip(
        found.groups(), ("%(num)s organisation", "%(num)s initiative"), strict=True
    ):
        digits = re.search(r"\d+", phrase)
        if digits:
            assert phrase == arabic(singular, int(digits.group())), text
        else:
            assert phrase in (arabic(singular, 1), arabic(singular, 2)), text
    print(text)  # the figures, for the log
    assert page.problems == []
