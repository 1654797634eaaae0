"""Search through the service without the database's help: suggestions from the spelling
dictionary, result cards stored in the index, place expansions kept per word."""

import random
from datetime import UTC, datetime

import pytest

from peacemap.effects import run_ready
from peacemap.extensions import db
from peacemap.models import Organisation
from peacemap.search import documents, service, shown
from peacemap.search.whoosh.spelling import Speller, levenshtein
from tests.conftest import soup

TIMBUKTU = 2449067
# The Whoosh index on either database (PEACEMAP_TEST_BACKEND=postgres puts the data in
# PostgreSQL): the page's check is plain SQL, read on both.
pytestmark = pytest.mark.config(SEARCH_BACKEND="whoosh")


@pytest.fixture
def moderator(make_user):
    return make_user()


def names(response):
    return [a.get_text(strip=True) for a in soup(response).select(".result h3 a")]


def suggestion(response):
    found = soup(response).select_one(".suggestion a")
    return found.text if found else None


def live_cards():
    """{record key: stored card} of every live (not deleted) document of the index."""
    searcher = service.backend().searcher()
    cards = {}
    for reader, _offset in searcher.reader().leaf_readers():
        for docnum in reader.all_doc_ids():
            fields = reader.stored_fields(docnum)
            cards[fields["id"]] = fields.get("card")
    return cards


# -- "did you mean" --------------------------------------------------------------------------
def test_a_misspelling_with_no_results_is_corrected(
    client, monkeypatch, make_organisation, indexed
):
    from peacemap.search.whoosh.index import WhooshIndex

    make_organisation(name="Réseau pour la sécurité humaine")
    make_organisation(name="الأمن والسلام", summary={"ar": "الأمن"}, language="ar")
    indexed()
    read = []
    real_published = documents.published
    monkeypatch.setattr(documents, "published", lambda *a: read.append(a) or real_published(*a))
    response = client.get("/en/search?q=securty")
    assert names(response) == []
    assert suggestion(response) == "sécurité"  # as the record writes it
    assert suggestion(client.get("/en/search?q=الأمنن")) == "الأمن"
    assert read == []  # written from the index's stored texts, no record read
    # The same as the records themselves say (indexes that do not store the texts).
    monkeypatch.setattr(WhooshIndex, "spelling_texts", lambda self, word, limit=5: None)
    assert suggestion(client.get("/en/search?q=secrity")) == "sécurité"  # (a page not kept)
    assert suggestion(client.get("/en/search?q=الامنن")) == "الأمن"
    assert read  # the control: that path reads the records


@pytest.mark.parametrize("with_paix, suggested", [(1, "paix sécurité"), (3, None)])
def test_a_suggestion_only_when_results_are_few(
    client, make_organisation, indexed, with_paix, suggested
):
    """With one result a corrected query that finds more is offered; with three, none (the
    first case is the control of the second)."""
    for number in range(with_paix):
        make_organisation(name=f"Paix Nord {number}")
    make_organisation(name="Sécurité Sud")
    make_organisation(name="Sécurité Est")
    indexed()
    # No record has both words, so any word will do: the "paix" records only.
    response = client.get("/en/search?q=paix securty")
    assert len(names(response)) == with_paix
    assert suggestion(response) == suggested
    # Never when every word is known.
    known = client.get("/en/search?q=paix sécurité")
    assert suggestion(known) is None and names(known)


def test_the_dictionary_answers_as_whooshs_corrector(app, make_organisation, indexed):
    """Same suggestion as Whoosh's own corrector, on one segment and on several."""
    words = ["securite", "securites", "secours", "sectaire", "mediation", "meditation", "médias"]
    for number, word in enumerate(words):
        make_organisation(name=f"Groupe {word} {'et paix ' * (number % 3)}")
    indexed()
    typos = ["securty", "secourt", "mediaton", "medtation", "sekurite", "xecurite", "med", "paiz"]

    def compare():
        searcher = service.backend().searcher()
        corrector = searcher.corrector("spell")
        speller = Speller(searcher)
        answers = {}
        for typo in typos:
            whoosh = corrector.suggest(typo, limit=1, maxdist=2, prefix=1)
            assert speller.suggest(typo) == (whoosh[0] if whoosh else None), typo
            answers[typo] = speller.suggest(typo)
        return answers

    answers = compare()
    assert answers["securty"] == "securite" and answers["xecurite"] is None  # a control


def test_the_dictionary_answers_as_whooshs_corrector_over_segments(tmp_path):
    """Several segments with deletions (frequencies summed as Whoosh sums them), and typos
    made at random from the indexed words: the same answer every time."""
    from peacemap.search.analysis import normalise
    from peacemap.search.whoosh.index import WhooshIndex
    from tests.test_search_engine import WORDS, document

    rng = random.Random(5)
    index = WhooshIndex(tmp_path)
    index.rebuild(document(n, rng) for n in range(600))
    index.update(documents=[document(n, rng) for n in range(600, 700)])
    index.update(
        documents=[document(n, rng) for n in range(0, 100, 3)],
        remove=[f"organisation:{n}" for n in range(1, 100, 7)],
    )
    searcher = index.searcher()
    assert len(searcher.reader().leaf_readers()) > 1
    corrector, speller = searcher.corrector("spell"), Speller(searcher)
    letters = "abcdeéilmnorstu"
    typos = set()
    for word in WORDS:
        word = normalise(word)
        for _ in range(6):
            typo = list(word)
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(typo))
                typo[at : at + 1] = rng.choice([[], [rng.choice(letters)], [typo[at], "x"]])
            typos.add("".join(typo))
    suggested = 0
    for typo in sorted(typos):
        whoosh = corrector.suggest(typo, limit=1, maxdist=2, prefix=1)
        assert speller.suggest(typo) == (whoosh[0] if whoosh else None), typo
        suggested += bool(whoosh)
    assert 20 < suggested < len(typos)  # both kinds of answer were compared


def test_edit_distance():
    assert levenshtein("securty", "securite") == 2
    assert levenshtein("paix", "paix") == 0
    assert levenshtein("paix", "paixxxx") == 3  # beyond the limit: limit + 1
    assert levenshtein("abc", "xyz", limit=5) == 3


# -- result cards --------------------------------------------------------------------------
def _results(client, query):
    page = soup(client.get("/en/search", query_string={"q": query}))
    return [str(article) for article in page.select(".result")]


def test_stored_cards_show_what_the_database_shows(
    client, app, monkeypatch, make_organisation, make_initiative, indexed
):
    make_organisation(
        name="Réseau Paix Sahel",
        acronym="RPS",
        type="community_based",
        verification_level="register_checked",
        verified_at=datetime.now(UTC),
        summary={"fr": "Médiation et paix à Gao", "en": "Peace and mediation in Gao"},
        language="fr",
    )
    make_organisation(name="Paix Ouest", summary={"ar": "السلام في الغرب"}, language="ar")
    make_initiative(title={"fr": "Caravane de la paix"}, summary={"fr": "Paix, dialogue"})
    indexed()
    loaded = []
    real_load = shown.load
    monkeypatch.setattr(shown, "load", lambda found: loaded.append(found) or real_load(found))
    from_cards = _results(client, "paix")
    assert len(from_cards) == 3 and loaded == []  # drawn from the cards alone
    api_from_cards = client.get("/api/v1/search?q=paix&lang=fr").get_json()["items"]

    monkeypatch.setattr(shown, "records", shown.load)  # as before: rows from the database
    assert _results(client, "paix") == from_cards
    assert client.get("/api/v1/search?q=paix&lang=fr").get_json()["items"] == api_from_cards


def test_a_card_older_than_the_database_is_not_shown(
    client, app, make_organisation, indexed, monkeypatch
):
    org = make_organisation(name="Paix Ancienne")
    indexed()
    org = db.session.get(Organisation, org.id)  # a rebuild lets go of the session's objects
    assert names(client.get("/en/search?q=paix")) == ["Paix Ancienne"]
    # The index fails to follow a rename: the page shows the database's name, not the card's.
    monkeypatch.setattr(service, "reindex", lambda *args, **kwargs: None)
    monkeypatch.setattr(service, "reindex_many", lambda *args, **kwargs: None)
    org.name = "Paix Nouvelle"
    db.session.commit()
    run_ready()
    assert live_cards()[f"organisation:{org.id}"]["name"] == "Paix Ancienne"  # stale in the index
    assert names(client.get("/en/search?q=paix")) == ["Paix Nouvelle"]


def test_a_hidden_record_leaves_no_card(client, make_organisation, moderator, indexed):
    from peacemap.moderation import services as moderation

    org = make_organisation(name="Paix Cachée", email="secret@example.org", phone="+22370000000")
    indexed()
    org = db.session.get(Organisation, org.id)
    key = f"organisation:{org.id}"
    card = live_cards()[key]
    assert card["name"] == "Paix Cachée"  # the control: the card is there while published
    assert set(card) == set(documents.SHOWN["organisation"]) | {"updated"}  # nothing private
    moderation.set_published(org, False, moderator)
    db.session.commit()
    run_ready()
    assert key not in live_cards()
    assert not any(c and c["name"] == "Paix Cachée" for c in live_cards().values())
    assert names(client.get("/en/search?q=paix")) == []


def test_a_hidden_record_is_not_shown_when_the_index_failed_to_follow(
    client, make_organisation, moderator, indexed, monkeypatch
):
    from peacemap.moderation import services as moderation

    org = make_organisation(name="Paix Cachée")
    indexed()
    org = db.session.get(Organisation, org.id)
    monkeypatch.setattr(service, "reindex", lambda *args, **kwargs: None)
    moderation.set_published(org, False, moderator)
    db.session.commit()
    run_ready()
    assert f"organisation:{org.id}" in live_cards()  # the index still has it
    results = service.search("paix", {})
    assert results.hits == [] and results.total == 0


# -- place expansion -------------------------------------------------------------------------
def test_the_place_cache_returns_the_same_expansions(app):
    service.expand_place.cache_clear()
    for word in ["Tombouctou", "تمبكتو", "Timbuktu", "Ségou", "paix", "OR", "Go"]:
        computed = service.expand_place.__wrapped__(word)
        assert service.expand_place(word) == computed
        assert service.expand_place(word) == computed
    assert service.expand_place.cache_info().hits >= 7
    expanded = service.expand_places("paix Tombouctou")
    assert expanded.startswith("paix (") and f"gn{TIMBUKTU}" in expanded


def test_a_big_segments_words_are_read_in_a_thread_meanwhile_whoosh_answers(
    app, monkeypatch, make_organisation, indexed
):
    import time

    from peacemap.search.whoosh import spelling

    for word in ["securite", "mediation", "tombouctou"]:
        make_organisation(name=f"Groupe {word}")
    indexed()
    monkeypatch.setattr(spelling, "SYNC_UP_TO", 0)  # every segment counts as big
    spelling.forget()
    speller = Speller(service.backend().searcher())
    typos = ["securty", "mediaton", "tombouctu", "xyz"]
    meanwhile = [speller.suggest(typo) for typo in typos]
    for _ in range(200):
        if speller._words() is not None:
            break
        time.sleep(0.05)
    assert speller._words() is not None  # the words were read
    assert [speller.suggest(typo) for typo in typos] == meanwhile
    assert meanwhile == ["securite", "mediation", "tombouctou", None]


def test_a_warmed_worker_has_read_the_spelling_dictionary(app, monkeypatch, make_organisation):
    from peacemap.search.whoosh import spelling
    from peacemap.warmup import warm

    make_organisation(name="Groupe securite")
    db.session.commit()
    service.rebuild()
    monkeypatch.setattr(spelling, "SYNC_UP_TO", 0)  # as if big: a request would read in a thread
    spelling.forget()
    assert spelling.Speller._segments == {}  # the control: nothing read yet
    warm(app)
    read = list(spelling.Speller._segments.values())
    assert read and all(isinstance(words, spelling.SegmentWords) for words in read)
    assert "securite" in read[0].frequency
