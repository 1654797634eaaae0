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
# An owner link (/<lang>/owner/<token>) opens an organisation's owner pages: the access log
# keeps its route, never its token (nginx.conf's log format does the same in front).
OWNER_TOKEN = re.compile(r"(/[a-z]{2}/owner/)(?!(?:confirm|hide|show|sign-out)\b)[^/?\s\"]+")


class AccessLogger(Logger):
    """gunicorn's logger, with owner tokens taken out of the logged request, path and referrer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = OWNER_TOKEN.sub(r"\1<token>", atoms[key])
        return atoms


logger_class = AccessLogger
preload_app = False  # each worker opens its own database connections


def post_worker_init(worker):
    """A new worker fills its caches (map points, search lists) before it takes requests."""
    from peacemap.warmup import warm

    worker.log.info("Caches warmed in %.1f s", warm(worker.wsgi))
