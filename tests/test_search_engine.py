"""The bitset engine answers exactly what Whoosh itself would, only faster.

A Whoosh index of a few thousand synthetic documents (several segments, with deletions) is
queried both ways: matches, counts, facets, sorting and the threshold algorithm are compared
with Whoosh's own searcher and with brute force.
"""

import random

import pytest

from peacemap.search.whoosh import engine, ranking, segments
from peacemap.search.whoosh.index import FACETS, WhooshIndex

WORDS = [
    "paix",
    "sécurité",
    "médiation",
    "dialogue",
    "jeunes",
    "femmes",
    "conflits",
    "fonciers",
    "réconciliation",
    "cohésion",
    "sociale",
    "prévention",
    "gouvernance",
    "armes",
    "légères",
    "justice",
    "réseau",
    "alerte",
    "précoce",
    "peace",
    "security",
    "youth",
    "women",
    "land",
    "rights",
    "early",
    "warning",
    "network",
    "organisations",
]
COUNTRIES = ["ML", "BF", "NE", "SN"]
THEMES = ["mediation", "youth", "gender", "land", "early-warning"]


def document(number, rng):
    words = rng.choices(WORDS, k=rng.randint(3, 40))
    country = rng.choice(COUNTRIES)
    return {
        "id": f"organisation:{number}",
        "kind": "organisation" if number % 5 else "initiative",
        "names": f"{rng.choice(['Association', 'Réseau', 'Groupe'])} {rng.choice(WORDS)} {number}",
        "text": " ".join(words),
        "spell": " ".join(words[:5]),
        "country": country,
        "region": rng.choice(["Ségou", "Mopti", "Gao", ""]),
        "theme": ",".join(rng.sample(THEMES, rng.randint(0, 2))),
        "type": rng.choice(["ngo", "network", "community_based"]),
        "verified": rng.choice(["yes", "no"]),
        "sort_name": f"{rng.choice(WORDS)} {number:05}",
        "updated": rng.randint(1_600_000_000, 1_700_000_000),
    }


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """3,000 documents in a rebuilt index, then two commits: one adds, one replaces/deletes."""
    rng = random.Random(11)
    index = WhooshIndex(tmp_path_factory.mktemp("engine"))
    index.rebuild(document(n, rng) for n in range(3000))
    index.update(documents=[document(n, rng) for n in range(3000, 3200)])
    index.update(
        documents=[document(n, rng) for n in range(0, 300, 3)],  # replaced: old copies deleted
        remove=[f"organisation:{n}" for n in range(1, 300, 7)],
    )
    return index


QUERIES = [
    "paix",
    "sécurité jeunes",
    "peace OR network",
    "conflits NOT fonciers",
    "réseau alerte précoce",
    '"alerte précoce"',
    "(jeunes OR youth) femmes",
    "association",
    "",
    "xyzzy",
]


def whoosh_docs(index, text):
    searcher = index.searcher()
    return set(searcher.search(index.parse(text), limit=None).docs())


@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_counts_are_whooshs_own(index, text):
    found = index.engine().match(index.parse(text))
    assert set(engine.iter_bits(found)) == whoosh_docs(index, text)


def test_the_index_has_segments_and_deletions(index):
    reader = index.searcher().reader()
    assert len(reader.leaf_readers()) > 1
    assert reader.doc_count_all() > reader.doc_count()  # deleted documents are still there
    assert index.engine().live.bit_count() == reader.doc_count()


def test_facet_counts_and_filters_agree_with_stored_values(index):
    eng = index.engine()
    matched = eng.match(index.parse("paix"))
    counts = eng.facet_counts(matched)
    searcher = index.searcher()
    expected = {name: {} for name in FACETS}
    # Facet values are not stored; recount from the postings Whoosh itself reports.
    for name in FACETS:
        for value in searcher.reader().lexicon(name):
            docs = set(searcher.search(_term(name, value.decode()), limit=None).docs())
            count = len(docs & set(engine.iter_bits(matched)))
            if count:
                expected[name][value.decode()] = count
    assert counts == expected
    allowed = eng.filter_bits({"country": "ML", "verified": "yes"})
    both = whoosh_docs(index, "paix") & set(
        searcher.search(_and(("country", "ML"), ("verified", "yes")), limit=None).docs()
    )
    assert set(engine.iter_bits(matched & allowed)) == both


def _term(name, value):
    from whoosh.query import Term

    return Term(name, value)


def _and(*pairs):
    from whoosh.query import And

    return And([_term(name, value) for name, value in pairs])


@pytest.mark.parametrize(
    "text", ["paix", "sécurité jeunes", "réseau alerte précoce", "peace", "peace OR network"]
)
def test_threshold_algorithm_and_max_score_find_the_true_top(index, text, monkeypatch):
    eng = index.engine()
    query = index.parse(text)
    matched = eng.match(query)
    terms = eng.scoring_terms(query)
    monkeypatch.setattr(ranking, "DIRECT", 0)
    monkeypatch.setattr(ranking, "CANDIDATES", 0)  # threshold algorithm everywhere
    monkeypatch.setattr(ranking, "WALK_FIRST_BELOW", 10**9)
    threshold = eng.top(matched, terms, 25)
    monkeypatch.setattr(ranking, "WALK_FIRST_BELOW", 0)  # MaxScore first, then the walk
    narrowed_walk = eng.top(matched, terms, 25)
    monkeypatch.setattr(ranking, "WALK_FIRST_BELOW", 10**9)
    monkeypatch.setattr(ranking, "BUDGET", 16)  # a short walk, then the walk goes on
    resumed = eng.top(matched, terms, 25)
    monkeypatch.setattr(ranking, "BUDGET", 0)
    monkeypatch.setattr(ranking, "CANDIDATES", 10**9)  # MaxScore candidates, all scored
    monkeypatch.setattr(ranking, "NARROWED", 1.0)
    max_score = eng.top(matched, terms, 25)
    monkeypatch.setattr(ranking, "DIRECT", 10**9)  # every match scored
    brute = eng.top(matched, terms, 25)
    assert threshold == brute
    assert narrowed_walk == brute
    assert resumed == brute
    assert max_score == brute
    assert len(brute) == min(25, matched.bit_count())


@pytest.mark.parametrize("text", ["paix", "sécurité jeunes", "réseau alerte précoce"])
def test_ranking_follows_whooshs_bm25(index, text):
    """Impacts are quantised to a byte, so the order may differ slightly, never the quality."""
    eng = index.engine()
    query = index.parse(text)
    ours = eng.top(eng.match(query), eng.scoring_terms(query), 10)
    results = index.searcher().search(query, limit=None)
    score = {hit.docnum: hit.score for hit in results}
    tenth = sorted(score.values(), reverse=True)[9]
    assert all(score[docnum] >= tenth * 0.95 for docnum in ours)
    assert max(score, key=score.get) in ours


@pytest.mark.parametrize("field,reverse", [("sort_name", False), ("updated", True)])
def test_sorted_pages_match_the_stored_order(index, field, reverse, monkeypatch):
    eng = index.engine()
    matched = eng.match(index.parse("paix"))
    values = {}
    for reader, offset, _cache in eng.leaves:
        column = list(reader.column_reader(field))
        for docnum in range(reader.doc_count_all()):
            values[offset + docnum] = column[docnum]
    if reverse:
        docs = sorted(engine.iter_bits(matched), key=lambda d: (-values[d], d))
    else:
        docs = sorted(engine.iter_bits(matched), key=lambda d: (values[d], d))
    for direct in (0, 10**9):
        monkeypatch.setattr(ranking, "DIRECT", direct)
        assert eng.sorted_top(matched, field, reverse, 30) == docs[:30]


def test_a_commit_keeps_the_big_segments_cache(index):
    before = index.engine()
    big = max(before.leaves, key=lambda leaf: leaf[2].size)[2]
    before.match(index.parse("paix"))
    index.update(documents=[document(5000, random.Random(5)) | {"names": "Zanzibarien"}])
    after = index.engine()
    assert after is not before
    assert any(cache is big for _reader, _offset, cache in after.leaves)
    found = after.match(index.parse("zanzibarien"))
    assert found.bit_count() == 1
    assert set(engine.iter_bits(after.match(index.parse("paix")))) == whoosh_docs(index, "paix")


@pytest.mark.parametrize("arity", range(1, 9))
def test_the_scorer_of_every_arity_adds_as_scores_does(arity):
    """The written-out scorers (one to six lists) and the loop (more) give bit for bit the
    scores that `scores` gives, list by list."""
    rng = random.Random(arity)
    weights = [([rng.random() for _ in range(50)], rng.random() * 3) for _ in range(arity)]
    docs = list(range(0, 50, 3))
    score = ranking._scorer(weights)
    assert [score(d) for d in docs] == ranking.scores(docs, weights)
    assert len(set(ranking.scores(docs, weights))) > 1  # not a constant that matches anything


def test_bitset_helpers():
    bits = segments.bits_of([0, 7, 8, 1000], 1001)
    assert list(engine.iter_bits(bits)) == [0, 7, 8, 1000]
    bitmap = segments.bitmap_of(bits, 1001)
    assert [d for d in range(1001) if bitmap[d >> 3] >> (d & 7) & 1] == [0, 7, 8, 1000]
    assert list(engine.iter_bits(0)) == []


def _tokens(analyzer, text, **options):
    return [
        (token.text, token.stopped, token.pos, token.startchar, token.endchar)
        for token in analyzer(text, positions=True, chars=True, **options)
    ]


def test_the_one_pass_analyzer_gives_the_reference_chains_tokens():
    from peacemap.search.analysis import TextAnalyzer, reference_text_analyzer
    from tests.test_bad_input import naughty_strings

    fast, reference = TextAnalyzer(), reference_text_analyzer()
    texts = naughty_strings() + [
        "Les organisations de la société civile à Tombouctou: l'ONG « Paix » des jeunes",
        "تُمْبُكْتُو جمعية الأمن والسلام",
        "للسلام بالأمن وأمن منظمات المبادرات الوطنية ـالحقـ كتاب",
        "Réconciliation, réseaux d'alerte précoce and early-warning networks (2019)",
        "the of and a an",
    ]
    for text in texts:
        for options in (
            {},
            {"removestops": False},
            {"mode": "query"},
            {"start_pos": 5},
            {"no_morph": True},
        ):
            assert _tokens(fast, text, **options) == _tokens(reference, text, **options), text
        assert _tokens(fast, text, tokenize=False) == _tokens(reference, text, tokenize=False)


def test_an_index_of_the_earlier_layout_still_takes_updates_and_sorts(tmp_path):
    """Indexes built before sort values moved to columns keep working until rebuilt."""
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, NUMERIC

    from peacemap.search.whoosh.index import schema

    earlier = schema()
    earlier.remove("sort_name")
    earlier.remove("updated")
    earlier.add("sort_name", ID(sortable=True))
    earlier.add("updated", NUMERIC(stored=True, sortable=True, bits=64))
    folder = tmp_path / "index-1"
    folder.mkdir()
    whoosh_index.create_in(folder, earlier)
    (tmp_path / "CURRENT").write_text("index-1")
    legacy = WhooshIndex(tmp_path)
    rng = random.Random(3)
    docs = [document(n, rng) | {"text": "paix"} for n in range(40)]
    legacy.update(documents=docs)
    hits, total, _facets, _query = legacy.search("paix", {}, 1, 10, "name")
    assert total == 40
    first = sorted(docs, key=lambda doc: doc["sort_name"])[:10]
    assert [f"{kind}:{number}" for kind, number in hits] == [doc["id"] for doc in first]


def test_lengths_read_at_once_are_whooshs_own(index):
    for reader, _offset, _cache in index.engine().leaves:
        for field in ("names", "text"):
            slow = [reader.doc_field_length(n, field) for n in range(reader.doc_count_all())]
            assert list(segments._read_lengths(reader, field, reader.doc_count_all())) == slow
            assert any(slow)


@pytest.mark.parametrize("text", ["paix", "réseau alerte précoce", "peace OR network"])
def test_short_impact_heads_still_give_the_true_top(index, text, monkeypatch):
    """Only the head of each impact order is kept; past it the engine scores candidates."""
    query = index.parse(text)
    matched = index.engine().match(query)
    brute_engine = index.engine()
    monkeypatch.setattr(ranking, "DIRECT", 10**9)
    brute = brute_engine.top(matched, brute_engine.scoring_terms(query), 25)
    monkeypatch.setattr(ranking, "DIRECT", 0)
    monkeypatch.setattr(ranking, "BUDGET", 10**9)
    monkeypatch.setattr(segments, "ORDER_HEAD", 40)
    monkeypatch.setattr(engine.Engine, "_segments", {})  # fresh caches, read with short heads
    short = engine.Engine(index.searcher(), FACETS)
    assert any(
        not cache.postings(reader, "text", "paix").complete for reader, _o, cache in short.leaves
    )
    assert short.top(matched, short.scoring_terms(query), 25) == brute


def test_a_deletion_in_an_older_segment_is_seen_at_once(tmp_path):
    """Whoosh's refresh() reuses the reader of a segment whose deletions changed, so a removed
    or replaced document would still be found by its old words: the searcher is opened anew."""
    rng = random.Random(3)
    index = WhooshIndex(tmp_path)
    index.rebuild(document(n, rng) | {"names": f"Quorvantel {n}"} for n in range(40))
    assert len(whoosh_docs(index, "quorvantel")) == 40  # (control: the searcher is cached now)
    cached = index.searcher()
    index.update(remove=["organisation:3"])
    index.update(documents=[document(5, rng) | {"names": "Renamed"}])
    assert len(whoosh_docs(index, "quorvantel")) == 38
    assert index.engine().match(index.parse("quorvantel")).bit_count() == 38
    assert index.searcher() is not cached
