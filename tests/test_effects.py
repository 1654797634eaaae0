"""Side effects run after commit, never after a rollback, and never break the request."""

from peacemap.effects import after_commit, run_ready
from peacemap.extensions import db


def test_effects_wait_for_commit_and_are_dropped_on_rollback(app):
    calls = []
    after_commit(calls.append, "rolled back")
    db.session.rollback()
    run_ready()
    assert calls == []
    after_commit(calls.append, "committed")
    run_ready()
    assert calls == []  # not committed yet
    db.session.commit()
    run_ready()
    assert calls == ["committed"]


def test_a_failing_effect_is_logged_and_the_next_one_still_runs(app, caplog):
    calls = []

    def broken():
        raise RuntimeError("index locked")

    after_commit(broken)
    after_commit(calls.append, "after")
    db.session.commit()
    run_ready()
    assert calls == ["after"]
    assert "index locked" in caplog.text


def test_savepoints_neither_run_nor_drop_the_effects_of_the_transaction(app):
    from peacemap import effects

    calls = []
    after_commit(calls.append, "before")
    try:
        with db.session.begin_nested():
            after_commit(calls.append, "inside a failed savepoint")
            raise ValueError("this record is refused")
    except ValueError:
        pass
    with db.session.begin_nested():
        after_commit(calls.append, "inside a released savepoint")
    run_ready()
    assert calls == []  # nothing runs before the real commit
    assert [args for _fn, args, _kw in effects.take(lambda fn, args: False)] == []
    db.session.commit()
    run_ready()
    assert calls == ["before", "inside a released savepoint"]
