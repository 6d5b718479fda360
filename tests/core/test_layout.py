"""The test tree's own rules (CONTRIBUTING.md): folders mirror the package, fixtures reach tests
through conftest.py files and plugins, never by import. Checked here so a new test in the wrong
place, or a fixture imported by name (which ruff reports as F811 at every use), fails at once."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

TESTS = REPO / "tests"
# Folders that are not a pipeline subpackage: root modules, cross-cutting suites, shared plugins.
EXTRA_AREAS = {"core", "bench", "docs", "reliability", "plugins"}


def _areas() -> list[Path]:
    return sorted(d for d in TESTS.iterdir() if d.is_dir() and not d.name.startswith((".", "__")))


def _fixture_names(path: Path) -> set[str]:
    """Functions in `path` decorated with `pytest.fixture` / `fixture` (called or not)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                label = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if label == "fixture":
                    names.add(node.name)
    return names


def _module_path(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def test_every_test_folder_is_a_package_area_with_an_init():
    packages = {d.name for d in (REPO / "pipeline").iterdir() if (d / "__init__.py").is_file()}
    for d in _areas():
        assert d.name in packages | EXTRA_AREAS, f"tests/{d.name}/ mirrors no pipeline/ package"
        assert (d / "__init__.py").is_file(), f"tests/{d.name}/__init__.py is missing"


def test_no_test_module_or_fixture_module_left_at_the_top():
    loose = sorted(p.name for p in TESTS.glob("*.py") if p.name not in ("__init__.py", "conftest.py"))
    assert loose == [], f"move these into the folder of the code they test: {loose}"
    assert sorted(p.relative_to(TESTS).as_posix() for p in TESTS.rglob("*_fixtures.py")) == []


def test_no_test_imports_a_fixture_by_name():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests"):
                source = _module_path(node.module or "")
                if source is None:
                    continue
                fixtures = _fixture_names(source)
                offenders += [f"{path.relative_to(REPO)}: {a.name} from {node.module}"
                              for a in node.names if a.name in fixtures]
    assert offenders == [], "use conftest.py or tests/plugins/, not imports:\n" + "\n".join(offenders)


def test_the_fixture_check_sees_decorated_fixtures(tmp_path):
    mod = tmp_path / "m.py"
    mod.write_text("import pytest\nfrom pytest import fixture\n\n@pytest.fixture(scope='session')\n"
                   "def a(): ...\n\n@fixture\ndef b(): ...\n\ndef helper(): ...\n")
    assert _fixture_names(mod) == {"a", "b"}
