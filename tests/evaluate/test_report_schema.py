"""The `pipeline eval --json` report is built from `pipeline.evaluate.schema` models: its keys,
their order and the keys that appear only when they apply must stay what they were as a dict."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.evaluate.gold import GoldArticle, GoldItem
from pipeline.evaluate.match import Scorer, Thresholds
from pipeline.evaluate.predictions import Prediction, ResolvedArticle
from pipeline.evaluate.runner import add_suites, build_report, score_all
from pipeline.evaluate.schema import EvalReport
from pipeline.evaluate.settings import EvalSettings
from tests.evaluate.conftest import analysis, onehot_embed, record

TOP = ["version", "created_at", "overall", "fields", "articles", "flaky", "thresholds", "model", "source",
       "repeat", "bootstrap", "gold", "config", "warnings"]
METRICS = ["precision", "recall", "f1", "tp", "fp", "fn"]
OVERALL = [*METRICS, "ci", "schema_valid_rate", "grounding_rate", "articles", "runs", "evidence", "usage",
           "cost_usd", "tokens", "repeat_f1"]
FIELD = [*METRICS, "predictions", "optional_matched", "required_gold", "optional_gold", "ci"]
ARTICLE = ["article", "article_id", "gold_file", "resolved_via", "fields", *METRICS, "schema_valid",
           "schema_valid_runs", "runs", "errors", "evidence", "grounding_rate", "repeat", "flaky", "flaky_reasons",
           "model", "prompt_hash"]
USAGE = ["input_tokens", "output_tokens", "calls", "cached_calls", "cost_usd", "latency_s", "total_tokens"]


def _scores(tmp_path: Path, stale: bool = False):
    dirs = {"one": tmp_path / "one", "two": tmp_path / "two"}
    for d in dirs.values():
        d.mkdir()

    def gold(ref: str, suite: str, winners: list[str]) -> GoldArticle:
        items = [GoldItem("winners", w, (), None, True) for w in winners]
        return GoldArticle(ref, dirs[suite] / f"{ref}.yaml", 1, {"winners": items, "losers": [], "unchanged": []})

    first = record("a1", analysis(winners=["A"]))
    if stale:
        first.content_hash = "another-version"
    resolved = [ResolvedArticle(gold("a1", "one", ["A", "B"]), "a1", "record-id", "text", "h1"),
                ResolvedArticle(gold("a2", "two", ["C"]), "a2", "record-id")]
    grouped = {"a1": [Prediction("a1", first), Prediction("a1", record("a1", analysis(winners=["A", "B"])))],
               "a2": [Prediction("a2", None, "schema: analysis: bad")]}
    settings = EvalSettings(gold=[str(d) for d in dirs.values()], suites={k: [str(v)] for k, v in dirs.items()})
    return score_all(resolved, grouped, Scorer(Thresholds(), onehot_embed)), settings


def test_report_keys_and_their_order_are_the_json_contract(tmp_path):
    scores, settings = _scores(tmp_path)
    rep = build_report(scores, settings, source="t", model=None)
    assert list(rep) == TOP
    assert list(rep["overall"]) == OVERALL and list(rep["overall"]["usage"]) == USAGE
    assert list(rep["overall"]["evidence"]) == ["exact", "fuzzy", "unverified", "offset_errors"]
    assert list(rep["overall"]["repeat_f1"]) == ["runs", "mean", "std"]
    assert list(rep["fields"]) == ["winners", "losers", "unchanged"]
    assert all(list(f) == FIELD for f in rep["fields"].values())
    assert [list(a) for a in rep["articles"]] == [ARTICLE, ARTICLE]  # no warnings, no --explain
    assert list(rep["articles"][0]["repeat"]) == ["f1", "mean", "std", "min", "max"]
    assert list(rep["bootstrap"]) == ["samples", "seed", "confidence"] and list(rep["gold"]) == ["files", "paths"]
    assert rep["flaky"] == ["a1"] and rep["overall"]["tp"] == 3  # a1: 1 + 2, a2: none predicted


def test_keys_that_apply_only_sometimes_appear_only_then(tmp_path):
    scores, settings = _scores(tmp_path, stale=True)
    rep = add_suites(build_report(scores, settings, source="t", model=None, explain=True), scores, settings,
                     source="t", model=None)
    assert list(rep) == [*TOP, "suites"]
    a1, a2 = rep["articles"]
    assert list(a1) == [*ARTICLE, "warnings", "explain"] and list(a2) == [*ARTICLE, "explain"]
    assert rep["warnings"] == [f"a1: {a1['warnings'][0]}"]
    assert list(rep["suites"]["one"]) == ["paths", "articles", "overall", "fields"]
    assert list(rep["suites"]["one"]["overall"]) == OVERALL


def test_a_report_round_trips_through_its_model_unchanged(tmp_path):
    scores, settings = _scores(tmp_path, stale=True)
    rep = add_suites(build_report(scores, settings, source="t", model=None, explain=True), scores, settings,
                     source="t", model=None)
    again = EvalReport.model_validate(rep).model_dump()
    assert json.dumps(again) == json.dumps(rep)  # same keys, same order, same values
