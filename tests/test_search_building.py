"""A rebuild's segments are the ones Whoosh's own writer makes from the same documents."""

import random
import re

import pytest
from whoosh import index as whoosh_index

from peacemap.extensions import db
from peacemap.search import service
from peacemap.search.whoosh import building
from peacemap.search.whoosh import index as peacemap_index
from peacemap.search.whoosh.index import _fitted, schema
from tests.test_search_engine import document

TRICKY = [
    "L'ONG « Paix et Sécurité » — the women and the youth of the Sahel, paix PAIX paix.",
    "تُمْبُكْتُو جمعية السلام مؤسسة الأمن",
    "a the of and le la les des du\nMopti\nMopti\nSégou 2024 gn2453348 rgmlmopti",
    "",
    "   ",
    "Réseau d'alerte précoce; réseaux, ré-seau, early-warning early warning",
]


def documents():
    """Synthetic documents and some with stop words only, repeats, accents, Arabic, gaps."""
    rng = random.Random(5)
    found = [document(n, rng) for n in range(400)]
    for number, text in enumerate(TRICKY):
        found[number * 7] |= {"names": text, "text": text * 3, "spell": text, "region": ""}
    found[3] |= {"theme": "", "names": "Sans nom"}
    del found[4]["region"]
    return [_fitted(item, schema()) for item in found]


def whooshs_own(folder, items):
    folder.mkdir()
    ix = whoosh_index.create_in(folder, schema())
    writer = ix.writer()
    for item in items:
        writer.add_document(**item)
    writer.commit()
    return ix


def ours(folder, shares):
    folder.mkdir()
    building.build(folder, schema(), shares)
    return whoosh_index.open_dir(folder)


def contents(ix):
    """Everything a reader can tell of the index, per document in index order."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        layout = ix.schema
        postings = {}
        for name in layout.names():
            if not layout[name].indexed:
                continue
            for term in reader.lexicon(name):
                info = reader.term_info(name, term)
                matcher = reader.postings(name, term)
                items = []
                while matcher.is_active():
                    items.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                summary = (info.doc_frequency(), info.weight(), info.max_weight())
                summary += (info.min_length(), info.max_length(), info.min_id(), info.max_id())
                postings[(name, term)] = (summary, items)
        offsets = [offset for _leaf, offset in reader.leaf_readers()]
        scorable = [name for name in layout.names() if layout[name].scorable]
        documents = [
            (
                reader.stored_fields(docnum),
                [reader.doc_field_length(docnum, name) for name in scorable],
            )
            for docnum in range(reader.doc_count_all())
        ]
        totals = [
            [reader.field_length(name), reader.min_field_length(name)]
            + [reader.max_field_length(name)]
            for name in scorable
        ]
        columns = {name: list(reader.column_reader(name)) for name in ("sort_name", "updated")}
        return postings, documents, totals, columns, offsets


def test_a_built_segment_is_the_one_whoosh_writes(tmp_path):
    items = documents()
    expected = contents(whooshs_own(tmp_path / "whoosh", items))
    found = contents(ours(tmp_path / "ours", [items]))
    assert found == expected


def test_shares_become_segments_in_document_order(tmp_path):
    items = documents()
    expected = contents(whooshs_own(tmp_path / "whoosh", items))
    ix = ours(tmp_path / "ours", [items[:150], items[150:], []])
    postings, stored, totals, columns, offsets = contents(ix)
    assert offsets == [0, 150]  # the empty share leaves no segment
    assert stored == expected[1] and columns == expected[3]
    assert {key: [item[:2] for item in value[1]] for key, value in postings.items()} == {
        key: [item[:2] for item in value[1]] for key, value in expected[0].items()
    }
    assert sorted(path.name for path in (tmp_path / "ours").iterdir() if path.is_dir()) == []


def test_a_failing_share_fails_the_build_and_leaves_no_index(tmp_path):
    def broken():
        yield documents()[0]
        raise ValueError("database gone")

    folder = tmp_path / "index-new"
    with pytest.raises(RuntimeError, match="database gone"):
        ours(folder, [documents()[:10], broken()])


@pytest.mark.parametrize("search_backend", ["whoosh"])
def test_a_parallel_rebuild_finds_what_a_single_process_finds(
    client, make_organisation, monkeypatch
):
    for number in range(30):
        make_organisation(
            name=f"Réseau {number}", summary={"fr": f"Paix et dialogue à Mopti {number % 4}"}
        )
    db.session.commit()
    assert service.rebuild() == 30
    single = [service.search(text, {}, 1, 50) for text in ("paix", "mopti 2", "reseau 7")]
    monkeypatch.setattr(peacemap_index, "PARALLEL_FROM", 0)
    monkeypatch.setattr(peacemap_index, "BUILD_PROCS", 2)
    seen = []
    assert service.rebuild(seen.append) == 30
    assert seen[-1] == 30
    leaves = service.backend().searcher().reader().leaf_readers()
    assert [reader.doc_count_all() for reader, _ in leaves] == [15, 15]
    parallel = [service.search(text, {}, 1, 50) for text in ("paix", "mopti 2", "reseau 7")]
    for before, after in zip(single, parallel, strict=True):
        assert [hit.record.id for hit in after.hits] == [hit.record.id for hit in before.hits]
        assert after.total == before.total and after.facets == before.facets


def test_words_alone_are_analysed_as_in_a_text():
    from peacemap.search.analysis import (
        WORD,
        indexed_word,
        spelling_analyzer,
        spelling_word,
        text_analyzer,
    )
    from tests.test_bad_input import naughty_strings

    words = {word for text in naughty_strings() + TRICKY for word in re.findall(WORD, text)}
    for word in words:
        for analyzer, alone in (
            (text_analyzer(), indexed_word),
            (spelling_analyzer(), spelling_word),
        ):
            token = next(iter(analyzer(word, mode="index")), None)
            assert alone(word) == (token.text if token else None), word
