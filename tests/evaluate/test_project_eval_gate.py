"""The project's own extraction eval, exactly as `evals/config.toml` defines it: CI's quality gate.

Ingests the real corpus, extracts every gold article with the embedded default, scores against
the suites (`evals/gold/`, `evals/gold-real/dev/`, `evals/gold-real/test/`, and the held-out
`evals/gold-real/holdout/`, `evals/gold-real/fresh/`, `evals/gold-real/fresh2/`, `evals/gold-real/fresh3/`, `evals/gold-real/fresh4/` and `evals/gold-real/fresh5/`) and gates on schema validity, grounding and the committed baseline,
overall and per suite (each held-out suite joined the baseline once it had been scored).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_project_eval_gate_passes_against_the_committed_baseline(corpus_copy, monkeypatch):  # noqa: F811
    monkeypatch.chdir(REPO)
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    junit, md = artifacts / "eval.xml", artifacts / "eval.md"
    res = CliRunner().invoke(app, ["eval", "--config", "evals/config.toml", "--json",
                                   "--junit", str(junit), "--markdown", str(md)])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    gold_files = sorted(Path(REPO, "evals").glob("gold*/**/*.yaml"))
    assert len(report["articles"]) == len(gold_files) >= 34
    suites = report["suites"]
    assert set(suites) == {"explicit", "real-dev", "real-test", "real-holdout", "real-fresh", "real-fresh2", "real-fresh3", "real-fresh4", "real-fresh5"}
    assert (suites["explicit"]["articles"], suites["real-test"]["articles"]) == (14, 10)
    assert sum(s["articles"] for s in suites.values()) == len(report["articles"])
    gate_names = {c["name"] for c in report["gate"]["checks"]}
    assert {"regression:real-test:overall.f1", "regression:explicit:overall.f1",
            "regression:real-holdout:overall.f1"} <= gate_names
    assert report["overall"]["schema_valid_rate"] == 1.0
    assert report["overall"]["grounding_rate"] >= 0.95
    baseline = json.loads((REPO / "evals/baseline.json").read_text())
    for name, base in baseline["suites"].items():
        assert suites[name]["overall"]["f1"] >= base["overall"]["f1"] - 0.02, name
    assert report["gate"]["passed"] is True
    assert ET.parse(junit).getroot().tag in ("testsuites", "testsuite")
    assert "F1" in md.read_text() or "f1" in md.read_text()
    # the result is kept for `pipeline report`
    assert (Path(os.environ["PIPELINE_HOME"]) / "eval" / "last.json").is_file()
