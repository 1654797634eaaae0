"""Backups of the database while the site runs: SQLite's online backup, pg_dump for
PostgreSQL. `flask data backup FILE` and `flask data restore FILE` call these."""

import glob
import os
import shutil
import sqlite3
import subprocess
from urllib.parse import parse_qs, unquote, urlsplit

from peacemap import sealed, versions
from peacemap.extensions import db
from peacemap.models import KeyCheck


def _sqlite_path(url):
    return url.database


def _postgres_tool(name):
    """pg_dump or pg_restore: on PATH, else the newest of Debian's /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} is not installed (Debian package postgresql-client)")
    return candidates[-1]


def _libpq(url):
    """A libpq connection string and environment from a SQLAlchemy PostgreSQL URL."""
    text = url.render_as_string(hide_password=False).replace("+psycopg", "")
    parts = urlsplit(text)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    host = parse_qs(parts.query).get("host", [parts.hostname or ""])[0]
    arguments = ["--dbname", (parts.path or "/").lstrip("/"), "--username", parts.username or ""]
    if host:
        arguments += ["--host", host]
    if parts.port:
        arguments += ["--port", str(parts.port)]
    return arguments, env


def _sqlite_copy(source, target):
    """Copy one SQLite database onto another with the online backup API (page by page,
    consistent even while the source is being written)."""
    origin = sqlite3.connect(source)
    destination = sqlite3.connect(target)
    try:
        with destination:
            origin.backup(destination)
    finally:
        destination.close()
        origin.close()


def write_key_check():
    """Store the key check the backup carries (never the keys themselves)."""
    for name, value in sealed.key_check_values().items():
        db.session.merge(KeyCheck(name=name, value=value))
    db.session.commit()


def backup(target):
    """Write a consistent copy of the database to `target` while the site runs. Private values
    stay sealed in it; the keys are not in the database, so not in the backup."""
    write_key_check()
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
        return "sqlite"
    arguments, env = _libpq(url)
    subprocess.run(  # noqa: S603
        [_postgres_tool("pg_dump"), "--format=custom", "--file", str(target), *arguments],
        env=env,
        check=True,
        capture_output=True,
    )
    return "postgresql"


def restore(source):
    """Replace the database's content with the backup in `source`."""
    if not os.path.exists(source):
        raise FileNotFoundError(source)
    sealed.check_keys(_key_checks(source))  # before anything is replaced
    before = versions.version()
    db.session.remove()
    db.engine.dispose()
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, _sqlite_path(url))
        versions.move_past(before)
        return "sqlite"
    arguments, env = _libpq(url)
    subprocess.run(  # noqa: S603
        [
            _postgres_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *arguments,
            str(source),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    versions.move_past(before)
    return "postgresql"


def _key_checks(source):
    """{name: value} of the key checks stored in the backup `source` (empty when none)."""
    if db.engine.url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            return dict(connection.execute("SELECT name, value FROM key_checks"))
        except sqlite3.DatabaseError:
            return {}
        finally:
            connection.close()
    listing = subprocess.run(  # noqa: S603
        [_postgres_tool("pg_restore"), "--data-only", "--table=key_checks", "--file=-", source],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = (
        listing.split("FROM stdin;\n", 1)[1].split("\n\\.", 1)[0]
        if "FROM stdin;" in listing
        else ""
    )
    return dict(line.split("\t", 1) for line in rows.splitlines() if "\t" in line)
