"""Static checks, as CI runs them (configuration in pyproject.toml): ruff on the package, the
tests and the benchmarks (`[tool.ruff]`), the layer contracts (`[tool.importlinter]`, drawn in
docs/architecture.md) and mypy on the package (`[tool.mypy]`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import REPO


def _tool(name: str) -> str:
    local = REPO / ".venv" / "bin" / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def test_ruff_finds_nothing_in_the_package_tests_and_bench():
    res = subprocess.run([_tool("ruff"), "check", "pipeline", "tests", "bench"], cwd=REPO, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_layers_import_downward_only_and_without_cycles():
    res = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr
    assert "0 broken" in res.stdout


def test_mypy_passes_on_the_package():
    """`[tool.mypy]` in pyproject.toml: check_untyped_defs on, third-party gaps named module by module."""
    res = subprocess.run([_tool("mypy"), "pipeline"], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr
    assert "no issues found" in res.stdout
