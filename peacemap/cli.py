"""Flask command groups: demo, users, translate (`flask --app app <group> <command>`)."""

import os
import sys
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask.cli import AppGroup
from sqlalchemy import func, select

from peacemap import sealed
from peacemap.config import LANGUAGES
from peacemap.extensions import db

ROOT = Path(__file__).resolve().parent.parent

demo_cli = AppGroup("demo", help="Demonstration content.")
users_cli = AppGroup("users", help="Moderator and administrator accounts.")
translate_cli = AppGroup("translate", help="Interface translations (en, fr, ar).")
search_cli = AppGroup("search", help="The full-text search index.")
data_cli = AppGroup("data", help="Imports, backups and restores.")
records_cli = AppGroup("records", help="Listings over time: reminders to owners, freshness.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load into a database with no organisation.")
def demo_load(if_empty):
    """Load the demo organisations and initiatives (idempotent)."""
    from peacemap.demo import loader
    from peacemap.models import Organisation

    if if_empty and db.session.scalar(select(func.count()).select_from(Organisation)):
        click.echo("The database already has organisations; demo content not loaded.")
        return
    created = loader.load(loader.read_data())
    db.session.commit()
    _rebuild_index()
    click.echo(", ".join(f"{count} {kind}" for kind, count in created.items()) + " added.")


def _rebuild_index():
    """Rebuild the search index with a progress bar; returns the number of records."""
    from peacemap.search import service

    total = service.published_count()
    with click.progressbar(length=total, label="Indexing", file=sys.stderr) as bar:
        done = [0]

        def progress(count):
            bar.update(count - done[0])
            done[0] = count

        return service.rebuild(progress)


@search_cli.command("rebuild")
@click.option("--if-missing", is_flag=True, help="Only build when there is no index yet.")
def search_rebuild(if_missing):
    """Build a new index beside the live one and swap it in (searches keep working)."""
    from peacemap.search import service

    if if_missing and service.backend().exists():
        click.echo("The search index exists; not rebuilt.")
        return
    count = _rebuild_index()
    click.echo(f"Indexed {count} published records.")


@search_cli.command("check")
def search_check():
    """Compare the index with the database; exit with status 1 when they differ."""
    from peacemap.search import service

    missing, extra, stale = service.check()
    for label, ids in (
        ("missing from the index", missing),
        ("in the index but not published", extra),
        ("changed since indexed", stale),
    ):
        if ids:
            shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
            click.echo(f"{len(ids)} {label}: {shown}")
    if missing or extra or stale:
        raise click.ClickException(
            "The index differs from the database: run `flask search rebuild`."
        )
    click.echo("The index matches the database.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["moderator", "admin"]), required=True)
@click.option("--name", "display_name", help="Name shown on verifications and in the audit log.")
def users_create(email, role, display_name):
    """Create an account; the password comes from PEACEMAP_PASSWORD or a prompt."""
    from peacemap.accounts.services import AccountError, create_user

    password = os.environ.get("PEACEMAP_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise click.ClickException("Set PEACEMAP_PASSWORD or run from a terminal.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, role, display_name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@users_cli.command("scope")
@click.argument("email")
@click.option("--network", "slug", help="The network's address name; leave out to unscope.")
def users_scope(email, slug):
    """Make an account a network's coordinator (it may only vouch for that network's members),
    or, without --network, an ordinary account again. Audited."""
    from peacemap import audit
    from peacemap.models import Organisation, OrganisationType, User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    network = None
    if slug:
        network = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if network is None or network.type != OrganisationType.NETWORK:
            raise click.ClickException(f"No network has the address name {slug!r}.")
    before = {"network_id": user.network_id}
    user.network_id = network.id if network else None
    audit.record(None, "user.scoped", user, before=before, after={"network_id": user.network_id})
    db.session.commit()
    click.echo(
        f"{user.email} is now " + (f"a coordinator of {network.name}." if network else "unscoped.")
    )


@users_cli.command("reset-2fa")
@click.argument("email")
def users_reset_2fa(email):
    """Remove an account's second factor (a lost phone); it sets one up at its next sign-in."""
    from peacemap import audit
    from peacemap.accounts import twofactor
    from peacemap.models import User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    twofactor.turn_off(user)
    audit.record(None, "user.2fa_reset", user, note="flask users reset-2fa")
    db.session.commit()
    click.echo(f"Two-factor authentication reset for {user.email}.")


class _ProgressBars:
    """click progress bars on stderr, a new one for each phase of a long command."""

    def __init__(self):
        self.label, self.bar, self.shown = None, None, 0

    def __call__(self, label, done, total):
        """Show `done` of `total` for the phase called `label`."""
        if label != self.label:
            self.close()
            self.label, self.shown = label, 0
            self.bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
        self.bar.update(max(done - self.shown, 0))
        self.shown = max(done, self.shown)

    def close(self):
        """Finish the current bar."""
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


@data_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "geojson", "3w"]),
    required=True,
    help="csv or geojson: our own exports; 3w: an OCHA 3W / HXL sheet (CSV or XLSX).",
)
@click.option("--publish", is_flag=True, help="Publish at once instead of queueing for review.")
@click.option("--country", help="Country of every 3W row (ML or MLI), instead of its P-codes.")
@click.option("--precision", type=click.Choice(["region"]), help="3W: shown by region (README).")
@click.option("--reason", help="Why showing them by region is safe (kept with each record).")
def data_import(path, fmt, publish, country, precision, reason):
    """Import organisations from a file; exits 1 when it cannot be read or nothing in it
    could be imported (every row rejected)."""
    from peacemap.imports import importer, threew

    try:
        threew.precision_reason(fmt, publish, precision, reason)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--precision") from error
    if country is not None:
        country = threew.country_code(country) if len(country.strip()) in (2, 3) else None
        if country is None:
            raise click.BadParameter("give an ISO 3166 code: ML or MLI", param_hint="--country")
    bars = _ProgressBars()
    try:
        options = {"country": country, "precision": precision, "reason": reason}
        summary = importer.run(path, fmt, publish=publish, progress=bars, **options)
    except importer.ImportFileError as error:
        raise click.ClickException(f"{path}: {error}") from error
    finally:
        bars.close()
    db.session.commit()
    for line in summary.lines():
        click.echo(line)
    if summary.records == 0:
        click.echo(f"Error: {path}: nothing could be imported (see the rejected rows).", err=True)
        raise click.exceptions.Exit(1)


@data_cli.command("purge")
def data_purge():
    """Forget who sent each submission 90 days (SUBMITTER_RETENTION_DAYS) after its decision.

    Run it daily (cron: `30 6 * * * cd /srv/peacemap && .venv/bin/flask data purge`); a
    second run the same day does nothing."""
    from peacemap.submissions.services import purge_submitters

    emptied = purge_submitters()
    db.session.commit()
    click.echo(f"{emptied} submissions no longer say who sent them")


@data_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def data_backup(path):
    """Copy the database to PATH while the site runs (SQLite backup API, or pg_dump)."""
    from peacemap import backup

    kind = backup.backup(path)
    click.echo(f"Backed up the {kind} database to {path}.")


@data_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def data_restore(path, yes):
    """Replace the database's content with the backup in PATH (then rebuild the index)."""
    from peacemap import backup

    if not Path(path).is_file():
        raise click.ClickException(f"{path}: no such backup file")
    if not yes:
        click.confirm("Replace every record with the backup's?", abort=True)
    try:
        kind = backup.restore(path)
    except sealed.SealError as error:
        raise click.ClickException(f"{path} was not restored. {error}") from error
    click.echo(f"Restored the {kind} database from {path}. Now run `flask search rebuild`.")


@data_cli.command("new-key")
def data_new_key():
    """Print a new random key for PEACEMAP_DATA_KEY or PEACEMAP_INDEX_KEY."""
    click.echo(sealed.new_key())


@data_cli.command("rotate-key")
def data_rotate_key():
    """Seal every private value again under the first key of PEACEMAP_DATA_KEY.

    Put the new key first (`flask data new-key`), the old one after a comma, restart, run
    this, then remove the old key. The index key never changes."""
    from peacemap import backup

    with db.engine.begin() as connection:
        count = sealed.reseal_all(connection, db.metadata)
    backup.write_key_check()
    click.echo(f"{count} rows sealed anew; the older data keys can now be removed.")


def _pybabel(*args):
    """Run a pybabel command from the repository root."""
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(["pybabel", "-q", *args])
    finally:
        os.chdir(previous)


def extract(output="translations/messages.pot"):
    """Write the catalogue template of every interface string (code, pages, mail)."""
    # pybabel skips folders whose names start with "_" when it walks a tree, so
    # templates/_macros is named as an input of its own (matched by the "*.html" mapping).
    _pybabel(
        "extract",
        "-F",
        "pyproject.toml",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "-o",
        str(output),
        ".",
        "templates/_macros",
    )


@translate_cli.command("extract")
def translate_extract():
    """Collect the interface strings into translations/messages.pot and update each language."""
    extract()
    _update()


@translate_cli.command("update")
def translate_update():
    """Bring every language's catalogue in line with translations/messages.pot."""
    _update()


def _update():
    for lang in LANGUAGES:
        if not (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").exists():
            _pybabel("init", "-i", "translations/messages.pot", "-d", "translations", "-l", lang)
    _pybabel(
        "update",
        "-i",
        "translations/messages.pot",
        "-d",
        "translations",
        "--no-fuzzy-matching",
        "--ignore-obsolete",
        "--no-wrap",
    )


@translate_cli.command("compile")
def translate_compile():
    """Compile the .po files to the .mo files the site reads."""
    _pybabel("compile", "-d", "translations", "--use-fuzzy")


@records_cli.command("remind")
def records_remind():
    """Remind owners of listings not confirmed for a year; mark listings stale after 18 months.

    Run it daily (cron: `15 6 * * * cd /srv/peacemap && .venv/bin/flask records remind`);
    a second run the same day does nothing."""
    from peacemap.owners import services as owners

    reminded, stale = owners.remind()
    db.session.commit()
    click.echo(f"{reminded} owners reminded, {stale} listings newly marked as possibly out of date")


def init_app(app):
    """Register the command groups."""
    from peacemap.moderation.commands import compact, erase

    records_cli.add_command(erase)
    records_cli.add_command(compact)
    for group in (demo_cli, users_cli, translate_cli, search_cli, data_cli, records_cli):
        app.cli.add_command(group)
