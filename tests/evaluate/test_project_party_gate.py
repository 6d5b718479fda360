"""The project's own party-resolution eval, as `evals/config.toml` `[parties]` defines it: every
mention of the party gold resolved by the production resolver over the ingested corpus, gated on
the committed floors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # the ingested corpus (Chroma, MiniLM), and the matcher's embeddings


def test_project_party_gate_passes(corpus_home, monkeypatch):
    monkeypatch.chdir(REPO)
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    junit, md = artifacts / "parties.xml", artifacts / "parties.md"
    res = CliRunner().invoke(app, ["eval", "--parties", "--config", "evals/config.toml", "--json",
                                   "--junit", str(junit), "--markdown", str(md)])
    assert res.exit_code == 0, res.output[-3000:]
    report = json.loads(res.stdout)
    assert set(report["splits"]) == {"dev", "test", "holdout", "fresh", "fresh2", "fresh3", "fresh4", "fresh5"}
    ov = report["overall"]
    assert ov["pairs"] >= 150 and ov["hard_negatives"] >= 40 and ov["generic"] >= 10
    assert ov["tp"] + ov["fp"] + ov["fn"] + ov["tn"] == ov["pairs"]
    assert {c["name"] for c in report["gate"]["checks"]} == {"merge_precision", "merge_recall", "generic_drop_rate"}
    assert report["gate"]["passed"] is True
    assert report["mentions"] >= 300  # every mention of the set was resolved
    assert ET.parse(junit).getroot().tag == "testsuites" and "| test |" in md.read_text()
