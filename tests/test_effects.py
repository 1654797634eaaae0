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
