"""`flask users create` and the translation commands."""

from sqlalchemy import select

from peacemap.accounts.services import check_password
from peacemap.extensions import db
from peacemap.models import Role, User


def test_create_moderator_from_environment_password(runner, monkeypatch):
    monkeypatch.setenv("PEACEMAP_PASSWORD", "a long enough passphrase")
    result = runner.invoke(args=["users", "create", "Mod@Example.org", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "mod@example.org" and user.role == Role.MODERATOR
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough passphrase" not in user.password_hash
    assert check_password(user, "a long enough passphrase")
    assert not check_password(user, "wrong password!!")


def test_refuses_short_passwords_duplicates_and_bad_roles(runner, monkeypatch):
    monkeypatch.setenv("PEACEMAP_PASSWORD", "short")
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"])
    assert result.exit_code != 0 and "at least 12" in result.output
    monkeypatch.setenv("PEACEMAP_PASSWORD", "a long enough passphrase")
    assert (
        runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"]).exit_code == 0
    )
    again = runner.invoke(args=["users", "create", "A@example.org", "--role", "admin"])
    assert again.exit_code != 0 and "already exists" in again.output
    bad_role = runner.invoke(args=["users", "create", "b@example.org", "--role", "root"])
    assert bad_role.exit_code != 0
    bad_email = runner.invoke(args=["users", "create", "not-an-email", "--role", "admin"])
    assert bad_email.exit_code != 0


def test_without_password_or_terminal_it_fails_clearly(runner, monkeypatch):
    monkeypatch.delenv("PEACEMAP_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "create", "c@example.org", "--role", "moderator"])
    assert result.exit_code != 0 and "PEACEMAP_PASSWORD" in result.output
    assert db.session.scalar(select(User)) is None
