"""Visitors' journeys through the directory in a real Chromium."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_search_from_home_to_a_profile(page, live_server):
    page.goto(f"{live_server}/en/")
    page.get_by_label("Search organisations and initiatives").fill("conascipal")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/en/search\?q=conascipal"))
    first = page.locator(".result h3 a").first
    assert first.inner_text().startswith("Coalition Nationale")
    first.click()
    page.wait_for_url(re.compile(r"/en/organisations/conascipal$"))
    heading = page.get_by_role("heading", level=1)
    assert "CONASCIPAL" in heading.inner_text()
    assert page.get_by_text("Not yet verified").first.is_visible()
    assert page.problems == []


def test_filter_by_country_with_the_form(page, live_server):
    page.goto(f"{live_server}/en/organisations")
    page.get_by_label("Country").select_option("ML")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"country=ML"))
    cards = page.locator(".card")
    assert cards.count() >= 4
    for text in cards.all_inner_texts():
        assert "Mali" in text
    assert page.problems == []


def test_keyboard_user_can_skip_to_content_and_reach_a_profile(page, live_server):
    page.goto(f"{live_server}/en/organisations")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_arabic_pages_run_right_to_left(page, live_server):
    page.goto(f"{live_server}/ar/organisations/wanep")
    assert page.locator("html").get_attribute("dir") == "rtl"
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == "rtl"
    assert page.problems == []


def test_site_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/fr/initiatives")
    page.get_by_role("link", name=re.compile("Human Security|sécurité humaine", re.I)).first.click()
    assert "WANEP" in page.locator("main").inner_text()
    context.close()
