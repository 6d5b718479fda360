"""The project's own answer eval, as `evals/config.toml` `[answers]` defines it: every answer-gold
question asked with the embedded model over the real corpus, gated on the committed floors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_project_answer_gate_passes(corpus_home, monkeypatch):
    monkeypatch.chdir(REPO)
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    junit, md = artifacts / "answers.xml", artifacts / "answers.md"
    res = CliRunner().invoke(app, ["eval", "--answers", "--config", "evals/config.toml", "--json",
                                   "--junit", str(junit), "--markdown", str(md)])
    assert res.exit_code == 0, res.output[-3000:]
    report = json.loads(res.stdout)
    assert set(report["splits"]) == {"dev", "test", "fresh", "fresh2", "fresh3", "fresh4", "fresh5"} and report["overall"]["questions"] >= 150
    assert {c["name"] for c in report["gate"]["checks"]} == {"fact_recall", "attribution_precision",
                                                             "correct_refusal"}
    # never the other airline's "the carrier" on the parts built against it; the fresh2 to fresh4
    # traps (README "Answer quality") cite a sentence about the asked party's other event or another
    # day, which this split-level count reports but does not gate
    assert all(report["splits"][s]["trap_misattributed"] == 0 for s in ("dev", "test", "fresh"))
    assert report["gate"]["passed"] is True
    assert ET.parse(junit).getroot().tag == "testsuites" and "| test |" in md.read_text()
