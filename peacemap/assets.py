"""Fingerprinted static files: every link carries `?v=<hash of the file>`, so browsers may
keep a file for a year and still fetch the new one the moment it changes."""

import hashlib
from pathlib import Path

from flask import request

YEAR = 365 * 24 * 3600
_fingerprints = {}  # (path, mtime, size) -> short hash


def fingerprint(static_folder, filename):
    """A short hash of a static file's content, or None when there is no such file."""
    path = Path(static_folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _fingerprints:
        _fingerprints[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _fingerprints[key]


def init_app(app):
    @app.url_defaults
    def add_fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_fingerprinted_files(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            version = request.args.get("v")
            if version and version == fingerprint(app.static_folder, filename):
                response.cache_control.max_age = YEAR
                response.cache_control.public = True
                response.cache_control.immutable = True
                response.cache_control.no_cache = None
        return response
