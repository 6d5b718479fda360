"""`pipeline eval --parties` end to end on two small articles read from disk: the JSON report, the
gate's exit code and floors from a config, Markdown and JUnit files. The production matcher is
replaced by one with a known answer, so the figures do not move when the resolver improves."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

import pipeline.evaluate.parties as parties_eval
from pipeline.cli import app
from tests.evaluate.conftest import ORACLE, ByGroup, MergeAll


@pytest.fixture()
def merge_all(monkeypatch):
    monkeypatch.setattr(parties_eval, "_production_matcher", lambda texts: MergeAll())


def test_json_report_and_a_passing_gate(party_set, monkeypatch):
    monkeypatch.setattr(parties_eval, "_production_matcher", lambda texts: ByGroup(ORACLE))
    r = CliRunner().invoke(app, ["eval", "--parties", "--parties-set", str(party_set), "--json",
                                 "--min-merge-precision", "0.95", "--min-merge-recall", "0.85"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["overall"]["merge_precision"] == 1.0 and report["overall"]["merge_recall"] == 1.0
    assert report["gate"]["passed"] and [c["name"] for c in report["gate"]["checks"]] == ["merge_precision",
                                                                                        "merge_recall"]
    assert set(report) >= {"set", "overall", "splits", "by_kind", "false_merges", "missed_merges", "kept_generic",
                           "per_pair", "per_generic", "mentions", "parties", "seconds", "gate"}
    row = next(p for p in report["per_pair"] if p["id"] == "aws-variant")
    assert row["predicted_same"] and row["a"]["party"] == row["b"]["party"] and row["b"]["rule"] == "acronym"


def test_a_floor_missed_exits_1_and_the_files_name_the_false_merges(party_set, merge_all, tmp_path):
    md, xml = tmp_path / "p.md", tmp_path / "p.xml"
    r = CliRunner().invoke(app, ["eval", "--parties", "--parties-set", str(party_set), "--min-merge-precision",
                                 "0.95", "--markdown", str(md), "--junit", str(xml)])
    assert r.exit_code == 1, r.output
    assert "FAIL merge_precision 0.4 < 0.95" in r.output and "false merge: 'Amazon'" in r.output
    assert "### False merges" in md.read_text()
    root = ET.parse(xml).getroot()
    gate = next(s for s in root.iter("testsuite") if s.get("name") == "gate")
    assert gate.get("failures") == "1"


def test_floors_come_from_the_config_and_flags_override_them(party_set, merge_all, tmp_path):
    conf = tmp_path / "eval.toml"
    conf.write_text(f'[parties]\nset = ["{party_set}"]\nmin_merge_precision = 0.3\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "--parties", "--config", str(conf), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["gate"]["checks"][0]["floor"] == 0.3
    r = CliRunner().invoke(app, ["eval", "--parties", "--config", str(conf), "--min-merge-precision", "0.5"])
    assert r.exit_code == 1


def test_bad_gold_or_config_exits_2_naming_the_file(party_set, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("pairs:\n- {id: x1, kind: odd, same: true}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "--parties", "--parties-set", str(bad)])
    assert r.exit_code == 2 and "bad.yaml" in r.output and "x1" in r.output
    conf = tmp_path / "eval.toml"
    conf.write_text("[parties]\nmin_merge_recall = 2\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "--parties", "--config", str(conf)])
    assert r.exit_code == 2 and "min_merge_recall" in r.output
