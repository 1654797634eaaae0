"""The allowed arrows between rooms, checked by import-linter (contracts in pyproject.toml)."""

import re
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


def _rooms():
    """Every module and package directly under peacemap/ (what the layers must place)."""
    package = ROOT / "peacemap"
    modules = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    return modules | {path.name for path in package.iterdir() if (path / "__init__.py").exists()}


def test_every_room_has_its_layer():
    layers = contracts()["rooms-in-layers"]["layers"]
    placed = [
        name.strip().removeprefix("peacemap.") for layer in layers for name in layer.split(":")
    ]
    assert len(placed) == len(set(placed))
    assert set(placed) == _rooms()


def test_every_views_module_is_held_apart():
    package = ROOT / "peacemap"
    views = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in package.rglob("*.py")
        if path.stem == "views" or path.stem.endswith("_views")
    }
    held = set(contracts()["views-stand-alone"]["modules"])
    assert views <= held
    assert views, "control: the glob finds the views modules"


def test_the_code_keeps_its_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_room_reaching_into_search_breaks_the_contract(tmp_path):
    """The control: the same check on a copy of the code where the directory imports the
    search documents directly."""
    result = _copy_with(
        tmp_path, "directory/shortcut.py", "from peacemap.search import documents\n"
    )
    assert result.returncode != 0
    assert "peacemap.directory.shortcut -> peacemap.search.documents" in result.stdout


def test_no_module_is_past_400_lines():
    """STYLE.md: a module past about 400 lines is split by feature (migrations excepted)."""
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in (ROOT / "peacemap").rglob("*.py")
        if "migrations" not in path.parts
    }
    assert len(sizes) > 50  # control: the modules are found
    assert {path: size for path, size in sizes.items() if size > 400} == {}


def _copy_with(tmp_path, relative, source):
    shutil.copytree(
        ROOT / "peacemap", tmp_path / "peacemap", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "peacemap" / relative).write_text(source)
    return lint_imports(tmp_path)


def test_an_arrow_pointing_up_breaks_the_layers(tmp_path):
    """The control: the public view (a shared service) reaching up into a feature."""
    result = _copy_with(tmp_path, "public/upward.py", "from peacemap.directory import services\n")
    assert result.returncode != 0
    assert "Command line, features, shared services, models, foundations" in result.stdout
    assert "peacemap.public.upward -> peacemap.directory.services" in result.stdout


def test_a_view_importing_another_features_view_breaks_independence(tmp_path):
    """The control: the map's pages borrowing a view function from the directory's pages."""
    borrowed = (ROOT / "peacemap" / "map" / "views.py").read_text()
    borrowed += "\nfrom peacemap.directory.views import organisations  # noqa: E402, F401\n"
    result = _copy_with(tmp_path, "map/views.py", borrowed)
    assert result.returncode != 0
    assert "No feature imports another feature's views BROKEN" in result.stdout
    assert "peacemap.map.views -> peacemap.directory.views" in result.stdout


def test_the_readmes_code_layout_matches_the_tree():
    """Every file or folder the README's "Code layout" names exists, and every room of
    peacemap/ is named there."""
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Code layout", 1)[1].split("\n## ", 1)[0]
    named, folder = set(), None
    for line in layout.splitlines():
        first, _, text = line.strip().partition(" ")
        if first.startswith("peacemap/"):
            named.add(first.rstrip("/"))
            folder = Path(first).parent if first.endswith(".py") else Path(first)
        elif line.startswith(" "):
            text = line  # more about the line above
        else:
            folder = None  # a line about something else
        # Other files named in the text, as "views.py" or "whoosh/": in the line's folder.
        for word in re.findall(r"(?<![/\w])([a-z_]+(?:\.py|/))", text if folder else ""):
            named.add(str(folder / word.rstrip("/")))
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert missing == []
    rooms = {name.split("/")[1].removesuffix(".py") for name in named if name.count("/") >= 1}
    assert _rooms() - rooms == set()


def test_a_cycle_breaks_the_contract(tmp_path):
    """The control: the readers importing the 3W module back, as they once did."""
    readers = (ROOT / "peacemap" / "imports" / "readers.py").read_text()
    readers += "\nfrom peacemap.imports import threew  # noqa: E402, F401\n"
    result = _copy_with(tmp_path, "imports/readers.py", readers)
    assert result.returncode != 0
    assert "No import cycles between siblings BROKEN" in result.stdout
