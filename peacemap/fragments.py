"""Kept fragments: a part of a page that is the same for everyone, rendered once per language
and data version.

The blank submission forms are its one user. Their fields (the organisation's or the
initiative's, with every type, country and theme listed in the page's language, and the
submitter's) are the same for every visitor who has not typed anything yet, and are most of
what those pages cost: `bench/profile_page.py` measured 9.6 ms for the organisation form with
its fields kept against 26.9 ms rendered whole, and 5.9 against 17.3 ms for the initiative form
(machine reference 10.3 ms). What belongs to the visitor — the CSRF token, the
one-time form token, the signed-in menu — is rendered around the fragment on every request;
the fragment is placed in the page as it is, never edited.

A fragment is kept per application (each worker has its own), for the data version it was
rendered at (peacemap/versions.py: a new theme shows at the next request on every server),
and for at most MAX_AGE seconds, for what the version cannot see (a new catalogue, the date).
"""

import time

from flask import current_app, render_template
from markupsafe import Markup

from peacemap import versions
from peacemap.i18n import current_language

MAX_AGE = 600  # seconds, as the page cache's


def kept(*templates, **context):
    """The `templates` rendered one after the other with `context`, kept per language and
    data version.

    The caller vouches that the fragment depends on nothing else: not on who asks, nor on
    anything the visitor typed."""
    version = versions.version()
    key = (templates, current_language())
    # (templates, language): (version, rendered at, html), for this application
    store = current_app.extensions.setdefault("peacemap.fragments", {})
    entry = store.get(key)
    if entry is not None and entry[0] == version and time.monotonic() - entry[1] <= MAX_AGE:
        return entry[2]
    # Markup: Jinja rendered it, escaping every value.
    html = Markup("".join(render_template(name, **context) for name in templates))  # noqa: S704
    if version is not None:  # a version the database could not give is never trusted
        for stale in [name for name, kept in store.items() if kept[0] != version]:
            del store[stale]  # (a fragment may name a record since erased)
        store[key] = (version, time.monotonic(), html)
    return html


def forget():
    """Let every fragment this application keeps go."""
    current_app.extensions.pop("peacemap.fragments", None)
