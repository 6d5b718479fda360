"""The party-resolution eval's scoring: gold loading and its errors, mentions built like production's,
merge precision / recall against matchers with a known answer, the gate, and the renderings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
import pytest

import pipeline.evaluate.parties as parties_eval
from pipeline.evaluate.parties import PartyGoldError, build_mentions, evaluate_parties, load_party_gold
from pipeline.evaluate.party_report import (PartyConfigError, article_finder, load_party_config, party_gate,
                                            render_parties_junit, render_parties_markdown)
from pipeline.types import Article
from tests.evaluate.conftest import ORACLE, ByGroup, MergeAll


def test_a_matcher_that_merges_everything_loses_precision_not_recall(party_set):
    r = evaluate_parties([party_set], article_finder(), matcher=MergeAll())
    ov = r["overall"]
    assert (ov["tp"], ov["fp"], ov["fn"], ov["tn"]) == (2, 3, 0, 0)
    assert ov["merge_precision"] == 0.4 and ov["merge_recall"] == 1.0 and ov["hard_kept_apart"] == 0.0
    assert {m["id"] for m in r["false_merges"]} == {"amazon-aws", "google-gcp", "aws-gcloud"}
    assert r["false_merges"][0]["kind"] == "hard"  # hard negatives are listed first
    assert r["missed_merges"] == []


def test_without_a_matcher_only_the_text_links_names_so_recall_drops(party_set):
    r = evaluate_parties([party_set], article_finder(), matcher=None, use_production=False)
    ov = r["overall"]
    # "Amazon Web Services (AWS)" in the text links AWS (same-article coreference needs no
    # matcher); "Google Cloud Platform" in another article is found by nothing
    assert ov["tp"] == 1 and ov["fp"] == 0 and ov["fn"] == 1
    assert ov["merge_precision"] == 1.0 and ov["merge_recall"] == 0.5 and ov["hard_kept_apart"] == 1.0
    assert {m["id"] for m in r["missed_merges"]} == {"gcp-cross"}
    assert r["missed_merges"][0]["kind"] == "cross"
    assert ov["generic"] == 1 and ov["generic_drop_rate"] == 1.0 and r["kept_generic"] == []
    assert r["mentions"] == 7 and set(r["splits"]) == {"dev"}


def test_the_production_matcher_is_used_and_given_the_article_texts(party_set, monkeypatch):
    oracle = ByGroup(ORACLE)
    got: list[dict[str, str]] = []
    monkeypatch.setattr(parties_eval, "_production_matcher", lambda texts: got.append(dict(texts)) or oracle)
    r = evaluate_parties([party_set], article_finder())
    assert r["overall"]["merge_precision"] == 1.0 and r["overall"]["merge_recall"] == 1.0
    assert r["overall"]["merge_f1"] == 1.0 and r["by_kind"]["hard"] == {"pairs": 2, "correct": 2, "accuracy": 1.0}
    (texts,) = got
    assert sorted(t[:8] for t in texts.values()) == ["Alphabet", "Amazon W"]


def test_mentions_carry_the_article_date_source_and_naming_sentence_in_article_order(party_set):
    gold = load_party_gold([party_set])
    mentions, refs, texts = build_mentions(gold, article_finder())
    gcp = next(m for m in mentions if m.name == "Google Cloud Platform")
    assert gcp.source == "Cloud Wire" and gcp.published_at and gcp.published_at.startswith("2026-03-03")
    assert gcp.quote.startswith("Alphabet's Google said") and gcp.role == "winner"
    assert texts[gcp.article_id][gcp.start:gcp.end].strip() == gcp.quote
    same_article = [m.name for m in mentions if m.article_id == refs[("docs/a.txt", "AWS")][0]]
    assert same_article == ["Amazon", "Amazon Web Services", "AWS", "Google Cloud", "Customers"]  # first named first


def test_the_store_article_is_preferred_to_the_file(party_set, monkeypatch):
    stored = Article(id="stored-a", title="A", text="Stored text naming AWS.", path="docs/a.txt", content_hash="h",
                     format="txt", source="The Store")

    class Store:
        def list_articles(self) -> list[Article]:
            return [stored]

        def close(self) -> None:
            pass

    import pipeline.evaluate.predictions as predictions

    monkeypatch.setattr(predictions, "open_store", lambda required: Store())
    find = article_finder()
    assert find("docs/a.txt") is stored and find("a.txt") is stored  # a path suffix or file name resolves
    b = find("docs/b.md")
    assert b is not None and b.source == "Cloud Wire"  # not in the store: read from the file
    assert find("docs/missing.txt") is None


@pytest.mark.parametrize("text, expect", [
    ("nothing: here\n", "expected a mapping with a 'pairs' list"),
    ("pairs:\n- {id: p1, kind: merge, same: true, a: {article: x, name: A}, b: {article: x, name: B}}\n",
     "pairs item 1 (p1)"),
    ("pairs:\n- {id: p1, kind: hard, same: false, a: {article: x, name: A}}\n", "pairs item 1 (p1)"),
    ("pairs:\n- {id: p1, kind: easy, same: false, a: {article: x, name: A}, b: {article: x, name: A}}\n",
     "pair p1 (bad): a and b are the same mention"),
    ("pairs:\n- {id: p1, kind: easy, same: false, a: {article: x, name: A}, b: {article: x, name: B}}\n"
     "- {id: p1, kind: easy, same: false, a: {article: x, name: A}, b: {article: x, name: C}}\n", "duplicate id(s): p1"),
    ("pairs: []\n", "no pairs in"),
    ("pairs: [\n", "cannot read party gold"),
])
def test_gold_errors_name_the_file_and_the_pair(tmp_path, text, expect):
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PartyGoldError) as exc:
        load_party_gold([f])
    assert expect in str(exc.value)
    if "pair p1 (bad)" not in expect and "duplicate" not in expect:
        assert str(f) in str(exc.value)


def test_an_article_neither_stored_nor_on_disk_is_named(party_set):
    party_set.write_text(party_set.read_text().replace("docs/b.md", "docs/gone.md"), encoding="utf-8")
    with pytest.raises(PartyGoldError, match="docs/gone.md"):
        evaluate_parties([party_set], article_finder(), matcher=None, use_production=False)


def test_the_gate_fails_below_a_floor_and_passes_when_precision_is_undefined(party_set):
    merged = evaluate_parties([party_set], article_finder(), matcher=MergeAll())
    gate = party_gate(merged, {"min_merge_precision": 0.95, "min_merge_recall": 0.85})
    assert not gate["passed"] and [c["passed"] for c in gate["checks"]] == [False, True]
    assert gate["checks"][0]["message"] == "merge_precision 0.4 < 0.95"
    none = evaluate_parties([party_set], article_finder(), matcher=None, use_production=False)
    gate = party_gate(none, {"min_merge_precision": 0.95, "min_merge_recall": None, "min_generic_drop_rate": 1.0})
    assert gate["passed"] and [c["name"] for c in gate["checks"]] == ["merge_precision", "generic_drop_rate"]


def test_markdown_and_junit_show_the_errors(party_set):
    r = evaluate_parties([party_set], article_finder(), matcher=MergeAll())
    r["gate"] = party_gate(r, {"min_merge_precision": 0.95})
    md = render_parties_markdown(r)
    assert "| dev | 5 | 0.4 | 1.0 |" in md and "Gate: FAILED" in md and "### False merges" in md
    assert '"Amazon" [docs/a.txt]' in md
    root = ET.fromstring(render_parties_junit(r))
    pairs = next(s for s in root.iter("testsuite") if s.get("name") == "pairs")
    assert pairs.get("tests") == "6" and pairs.get("failures") == "3"
    failed = {tc.get("name") for tc in pairs.iter("testcase") if tc.find("failure") is not None}
    assert failed == {"amazon-aws", "google-gcp", "aws-gcloud"}


def test_config_table_is_validated_naming_file_and_key(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text('[parties]\nset = "evals/parties"\nmin_merge_recall = 0.5\n', encoding="utf-8")
    assert load_party_config(f) == {"set": ["evals/parties"], "min_merge_recall": 0.5}
    assert load_party_config(None) == {}
    for body, key in (("min_merge_recall = 1.5", "min_merge_recall"), ("threshold = 1", "threshold"),
                      ("set = 3", "set")):
        f.write_text(f"[parties]\n{body}\n", encoding="utf-8")
        with pytest.raises(PartyConfigError) as exc:
            load_party_config(f)
        assert str(f) in str(exc.value) and key in str(exc.value)


def test_the_project_config_sets_the_party_floors():
    from tests.conftest import REPO

    conf = load_party_config(REPO / "evals" / "config.toml")
    assert all((REPO / p).is_file() for p in conf["set"])
    assert {"min_merge_precision", "min_merge_recall"} <= set(conf)
    assert Path(conf["set"][0]).name == "dev.yaml"


def test_a_third_split_name_is_kept_and_scored_apart(party_set):
    text = party_set.read_text(encoding="utf-8")
    assert "split: dev" in text
    hold = party_set.with_name("holdout.yaml")
    hold.write_text(text.replace("split: dev", "split: holdout"), encoding="utf-8")
    gold = load_party_gold([hold])
    assert gold.pairs and {p.split for p in gold.pairs} == {"holdout"} == {g.split for g in gold.generic}
    r = evaluate_parties([hold], article_finder(), matcher=None, use_production=False)
    assert set(r["splits"]) == {"holdout"} and r["splits"]["holdout"]["pairs"] == len(gold.pairs)
