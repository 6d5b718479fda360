"""The digest eval: key-fact recall and attribution of summaries and of the digest overview, its gold
checker, its gate and reports, and `pipeline eval --digests` over a stored home (no model)."""

from __future__ import annotations

import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from pipeline.evaluate.digest_report import (digest_gate, load_digest_config, render_digests_junit,
                                             render_digests_markdown)
from pipeline.evaluate.digests import (ArticleFacts, DigestGoldError, cited_sentences, covered, evaluate_digests,
                                       load_digest_gold, not_verbatim, supported)
from tests.conftest import REPO

ARTICLE = ("Skyway Airlines said on Tuesday that its quarterly profit fell by 40 percent to $12 million. "
           "The carrier said higher jet fuel prices were the main reason the profit fell so sharply. "
           "To recover the cost, Skyway added a fuel surcharge of $15 to every ticket sold from next month. "
           "Analysts said the surcharge could cost the airline some price-sensitive travellers.")
FACTS = ["its quarterly profit fell by 40 percent to $12 million",
         "higher jet fuel prices were the main reason the profit fell so sharply",
         "Skyway added a fuel surcharge of $15 to every ticket sold from next month"]


def _checker() -> ModuleType:
    if "check_digests" not in sys.modules:
        spec = importlib.util.spec_from_file_location("check_digests", REPO / "evals" / "check_digests.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules["check_digests"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["check_digests"]


def test_a_fact_is_covered_by_a_sentence_or_two_consecutive_ones_holding_most_of_its_words():
    assert covered(FACTS[0], ["Skyway said its quarterly profit fell by 40 percent to $12 million."])
    assert not covered(FACTS[0], ["Skyway reported results on Tuesday."])
    two = "higher jet fuel prices were the main reason the profit fell. It added a $15 fuel surcharge."
    assert covered(FACTS[1] + " " + FACTS[2], ["The main reason: higher jet fuel prices, the profit fell so sharply.",
                                               "Skyway added a fuel surcharge of $15 to every ticket sold."])
    assert not covered(FACTS[1] + " " + FACTS[2], [two.split(". ")[0], "Unrelated.", two.split(". ")[1]])


def test_a_sentence_is_attributed_only_when_its_article_says_it():
    assert supported("Skyway added a fuel surcharge of $15 to every ticket.", ARTICLE)
    assert supported("Profit fell 40 percent because jet fuel prices were higher.", ARTICLE)
    assert not supported("Skyway added a fuel surcharge of $25 to every ticket.", ARTICLE)  # a number it lacks
    assert not supported("Bluejet retired six older jets to save money.", ARTICLE)


def test_overview_citations_attach_to_their_sentence():
    ov = "Profit fell 40 percent. [sky-1] Bluejet cut fares [blue-2][sky-1]. Nothing cited here."
    assert cited_sentences(ov) == [("Profit fell 40 percent.", ["sky-1"]),
                                   ("Bluejet cut fares.", ["blue-2", "sky-1"]), ("Nothing cited here.", [])]


def _eval(summary: str | None, overview: str | None = None):
    gold = [ArticleFacts(article="corpus/x/skyway.md", facts=FACTS, split="dev")]
    texts = {"sky-1": ARTICLE, "blue-2": "Bluejet cut fares to fill seats."}
    return evaluate_digests(gold, article_id=lambda ref: "sky-1" if ref.endswith("skyway.md") else None,
                            text_by_id=lambda aid: texts[aid], summaries={"sky-1": summary} if summary else {},
                            overview=overview)


def test_summary_scores_recall_and_precision_and_names_what_went_wrong():
    rep = _eval("Skyway's quarterly profit fell by 40 percent to $12 million. Skyway will be sold next year.")
    row = rep["per_article"][0]
    assert (row["facts_covered"], row["facts"], row["attributed"], row["sentences"]) == (1, 3, 1, 2)
    assert row["unattributed"] == ["Skyway will be sold next year."] and len(row["missed_facts"]) == 2
    assert rep["overall"]["fact_recall"] == round(1 / 3, 4) and rep["splits"]["dev"]["attribution_precision"] == 0.5
    assert rep["overview"] is None
    missing = _eval(None)["per_article"][0]
    assert not missing["summarized"] and missing["facts_covered"] == 0


def test_overview_is_scored_over_the_articles_it_cites():
    ov = ("Skyway's profit fell by 40 percent to $12 million [sky-1]. Skyway added a fuel surcharge of $15 to every "
          "ticket sold from next month [sky-1]. Bluejet doubled its profit [blue-2].")
    o = _eval("x", ov)["overview"]
    assert (o["cited_articles"], o["graded_articles"], o["facts"], o["facts_covered"]) == (2, 1, 3, 2)
    assert o["attributed"] == 2 and o["unattributed"] == ["Bluejet doubled its profit."]


def test_gold_errors_name_the_file_and_quotes_must_be_verbatim(tmp_path):
    bad = tmp_path / "dev.yaml"
    bad.write_text("split: dev\narticles:\n- article: corpus/x/skyway.md\n  facts: []\n", encoding="utf-8")
    with pytest.raises(DigestGoldError, match=r"dev\.yaml: article 1 \(corpus/x/skyway\.md\)"):
        load_digest_gold([bad])
    gold = [ArticleFacts(article="a.md", facts=[FACTS[0], "its quarterly profit rose by 40 percent"])]
    assert not_verbatim(gold, lambda ref: ARTICLE.replace("profit fell", "profit\n fell")) == [
        "a.md: fact 2 is not verbatim in the article: 'its quarterly profit rose by 40 percent'"]


def test_the_shipped_digest_gold_passes_its_checker_and_labels_every_real_article():
    counts, errors = _checker().check(sorted((REPO / "evals" / "digests").glob("*.yaml")))
    assert errors == []
    real = [p for p in (REPO / "corpus" / "wikinews").glob("*/*.md") if p.parent.name not in ("fresh", "fresh2", "fresh3", "fresh4", "fresh5")]
    assert counts["articles"] == len(real)  # fresh/ and fresh2/ have extraction gold only (evals/README.md)
    assert counts["dev"] >= 16 and counts["test"] >= 21 and counts["facts"] >= 3 * counts["articles"]


def test_the_checker_rejects_a_typo_a_wrong_split_and_a_duplicate(tmp_path):
    art = "corpus/wikinews/test/japan-enters-recession.md"
    f = tmp_path / "dev.yaml"
    f.write_text(f"split: dev\narticles:\n- article: {art}\n  facts:\n  - Japan has not been in recession since 2001.\n"
                 "  - Japan has not been in recession since 2002.\n  - The Nikkei 225 stock index has fallen 40%\n"
                 f"- article: {art}\n  facts: [a, b, c]\n", encoding="utf-8")
    _, errors = _checker().check([f])
    text = "\n".join(errors)
    assert "belongs in the test part, not dev" in text and "fact 2 is not verbatim" in text
    assert "already labeled in dev.yaml" in text


def test_gate_config_and_reports(tmp_path):
    rep = _eval("Skyway's quarterly profit fell by 40 percent to $12 million. Skyway will be sold next year.",
                "Skyway's profit fell by 40 percent [sky-1].")
    gate = digest_gate(rep, {"min_fact_recall": 0.3, "min_attribution_precision": 0.9,
                             "min_overview_attribution_precision": 0.5})
    assert [c["passed"] for c in gate["checks"]] == [True, False, True] and not gate["passed"]
    rep["gate"] = gate
    md = render_digests_markdown(rep)
    assert "| dev | 1 | 1 | 0.3333 | 0.5 |" in md and "not in its article: Skyway will be sold" in md
    root = ET.fromstring(render_digests_junit(rep))
    assert root.find("testsuite[@name='articles']").get("failures") == "1"
    cfg = tmp_path / "c.toml"
    cfg.write_text('[digests]\nset = "evals/digests"\nmin_fact_recall = 1.5\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"c\.toml: \[digests\] min_fact_recall"):
        load_digest_config(cfg)
    assert load_digest_config(REPO / "evals" / "config.toml")["set"] == ["evals/digests/dev.yaml",
                                                                       "evals/digests/test.yaml"]


def test_cli_scores_the_stored_summaries(corpus_copy, monkeypatch):
    """`pipeline eval --digests` over a home with a summary written for one real article."""
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.corpus.store import Store
    from pipeline.evaluate.retrieval import resolve_article
    from pipeline.summarize.plan import corpus_articles
    from pipeline.summarize.records import SummaryRecord, append_jsonl, summaries_path

    monkeypatch.chdir(REPO)
    store = Store(home=corpus_copy, chroma_url="")
    arts = {a.id: a for a in corpus_articles(store)}
    aid = resolve_article("corpus/wikinews/test/japan-enters-recession.md", arts, store)
    store.close()
    assert aid is not None
    text = arts[aid].text
    lead = text[:text.index("growth.") + len("growth.")]
    append_jsonl(summaries_path(), SummaryRecord(article_id=aid, title="t", model="m", prompt_hash="p", summary=lead))
    gold = Path(corpus_copy) / "gold.yaml"
    gold.write_text("split: test\narticles:\n- article: corpus/wikinews/test/japan-enters-recession.md\n  facts:\n"
                    "  - Japan, which accounts for 7% of world output, has entered a recession\n"
                    "  - Japan has not been in recession since 2001.\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "--digests", "--digests-set", str(gold), "--json", "--min-fact-recall", "0.6"])
    assert res.exit_code == 1, res.output[-2000:]  # 1 of 2 facts: below the floor
    report = json.loads(res.stdout)
    assert report["splits"]["test"]["fact_recall"] == 0.5 and report["overall"]["attribution_precision"] == 1.0
    assert report["overview"] is None and report["gate"]["checks"][0]["name"] == "fact_recall"
