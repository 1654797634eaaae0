"""`flask data backup` and `flask data restore`: a round trip gives identical data."""

from sqlalchemy import select, text

from peacemap import backup, versions
from peacemap.demo import loader
from peacemap.extensions import db


def snapshot():
    """Every row of every table, in a stable order (but the page cache's version counter,
    which a restore moves on: see the test)."""
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("counters", "key_checks"):
            continue
        rows = db.session.execute(select(table)).all()
        tables[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return tables


def test_backup_and_restore_give_identical_data(app, tmp_path):
    loader.load(loader.read_data())
    db.session.commit()
    before = snapshot()
    assert sum(len(rows) for rows in before.values()) > 50
    target = tmp_path / "peacemap.backup"
    backup.backup(target)
    assert target.stat().st_size > 0

    # Things go wrong after the backup...
    db.session.execute(text("DELETE FROM relationships"))
    db.session.execute(text("UPDATE organisations SET name = 'damaged'"))
    db.session.commit()
    assert snapshot() != before
    damaged = versions.version()

    backup.restore(target)
    assert snapshot() == before
    # Pages kept at the version before the restore, or at the restored one, are never served.
    assert versions.version() > damaged


def test_the_commands(app, runner, tmp_path):
    loader.load(loader.read_data())
    db.session.commit()
    target = tmp_path / "copy.backup"
    made = runner.invoke(args=["data", "backup", str(target)])
    assert made.exit_code == 0, made.output
    assert str(target) in made.output
    refused = runner.invoke(args=["data", "restore", str(tmp_path / "missing")])
    assert refused.exit_code != 0
    restored = runner.invoke(args=["data", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
