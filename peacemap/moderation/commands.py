"""The erasure commands, in `flask records` (peacemap/cli.py): erase a record for good, compact
the database again."""

import sys

import click
from flask.cli import with_appcontext

from peacemap.extensions import db
from peacemap.moderation import erasure


@click.command("erase")
@with_appcontext
@click.argument("slug")
@click.option(
    "--kind",
    type=click.Choice(["organisation", "initiative"]),
    help="Which record, when an organisation and an initiative share the slug.",
)
@click.option("--yes", is_flag=True, help="Do not ask to type the slug again.")
def erase(slug, kind, yes):
    """Erase a record for good: its revisions, the submissions about it, the values the audit
    log kept; compact the database and the search index (see README, "Data protection")."""
    found = erasure.find(slug, kind)
    if not found:
        raise click.ClickException(f"{slug}: no organisation or initiative has this slug")
    if len(found) > 1:
        raise click.ClickException(
            f"{slug}: an organisation and an initiative both have this slug; "
            "say which with --kind organisation or --kind initiative"
        )
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException("Not erased: add --yes when not run from a terminal.")
        typed = click.prompt(f"This cannot be undone. Type {slug} again to erase it")
        if typed.strip() != slug:
            raise click.ClickException("Not erased: what you typed is not the slug.")
    erased = erasure.erase(found[0], actor=None, note="cli")
    db.session.commit()
    problems = erasure.finish(erased)
    click.echo(f"Erased the {erased.kind} {slug}.")
    if erased.kind == "organisation":
        click.echo("Its name, acronym, email and website are on the do-not-list register.")
    for problem in problems:
        click.echo(problem, err=True)


@click.command("compact")
@with_appcontext
def compact():
    """Rewrite the database's files without the space deleted rows left, as an erasure does
    (run it again when an erasure said it could not)."""
    db.session.commit()
    problems = erasure.compact(db.engine)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("Compacted.")
