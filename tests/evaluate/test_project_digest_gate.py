"""The project's own digest eval, as `evals/config.toml` `[digests]` defines it: the corpus summarized
with the embedded model (extractive summaries and digest), scored against every real article's key
facts, gated on the committed floors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_project_digest_gate_passes(corpus_copy, monkeypatch):
    monkeypatch.chdir(REPO)
    res = CliRunner().invoke(app, ["summarize", "--json"])  # the embedded model: no key, no network
    assert res.exit_code == 0, res.output[-3000:]
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    junit, md = artifacts / "digests.xml", artifacts / "digests.md"
    res = CliRunner().invoke(app, ["eval", "--digests", "--config", "evals/config.toml", "--json",
                                   "--junit", str(junit), "--markdown", str(md)])
    assert res.exit_code == 0, res.output[-3000:]
    report = json.loads(res.stdout)
    assert set(report["splits"]) == {"dev", "test"} and report["overall"]["summarized"] == report["overall"]["articles"]
    assert report["overview"] is not None and report["overview"]["sentences"] >= 1
    assert {c["name"] for c in report["gate"]["checks"]} == {"fact_recall", "attribution_precision",
                                                             "overview_attribution_precision"}
    assert report["gate"]["passed"] is True
    assert ET.parse(junit).getroot().tag == "testsuites" and "| test |" in md.read_text()
