"""The allowed arrows between rooms, checked by import-linter (contracts in pyproject.toml)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# What other rooms may import of peacemap/search/: its service, and (the app factory) its views.
SEARCH_DOORS = {"__init__", "service", "views"}


def contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def lint_imports(tree):
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_module_behind_the_search_service_is_protected():
    search = ROOT / "peacemap" / "search"
    inside = {path.stem for path in search.glob("*.py")}
    inside |= {path.name for path in search.iterdir() if (path / "__init__.py").exists()}
    protected = {
        name.rsplit(".", 1)[1]
        for name in contracts()["search-behind-its-service"]["protected_modules"]
    }
    assert protected == inside - SEARCH_DOORS


def test_the_code_keeps_its_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_room_reaching_into_search_breaks_the_contract(tmp_path):
    """The control: the same check on a copy of the code where the directory imports the
    search documents directly."""
    shutil.copytree(
        ROOT / "peacemap", tmp_path / "peacemap", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "peacemap" / "directory" / "shortcut.py").write_text(
        "from peacemap.search import documents\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "peacemap.directory.shortcut -> peacemap.search.documents" in result.stdout
