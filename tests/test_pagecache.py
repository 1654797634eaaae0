"""Anonymous public pages kept until the published data changes (peacemap/pagecache.py)."""

import time

import pytest
from sqlalchemy import create_engine, text

from peacemap import pagecache
from peacemap.directory import services
from peacemap.extensions import db
from peacemap.models import PublicationStatus
from peacemap.search import service


def count_builds(monkeypatch):
    """How many times the organisation profile view loads its record."""
    calls = []
    real = services.get_published_organisation

    def counted(slug):
        calls.append(slug)
        return real(slug)

    monkeypatch.setattr(services, "get_published_organisation", counted)
    return calls


def test_a_profile_is_built_once_until_the_data_changes(client, make_organisation, monkeypatch):
    org = make_organisation(slug="wanep", name="WANEP")
    db.session.commit()
    builds = count_builds(monkeypatch)
    first = client.get("/en/organisations/wanep")
    second = client.get("/en/organisations/wanep")
    assert first.status_code == second.status_code == 200
    assert second.data == first.data and "WANEP" in second.get_data(True)
    assert len(builds) == 1
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "X-RateLimit-Limit" not in second.headers or second.headers["X-RateLimit-Remaining"]
    # Another language, query or encoding is another page.
    client.get("/fr/organisations/wanep")
    client.get("/en/organisations/wanep", headers={"Accept-Encoding": "gzip"})
    assert len(builds) == 3
    # A change through the ORM raises the version in its own transaction.
    org.name = "West Africa Network for Peacebuilding"
    db.session.commit()
    changed = client.get("/en/organisations/wanep").get_data(True)
    assert "West Africa Network for Peacebuilding" in changed and len(builds) == 4
    org.status = PublicationStatus.UNPUBLISHED
    db.session.commit()
    assert client.get("/en/organisations/wanep").status_code == 404


def test_a_change_made_by_another_process_is_seen(client, make_organisation, app, monkeypatch):
    make_organisation(slug="wanep", name="WANEP")
    db.session.commit()
    builds = count_builds(monkeypatch)
    client.get("/en/organisations/wanep")
    client.get("/en/organisations/wanep")
    assert len(builds) == 1
    # Another app server raises the shared counter: this one builds the page again.
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as connection:
        connection.execute(text("UPDATE counters SET value = value + 1"))
    other.dispose()
    client.get("/en/organisations/wanep")
    assert len(builds) == 2


def test_signed_in_and_conditional_requests_are_not_served_kept_pages(
    client, make_organisation, login, monkeypatch
):
    make_organisation(slug="wanep", name="WANEP")
    db.session.commit()
    builds = count_builds(monkeypatch)
    client.get("/en/organisations/wanep")
    client.get("/en/organisations/wanep", headers={"If-None-Match": '"x"'})
    assert len(builds) == 2
    login()
    page = client.get("/en/organisations/wanep").get_data(True)
    assert len(builds) == 3
    assert "/en/moderation/" in page  # what only a signed-in moderator sees


def test_pages_that_start_a_session_are_never_kept(client, app):
    # The submission form holds a CSRF token tied to the visitor's new session.
    first = client.get("/en/submit/organisation")
    session_cookie = app.config["SESSION_COOKIE_NAME"]
    assert any(c.startswith(session_cookie) for c in first.headers.getlist("Set-Cookie"))
    cache = app.extensions["page_cache"]
    assert not any(key[3] == "/en/submit/organisation" for key in cache.pages)


def test_search_finds_an_approved_record_after_its_index_update(client, make_organisation):
    service.rebuild()
    client.get("/en/search?q=Kidal")
    org = make_organisation(slug="kidal-women", name="Femmes de Kidal", summary={"fr": "Kidal"})
    db.session.commit()
    # The page built between the commit and the index update is not kept beyond it.
    assert "kidal-women" not in client.get("/en/search?q=Kidal").get_data(True)
    service.reindex("organisation", org.id)
    assert "kidal-women" in client.get("/en/search?q=Kidal").get_data(True)


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_rate_limits_count_kept_answers(client):
    answers = [client.get("/api/v1/places?q=Bam") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[0].data == answers[2].data
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]


def page(body, made=None):
    return pagecache.Page(1, 200, [], body, "en", True, made or time.monotonic())


def test_the_cache_is_bounded_by_bytes_and_age():
    cache = pagecache.PageCache(1600)
    for n in range(20):
        cache.put(("/p", str(n)), page(b"x" * 90))
    assert cache.size <= 1600 and len(cache.pages) == 17
    assert cache.get(("/p", "0"), 1) is None and cache.get(("/p", "19"), 1)
    assert cache.get(("/p", "19"), 2) is None  # another version
    cache.put(("/p", "big"), page(b"x" * 101))
    assert ("/p", "big") not in cache.pages  # over a sixteenth of the limit
    cache.put(("/p", "old"), page(b"x", made=time.monotonic() - cache.MAX_AGE - 1))
    assert cache.get(("/p", "old"), 1) is None and ("/p", "old") not in cache.pages


def test_kept_pages_answer_like_built_ones(app, make_organisation, monkeypatch):
    make_organisation(slug="wanep", name="WANEP")
    db.session.commit()
    builds = count_builds(monkeypatch)
    visitor = app.test_client(use_cookies=False)
    built = visitor.get("/fr/organisations/wanep")
    kept = visitor.get("/fr/organisations/wanep")
    assert len(builds) == 1 and kept.data == built.data
    for name in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Vary"):
        assert kept.headers[name] == built.headers[name], name
    assert kept.headers["Content-Length"] == str(len(built.data))
    # A new visitor is told to remember the language, as the built page did; a returning one
    # is not, unless they read another language last time.
    assert kept.headers["Set-Cookie"].startswith("lang=fr;")
    assert (
        "Set-Cookie"
        not in visitor.get("/fr/organisations/wanep", headers={"Cookie": "lang=fr"}).headers
    )
    assert (
        visitor.get("/fr/organisations/wanep", headers={"Cookie": "lang=ar"})
        .headers["Set-Cookie"]
        .startswith("lang=fr;")
    )
    head = visitor.head("/fr/organisations/wanep")
    assert head.status_code == 200 and head.data == b"" and len(builds) == 1
    # Pages hold absolute links: another host name is another page.
    other = visitor.get("/fr/organisations/wanep", headers={"Host": "peacemap.example.org"})
    assert len(builds) == 2 and b"peacemap.example.org" in other.data


def test_a_warmed_worker_has_its_map_points_and_search_lists(app, make_organisation, caplog):
    from peacemap.map import services as map_services
    from peacemap.search.whoosh.engine import Engine
    from peacemap.warmup import warm

    make_organisation(slug="wanep", name="WANEP", summary={"fr": "Paix et sécurité"})
    db.session.commit()
    service.rebuild()
    map_services.clear_cache()
    Engine._segments = {}
    warm(app)
    assert "failed" not in caplog.text
    assert {key[0] for key in app.extensions["map_points"]} == {"organisation", "initiative"}
    if app.config["SEARCH_BACKEND"] == "whoosh":
        assert any(segment.terms for segment in Engine._segments.values())
