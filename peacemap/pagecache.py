"""Finished public pages, kept in each worker's memory until the published data changes.

Every visitor who is not signed in gets the same bytes for the same address, so such a page is
built once per version of the published data (peacemap/versions.py) rather than once per
request; every app process on every machine sees a change at once.

Each request pays one primary-key read. Pages are only kept when they are the same for every
anonymous visitor: a GET without a session or remember-me cookie and without a conditional
header, on the public blueprints, answered 200 with a body in memory and no cookie but the
language one (which `i18n.remember_language` sets again on each answer). Rate limits still
count: Flask-Limiter's check runs before this one, and its headers are set afresh.
"""

import threading
import time
from collections import OrderedDict
from typing import NamedTuple

from flask import Response, g, request, request_finished
from werkzeug.http import HTTP_STATUS_CODES, parse_cookie

from peacemap.extensions import db
from peacemap.i18n import LANGUAGE_COOKIE, language_cookie
from peacemap.versions import version

# Pages of these blueprints are the same for every visitor who is not signed in.
PUBLIC_BLUEPRINTS = {
    "directory",
    "search",
    "search_api",
    "map",
    "map_api",
    "api",
    "exports",
    "typeahead",
}
# ...and these have no rate limit, so their kept pages are answered before Flask is reached.
UNLIMITED_BLUEPRINTS = {"directory", "search", "map"}
# Request headers that make an answer personal (or partial).
PERSONAL_HEADERS = (
    "HTTP_AUTHORIZATION",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_RANGE",
)
VERSION_KEY = "peacemap.data_version"
# Response headers set again on every answer, never replayed from the cache.
FRESH_HEADERS = ("set-cookie", "content-length", "x-ratelimit-", "retry-after")


class Page(NamedTuple):
    version: int
    status: int
    headers: list
    body: bytes
    lang: str | None  # the page's language, remembered in a cookie for each new visitor
    direct: bool  # answered by ServeKeptPages (no rate limit applies)
    made: float  # time.monotonic() when it was built


class PageCache:
    """At most `limit` bytes of pages; the least recently used go first. A page is also
    built again after MAX_AGE seconds, so that nothing the version cannot see (the date, a
    change made in SQL by hand) stays on a page for long."""

    MAX_AGE = 600

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self.pages = OrderedDict()  # key: Page
        self.version = None  # the newest data version seen
        self.lock = threading.Lock()  # for threaded servers (gthread, the development server)

    def get(self, key, version):
        with self.lock:
            self._see(version)
            page = self.pages.get(key)
            if page is None or page.version != version:
                return None
            if time.monotonic() - page.made > self.MAX_AGE:
                self._discard(key)
                return None
            self.pages.move_to_end(key)
            return page

    def put(self, key, page):
        if len(page.body) > self.limit // 16:
            return
        with self.lock:
            self._see(page.version)
            if page.version != self.version:
                return  # built from older data
            self._discard(key)
            self.pages[key] = page
            self.size += len(page.body)
            while self.size > self.limit:
                _key, oldest = self.pages.popitem(last=False)
                self.size -= len(oldest.body)

    def _see(self, version):
        # A newer version makes every kept page stale: they all go at once, not when the
        # least recently used are pushed out, so that an erased record's bytes leave memory.
        if self.version is None or version > self.version:
            self.pages.clear()
            self.size = 0
            self.version = version

    def clear(self):
        """Let every kept page go."""
        with self.lock:
            self.pages.clear()
            self.size = 0

    def _discard(self, key):
        page = self.pages.pop(key, None)
        if page is not None:
            self.size -= len(page.body)


def request_key(environ, private_cookies):
    """The cache key of a request (a WSGI environ), or None when its answer may differ per
    visitor. Scheme and host are part of it: pages hold absolute links."""
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        return None
    if any(name in environ for name in PERSONAL_HEADERS):
        return None
    cookies = environ.get("HTTP_COOKIE", "")
    if cookies and any(name in cookies for name in private_cookies):
        return None  # signed in, or was: a substring test errs on the side of building
    return (
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ACCEPT_ENCODING", ""),
        environ.get("HTTP_ACCEPT", ""),
    )


class ServeKeptPages:
    """WSGI middleware: answers a request for a kept page of the blueprints without rate
    limits before Flask even sees it (a version read and a few header lines), and leaves every
    other request to the application."""

    def __init__(self, wsgi_app, cache, read_version, private_cookies, secure_cookies):
        self.wsgi_app = wsgi_app
        self.cache = cache
        self.read_version = read_version
        self.private_cookies = private_cookies
        self.secure_cookies = secure_cookies

    def __call__(self, environ, start_response):
        key = request_key(environ, self.private_cookies)
        page = self.cache.pages.get(key) if key is not None else None
        if page is None or not page.direct:
            return self.wsgi_app(environ, start_response)
        current = self.read_version()
        environ[VERSION_KEY] = current  # the application need not read it again
        if current is None or self.cache.get(key, current) is None:
            return self.wsgi_app(environ, start_response)
        headers = list(page.headers)
        if page.lang and parse_cookie(environ).get(LANGUAGE_COOKIE) != page.lang:
            headers.append(("Set-Cookie", language_cookie(page.lang, self.secure_cookies)))
        headers.append(("Content-Length", str(len(page.body))))
        start_response(f"{page.status} {HTTP_STATUS_CODES[page.status]}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [page.body]


def forget(app):
    """Let every page this process keeps go (other processes let theirs go when they see the
    new data version)."""
    cache = app.extensions.get("page_cache")
    if cache is not None:
        cache.clear()


def init_app(app):
    """Serve and keep anonymous public pages; PAGE_CACHE_BYTES (per worker, 0 = off)."""
    limit = app.config.get("PAGE_CACHE_BYTES", 0)
    if not limit:
        return
    cache = PageCache(limit)
    app.extensions["page_cache"] = cache
    private_cookies = (
        app.config["SESSION_COOKIE_NAME"],
        app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    )
    engines = []

    def read_version():
        if not engines:
            with app.app_context():
                engines.append(db.engine)
        return version(engines[0])

    @app.before_request
    def serve_kept_page():
        if request.blueprint not in PUBLIC_BLUEPRINTS:
            return None
        key = request_key(request.environ, private_cookies)
        if key is None:
            return None
        current = request.environ.get(VERSION_KEY) or read_version()
        if current is None:
            return None
        page = cache.get(key, current)
        if page is not None:
            return Response(page.body, page.status, page.headers)
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
        lang = g.get("lang_code") if g.get("lang_code") in app.config["LANGUAGES"] else None
        direct = request.blueprint in UNLIMITED_BLUEPRINTS
        body = response.get_data()
        page = Page(current, response.status_code, headers, body, lang, direct, time.monotonic())
        cache.put(key, page)

    request_finished.connect(keep_page, app, weak=False)
    secure = app.config.get("SESSION_COOKIE_SECURE", False)
    app.wsgi_app = ServeKeptPages(app.wsgi_app, cache, read_version, private_cookies, secure)
