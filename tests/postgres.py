"""A throwaway PostgreSQL server for the tests (Debian's `postgresql` package).

Started once per test session on a Unix socket in a temporary folder, with no network port;
each test gets a database of its own. When the server binaries are missing the tests that need
it are skipped, and PEACEMAP_REQUIRE_ALL=1 (CI) turns that skip into a failure.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; as root the server runs as user postgres."""

    def __init__(self):
        self.bindir = _bindir()
        self.folder = None

    @property
    def available(self):
        return self.bindir is not None

    def _run(self, *args):
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self):
        self.folder = tempfile.mkdtemp(prefix="peacemap-pg-")
        os.chmod(self.folder, 0o755)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        data = os.path.join(self.folder, "data")
        self._run(
            "initdb",
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
        )
        self.resume()
        return self

    def resume(self):
        """Start the server on its existing data (after `pause`)."""
        options = f"-k {self.folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "-D",
            os.path.join(self.folder, "data"),
            "-o",
            options,
            "-w",
            "-l",
            os.path.join(self.folder, "log"),
            "start",
        )

    def pause(self):
        """Stop the server, keeping its data: the database is 'down'."""
        self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "fast", "-w", "stop")

    def url(self, database="postgres"):
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}"

    def create_database(self):
        """A new empty database; returns its URL."""
        from sqlalchemy import create_engine, text

        name = f"test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def stop(self):
        if self.folder:
            self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "immediate", "stop")
            shutil.rmtree(self.folder, ignore_errors=True)
