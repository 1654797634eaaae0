"""Filling a new worker's caches before it answers anyone.

A worker starts with nothing in memory: at 100,000 organisations its first map layer computes
every public point (1.6 s), its first search reads the index's lengths and posting lists
(1.1 s) and its first misspelling the spelling dictionary. gunicorn calls `warm` when a worker
has loaded the application and before it takes requests (peacemap/deploy/gunicorn.conf.py), so
that no visitor waits for that.
"""

import time

from peacemap.extensions import db

# Words found in most records, in the site's languages: their posting lists are the longest.
WORDS = ("paix", "peace", "securite", "dialogue", "femmes", "jeunes", "سلام")


def warm(app):
    """Compute what most first requests need; returns the seconds it took. Never raises: a
    worker that could not warm up still works."""
    from peacemap.map import services as map_services
    from peacemap.search import service

    started = time.monotonic()
    with app.test_request_context("/fr/"):
        try:
            version = map_services.data_version()
            for kind in ("organisation", "initiative"):
                map_services.places(kind, map_services.MapFilters(), version)
            for word in WORDS:
                service.search(word, {}, lang="fr")
            service.warm_spelling()  # about a second at 10,000 records
        except Exception:  # a database or index problem shows on the first request instead
            app.logger.exception("Warming the worker's caches failed")
        finally:
            db.session.remove()
    return time.monotonic() - started
