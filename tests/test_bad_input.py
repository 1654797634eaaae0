"""Hostile and odd query strings give a normal page or a 400, never a 500."""

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from peacemap.extensions import db

NAUGHTY_FILE = (
    Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "naughty-strings" / "blns.json"
)
# A few of the list's worst, kept here so the test runs even without ../shared.
BUILT_IN = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "\u202e\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "𝕿𝖍𝖊 𝖖𝖚𝖎𝖈𝖐",
    "\x00",
    "../../etc/passwd",
    "-1",
    "99999999999999999999999",
    "1e308",
    "NaN",
    " ",
    "",
]


def naughty_strings():
    strings = list(BUILT_IN)
    if NAUGHTY_FILE.exists():
        strings += json.loads(NAUGHTY_FILE.read_text(encoding="utf-8"))
    return strings


PARAMS = {
    "/en/organisations": [
        "q",
        "country",
        "region",
        "theme",
        "type",
        "verification",
        "sort",
        "page",
    ],
    "/en/initiatives": ["q", "country", "theme", "status", "page"],
}


@pytest.fixture
def some_data(make_organisation, make_theme, make_initiative):
    org = make_organisation(themes=[make_theme()])
    make_initiative(organisations=[(org, "lead")])
    db.session.commit()


@pytest.mark.parametrize("path", sorted(PARAMS))
def test_every_parameter_survives_every_naughty_string(client, some_data, path):
    failures = []
    for name in PARAMS[path]:
        for value in naughty_strings():
            query = urlencode({name: value})
            response = client.get(f"{path}?{query}")
            if response.status_code not in (200, 400):
                failures.append((name, value, response.status_code))
            elif value and response.status_code == 200:
                # Whatever was typed is never rendered as markup.
                assert "<script>alert" not in response.get_data(as_text=True)
    assert failures == []


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=0",
        "page=10001",
        "page=99999999999999999999",
        "page=abc",
        "page=1.5",
        "q=" + "x" * 201,
        "region=" + "x" * 121,
        "country=mali",
        "type=nonsense",
        "sort=random()",
    ],
)
def test_invalid_filters_are_400(client, query):
    assert client.get(f"/en/organisations?{query}").status_code == 400


@pytest.mark.parametrize(
    "query", ["page=2&page=3", "country=ML&country=NE", "q=a&q=b", "theme=&theme=x", "page= 1"]
)
def test_repeated_or_blank_parameters_give_a_normal_page(client, query):
    assert client.get(f"/en/organisations?{query}").status_code == 200


@pytest.mark.parametrize("slug", ["..", "%00", "a" * 500, "<script>", "conascipal'--"])
def test_odd_slugs_are_404(client, slug):
    assert client.get(f"/en/organisations/{slug}").status_code == 404
    assert client.get(f"/en/initiatives/{slug}").status_code == 404


def test_naughty_content_is_shown_escaped(client, make_organisation):
    make_organisation(
        slug="evil",
        name="<img src=x onerror=alert(1)>",
        summary={"en": "<script>alert('x')</script>"},
        alternate_names=["<b>bold</b>"],
    )
    db.session.commit()
    html = client.get("/en/organisations/evil").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html and "<b>bold" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    listing = client.get("/en/organisations").get_data(as_text=True)
    assert "<img src=x" not in listing


def test_nul_characters_are_refused_everywhere(client):
    assert client.get("/en/organisations?q=a%00b").status_code == 400
    assert client.get("/en/search?q=%00").status_code == 400
    assert client.get("/en/organisations/x%00y").status_code == 404
    page = client.get("/en/submit/organisation")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(True))
    response = client.post(
        "/en/submit/organisation", data={"csrf_token": token.group(1), "name": "A\x00B"}
    )
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
