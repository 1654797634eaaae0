"""Issue 21 in Chromium, in the three languages: a correction with its reason, the tracking
code copied with its button, the tracking page, and the review page a moderator reads
(labels, linked network names, a word-level diff, only what changed marked)."""

import re

import pytest

from tests.browser.conftest import MODERATOR

pytestmark = pytest.mark.browser

# One demo organisation per language, each a member of networks (peacemap/demo/data.json).
CASES = {
    "en": ("gsps", "Groupes de Suivi pour la Paix et la Sécurité", "Coalition Nationale"),
    "fr": ("wanep-mali", "West Africa Network for Peacebuilding – Mali", "West Africa Network"),
    "ar": ("conascipal", "Coalition Nationale de la Société", "West African Action Network"),
}
COPIED = {"en": "Code copied.", "fr": "Code copié.", "ar": "نُسخ الرمز."}
SENT = {"en": "What you sent", "fr": "Ce que vous avez envoyé", "ar": "ما أرسلتموه"}
ADDED = {"en": "Now also in Kidal.", "fr": "Désormais aussi à Kidal.", "ar": "والآن في كيدال أيضا."}


def sign_in(browser, live_server):
    moderator = browser.new_context(locale="en-GB").new_page()
    moderator.goto(f"{live_server}/en/moderation/")
    moderator.get_by_label("Email").fill(MODERATOR[0])
    moderator.get_by_label("Password").fill(MODERATOR[1])
    moderator.get_by_role("button", name="Sign in").click()
    return moderator


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_correction_code_copied_tracked_and_reviewed(browser, live_server, lang):
    slug, name, network = CASES[lang]
    context = browser.new_context(locale="en-GB", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/{lang}/organisations/{slug}/suggest")
    summary = page.locator("#summary")
    before = summary.input_value()
    summary.fill(f"{before} {ADDED[lang]}")
    page.locator("#why").fill("<b>Kidal</b> office opened in 2025.")
    page.locator("#consent").check()
    page.locator("form.submission-form button[type=submit]").click()

    # The receipt: the code as text, and a button (shown by the script) that copies it.
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", code)
    button = page.locator("button[data-copy=tracking-code]")
    assert button.is_visible()
    button.click()
    page.locator("#copy-status").filter(has_text=COPIED[lang]).wait_for(timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == code

    # The tracking page: the record, what was sent, the code with its button.
    page.goto(f"{live_server}/{lang}/track")
    page.locator("#code").fill(code.lower())
    page.locator("form.narrow button[type=submit]").click()
    record = page.locator("dl.facts dd a").first
    assert name in record.inner_text()
    assert record.get_attribute("href") == f"/{lang}/organisations/{slug}"
    assert page.get_by_role("heading", name=SENT[lang]).is_visible()
    sent = page.locator("dl.sent").inner_text()
    assert ADDED[lang] in sent and "<b>Kidal</b> office opened in 2025." in sent
    assert page.locator("button[data-copy=tracking-code]").is_visible()
    assert problems == []
    context.close()

    # The moderator's review page, in the same language.
    moderator = sign_in(browser, live_server)
    moderator.goto(f"{live_server}/en/moderation/?kind=correction")
    link = moderator.locator("table a", has_text=name).last
    review = link.get_attribute("href").replace("/en/", f"/{lang}/", 1)
    moderator.goto(f"{live_server}{review}")
    changed = moderator.locator("table.diff tr.changed").evaluate_all(
        "rows => rows.map(row => row.dataset.field)"
    )
    assert changed == [f"summary.{lang}"]  # nothing else is marked
    row = moderator.locator(f"tr[data-field='summary.{lang}']")
    added = " ".join(row.locator("ins").all_inner_texts())
    assert ADDED[lang].split()[-1].rstrip(".") in added
    assert before.split()[0] not in added  # the words both versions share are not marked
    assert row.locator("td").first.locator("del").count() == 0  # nothing was taken out
    # Labels, on one line each, never the code nor one letter per line.
    kind = moderator.locator("tr[data-field=type] td").last.inner_text().strip()
    assert "\n" not in kind and "_" not in kind and len(kind) > 3
    shown = moderator.locator("tr[data-field=location_precision] td").last.inner_text().strip()
    assert "\n" not in shown and len(shown) > 3
    networks = moderator.locator("tr[data-field=member_of] td").last.locator("a")
    assert network in " ".join(networks.all_inner_texts())
    assert "/moderation/organisations/" in networks.first.get_attribute("href")
    why = moderator.locator("dd.why")
    assert why.inner_text() == "<b>Kidal</b> office opened in 2025."
    assert moderator.locator("dd.why b").count() == 0
    moderator.context.close()


def test_without_javascript_the_code_is_text_and_no_button_shows(browser, live_server):
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/en/organisations/gsps/suggest")
    page.locator("#acronym").fill("GSPS-ML")
    page.locator("#consent").check()
    page.locator("form.submission-form button[type=submit]").click()
    assert re.fullmatch(r"[A-Z2-7-]{23}", page.locator("#tracking-code").inner_text().strip())
    assert page.locator("button[data-copy=tracking-code]").count() == 1  # there, but hidden
    assert not page.locator("button[data-copy=tracking-code]").is_visible()
    context.close()
