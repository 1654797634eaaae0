"""The rough edges of the public forms (issue 21, "Forms"): rate limits that count accepted
submissions and keep what was typed, one name per line, typed inputs and long-text limits,
countries in each language's order with the region first and the site's country chosen."""

import pytest
from sqlalchemy import func, select

from peacemap.extensions import db
from peacemap.models import Submission
from tests.conftest import fill_and_post, form_values, soup, textarea_value

NEW_ORG = {
    "name": "Association des Femmes pour la Paix de Ségou",
    "type": "community_based",
    "country": "ML",
    "language": "fr",
    "summary": "Une association de femmes qui médiatise les conflits fonciers à Ségou.",
    "location_precision": "region",
    "consent": "y",
}


def submit_org(client, lang="fr", **changes):
    return fill_and_post(client, f"/{lang}/submit/organisation", {**NEW_ORG, **changes})


def count_submissions():
    return db.session.scalar(select(func.count()).select_from(Submission))


# -- Rate limits ------------------------------------------------------------------------------


@pytest.mark.config(
    RATELIMIT_ENABLED=True,
    SUBMISSION_RATE_LIMIT="2 per hour",
    SUBMISSION_REJECTED_RATE_LIMIT="3 per hour",
)
def test_mistakes_do_not_count_against_the_submission_limit(client):
    # Two forms sent back for a mistake (no summary), then two accepted: all answered.
    statuses = [submit_org(client, summary="").status_code for _ in range(2)]
    statuses += [submit_org(client).status_code for _ in range(2)]
    assert statuses == [400, 400, 200, 200]
    assert count_submissions() == 2
    # The third accepted one would pass the limit: refused, nothing saved.
    assert submit_org(client).status_code == 429
    assert count_submissions() == 2


@pytest.mark.config(
    RATELIMIT_ENABLED=True,
    SUBMISSION_RATE_LIMIT="5 per hour",
    SUBMISSION_REJECTED_RATE_LIMIT="2 per hour",
)
def test_mistakes_have_their_own_limit(client):
    statuses = [submit_org(client, summary="").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    # A script sending mistakes is stopped for good: even a correct form waits (kept as typed).
    response = submit_org(client)
    assert response.status_code == 429
    assert soup(response).select_one("#name")["value"] == NEW_ORG["name"]
    assert count_submissions() == 0


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["At most 1 form can be sent", "1 hour"]),
        ("fr", ["Au plus 1 formulaire", "1\u00a0heure"]),
        ("ar", ["ساعة"]),
    ],
)
@pytest.mark.config(RATELIMIT_ENABLED=True, SUBMISSION_RATE_LIMIT="1 per hour")
def test_the_limit_shows_the_form_again_with_what_was_typed(client, lang, words):
    assert submit_org(client, lang).status_code == 200
    response = submit_org(
        client,
        lang,
        name="Réseau des Jeunes de Gao",
        summary="Des jeunes qui préviennent les conflits entre éleveurs et agriculteurs.",
        alternate_names="RJG\nJeunes de Gao",
    )
    assert response.status_code == 429
    page = soup(response)
    assert page.select_one("html")["lang"] == lang
    message = page.select_one(".rate-limited").text
    for word in words:
        assert word in message
    assert "per 1 hour" not in message and "Too many requests" not in message
    if lang != "en":
        assert "At most" not in message and "Nothing you typed" not in message
    # Everything typed is there to send again.
    assert page.select_one("#name")["value"] == "Réseau des Jeunes de Gao"
    assert textarea_value(page.select_one("#summary")).startswith("Des jeunes qui")
    assert textarea_value(page.select_one("#alternate_names")) == "RJG\nJeunes de Gao"
    assert page.select_one("#country option[selected]")["value"] == "ML"
    assert count_submissions() == 1


@pytest.mark.config(RATELIMIT_ENABLED=True, SUBMISSION_RATE_LIMIT="1 per hour")
def test_report_and_correction_forms_are_shown_again_too(client, make_organisation):
    make_organisation(slug="wanep-mali", name="WANEP-Mali")
    db.session.commit()
    report = {"reason": "other", "message": "Ce numéro de téléphone n’est plus le bon."}
    url = "/fr/organisations/wanep-mali/report"
    assert fill_and_post(client, url, report).status_code == 200
    response = fill_and_post(client, url, report)
    assert response.status_code == 429
    page = soup(response)
    assert textarea_value(page.select_one("#message")) == report["message"]
    assert page.select_one(".rate-limited")


@pytest.mark.config(RATELIMIT_ENABLED=True, TRACK_RATE_LIMIT="1 per hour")
def test_other_limited_forms_keep_their_error_page(client):
    data = {"code": "AAAAA-BBBBB-CCCCC-DDDDD"}
    assert fill_and_post(client, "/fr/track", data).status_code == 400
    response = fill_and_post(client, "/fr/track", data)
    assert response.status_code == 429
    page = soup(response)
    assert page.select_one("html")["lang"] == "fr"
    detail = page.select_one("main").text
    assert "Vous pourrez réessayer dans 1\u00a0heure." in detail
    assert "per 1 hour" not in detail and "1 per" not in detail


# -- One per line -----------------------------------------------------------------------------


def test_other_names_are_one_per_line(client):
    response = submit_org(client, alternate_names="Paix; Justice et Dignité\nPJD")
    assert response.status_code == 200, soup(response).select(".error")
    submission = db.session.scalar(select(Submission))
    assert submission.payload["alternate_names"] == ["Paix; Justice et Dignité", "PJD"]


# -- Inputs -----------------------------------------------------------------------------------


def test_inputs_have_the_types_phones_need(client):
    page = soup(client.get("/fr/submit/organisation"))
    assert page.select_one("#email")["type"] == "email"
    assert page.select_one("#submitter_email")["type"] == "email"
    assert page.select_one("#submitter_email")["autocomplete"] == "email"
    assert page.select_one("#phone")["type"] == "tel"
    assert page.select_one("#website")["type"] == "url"
    assert page.select_one("#founded_year")["inputmode"] == "numeric"
    assert page.select_one("#submitter_name")["autocomplete"] == "name"
    assert page.select_one("#name")["type"] == "text"  # control: not every input changed


@pytest.mark.parametrize(
    ("lang", "limit"), [("en", "At most 10,000 characters."), ("fr", "10\u202f000")]
)
def test_long_texts_state_their_limit_and_are_not_cut(client, lang, limit):
    page = soup(client.get(f"/{lang}/submit/organisation"))
    summary = page.select_one("#summary")
    assert summary["data-limit"] == "600" and not summary.has_attr("maxlength")
    assert "summary-limit" in summary["aria-describedby"]
    assert "600" in page.select_one("#summary-limit").text
    assert limit in page.select_one("#description-limit").text
    assert page.select_one("#summary-counter").has_attr("hidden")  # shown by counter.js
    assert "js/counter.js" in str(page.select("script"))
    assert page.select_one("#name").has_attr("maxlength")  # control: short fields keep theirs


def test_too_long_text_is_refused_as_typed(client):
    long_summary = "Une association de médiation. " * 25  # 750 characters
    response = submit_org(client, summary=long_summary)
    assert response.status_code == 400
    page = soup(response)
    assert "750" in page.select_one("#summary-error").text
    assert "600" in page.select_one("#summary-error").text
    assert textarea_value(page.select_one("#summary")) == long_summary
    assert count_submissions() == 0
    # Control: at the limit it goes through.
    assert submit_org(client, summary=long_summary[:600]).status_code == 200


def test_report_message_has_a_limit_too(client, make_organisation):
    make_organisation(slug="wanep-mali", name="WANEP-Mali")
    db.session.commit()
    url = "/ar/organisations/wanep-mali/report"
    page = soup(client.get(url))
    assert page.select_one("#message")["data-limit"] == "3000"
    response = fill_and_post(client, url, {"reason": "other", "message": "x" * 3001})
    assert response.status_code == 400
    assert textarea_value(soup(response).select_one("#message")) == "x" * 3001


# -- Countries and themes ---------------------------------------------------------------------


def countries(page):
    """(group label, [(code, name)]) of the country list."""
    return [
        (group["label"], [(o["value"], o.text) for o in group.select("option")])
        for group in page.select("#country optgroup")
    ]


def names(group):
    return [name for _code, name in group[1]]


def before(names, first, second):
    return names.index(first) < names.index(second)


@pytest.mark.config(FIRST_COUNTRIES=())
def test_french_countries_in_french_order(client):
    page = soup(client.get("/fr/submit/organisation"))
    assert not page.select("#country optgroup")
    listed = [option.text for option in page.select("#country option")]
    assert len(listed) > 240
    assert before(listed, "Bénin", "Burundi")
    assert before(listed, "Côte d’Ivoire", "Curaçao")
    assert before(listed, "Sénégal", "Suède")
    assert before(listed, "Dominique", "Égypte") and before(listed, "Égypte", "Espagne")
    # Control: sorted by code point, as before, each pair was the other way round.
    by_code_point = sorted(listed)
    assert before(by_code_point, "Burundi", "Bénin")
    assert before(by_code_point, "Suède", "Sénégal")


def test_french_countries_in_french_order_in_each_group(client):
    first, rest = countries(soup(client.get("/fr/submit/organisation")))
    assert before(names(first), "Bénin", "Burkina Faso")
    assert before(names(first), "Côte d’Ivoire", "Gambie")
    assert before(names(first), "Sénégal", "Sierra Leone")
    assert before(names(rest), "Chypre", "Curaçao") and before(names(rest), "Suède", "Suisse")
    assert before(names(rest), "Émirats arabes unis", "Équateur")


def test_west_africa_first_and_mali_chosen(client):
    page = soup(client.get("/en/submit/organisation"))
    (first_label, first), (rest_label, rest) = countries(page)
    codes = {code for code, _name in first}
    assert {"ML", "BF", "NE", "SN", "CI", "NG", "MR", "TD", "CM", "GH"} <= codes
    assert "FR" not in codes and "FR" in {code for code, _name in rest}
    assert not codes & {code for code, _name in rest}  # each country once
    assert first_label == "West Africa and the Lake Chad basin"
    assert page.select_one("#country option[selected]")["value"] == "ML"


@pytest.mark.config(DEFAULT_COUNTRY="SN")
def test_the_default_country_is_configurable(client):
    page = soup(client.get("/fr/submit/organisation"))
    assert page.select_one("#country option[selected]")["value"] == "SN"
    assert form_values(page)["country"] == "SN"


def test_arabic_countries_in_arabic_order(client):
    first, rest = countries(soup(client.get("/ar/submit/organisation")))
    alphabet = "اأإآبتثجحخدذرزسشصضطظعغفقكلمنهوي"
    rank = {letter: i for i, letter in enumerate(alphabet)}
    # By first letter, in the order of the Arabic alphabet (hamza forms with alef).
    ranks = [min(rank[name[0]], rank["ا"] if name[0] in "اأإآ" else 99) for name in names(rest)]
    assert len(ranks) > 150
    assert ranks == sorted(ranks)
    assert before(names(first), "بنين", "توغو") and before(names(first), "مالي", "نيجيريا")
    # Control: code point order differs (آ and أ come before ا there).
    by_code_point = sorted(names(first) + names(rest))
    assert by_code_point != sorted(names(first) + names(rest), key=lambda n: rank.get(n[0], 99))


def test_themes_in_the_language_order(client, make_theme):
    themes = [
        ("a-women", 1, "Femmes", "النساء"),
        ("b-education", 2, "Éducation à la paix", "التعليم من أجل السلام"),
        ("c-rights", 3, "Droits humains", "حقوق الإنسان"),
        ("d-dialogue", 4, "Dialogue", "الحوار"),
    ]
    for slug, position, fr, ar in themes:
        make_theme(slug=slug, position=position, labels={"en": slug, "fr": fr, "ar": ar})
    db.session.commit()
    page = soup(client.get("/fr/submit/organisation"))
    labels = [label.text.strip() for label in page.select("#themes label")]
    # Not by position or slug (Femmes first), nor by code point (Éducation last).
    assert labels == ["Dialogue", "Droits humains", "Éducation à la paix", "Femmes"]
    page = soup(client.get("/ar/submit/organisation"))
    labels = [label.text.strip() for label in page.select("#themes label")]
    assert labels == ["التعليم من أجل السلام", "الحوار", "النساء", "حقوق الإنسان"]
