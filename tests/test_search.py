"""Full-text search: languages, accents, scripts, places, facets, upkeep and failures."""

import json
import re
from pathlib import Path

import pytest

from peacemap.effects import run_ready
from peacemap.extensions import db
from peacemap.search import service
from tests.conftest import soup


@pytest.fixture
def places(make_location):
    from peacemap.places.service import location_for

    def place(geonameid):
        location = location_for({"geonameid": geonameid})
        db.session.flush()
        return location

    return place


def names(response):
    return [a.get_text(strip=True) for a in soup(response).select(".result h3 a")]


TIMBUKTU, SEGOU = 2449067, 2451478
WHOOSH_ONLY = pytest.mark.parametrize("search_backend", ["whoosh"])


@pytest.fixture(params=["whoosh", "postgres"])
def search_backend(request):
    """Every search test runs against both backends, unless marked WHOOSH_ONLY."""
    return request.param


def test_accents_case_and_word_forms(client, make_organisation, places, indexed):
    make_organisation(
        name="Association pour la Sécurité",
        summary={"fr": "Conflits fonciers."},
        locations=[places(SEGOU)],
    )
    make_organisation(name="Peace Organization", summary={"en": "An organization for peace."})
    make_organisation(name="Unrelated", summary={"en": "Gardening club."})
    indexed()
    assert names(client.get("/en/search?q=securite+segou")) == ["Association pour la Sécurité"]
    assert names(client.get("/en/search?q=SÉCURITÉ")) == ["Association pour la Sécurité"]
    assert names(client.get("/en/search?q=conflit")) == ["Association pour la Sécurité"]
    assert names(client.get("/en/search?q=organisations")) == ["Peace Organization"]


def test_acronyms_alternate_names_and_names_rank_first(client, make_organisation, indexed):
    make_organisation(
        name="Coalition Nationale de la Société Civile",
        acronym="CONASCIPAL",
        alternate_names=["National Coalition of Civil Society"],
        description={"fr": "Une longue description. " * 50},
    )
    make_organisation(name="Partner", summary={"en": "Works with CONASCIPAL."})
    indexed()
    assert names(client.get("/en/search?q=conascipal"))[0].startswith("Coalition Nationale")
    assert names(client.get("/en/search?q=national+coalition"))[0].startswith("Coalition")


@pytest.mark.parametrize("query", ["Tombouctou", "Timbuktu", "تمبكتو", "tombouctou"])
def test_places_are_found_by_every_gazetteer_name(
    client, make_organisation, places, indexed, query
):
    make_organisation(
        name="Women Mediators", location_precision="commune", locations=[places(TIMBUKTU)]
    )
    indexed()
    assert names(client.get("/en/search", query_string={"q": query})) == ["Women Mediators"]


def test_search_never_reveals_a_place_more_precise_than_agreed(
    client, make_organisation, places, indexed
):
    make_organisation(
        name="Discreet Group", location_precision="country", locations=[places(SEGOU)]
    )
    make_organisation(name="Regional Group", location_precision="region", locations=[places(SEGOU)])
    indexed()
    assert names(client.get("/en/search?q=Segou")) == ["Regional Group"]  # region is Ségou
    results = client.get("/en/search?q=Mali").get_data(as_text=True)
    assert "Discreet Group" in results  # the country is public


def test_theme_labels_in_every_language(client, make_organisation, make_theme, indexed):
    theme = make_theme(labels={"en": "Mediation", "fr": "Médiation", "ar": "الوساطة"})
    make_organisation(name="Dialogue Group", themes=[theme])
    indexed()
    for query in ("mediation", "médiation", "الوساطة"):
        assert names(client.get("/en/search", query_string={"q": query})) == ["Dialogue Group"]


@pytest.mark.parametrize(
    "query", ["المؤسسة", "المؤسسه", "الموسسة", "المُؤَسَّسَة", "المـؤسـسة", "إلمؤسسة"]
)
def test_arabic_is_normalised(client, make_organisation, indexed, query):
    make_organisation(name="مركز", summary={"ar": "المؤسسة الوطنية للسلام"})
    indexed()
    assert names(client.get("/en/search", query_string={"q": query})) == ["مركز"]


def test_facets_filters_sorting_and_pages(client, app, make_organisation, make_initiative, indexed):
    for n in range(app.config["PAGE_SIZE"] + 3):
        make_organisation(name=f"Peace group {n:02d}", country="ML" if n % 2 else "NE")
    make_initiative(title={"en": "Peace caravan"}, summary={"en": "Peace on the road."})
    indexed()
    page = soup(client.get("/en/search?q=peace"))
    assert page.select_one(".result-count").text == "24 results"
    kinds = {o["value"]: o.text for o in page.select("select[name=kind] option")}
    assert kinds["initiative"] == "Initiatives"
    countries = {o["value"]: o.text for o in page.select("select[name=country] option")}
    assert countries["ML"] == "Mali (11)" and countries["NE"] == "Niger (12)"
    assert names(client.get("/en/search?q=peace&kind=initiative")) == ["Peace caravan"]
    by_name = names(client.get("/en/search?q=peace&kind=organisation&sort=name"))
    assert by_name[:3] == ["Peace group 00", "Peace group 01", "Peace group 02"]
    second = names(client.get("/en/search?q=peace&kind=organisation&sort=name&page=2"))
    assert second == ["Peace group 20", "Peace group 21", "Peace group 22"]
    assert client.get("/en/search?q=peace&country=Mali").status_code == 400


def test_did_you_mean_and_helpful_empty_results(client, make_organisation, indexed):
    make_organisation(name="Réseau pour la sécurité humaine")
    indexed()
    page = soup(client.get("/en/search?q=securty"))
    assert page.select_one(".suggestion a").text == "sécurité"
    assert page.select_one(".empty")  # suggestions on what to do next
    assert names(client.get(page.select_one(".suggestion a")["href"])) == [
        "Réseau pour la sécurité humaine"
    ]


NAUGHTY = Path(__file__).resolve().parents[2] / "shared/fixtures/naughty-strings/blns.json"


def test_odd_queries_never_fail(client, make_organisation, indexed):
    make_organisation(name="Peace")
    indexed()
    queries = ['"unbalanced', "AND", "OR OR", "NOT", "(((", "a" * 10_000, "*", "name:x", "\\"]
    if NAUGHTY.exists():
        queries += json.loads(NAUGHTY.read_text(encoding="utf-8"))
    for query in queries:
        response = client.get("/en/search", query_string={"q": query})
        assert response.status_code == 200, query
    long = client.get("/en/search", query_string={"q": "peace " * 1500})
    assert "only its beginning was used" in long.get_data(as_text=True)
    assert client.get("/en/search", query_string={"q": "x" * 10_001}).status_code == 400


def test_unpublished_records_never_enter_the_index(client, make_organisation, indexed):
    make_organisation(name="Hidden Peace", status="unpublished")
    indexed()
    assert names(client.get("/en/search?q=hidden")) == []
    missing, extra, stale = service.check()
    assert (missing, extra, stale) == ([], [], [])


def test_index_follows_approvals_and_unpublishing(
    client, app, make_user, make_organisation, indexed
):
    from peacemap.moderation import services as moderation
    from tests.test_moderation import propose

    indexed()
    moderator = make_user()
    submission = propose()
    moderation.approve(submission, moderator)
    db.session.commit()
    run_ready()
    assert names(client.get("/en/search?q=jeunes")) == ["Réseau des Jeunes pour la Paix"]
    org = submission.organisation_id
    from peacemap.models import Organisation

    moderation.set_published(db.session.get(Organisation, org), False, moderator)
    db.session.commit()
    run_ready()
    assert names(client.get("/en/search?q=jeunes")) == []


def test_check_reports_drift_and_rebuild_heals_it(runner, make_organisation, indexed):
    make_organisation(name="Indexed")
    indexed()
    make_organisation(name="Added behind the index's back")
    db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "1 missing from the index" in result.output
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0


@WHOOSH_ONLY
def test_searches_keep_working_during_a_rebuild(client, make_organisation, indexed):
    make_organisation(name="Baobab Peace")
    indexed()
    seen_during = []

    def slow_documents():
        from peacemap.search.documents import all_documents

        for document in all_documents():
            response = client.get("/en/search?q=baobab")
            seen_during.append((names(response), soup(response).select_one(".notice")))
            yield document

    service.backend().rebuild(slow_documents())
    assert seen_during and all(found == (["Baobab Peace"], None) for found in seen_during), (
        seen_during
    )
    assert len(list(Path(service.backend().root).glob("index-*"))) == 1  # the old one is gone


# Whoosh leaves a file handle open when it fails to read a damaged table of contents.
@WHOOSH_ONLY
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_missing_or_damaged_index_degrades_to_the_database(client, app, make_organisation, indexed):
    make_organisation(name="Peace Builders", summary={"en": "Peace in Mopti."})
    indexed()
    live = service.backend().live_dir()
    for path in live.glob("*.seg"):
        path.write_bytes(b"garbage")
    for path in live.glob("*.toc"):
        path.write_bytes(b"garbage")
    response = client.get("/en/search?q=peace")
    assert response.status_code == 200
    page = soup(response)
    assert "simpler mode" in page.select_one(".notice").text
    assert names(response) == ["Peace Builders"]
    (Path(service.backend().root) / "CURRENT").unlink()
    assert names(client.get("/en/search?q=peace")) == ["Peace Builders"]
    service.rebuild()
    assert soup(client.get("/en/search?q=peace")).select_one(".notice") is None


@WHOOSH_ONLY
def test_a_locked_index_never_loses_a_decision(
    client, make_user, make_organisation, indexed, monkeypatch, caplog
):
    from whoosh.index import LockError

    from peacemap.models import Submission, SubmissionState
    from peacemap.moderation import services as moderation
    from tests.test_moderation import propose

    indexed()
    monkeypatch.setattr("peacemap.search.whoosh.index.WRITE_TIMEOUT", 0.1)
    writer = service.backend()._open().writer()  # another process holds the lock
    try:
        submission = propose()
        moderation.approve(submission, make_user())
        db.session.commit()
        run_ready()
    finally:
        writer.cancel()
    assert db.session.get(Submission, submission.id).state == SubmissionState.APPROVED
    assert "failed after commit" in caplog.text
    assert service.check()[0]  # the index knows it is behind; a rebuild heals it
    assert LockError


def test_api_search(client, make_organisation, indexed):
    make_organisation(slug="wanep", name="WANEP", summary={"en": "Peace network."})
    indexed()
    data = client.get("/api/v1/search?q=wanep&lang=en").get_json()
    assert data["total"] == 1 and data["items"][0]["slug"] == "wanep"
    assert data["items"][0]["url"].endswith("/en/organisations/wanep")
    assert client.get("/api/v1/search?page=0").status_code == 400
    assert client.get("/api/v1/search?page=0").is_json


def test_whoosh_is_imported_only_in_the_search_package():
    root = Path(__file__).resolve().parents[1] / "peacemap"
    stray = [
        str(path)
        for path in root.rglob("*.py")
        if "search" not in path.relative_to(root).parts
        and re.search(r"^\s*(import|from) whoosh", path.read_text(), re.MULTILINE)
    ]
    assert stray == []


def test_snippets_start_and_end_on_whole_words():
    text = "Un long texte " * 10 + "sur la sécurité à Ségou " + "et la suite du texte " * 20
    pieces = service.snippet(text, {"securit"})
    joined = "".join(piece for piece, _ in pieces)
    assert joined.startswith("… ") and joined.endswith(" …")
    assert joined[2:].split(" ")[0] in {"Un", "long", "texte"}
    assert [piece for piece, matched in pieces if matched] == ["sécurité"]


def test_achievements_are_searchable(client, make_organisation, indexed):
    from peacemap.models import Achievement

    org = make_organisation(name="Coalition")
    org.achievements.append(
        Achievement(year=2000, scope="national", text={"fr": "Atelier à Tombouctou."})
    )
    indexed()
    assert names(client.get("/en/search?q=atelier")) == ["Coalition"]


@pytest.mark.parametrize("query", ["تمبكتو", "Timbuktu", "tombouctou"])
def test_a_place_named_in_free_text_is_found_in_any_spelling(
    client, make_organisation, indexed, query
):
    make_organisation(name="Coalition", summary={"fr": "Un atelier à Tombouctou en 2000."})
    indexed()
    assert names(client.get("/en/search", query_string={"q": query})) == ["Coalition"]


def test_a_new_site_with_an_empty_index_searches_it(client, caplog):
    # Whoosh cannot refresh the reader of an index without documents (a new site).
    service.rebuild()
    for _ in range(2):
        assert client.get("/en/search?q=Kidal").status_code == 200
    assert "degraded" not in caplog.text
