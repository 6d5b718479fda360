"""Fixtures the CLI tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.parties.conftest import write_home


@pytest.fixture
def records_home(home) -> Path:
    """$PIPELINE_HOME with hand-made extraction records of five dated, sourced articles
    (tests/parties/conftest.py ARTICLES) and a parties.yaml holding one unrelated entry."""
    write_home(home)
    (home / "parties.yaml").write_text("ignore: [Hooli]\n", encoding="utf-8")
    return home
