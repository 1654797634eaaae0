"""The public forms in Chromium (issue 21, "Forms"): at a submission limit the form comes back
as typed with a message in the page's language; typed inputs and the long-text counter; the
country list in each language's order, West Africa first, Mali chosen."""

import os
import threading

import pytest
from werkzeug.serving import make_server

from peacemap import create_app
from peacemap.extensions import db, limiter
from peacemap.i18n import collation_key

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    """The site with its submission limit on (1 an hour): the shared live server has none."""
    tmp = tmp_path_factory.mktemp("limited")
    before = os.environ.get("PEACEMAP_INSTANCE_PATH"), limiter.enabled
    os.environ["PEACEMAP_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'limited.sqlite'}",
            "RATELIMIT_ENABLED": True,
            "SUBMISSION_RATE_LIMIT": "1 per hour",
            "REQUIRE_TWO_FACTOR": False,
        }
    )
    with app.app_context():
        db.create_all()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    # The limiter is one object for every app of the process: leave it as it was found.
    limiter.enabled = before[1]
    if before[0] is not None:
        os.environ["PEACEMAP_INSTANCE_PATH"] = before[0]


def send(page, url, name, summary):
    """Fill the organisation form and send it; the response's status."""
    page.goto(url)
    page.locator("#name").fill(name)
    page.locator("#summary").fill(summary)
    page.locator("#alternate_names").fill("Un autre nom; avec un point-virgule\nUn troisième")
    page.locator("#consent").check()
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.locator("form.submission-form button[type=submit]").click()
    page.wait_for_load_state()
    return response.value.status


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "Rien de ce que vous avez saisi n’est perdu"), ("ar", "لم يضع شيء مما كتبته")],
)
def test_the_limit_keeps_what_was_typed(limited_server, page, lang, expected):
    url = f"{limited_server}/{lang}/submit/organisation"
    send(page, url, "Première association", "Une première association de médiation à Gao.")
    summary = "Des jeunes de Gao qui préviennent les conflits entre éleveurs et agriculteurs."
    assert send(page, url, "Réseau des Jeunes de Gao", summary) == 429
    message = page.locator(".rate-limited").inner_text()
    assert expected in message
    assert "Too many requests" not in message and "per 1 hour" not in message
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("#name").input_value() == "Réseau des Jeunes de Gao"
    assert page.locator("#summary").input_value() == summary
    names = page.locator("#alternate_names").input_value()
    assert names == "Un autre nom; avec un point-virgule\nUn troisième"
    assert page.locator("#consent").is_checked()
    assert page.locator("#country").input_value() == "ML"
    # The one console line: Chromium noting the 429 status itself.
    assert [p for p in page.problems if "status of 429" not in p] == []


def test_typed_inputs_and_the_counter(live_server, page):
    page.goto(f"{live_server}/fr/submit/organisation")
    assert page.locator("#email").get_attribute("type") == "email"
    assert page.locator("#phone").get_attribute("type") == "tel"
    assert page.locator("#website").get_attribute("type") == "url"
    assert page.locator("#submitter_email").get_attribute("autocomplete") == "email"
    counter = page.locator("#summary-counter")
    assert counter.is_visible()  # shown by counter.js
    assert counter.inner_text() == "0 sur 600 caractères"
    page.locator("#summary").fill("Paix à Gao")
    assert counter.inner_text() == "10 sur 600 caractères"
    assert "over" not in (counter.get_attribute("class") or "")
    page.locator("#summary").fill("x" * 601)
    assert page.locator("#summary").input_value() == "x" * 601  # not cut
    assert "over" in counter.get_attribute("class")
    assert page.locator("#description-counter").inner_text() == "0 sur 10\u202f000 caractères"
    page.goto(f"{live_server}/ar/submit/organisation")
    page.locator("#summary").fill("سلام")
    assert page.locator("#summary-counter").inner_text() == "4 من 600 حرف"
    assert not page.problems


def groups(page):
    return page.locator("#country optgroup").evaluate_all(
        "gs => gs.map(g => [...g.querySelectorAll('option')].map(o => o.textContent))"
    )


@pytest.mark.parametrize(
    ("lang", "first_pairs", "rest_pairs"),
    [
        ("en", [("Benin", "Burkina Faso"), ("Cameroon", "Côte d’Ivoire")], [("Curaçao", "Cyprus")]),
        (
            "fr",
            [("Bénin", "Burkina Faso"), ("Côte d’Ivoire", "Gambie"), ("Sénégal", "Sierra Leone")],
            [("Émirats arabes unis", "Équateur"), ("Chypre", "Curaçao"), ("Suède", "Suisse")],
        ),
        ("ar", [("بنين", "توغو"), ("مالي", "نيجيريا")], [("الجزائر", "السويد")]),
    ],
)
def test_the_country_list(live_server, page, lang, first_pairs, rest_pairs):
    page.goto(f"{live_server}/{lang}/submit/organisation")
    assert page.locator("#country").input_value() == "ML"
    first, rest = groups(page)
    assert len(first) == 18 and len(first) + len(rest) > 240
    for names, pairs in ((first, first_pairs), (rest, rest_pairs)):
        for a, b in pairs:
            assert names.index(a) < names.index(b), (a, b)
        assert names == sorted(names, key=collation_key)
    # Control: code point order is not the one shown (in Arabic, CLDR's names happen to give
    # the same order both ways; tests/test_rough_forms.py checks the Arabic alphabet's order).
    if lang != "ar":
        assert rest != sorted(rest)
