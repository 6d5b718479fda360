"""`pipeline eval` in-process: --predictions scoring, --json shape, gate exit codes, outputs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.evaluate.conftest import analysis, record, write_gold, write_jsonl

SEED_GOLD = """\
article: seed
winners:
  - {party: Google Cloud, aliases: [Google, GCP], evidence: "Google Cloud and Oracle win."}
  - {party: Oracle}
  - {party: AWS, required: false}
losers:
  - {party: Anthropic, evidence: "Anthropic and other competitors lose strategic leverage."}
unchanged: []
"""
OTHER_GOLD = """\
article: other
winners: [Brightline]
losers:
  - Resellers
  - Large engineering organizations
"""


@pytest.fixture
def setup(tmp_path, home):
    gold = tmp_path / "gold"
    write_gold(gold, "seed", SEED_GOLD)
    write_gold(gold, "other", OTHER_GOLD)
    preds = write_jsonl(tmp_path / "preds.jsonl", [
        # seed winners: GCP (alias, tp), AWS (optional), Microsoft (fp); Oracle missed.
        # seed losers: Anthropic (tp).                    -> tp 2 fp 1 fn 1
        record("seed", analysis(winners=["GCP", "AWS", "Microsoft"], losers=["Anthropic"]), cost=0.002),
        # other: Brightline (tp); Resellers (tp); Large engineering organizations missed -> tp 2 fp 0 fn 1
        record("other", analysis(winners=["Brightline"], losers=["Resellers"]), cost=0.001),
    ])
    # overall: tp 4 fp 1 fn 2 -> P 0.8, R 0.6667, F1 = 2*.8*.6667/1.4667 = 0.7273
    return gold, preds


def run(*args: str):
    return CliRunner().invoke(app, ["eval", *args], catch_exceptions=False)


def test_json_report_shape_and_numbers(setup):
    gold, preds = setup
    res = run("--gold", str(gold), "--predictions", str(preds), "--json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    ov = rep["overall"]
    assert (ov["tp"], ov["fp"], ov["fn"]) == (4, 1, 2)
    assert (ov["precision"], ov["recall"], ov["f1"]) == (0.8, 0.6667, 0.7273)
    assert set(rep["fields"]) == {"winners", "losers", "unchanged"}
    # winners: tp 2 (GCP, Brightline) fp 1 fn 1 -> P R F1 = 2/3
    assert rep["fields"]["winners"]["f1"] == 0.6667 and rep["fields"]["winners"]["optional_matched"] == 1
    assert rep["fields"]["unchanged"] == {**rep["fields"]["unchanged"], "tp": 0, "fp": 0, "fn": 0, "f1": 1.0}
    arts = {a["article"]: a for a in rep["articles"]}
    assert arts["seed"]["fields"]["winners"]["fp"] == 1 and arts["other"]["fn"] == 1
    assert arts["seed"]["resolved_via"] == "record-id"
    assert ov["schema_valid_rate"] == 1.0 and ov["cost_usd"] == pytest.approx(0.003)
    assert ov["tokens"] == 300 and ov["usage"]["input_tokens"] == 200
    lo, hi = ov["ci"]["f1"]
    assert 0 <= lo <= ov["f1"] <= hi <= 1
    assert rep["thresholds"]["party_fuzzy"] == 0.85 and rep["gate"]["passed"] is True
    # reproducible: same bootstrap seed, same interval
    again = json.loads(run("--gold", str(gold), "--predictions", str(preds), "--json").stdout)
    assert again["overall"]["ci"] == ov["ci"]


def test_thresholds_are_configurable_and_reported(setup, tmp_path):
    gold, preds = setup
    write_jsonl(preds, [record("seed", analysis(winners=["Gogle Cloud"])), record("other", analysis())])
    loose = json.loads(run("--gold", str(gold), "--predictions", str(preds), "--json").stdout)
    strict = json.loads(run("--gold", str(gold), "--predictions", str(preds), "--json",
                            "--party-threshold", "0.99").stdout)
    assert loose["fields"]["winners"]["tp"] == 1 and strict["fields"]["winners"]["tp"] == 0
    assert strict["thresholds"]["party_fuzzy"] == 0.99


def test_min_f1_gate_exit_codes(setup):
    gold, preds = setup
    ok = run("--gold", str(gold), "--predictions", str(preds), "--min-f1", "0.7")
    assert ok.exit_code == 0
    bad = run("--gold", str(gold), "--predictions", str(preds), "--min-f1", "0.75")
    assert bad.exit_code == 1
    assert "min_f1" in bad.stderr and "0.727 < minimum 0.750" in bad.stderr


def test_baseline_regression_is_reported_per_field(setup, tmp_path):
    gold, preds = setup
    base = tmp_path / "baseline.json"
    res = run("--gold", str(gold), "--predictions", str(preds), "--save-baseline", str(base))
    assert res.exit_code == 0 and base.is_file()
    saved = json.loads(base.read_text())
    assert saved["fields"]["losers"]["f1"] == 0.8 and "gold_fingerprint" in saved
    # same predictions against their own baseline: no regression
    assert run("--gold", str(gold), "--predictions", str(preds), "--baseline", str(base)).exit_code == 0
    # losers get worse: Anthropic now missing -> losers tp 1 fn 2 -> F1 0.5 (was 0.8)
    write_jsonl(preds, [record("seed", analysis(winners=["GCP", "AWS", "Microsoft"])),
                        record("other", analysis(winners=["Brightline"], losers=["Resellers"]))])
    res = run("--gold", str(gold), "--predictions", str(preds), "--baseline", str(base), "--json")
    assert res.exit_code == 1
    gate = json.loads(res.stdout)["gate"]
    fields = {r["field"] for r in gate["regressions"]}
    assert "losers" in fields and "winners" not in fields
    los = [r for r in gate["regressions"] if r["field"] == "losers"][0]
    assert (los["baseline"], los["value"], los["delta"]) == (0.8, 0.5, -0.3)
    # a tolerance wide enough lets it through
    assert run("--gold", str(gold), "--predictions", str(preds), "--baseline", str(base),
               "--tolerance", "0.35").exit_code == 0


def test_junit_and_markdown_outputs(setup, tmp_path):
    gold, preds = setup
    junit, md = tmp_path / "out" / "eval.xml", tmp_path / "out" / "eval.md"
    res = run("--gold", str(gold), "--predictions", str(preds), "--min-f1", "0.9",
              "--junit", str(junit), "--markdown", str(md))
    assert res.exit_code == 1
    root = ET.parse(junit).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["gate"].get("failures") == "1"
    failure = suites["gate"].find("testcase/failure")
    assert failure is not None and "0.727" in failure.get("message")
    cases = {c.get("name"): c for c in suites["articles"].iter("testcase")}
    assert set(cases) == {"seed", "other"}
    props = {p.get("name"): p.get("value") for p in cases["seed"].find("properties")}
    assert props["fp"] == "1" and props["f1"] == "0.6667"
    assert "Oracle" in cases["seed"].find("system-out").text
    text = md.read_text()
    assert text.startswith("## Extraction eval ❌ failed")
    assert "| **overall** | 0.800 | 0.667 | 0.727 |" in text
    assert "❌ `min_f1`" in text


def test_explain_lists_matches_and_misses(setup):
    gold, preds = setup
    res = run("--gold", str(gold), "--predictions", str(preds), "--explain")
    assert res.exit_code == 0
    err = res.stderr
    assert "✓ gold 'Google Cloud' (line 3): matched prediction #0 'GCP' (alias 1.00 via 'GCP')" in err
    assert "✗ gold 'Oracle'" in err and "below the threshold" in err
    assert "+ prediction #2 'Microsoft' [false-positive]" in err
    assert "· prediction #1 'AWS' [optional]" in err
    rep = json.loads(run("--gold", str(gold), "--predictions", str(preds), "--json", "--explain").stdout)
    ex = rep["articles"][1]["explain"][0]["winners"] if rep["articles"][1]["article"] == "seed" \
        else rep["articles"][0]["explain"][0]["winners"]
    assert {g["gold"]: g["matched"] for g in ex["gold"]} == {"Google Cloud": True, "Oracle": False, "AWS": True}


def test_missing_schema_invalid_and_torn_records(setup, tmp_path):
    gold, preds = setup
    bad = json.dumps({"article_id": "other", "model": "fake:scripted", "prompt_hash": "x",
                      "analysis": {"winners": [{"party": "Brightline"}]}})  # evidence missing
    write_jsonl(preds, [record("seed", analysis(winners=["GCP"])), bad, '{"article_id": "se'])
    res = run("--gold", str(gold), "--predictions", str(preds), "--json", "--min-schema-valid-rate", "1")
    assert res.exit_code == 1
    rep = json.loads(res.stdout)
    assert rep["overall"]["schema_valid_rate"] == 0.5
    other = [a for a in rep["articles"] if a["article"] == "other"][0]
    assert other["schema_valid"] is False and other["errors"][0].startswith("schema: analysis.winners.0.evidence")
    assert any("torn last line" in w for w in rep["warnings"])


def test_input_errors_exit_2_with_clear_messages(setup, tmp_path):
    gold, preds = setup
    write_gold(tmp_path / "badgold", "x", "article: a\nwinners:\n  - {party: X, required: maybe}\n")
    res = run("--gold", str(tmp_path / "badgold"), "--predictions", str(preds))
    assert res.exit_code == 2 and "x.yaml:3: `winners` item 1: `required` must be true or false" in res.stderr
    res = run("--gold", str(gold), "--predictions", str(tmp_path / "nope.jsonl"))
    assert res.exit_code == 2 and "predictions file not found" in res.stderr
    write_gold(tmp_path / "g2", "u", "article: corpus/unknown.md\nwinners: [A]\n")
    res = run("--gold", str(tmp_path / "g2"), "--predictions", str(preds))
    assert res.exit_code == 2
    assert "u.yaml:1: article 'corpus/unknown.md' not found" in res.stderr
    res = run("--gold", str(gold), "--predictions", str(preds), "--baseline", str(tmp_path / "none.json"))
    assert res.exit_code == 2 and "baseline file not found" in res.stderr
    res = run("--gold", str(gold), "--predictions", str(preds), "--model", "openai:gpt-4o")
    assert res.exit_code == 2 and "no records for model 'openai:gpt-4o'" in res.stderr
    assert "fake:scripted" in res.stderr


def test_config_file_sets_gate_and_thresholds(setup, tmp_path):
    gold, preds = setup
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'gold = ["{gold}"]\npredictions = "{preds}"\n[thresholds]\nparty_fuzzy = 0.9\n'
                   "[gate]\nmin_f1 = 0.75\n[bootstrap]\nsamples = 50\nseed = 3\n")
    res = run("--config", str(cfg), "--json")
    assert res.exit_code == 1  # 0.727 < 0.75 from the file
    rep = json.loads(res.stdout)
    assert rep["thresholds"]["party_fuzzy"] == 0.9 and rep["bootstrap"] == {"samples": 50, "seed": 3, "confidence": 0.95}
    assert rep["config"] == str(cfg)
    assert run("--config", str(cfg), "--min-f1", "0.5").exit_code == 0  # the flag wins
    cfg.write_text("[gate]\nmin_f1 = 2\n")
    res = run("--config", str(cfg))
    assert res.exit_code == 2 and "`gate.min_f1` must be a number between 0 and 1" in res.stderr
    cfg.write_text("[thresholds]\nparty = 0.9\n")
    assert "unknown key(s) in [thresholds]: party" in run("--config", str(cfg)).stderr


def test_repeat_uses_last_k_records_and_flags_flaky(setup, tmp_path):
    gold, preds = setup
    write_jsonl(preds, [record("seed", analysis(winners=["GCP", "Oracle"], losers=["Anthropic"])),
                        record("seed", analysis(winners=["GCP"], losers=["Anthropic"])),
                        record("other", analysis(winners=["Brightline"]), tokens=100),
                        record("other", analysis(winners=["Brightline"]), tokens=120)])
    rep = json.loads(run("--gold", str(gold), "--predictions", str(preds), "--repeat", "2", "--json").stdout)
    assert rep["flaky"] == ["seed"] and rep["overall"]["runs"] == 4
    seed = [a for a in rep["articles"] if a["article"] == "seed"][0]
    assert seed["repeat"]["f1"] == [1.0, 0.8]  # run 2: tp 2 fn 1 -> P 1 R .667 F1 .8


def test_first_baseline_and_stale_prompt_warning(setup, tmp_path):
    gold, preds = setup
    base = tmp_path / "b" / "baseline.json"
    # the config names a baseline that does not exist yet: saving to it bootstraps it
    res = run("--gold", str(gold), "--predictions", str(preds), "--baseline", str(base), "--save-baseline", str(base))
    assert res.exit_code == 0 and "this run creates it" in res.stderr and base.is_file()
    data = json.loads(base.read_text())
    assert data["prompt_hashes"] == ["p" * 12]
    data["prompt_hashes"] = ["an-older-prompt"]
    base.write_text(json.dumps(data))
    rep = json.loads(run("--gold", str(gold), "--predictions", str(preds), "--baseline", str(base), "--json").stdout)
    assert rep["gate"]["passed"] and any("prompts changed" in w for w in rep["gate"]["warnings"])
    # a baseline that is not a report is refused clearly
    base.write_text('{"overall": {}}')
    res = run("--gold", str(gold), "--predictions", str(preds), "--baseline", str(base))
    assert res.exit_code == 2 and "baseline must be an eval report" in res.stderr
