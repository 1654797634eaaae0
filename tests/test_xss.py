"""Stored XSS: every payload family in every field of published records, then every page,
export and API response that shows them is searched for anything a browser would run."""

import json

import pytest
from bs4 import BeautifulSoup
from markupsafe import escape

from peacemap.extensions import db
from peacemap.records import new_initiative, new_organisation
from peacemap.search import service

PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert("x2")>',
    "javascript:alert('x3')",
    "<svg onload=alert('x4')><circle/></svg>",
    "{{7*7}} {% print(7*7) %} ${7*7}",
    "<a href=\"javascript:alert('x6')\">x6</a>",
    "</script><script>alert('x7')</script>",
    "<iframe src=javascript:alert('x8')></iframe>",
]
HTML_TAGS = ("svg", "iframe", "object", "embed", "img", "math", "base", "form")


def executable(html, url):
    """What in `html` a browser would run or load from user text (empty when safe)."""
    found = []
    page = BeautifulSoup(html, "html.parser")
    for tag in page.find_all(True):
        if tag.name == "script" and not tag.get("src"):
            if tag.get("type") != "application/ld+json":
                found.append(f"inline script in {url}")
            elif "<" in (tag.string or ""):
                found.append(f"unescaped < in JSON-LD in {url}")
        if tag.name in HTML_TAGS and tag.name != "form":
            found.append(f"<{tag.name}> in {url}")
        for name, value in tag.attrs.items():
            if name.lower().startswith("on"):
                found.append(f"{name}= in {url}")
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name in ("href", "src", "action", "formaction") and text.strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                found.append(f"{name}={text[:30]} in {url}")
    return found


@pytest.fixture
def poisoned(app, make_theme):
    """A published organisation and initiative with a payload in every text field."""
    theme = make_theme(slug="dialogue", labels={"en": PAYLOADS[0], "fr": PAYLOADS[1]})
    text = " ".join(PAYLOADS)
    org = new_organisation(
        {
            "name": "Poison " + text,
            "acronym": PAYLOADS[1][:40],
            "alternate_names": PAYLOADS,
            "type": "national_ngo",
            "country": "ML",
            "language": "fr",
            "summary": {"fr": text, "en": text, "ar": text},
            "description": {"fr": text, "en": text},
            "themes": [theme.slug],
            "places": [{"name": PAYLOADS[3], "country": "ML", "latitude": 14.5, "longitude": -4.2}],
            "location_precision": "commune",
            "website": PAYLOADS[2],
            "email": "x@example.org",
            "phone": PAYLOADS[0][:50],
            "contacts_public": True,
            "identifiers": [],
        }
    )
    db.session.flush()
    item = new_initiative(
        {
            "title": {"fr": "Poison " + text, "en": text},
            "summary": {"fr": text},
            "description": {"fr": text},
            "language": "fr",
            "status": "ongoing",
            "themes": [theme.slug],
            "places": [{"name": PAYLOADS[4], "country": "ML", "latitude": 14.5, "longitude": -4.2}],
            "location_precision": "commune",
            "organisations": [{"slug": org.slug, "role": "lead"}],
        }
    )
    db.session.commit()
    keys = (org.slug, org.id, item.slug)
    service.rebuild()
    return keys


def test_no_page_export_or_api_response_runs_stored_payloads(client, poisoned, login):
    slug, number, initiative = poisoned
    pages = [
        f"/{lang}{path}"
        for lang in ("fr", "en", "ar")
        for path in (
            "/",
            "/organisations",
            f"/organisations/{slug}",
            "/initiatives",
            f"/initiatives/{initiative}",
            "/search?q=poison",
            "/map",
            f"/organisations/{slug}/suggest",
        )
    ]
    data = [
        "/api/v1/organisations",
        f"/api/v1/organisations/{slug}",
        f"/api/v1/initiatives/{initiative}",
        f"/api/v1/map/organisations/{number}",
        "/api/v1/search?q=poison",
        "/api/v1/organisations.geojson",
        "/api/v1/exports/organisations.geojson",
        "/api/v1/exports/organisations.hsds.json",
        "/api/v1/exports/organisations.csv",
        "/api/v1/exports/initiatives.csv",
        "/api/v1/themes",
    ]
    problems = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        problems += executable(response.get_data(as_text=True), url)
    body = client.get(f"/en/organisations/{slug}").get_data(as_text=True)
    assert "{{7*7}}" in body  # shown as typed, never evaluated
    for url in data:
        response = client.get(url)
        assert response.status_code == 200, url
        # Data is never served as a page a browser would render.
        assert response.mimetype in ("application/json", "application/geo+json", "text/csv"), url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if response.mimetype != "text/csv":
            json.loads(response.get_data(as_text=True))  # well-formed, so never sniffed as HTML
    login("moderator")
    for url in (
        "/en/moderation/records",
        f"/en/moderation/organisations/{slug}",
        "/en/moderation/audit",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        problems += executable(response.get_data(as_text=True), url)
    assert problems == []


def test_the_check_finds_executable_output():
    assert executable("<p onclick='x()'>x</p><script>x()</script><a href='javascript:x'>", "t")
    assert executable("<svg onload=x>", "t")
    assert executable("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "t") == []


# -- what a person types comes back as text, never as markup -------------------------------------
TYPED = (
    '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    "<iframe src=javascript:alert(3)></iframe>"
    '<meta http-equiv=refresh content="0;url=javascript:alert(4)"><b id=typed>bold</b>'
)
# Every element and attribute the typed text would create if it were rendered as HTML.
TYPED_ELEMENTS = ("script", "img", "iframe", "meta[http-equiv]", "b#typed")


def from_input(html):
    """Elements or attributes in `html` that can only have come from TYPED (empty when the
    page shows the text as text). Scripts with a src and the page's own meta tags are the
    page's, so only the typed shapes are looked for."""
    page = BeautifulSoup(html, "html.parser")
    found = [str(tag)[:60] for tag in page.select("script:not([src]):not([type])")]
    found += [
        str(tag)[:60] for tag in page.select("img[onerror], iframe, meta[http-equiv], b#typed")
    ]
    found += [tag.name for tag in page.find_all(attrs={"onerror": True})]
    return found


def typed_everywhere(page, selector):
    """The form's values as the browser would send them, with TYPED in every text field."""
    from tests.conftest import form_values

    values = form_values(page, selector)
    form = page.select_one(selector)
    for element in form.select("textarea, input"):
        kind = element.get("type", "text")
        name = element.get("name")
        if (
            name
            and kind in ("text", "email", "tel", "url", "search", "number")
            or (name and element.name == "textarea")
        ):
            values[name] = TYPED
    return values


def post_typed(client, url, selector="main form[method=post]"):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    forms = page.select(selector)
    assert forms, (url, selector)
    answers = []
    for number in range(len(forms)):
        chosen = f"{selector} >> {number}"  # (documentation only: each form in turn)
        form = page.select(selector)[number]
        action = form.get("action") or url
        values = typed_everywhere(BeautifulSoup(str(form), "html.parser"), "form")
        response = client.post(action, data={k: v for k, v in values.items() if v is not None})
        answers.append((chosen, action, response))
    return answers


def test_typed_markup_comes_back_as_text_in_every_form(client, make_organisation, login):
    from tests.conftest import fill_and_post

    network = make_organisation(slug="wanep", name="WANEP", type="network")
    db.session.commit()
    item = new_initiative(
        {
            "title": {"en": "Dialogue"},
            "language": "en",
            "status": "ongoing",
            "places": [],
            "location_precision": "country",
            "organisations": [{"slug": network.slug, "role": "lead"}],
        }
    )
    db.session.commit()
    public = [
        "/en/submit/organisation",
        "/en/submit/initiative",
        "/en/organisations/wanep/suggest",
        f"/en/initiatives/{item.slug}/suggest",
        "/en/organisations/wanep/report",
        f"/en/initiatives/{item.slug}/report",
        "/en/track",
        "/en/login",
        "/en/owner",
        "/en/organisations/wanep/danger",  # (last: it hides the network at once)
    ]
    problems = []
    for url in public:
        for _chosen, action, response in post_typed(client, url):
            assert response.status_code in (200, 400), (action, response.status_code)
            problems += [(action, found) for found in from_input(response.get_data(as_text=True))]
    # A pending proposal for the moderators' forms.
    sent = fill_and_post(
        client,
        "/en/submit/organisation",
        {"name": "Jeunes pour la paix", "summary": "Dialogue entre les jeunes.", "consent": "y"},
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    login("admin")
    from peacemap.models import Submission

    submission = db.session.query(Submission).one()
    moderation = [
        f"/en/moderation/{submission.id}",
        "/en/moderation/organisations/wanep",
        f"/en/moderation/initiatives/{item.slug}",
        "/en/moderation/import",
    ]
    for url in moderation:
        for _chosen, action, response in post_typed(client, url):
            assert response.status_code < 500, (action, response.status_code)
            body = response.get_data(as_text=True)
            if response.status_code == 302:
                body = client.get(response.headers["Location"]).get_data(as_text=True)
            problems += [(action, found) for found in from_input(body)]
    assert problems == []


def test_the_typed_markup_check_can_fail():
    assert len(from_input(f"<p>We could not find: {TYPED}</p>")) >= 4
    assert from_input(f"<p>{escape(TYPED)}</p>") == []
