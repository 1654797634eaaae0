"""Stored XSS: every payload family in every field of published records, then every page,
export and API response that shows them is searched for anything a browser would run."""

import json

import pytest
from bs4 import BeautifulSoup

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
