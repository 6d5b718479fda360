"""Scorer unit tests; every expected number is computed by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.evaluate.gold import GoldItem
from pipeline.evaluate.match import Scorer, Thresholds, assign, dice, name_fuzzy, normalize_name
from pipeline.evaluate.metrics import bootstrap, metrics, prf
from pipeline.evaluate.predictions import Prediction, ResolvedArticle
from pipeline.evaluate.runner import build_report, score_all
from pipeline.evaluate.settings import EvalSettings
from pipeline.evaluate.gold import GoldArticle
from pipeline.types import ArticleAnalysis, UnchangedClaim
from tests.evaluate.conftest import analysis, ev, minilm_embed, onehot_embed, record

W = "winners"


def gi(text: str, *aliases: str, required: bool = True, field: str = W, evidence: str | None = None) -> GoldItem:
    return GoldItem(field, text, tuple(aliases), evidence, required)


def score(gold: dict, a: ArticleAnalysis, text: str | None = None, embed=onehot_embed, **th):
    return Scorer(Thresholds(**th), embed).score(gold, a, text)


# --- metric conventions -----------------------------------------------------------------

def test_prf_conventions():
    assert prf(2, 1, 1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert prf(0, 0, 3) == (1.0, 0.0, 0.0)  # nothing predicted: P vacuously 1, F1 0
    assert prf(0, 2, 0) == (0.0, 1.0, 0.0)  # nothing required, two wrong predictions
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)  # nothing expected, nothing said
    assert metrics(1, 3, 1) == {"precision": 0.25, "recall": 0.5, "f1": 0.3333, "tp": 1, "fp": 3, "fn": 1}


# --- parties --------------------------------------------------------------------------

def test_required_optional_and_alias():
    # gold: Google Cloud (alias GCP, required), Oracle (required), AWS (optional)
    # preds: GCP -> alias match (tp); AWS -> optional (neither tp nor fp); Microsoft -> fp
    # tp=1 fp=1 fn=1 (Oracle) -> P = 1/(1+1) = 0.5 (not 1/3: AWS is removed), R = 1/2, F1 = 0.5
    gold = {W: [gi("Google Cloud", "Google", "GCP"), gi("Oracle"), gi("AWS", required=False)]}
    r = score(gold, analysis(winners=["GCP", "AWS", "Microsoft"]))[W]
    assert (r.tp, r.fp, r.fn, r.ignored) == (1, 1, 1, 1)
    assert metrics(r.tp, r.fp, r.fn)["precision"] == 0.5
    assert metrics(r.tp, r.fp, r.fn)["recall"] == 0.5
    sims = {r.preds[p].text: r.sims[g][p] for g, p in r.pairs}
    assert sims["GCP"].method == "alias" and sims["GCP"].detail == "GCP" and sims["GCP"].score == 1.0
    # an optional gold item that nobody predicted costs nothing
    r2 = score(gold, analysis(winners=["Google Cloud", "Oracle"]))[W]
    assert (r2.tp, r2.fp, r2.fn) == (2, 0, 0)


def test_normalized_exact_match():
    assert normalize_name("The Google Cloud, Inc.") == normalize_name("google cloud")
    assert normalize_name("Microsoft’s") == "microsoft"
    r = score({W: [gi("Microsoft")]}, analysis(winners=["Microsoft's"]))[W]
    assert r.tp == 1 and r.sims[0][0].method == "exact"


def test_fuzzy_threshold_and_containment():
    assert name_fuzzy("ai", "openai") < 0.85  # a short substring is not a token match
    assert name_fuzzy("google", "google cloud") == 0.9  # whole-token containment
    assert name_fuzzy("anthropic", "anthropic and other competitors") == 0.9
    assert name_fuzzy("large", "large enterprises") < 0.85  # a generic word identifies nobody
    assert name_fuzzy("companies", "companies with exclusive deals") < 0.85
    r = score({W: [gi("Anthropic")]}, analysis(winners=["Anthropik"]), party_fuzzy=0.85)[W]
    assert r.tp == 1 and r.sims[0][0].method == "fuzzy"  # ratio 0.889
    r = score({W: [gi("Anthropic")]}, analysis(winners=["Anthropik"]), party_fuzzy=0.95)[W]
    assert (r.tp, r.fp, r.fn) == (0, 1, 1)  # the threshold is honoured


def test_one_to_one_assignment_beats_greedy():
    # sims: X="Google Cloud" vs A="Google Cloud" 1.0 (exact), vs B="Google Cloud Platform" 0.9
    # (containment); Y="Gogle Cloud" vs A 0.957 (typo), vs B 0.69 (< 0.85, not allowed).
    # Greedy takes X-A (best pair) and leaves Y with nothing: 1 match.
    # Optimal: X-B + Y-A: 2 matches -> tp=2 fp=0 fn=0.
    gold = {W: [gi("Google Cloud"), gi("Google Cloud Platform")]}
    r = score(gold, analysis(winners=["Google Cloud", "Gogle Cloud"]))[W]
    assert r.pairs == [(0, 1), (1, 0)]
    assert (r.tp, r.fp, r.fn) == (2, 0, 0)
    assert r.sims[0][0].score == 1.0 and not r.sims[1][1].ok


def test_assignment_prefers_required_gold():
    # one prediction, allowed with optional B (score 1.0) and required A (score 0.9):
    # taking A gives tp=1 fn=0; taking B (higher score) would give tp=0 fn=1.
    ok = np.array([[True], [True]])
    sc = np.array([[0.9], [1.0]])
    assert assign(ok, sc, [True, False]) == [(0, 0)]
    assert assign(ok, sc, [True, True]) == [(1, 0)]  # equal priority: the higher score wins


def test_duplicate_prediction_is_a_false_positive():
    r = score({W: [gi("Oracle")]}, analysis(winners=["Oracle", "Oracle"]))[W]
    assert (r.tp, r.fp, r.fn) == (1, 1, 0)  # one-to-one: the second copy matches nothing


def test_empty_predictions_and_empty_gold_fields():
    gold = {"winners": [gi("A"), gi("B")], "losers": [gi("C", field="losers")],
            "unchanged": [gi("s", field="unchanged", required=False)]}
    res = score(gold, analysis())
    assert [(res[f].tp, res[f].fp, res[f].fn) for f in ("winners", "losers", "unchanged")] == \
        [(0, 0, 2), (0, 0, 1), (0, 0, 0)]
    assert metrics(0, 0, 2)["f1"] == 0.0 and metrics(0, 0, 0)["f1"] == 1.0
    # gold says nobody loses; a predicted loser is a false positive: P 0, R 1 (vacuous), F1 0
    res = score({"losers": []}, analysis(losers=["Anthropic"]))
    assert (res["losers"].tp, res["losers"].fp, res["losers"].fn) == (0, 1, 0)
    # a missing analysis (failed extraction) scores like empty predictions
    res = score({W: [gi("A")]}, None)
    assert (res[W].tp, res[W].fp, res[W].fn) == (0, 0, 1)


def test_explain_says_why():
    gold = {W: [gi("Google Cloud"), gi("Oracle"), gi("AWS", required=False)]}
    r = score(gold, analysis(winners=["Google Cloud", "Mistral"]))[W]
    ex = r.explain()
    g = {row["gold"]: row for row in ex["gold"]}
    assert g["Google Cloud"]["matched"] and g["Google Cloud"]["method"] == "exact"
    assert not g["Oracle"]["matched"] and "below the threshold" in g["Oracle"]["why"]
    assert g["AWS"]["why"].startswith("not predicted (optional")
    p = {row["prediction"]: row for row in ex["predictions"]}
    assert p["Mistral"]["outcome"] == "false-positive" and "closest gold" in p["Mistral"]["why"]
    # a candidate taken by another gold item is named as such
    r = score({W: [gi("Google Cloud"), gi("Google Cloud Platform")]}, analysis(winners=["Google Cloud"]))[W]
    missed = [row for row in r.explain()["gold"] if not row["matched"]][0]
    assert "was assigned to gold" in missed["why"]


# --- unchanged statements -----------------------------------------------------------------

TEXT = ("Microsoft still owns roughly 49% of the subsidiary. Microsoft still has board representation. "
        "OpenAI still ships most of its workloads on Azure.")


def test_dice_overlap():
    assert dice((0, 10), (0, 10)) == 1.0
    assert dice((0, 10), (5, 20)) == pytest.approx(2 * 5 / (10 + 15))  # 0.4
    assert dice((0, 10), (10, 20)) == 0.0


def test_statement_matches_on_evidence_overlap():
    gold_ev = "Microsoft still has board representation."
    s = TEXT.index(gold_ev)
    g = {"unchanged": [gi("The board seat is kept", field="unchanged", evidence=gold_ev)]}
    # wording shares nothing (one-hot cosine 0), but the evidence is the same span: Dice 1.0
    same = ArticleAnalysis(unchanged=[UnchangedClaim(statement="Nothing moved on governance",
                                                     evidence=ev(gold_ev, s, s + len(gold_ev), "exact"))])
    r = score(g, same, TEXT)["unchanged"]
    assert r.tp == 1 and r.sims[0][0].method == "evidence" and r.sims[0][0].score == 1.0
    # evidence spanning the gold sentence plus the previous one (51 chars + space):
    # Dice = 2*41 / (41 + 93) = 0.612 -> still >= 0.5
    s0 = 0
    wide = ArticleAnalysis(unchanged=[UnchangedClaim(statement="x", evidence=ev(TEXT[s0:s + len(gold_ev)], s0, s + len(gold_ev), "exact"))])
    r = score(g, wide, TEXT)["unchanged"]
    assert r.sims[0][0].score == pytest.approx(2 * 41 / (41 + 93), abs=1e-3) and r.tp == 1
    # evidence on a different sentence: no overlap, no match
    other = "OpenAI still ships most of its workloads on Azure."
    o = TEXT.index(other)
    far = ArticleAnalysis(unchanged=[UnchangedClaim(statement="x", evidence=ev(other, o, o + len(other), "exact"))])
    r = score(g, far, TEXT)["unchanged"]
    assert (r.tp, r.fp, r.fn) == (0, 1, 1)
    # without the article text the quotes are compared directly
    r = score(g, same, None)["unchanged"]
    assert r.tp == 1 and r.sims[0][0].method == "evidence"


@pytest.fixture(scope="module")
def real_embed():
    return minilm_embed


def test_statement_matches_on_meaning_with_minilm(real_embed):
    g = {"unchanged": [gi("Microsoft still has board representation", field="unchanged"),
                       gi("OpenAI still ships most of its workloads on Azure", field="unchanged")]}
    a = ArticleAnalysis(unchanged=[
        UnchangedClaim(statement="Microsoft retains board representation at OpenAI", evidence=ev("zz")),
        UnchangedClaim(statement="Most OpenAI workloads keep running on Azure for now", evidence=ev("yy")),
        UnchangedClaim(statement="Bananas are yellow", evidence=ev("xx"))])
    r = score(g, a, None, embed=real_embed)["unchanged"]
    assert r.pairs == [(0, 0), (1, 1)]
    assert all(r.sims[g_][p].method == "meaning" for g_, p in r.pairs)
    assert (r.tp, r.fp, r.fn) == (2, 1, 0)
    assert r.sims[0][0].score > 0.7 and r.sims[1][2].score < 0.3
    # a stricter threshold turns the paraphrases into misses
    r = score(g, a, None, embed=real_embed, statement=0.95)["unchanged"]
    assert r.tp == 0


# --- aggregation -----------------------------------------------------------------------

def _gold_article(ref: str, winners: list[str]) -> GoldArticle:
    from pathlib import Path

    return GoldArticle(ref, Path(f"{ref}.yaml"), 1, {W: [gi(w) for w in winners], "losers": [], "unchanged": []})


def _report(pairs, **settings):
    resolved = [ResolvedArticle(_gold_article(ref, gw), ref, "record-id") for ref, gw, _ in pairs]
    grouped = {ref: [Prediction(ref, record(ref, analysis(winners=pw)))] for ref, _, pw in pairs}
    scores = score_all(resolved, grouped, Scorer(Thresholds(), onehot_embed))
    return build_report(scores, EvalSettings(**settings), source="test", model=None)


def test_micro_average_over_articles():
    # a1: gold A,B ; pred A,B,X -> tp 2 fp 1 fn 0 (P .667 R 1)
    # a2: gold C,D,E,F ; pred C -> tp 1 fp 0 fn 3 (P 1 R .25)
    # micro: tp 3 fp 1 fn 3 -> P 3/4 = .75, R 3/6 = .5, F1 = 2*.75*.5/1.25 = .6
    # (the macro mean of the article F1s would be (.8 + .4)/2 = .6 too, so check P/R)
    rep = _report([("a1", ["A", "B"], ["A", "B", "X"]), ("a2", ["C", "D", "E", "F"], ["C"])])
    ov = rep["overall"]
    assert (ov["tp"], ov["fp"], ov["fn"]) == (3, 1, 3)
    assert (ov["precision"], ov["recall"], ov["f1"]) == (0.75, 0.5, 0.6)
    assert rep["fields"]["winners"]["f1"] == 0.6 and rep["fields"]["losers"]["f1"] == 1.0
    arts = {a["article"]: a for a in rep["articles"]}
    assert arts["a1"]["f1"] == 0.8 and arts["a2"]["recall"] == 0.25
    assert ov["schema_valid_rate"] == 1.0 and ov["grounding_rate"] == 1.0  # all evidence "exact"
    assert ov["tokens"] == 2 * (100 + 50)


def test_grounding_and_schema_rates():
    resolved = [ResolvedArticle(_gold_article(r, ["A"]), r, "record-id") for r in ("a1", "a2")]
    good = record("a1", analysis(winners=["A", "B"], losers=["C"], status="exact"))
    good.analysis.losers[0].evidence.status = "unverified"
    grouped = {"a1": [Prediction("a1", good)], "a2": [Prediction("a2", None, "schema: analysis: bad")]}
    rep = build_report(score_all(resolved, grouped, Scorer(Thresholds(), onehot_embed)),
                       EvalSettings(), source="t", model=None)
    assert rep["overall"]["schema_valid_rate"] == 0.5  # 1 of 2 articles has a valid record
    assert rep["overall"]["grounding_rate"] == round(2 / 3, 4)  # 2 exact of 3 quotes
    a2 = [a for a in rep["articles"] if a["article"] == "a2"][0]
    assert a2["schema_valid"] is False and a2["fn"] == 1 and a2["errors"] == ["schema: analysis: bad"]


def test_bootstrap_is_seeded_and_sensible():
    counts = np.array([[[2, 1, 0]], [[1, 0, 3]], [[0, 2, 2]], [[3, 0, 0]]])
    a = bootstrap(counts, samples=500, seed=7)
    b = bootstrap(counts, samples=500, seed=7)
    c = bootstrap(counts, samples=500, seed=8)
    assert a == b and a != c
    lo, hi = a["overall"]["f1"]
    point = metrics(*counts.sum(axis=(0, 1)))["f1"]
    assert 0.0 <= lo <= point <= hi <= 1.0
    one = bootstrap(counts[:1], samples=100, seed=0)  # one article: the interval is the point
    assert one["overall"]["f1"] == [0.8, 0.8]


def test_repeats_flag_flaky_articles():
    resolved = [ResolvedArticle(_gold_article("a1", ["A", "B"]), "a1", "record-id"),
                ResolvedArticle(_gold_article("a2", ["C"]), "a2", "record-id")]
    grouped = {"a1": [Prediction("a1", record("a1", analysis(winners=w))) for w in (["A", "B"], ["A"], ["A", "B"])],
               "a2": [Prediction("a2", record("a2", analysis(winners=["C"]))) for _ in range(3)]}
    rep = build_report(score_all(resolved, grouped, Scorer(Thresholds(), onehot_embed)), EvalSettings(),
                       source="t", model=None)
    assert rep["flaky"] == ["a1"] and rep["repeat"] == 3
    a1 = rep["articles"][0]
    assert a1["repeat"]["f1"] == [1.0, 0.6667, 1.0]  # run 2: tp 1 fn 1 -> P 1 R .5 F1 .667
    assert a1["repeat"]["std"] == pytest.approx(float(np.std([1.0, 0.6667, 1.0])), abs=1e-4)
    # micro over all 6 article-runs: tp 2+1+2+1+1+1 = 8, fn 1 -> R 8/9
    assert rep["overall"]["recall"] == round(8 / 9, 4) and rep["overall"]["runs"] == 6
    assert rep["overall"]["repeat_f1"]["runs"][1] == metrics(2, 0, 1)["f1"]


# --- suites ------------------------------------------------------------------------------

def test_suites_from_a_config_table_and_from_several_gold_paths(tmp_path):
    from pipeline.evaluate.settings import EvalConfigError, load_settings_file, with_overrides

    cfg = tmp_path / "c.toml"
    cfg.write_text('[gold]\nexplicit = "g/a"\nreal = ["g/b", "g/c"]\n', encoding="utf-8")
    s = load_settings_file(cfg)
    assert s.suites == {"explicit": ["g/a"], "real": ["g/b", "g/c"]} and s.gold == ["g/a", "g/b", "g/c"]
    assert s.suite_paths() == s.suites
    # --gold replaces the set; several paths are then a suite each, one path no suites at all
    assert with_overrides(s, gold=["x", "y"]).suite_paths() == {"x": ["x"], "y": ["y"]}
    assert with_overrides(s, gold=["x"]).suite_paths() == {}
    cfg.write_text('[gold]\nbad = 3\n', encoding="utf-8")
    with pytest.raises(EvalConfigError, match="gold.bad"):
        load_settings_file(cfg)


def _suite_scores(tmp_path):
    from pathlib import Path

    dirs = {"one": tmp_path / "one", "two": tmp_path / "two"}
    for d in dirs.values():
        d.mkdir()
    pairs = [("one", "a1", ["A", "B"], ["A", "B"]), ("two", "a2", ["C", "D"], ["C", "X"])]
    resolved = [ResolvedArticle(GoldArticle(ref, Path(dirs[s] / f"{ref}.yaml"), 1,
                                            {W: [gi(w) for w in gw], "losers": [], "unchanged": []}), ref, "rid")
                for s, ref, gw, _ in pairs]
    grouped = {ref: [Prediction(ref, record(ref, analysis(winners=pw)))] for _, ref, _, pw in pairs}
    settings = EvalSettings(gold=[str(d) for d in dirs.values()], suites={k: [str(v)] for k, v in dirs.items()})
    return score_all(resolved, grouped, Scorer(Thresholds(), onehot_embed)), settings


def test_each_suite_is_scored_on_its_own_articles(tmp_path):
    from pipeline.evaluate.runner import add_suites

    scores, settings = _suite_scores(tmp_path)
    rep = add_suites(build_report(scores, settings, source="t", model=None), scores, settings, source="t", model=None)
    one, two = rep["suites"]["one"], rep["suites"]["two"]
    assert one["articles"] == two["articles"] == 1
    assert one["overall"]["f1"] == 1.0
    assert (two["overall"]["tp"], two["overall"]["fp"], two["overall"]["fn"]) == (1, 1, 1)
    assert rep["overall"]["tp"] == 3  # overall still counts every article


def test_a_drop_in_one_suite_fails_the_gate_even_when_overall_holds(tmp_path):
    from pipeline.evaluate.gate import baseline_from_report, check_gate
    from pipeline.evaluate.runner import add_suites

    scores, settings = _suite_scores(tmp_path)
    rep = add_suites(build_report(scores, settings, source="t", model=None), scores, settings, source="t", model=None)
    base = baseline_from_report(rep)
    assert set(base["suites"]) == {"one", "two"}
    assert check_gate(rep, settings, base)["passed"]
    base["suites"]["two"]["overall"]["f1"] = 0.9  # the baseline was better on suite two only
    gate = check_gate(rep, settings, base)
    failed = [c["name"] for c in gate["checks"] if not c["passed"]]
    assert failed == ["regression:two:overall.f1"]
    del base["suites"]["one"]
    assert any("suite 'one' is not in the baseline" in w for w in check_gate(rep, settings, base)["warnings"])


def test_a_suite_absent_from_the_baseline_is_not_gated_nor_mixed_into_overall(tmp_path):
    from pipeline.evaluate.gate import baseline_from_report, check_gate
    from pipeline.evaluate.runner import add_suites

    scores, settings = _suite_scores(tmp_path)
    rep = add_suites(build_report(scores, settings, source="t", model=None), scores, settings, source="t", model=None)
    base = baseline_from_report(rep)
    del base["suites"]["two"]  # a held-out part added after the baseline was saved
    base["overall"]["f1"] = 1.0  # the baseline's overall covered suite one only
    gate = check_gate(rep, settings, base)
    names = [c["name"] for c in gate["checks"]]
    assert gate["passed"]
    assert "regression:one:overall.f1" in names
    assert not any(n.startswith(("regression:two:", "regression:overall")) for n in names)
    assert any("overall not compared" in w and "'two'" in w for w in gate["warnings"])
