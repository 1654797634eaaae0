"""Finished public pages, kept in each worker's memory until the published data changes.

Every visitor who is not signed in gets the same bytes for the same address, so such a page is
built once per version of the published data rather than once per request. The version is a
counter in the database (`counters.public_data`), so every app process on every machine sees a
change at once:

- any flush that adds, changes or deletes a published-data object (anything but accounts,
  submissions and the audit log) raises it in the same transaction;
- the search index changes after the commit (effects.py), so `bump()` raises it again once the
  index has the change: a search page built in between is not kept.

Each request pays one primary-key read. Pages are only kept when they are the same for every
anonymous visitor: a GET without a session or remember-me cookie and without a conditional
header, on the public blueprints, answered 200 with a body in memory and no cookie but the
language one (which `i18n.remember_language` sets again on each answer). Rate limits still
count: Flask-Limiter's check runs before this one, and its headers are set afresh.
"""

import itertools
from collections import OrderedDict

from flask import Response, current_app, g, request, request_finished
from sqlalchemy import event, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from peacemap.extensions import db
from peacemap.i18n import LANGUAGE_COOKIE
from peacemap.models import AuditEvent, Counter, RecoveryCode, Revision, Submission, User

NAME = "public_data"
# Pages of these blueprints are the same for every visitor who is not signed in.
PUBLIC_BLUEPRINTS = {
    "directory",
    "search",
    "search_api",
    "map",
    "map_api",
    "opendata_api",
    "api",
}
# Changes to these never show on a public page.
PRIVATE_MODELS = (AuditEvent, Counter, RecoveryCode, Revision, Submission, User)
# Response headers set again on every answer, never replayed from the cache.
FRESH_HEADERS = ("set-cookie", "content-length", "x-ratelimit-", "retry-after")
_CHANGED = "peacemap_public_data_changed"


class PageCache:
    """At most `limit` bytes of pages; the least recently used go first."""

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self.pages = OrderedDict()  # key: (version, status, headers, body)

    def get(self, key, version):
        page = self.pages.get(key)
        if page is None or page[0] != version:
            return None
        self.pages.move_to_end(key)
        return page

    def put(self, key, version, status, headers, body):
        if len(body) > self.limit // 16:
            return
        self.discard(key)
        self.pages[key] = (version, status, headers, body)
        self.size += len(body)
        while self.size > self.limit:
            _key, page = self.pages.popitem(last=False)
            self.size -= len(page[3])

    def discard(self, key):
        page = self.pages.pop(key, None)
        if page is not None:
            self.size -= len(page[3])


def version():
    """The version of the published data, or None when the database cannot say."""
    try:
        return db.session.scalar(select(Counter.value).where(Counter.name == NAME)) or 0
    except SQLAlchemyError:
        db.session.rollback()
        return None


def _raise(connection):
    """Add one to the version, creating the counter if need be (one statement, no race)."""
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(Counter).values(name=NAME, value=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[Counter.name], set_={"value": Counter.value + 1}
        )
        connection.execute(stmt)
        return
    changed = connection.execute(
        update(Counter).where(Counter.name == NAME).values(value=Counter.value + 1)
    )
    if not changed.rowcount:
        connection.execute(Counter.__table__.insert().values(name=NAME, value=1))


def bump():
    """Raise the version now, in a transaction of its own (after the search index changed)."""
    _raise(db.session.connection())
    db.session.commit()


@event.listens_for(Session, "after_flush")
def _note_public_changes(session, flush_context):
    if session.info.get(_CHANGED):
        return  # raised once per transaction is enough
    changed = itertools.chain(session.new, session.dirty, session.deleted)
    if any(not isinstance(obj, PRIVATE_MODELS) for obj in changed):
        _raise(session.connection())
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    session.info.pop(_CHANGED, None)


def _key():
    """The cache key of this request, or None when its answer may differ per visitor."""
    if request.method not in ("GET", "HEAD") or request.blueprint not in PUBLIC_BLUEPRINTS:
        return None
    cookies = request.cookies
    config = current_app.config
    if config["SESSION_COOKIE_NAME"] in cookies or config["REMEMBER_COOKIE_NAME"] in cookies:
        return None
    headers = request.headers
    if "If-None-Match" in headers or "If-Modified-Since" in headers or "Range" in headers:
        return None
    if "Authorization" in headers:
        return None
    return (
        request.path,
        request.query_string,
        headers.get("Accept-Encoding", ""),
        headers.get("Accept", ""),
    )


def init_app(app):
    """Serve and keep anonymous public pages; PAGE_CACHE_BYTES (per worker, 0 = off)."""
    app.config.setdefault("REMEMBER_COOKIE_NAME", "remember_token")
    limit = app.config.get("PAGE_CACHE_BYTES", 0)
    if not limit:
        return
    cache = PageCache(limit)
    app.extensions["page_cache"] = cache

    @app.before_request
    def serve_kept_page():
        key = _key()
        if key is None:
            return None
        current = version()
        if current is None:
            return None
        page = cache.get(key, current)
        if page is not None:
            return Response(page[3], page[1], page[2])
        g.page_cache_key = (key, current)
        return None

    def keep_page(sender, response, **extra):
        wanted = g.get("page_cache_key")
        if wanted is None or request.method != "GET" or response.status_code != 200:
            return
        if response.direct_passthrough or response.is_streamed:
            return
        cache_control = response.headers.get("Cache-Control", "")
        if "no-store" in cache_control or "private" in cache_control:
            return
        cookies = response.headers.getlist("Set-Cookie")
        if any(not cookie.startswith(f"{LANGUAGE_COOKIE}=") for cookie in cookies):
            return  # a session was started: the page may hold a CSRF token
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if not name.lower().startswith(FRESH_HEADERS)
        ]
        key, current = wanted
        cache.put(key, current, response.status_code, headers, response.get_data())

    request_finished.connect(keep_page, app, weak=False)
