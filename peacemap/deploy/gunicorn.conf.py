"""gunicorn settings for PeaceMap: `gunicorn -c peacemap/deploy/gunicorn.conf.py app:app`.

Sync workers behind nginx (nginx.conf beside this file), which buffers slow clients so that
a worker never waits on a slow connection. Every value can be overridden by the environment
variable named next to it.
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("PEACEMAP_BIND", "127.0.0.1:8000")
# Two workers per core plus one: requests are short and mostly wait on the database.
workers = int(os.environ.get("PEACEMAP_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("PEACEMAP_WORKER_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 2
# A worker is replaced now and then, so no slow leak lives for ever; not too often, since a new
# worker starts with empty caches (pages, search lists) and its first answers are slow. Kept
# pages take a fraction of a millisecond: 2,000 requests were a few seconds under load.
max_requests = 50000
max_requests_jitter = 5000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Only nginx on this machine may say who the client is (PEACEMAP_TRUSTED_PROXIES=1 too).
forwarded_allow_ips = os.environ.get("PEACEMAP_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# Visitors leave few traces. The access log keeps an owner link's route, never its token;
# no query string of a search, the map or its layers (what someone looked for, or where); and
# no full address: IPv4 to its /24, IPv6 to its /48. nginx-log.conf does the same in front.
OWNER_TOKEN = re.compile(r"(/[a-z]{2}/owner/)(?!(?:confirm|hide|show|sign-out)\b)[^/?\s\"]+")
QUIET_QUERY = re.compile(
    r"((?:/[a-z]{2}/(?:search|map|owner)|/api/v1/(?:search|organisations\.geojson"
    r"|initiatives\.geojson))/?)\?[^\s\"]*"
)
QUIET_PATHS = re.compile(
    r"^/(?:[a-z]{2}/(?:search|map|owner)|api/v1/(?:search|organisations\.geojson"
    r"|initiatives\.geojson))/?$"
)


def quiet(text):
    """A logged request, path or referrer without owner tokens or revealing query strings."""
    return QUIET_QUERY.sub(r"\1", OWNER_TOKEN.sub(r"\1<token>", text))


def short_address(address):
    """The client's network, not the client: an IPv4 address to its /24, IPv6 to its /48."""
    if ":" in address:
        return ":".join(address.split(":")[:3]) + "::"
    parts = address.split(".")
    return ".".join(parts[:3] + ["0"]) if len(parts) == 4 else "-"


class AccessLogger(Logger):
    """gunicorn's logger, leaving out what would tell who looked for what (see above)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = quiet(atoms[key])
        if QUIET_PATHS.match(environ.get("PATH_INFO", "")):
            atoms["q"] = ""
        atoms["h"] = short_address(atoms.get("h") or "-")
        if "{x-forwarded-for}i" in atoms:  # (the client's full address, from nginx)
            atoms["{x-forwarded-for}i"] = "-"
        return atoms


logger_class = AccessLogger
preload_app = False  # each worker opens its own database connections


def post_worker_init(worker):
    """A new worker fills its caches (map points, search lists) before it takes requests."""
    from peacemap.warmup import warm

    worker.log.info("Caches warmed in %.1f s", warm(worker.wsgi))
