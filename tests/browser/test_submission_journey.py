"""An NGO submits, follows its submission, a moderator approves, the profile is public."""

import re

import pytest

from tests.browser.conftest import MODERATOR

pytestmark = pytest.mark.browser


def test_submit_track_approve_publish(browser, live_server, page):
    # An NGO proposes itself, with its location shown only by region.
    page.goto(f"{live_server}/en/")
    page.get_by_role("link", name="Add to PeaceMap").click()
    page.get_by_role("link", name=re.compile("An organisation or network")).click()
    page.get_by_label("Name", exact=True).fill("Femmes Médiatrices de Tombouctou")
    page.get_by_label("Acronym").fill("FMT")
    page.get_by_label("Type", exact=True).select_option("community_based")
    page.get_by_label("Country", exact=True).select_option("ML")
    page.get_by_label("Language of the texts below").select_option("fr")
    page.get_by_label(re.compile("^Summary \\(one")).fill(
        "Des femmes qui facilitent le dialogue entre communautés à Tombouctou."
    )
    # Type-ahead from the offline gazetteer (JavaScript is on here).
    picker = page.get_by_label("Find a place to add")
    picker.fill("Tombo")
    page.locator("#places-options option").first.wait_for(state="attached", timeout=5000)
    option = page.locator("#places-options option").first.get_attribute("value")
    assert option.startswith("Timbuktu")
    picker.fill(option)
    picker.dispatch_event("input")
    assert page.locator("#places").input_value() == "Timbuktu"
    # Networks: typed one per line, with a type-ahead of the listed networks.
    networks = page.get_by_label("Find a network to add")
    networks.fill("WANEP-M")
    page.locator("#networks-options option").first.wait_for(state="attached", timeout=5000)
    option = page.locator("#networks-options option").first.get_attribute("value")
    assert option.startswith("West Africa Network for Peacebuilding")  # (WANEP-Mali), Mali
    networks.fill(option)
    networks.dispatch_event("input")
    assert page.locator("#networks").input_value().endswith("(wanep-mali)")
    page.get_by_label("Region", exact=True).check()
    page.get_by_label("Your name").fill("Aïssata")
    page.get_by_label(re.compile("I confirm that the organisation agrees")).check()
    page.get_by_role("button", name="Send for review").click()
    code = page.locator(".tracking-code strong").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", code)

    # The NGO follows it with the code.
    page.get_by_role("link", name="Follow a submission").first.click()
    page.get_by_label("Tracking code").fill(code)
    page.get_by_role("button", name="Show the submission").click()
    assert page.get_by_role("heading", name="State: Pending").is_visible()

    # A moderator signs in and approves it.
    moderator = browser.new_context().new_page()
    moderator.goto(f"{live_server}/en/moderation/")
    moderator.get_by_label("Email").fill(MODERATOR[0])
    moderator.get_by_label("Password").fill(MODERATOR[1])
    moderator.get_by_role("button", name="Sign in").click()
    moderator.get_by_role("link", name=re.compile("Femmes Médiatrices")).click()
    assert moderator.get_by_role("heading", name="Proposed record").is_visible()
    moderator.get_by_role("button", name="Approve and publish").click()
    assert moderator.get_by_text("Approved and published.").is_visible()
    moderator.context.close()

    # Visitors now see the profile at the protective choices until the organisation itself
    # confirms its listing through the link mailed to its address: the country only (not even
    # the region it chose), and its network without a name.
    page.goto(f"{live_server}/fr/organisations/fmt")
    assert "Femmes Médiatrices de Tombouctou" in page.get_by_role("heading", level=1).inner_text()
    places = page.locator(".profile-facts").inner_text()
    assert "Mali" in places and "Tombouctou" not in places and "Timbuktu" not in places
    assert "nom non affiché" in page.locator("main").inner_text()
    assert page.problems == []

    # And the tracking page says it is approved.
    page.goto(f"{live_server}/en/track")
    page.get_by_label("Tracking code").fill(code)
    page.get_by_role("button", name="Show the submission").click()
    assert page.get_by_role("heading", name="State: Approved").is_visible()


def test_submission_form_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/fr/submit/organisation")
    pickers = page.locator("[data-picker]")
    assert pickers.count() == 2  # places and networks
    assert all(pickers.nth(n).is_hidden() for n in range(2))
    page.locator("#name").fill("Groupe de Paix de Gao")
    page.locator("#summary").fill("Un groupe de jeunes pour la paix à Gao et Ansongo.")
    page.locator("#places").fill("Gao\nAnsongo")
    page.locator("#submitter_name").fill("Moussa")
    page.locator("#consent").check()
    page.locator("button[type=submit]").click()
    assert page.locator(".tracking-code").is_visible()
    context.close()
