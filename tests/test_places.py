"""The offline gazetteer: matching typed names and the type-ahead API."""

import pytest

from peacemap.places import matching


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Tombouctou", "Timbuktu"),
        ("TOMBOUCTOU", "Timbuktu"),
        ("تمبكتو", "Timbuktu"),
        ("Segou", "Ségou"),
        ("  ségou ", "Ségou"),
        ("Bamako", "Bamako"),
    ],
)
def test_match_across_spellings_case_accents_and_scripts(typed, expected):
    assert matching.match(typed, "ML").name == expected


def test_match_prefers_the_chosen_country():
    assert matching.match("San", "ML").country == "ML"


def test_unknown_or_empty_names_match_nothing():
    assert matching.match("Atlantis City") is None
    assert matching.match("") is None
    assert matching.match("%_\\") is None


def test_places_api_suggests_with_country_first(client):
    response = client.get("/api/v1/places?q=Tombo&country=ML")
    assert response.status_code == 200
    first = response.get_json()[0]
    assert first["name"] == "Timbuktu" and first["admin1"] == "Tombouctou"
    assert client.get("/api/v1/places?q=a").get_json() == []
    assert client.get("/api/v1/places?q=" + "x" * 101).status_code == 400
    assert client.get("/api/v1/places?q=ab&country=MLI").status_code == 400
