"""The `single` strategy's few-shot examples and optional recall pass, with the shipped fake
provider (no model, no network)."""

from __future__ import annotations

import pytest
import yaml

from pipeline.config import load_settings
from pipeline.extraction.extract import extract_article, plan_extraction, prompt_hash
from pipeline.extraction import single
from pipeline.extraction.prompts import PromptError
from pipeline.llm.fake import FakeProvider
from tests.conftest import REPO
from tests.extraction.conftest import analysis_json, make_article

TEXT = ("Acme Corp shares rose 8% after the merger. Beta Industries lost its biggest customer. "
        "Gamma Labs won a new contract from the city. Delta Freight's profits fell sharply.")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("PIPELINE_RECALL_PASS", "PIPELINE_PROMPTS", "PIPELINE_LOCAL_MODE"):
        monkeypatch.delenv(var, raising=False)


def first_pass():
    return analysis_json(winners=[("Acme Corp", "Acme Corp shares rose 8% after the merger.")],
                         losers=[("Beta Industries", "Beta Industries lost its biggest customer.")])


def recall_answer():
    return analysis_json(
        summary="",
        winners=[("Acme Corp.", "Acme Corp shares rose 8%"),  # already listed: ignored
                 ("Gamma Labs", "Gamma Labs won a new contract from the city."),
                 ("Omega Bank", "Omega Bank is the big winner here.")],  # not in the article: dropped
        losers=[("Delta Freight", "Delta Freight's profits fell sharply."),
                ("Beta Industries", "Beta Industries lost its biggest customer.")])  # already listed


def test_recall_pass_is_off_by_default(home):
    fake = FakeProvider(script=[first_pass(), recall_answer()])
    rec = extract_article(make_article(TEXT), fake, strategy="single")
    assert len(fake.calls) == 1
    assert [c.party for c in rec.analysis.winners] == ["Acme Corp"]


def test_recall_pass_adds_missed_grounded_parties_merged_by_party(home, monkeypatch):
    monkeypatch.setenv("PIPELINE_RECALL_PASS", "1")
    fake = FakeProvider(script=[first_pass(), recall_answer()])
    art = make_article(TEXT)
    rec = extract_article(art, fake, strategy="single")
    assert len(fake.calls) == 2 and rec.usage.calls == 2 and rec.stats["calls"] == 2
    assert [c.party for c in rec.analysis.winners] == ["Acme Corp", "Gamma Labs"]
    assert [c.party for c in rec.analysis.losers] == ["Beta Industries", "Delta Freight"]
    for c in [*rec.analysis.winners, *rec.analysis.losers]:
        assert c.evidence.status == "exact" and art.text[c.evidence.start:c.evidence.end] == c.evidence.quote
    # the first pass's claim for Acme is kept as it was (its full sentence), not the recall's
    assert rec.analysis.winners[0].evidence.quote == "Acme Corp shares rose 8% after the merger."
    # the recall turn continues the first conversation and names what was already found
    second = fake.calls[1]["messages"]
    assert second[:2] == fake.calls[0]["messages"]
    assert second[2].role == "assistant" and "Acme Corp" in second[2].content
    assert second[3].role == "user" and "winners: Acme Corp" in second[3].content
    assert "losers: Beta Industries" in second[3].content
    assert fake.calls[1]["schema"] == fake.calls[0]["schema"]  # same output type: same prompt prefix


def test_recall_pass_from_pipeline_toml_and_env_overrides_it(home, monkeypatch):
    home.mkdir(parents=True, exist_ok=True)
    (home / "pipeline.toml").write_text("[extract]\nrecall_pass = true\n", encoding="utf-8")
    settings = load_settings()  # read once by the run's entry point and handed down
    assert single.recall_pass_enabled(settings) and not single.recall_pass_enabled()
    assert plan_extraction(FakeProvider(), "single").recall  # the plan reads them itself when not given
    monkeypatch.setenv("PIPELINE_RECALL_PASS", "0")
    assert not single.recall_pass_enabled(settings)


def test_a_failed_recall_pass_keeps_the_first_answer(home, monkeypatch):
    monkeypatch.setenv("PIPELINE_RECALL_PASS", "1")
    fake = FakeProvider(script=[first_pass(), "not json at all"])
    rec = extract_article(make_article(TEXT), fake, strategy="single")
    assert [c.party for c in rec.analysis.winners] == ["Acme Corp"]
    assert [c.party for c in rec.analysis.losers] == ["Beta Industries"]


def test_the_recall_pass_changes_the_prompt_hash(home, monkeypatch):
    off = prompt_hash("single")
    monkeypatch.setenv("PIPELINE_RECALL_PASS", "1")
    assert prompt_hash("single") != off
    assert single.ALGO_VERSION.endswith("+recall")


def test_examples_are_in_the_prompt_and_come_from_the_dev_split_only():
    data = yaml.safe_load((REPO / "prompts" / single.EXAMPLES).read_text(encoding="utf-8"))
    assert len(data) >= 3
    for ex in data:
        src = ex["source"]
        # never the held-out test split
        assert src.startswith("corpus/wikinews/dev/") and (REPO / src).is_file(), src
        assert len(ex["excerpt"]) < 600  # excerpts, not whole articles
    system = single.section_messages("An article.", 1)[0].content
    for ex in single.examples():
        assert ex["excerpt"] in system and ex["answer"] in system
    assert "Excerpt: " in system and '"losers": [{"party": "General Motors"' in system


def test_examples_file_is_part_of_the_prompt_hash(home, tmp_path, monkeypatch):
    before = prompt_hash("single")
    custom = tmp_path / "prompts"
    custom.mkdir()
    for p in (REPO / "prompts").iterdir():
        (custom / p.name).write_bytes(p.read_bytes())
    monkeypatch.setenv("PIPELINE_PROMPTS", str(custom))
    assert prompt_hash("single") == before
    (custom / single.EXAMPLES).write_text(
        "- excerpt: Zeta Corp shares fell.\n  losers:\n"
        "    - {party: Zeta Corp, quote: Zeta Corp shares fell.}\n", encoding="utf-8")
    assert prompt_hash("single") != before
    assert "Zeta Corp shares fell." in single.section_messages("x", 1)[0].content


def test_an_example_whose_quote_is_not_in_its_excerpt_is_refused(tmp_path, monkeypatch):
    custom = tmp_path / "prompts"
    custom.mkdir()
    for p in (REPO / "prompts").iterdir():
        (custom / p.name).write_bytes(p.read_bytes())
    (custom / single.EXAMPLES).write_text(
        "- excerpt: Zeta Corp shares fell.\n  losers:\n"
        "    - {party: Zeta Corp, quote: Zeta shares collapsed.}\n", encoding="utf-8")
    monkeypatch.setenv("PIPELINE_PROMPTS", str(custom))
    with pytest.raises(PromptError, match="not in its excerpt"):
        single.section_messages("x", 1)


# --- paraphrased quotes pinned to the article's own sentence ------------------------------------

NEWS = ("Stocks fell on Thursday. One major corporation that posted a gain in sales was Wal-Mart, "
        "with a 3 percent boost. Fellow retailer Target posted a sales loss. The Nikkei was flat.")


def test_a_paraphrased_quote_is_pinned_to_the_sentence_that_names_the_party(home):
    fake = FakeProvider(script=[analysis_json(
        winners=[("Wal-Mart", "Wal-Mart gained 3 percent")],
        losers=[("Target", "Target lost sales"), ("Nikkei", "the Nikkei rose by 1.2%")]),
        {"fixes": []}])
    art = make_article(NEWS)
    rec = extract_article(art, fake, strategy="single")
    walmart, target = rec.analysis.winners[0], rec.analysis.losers[0]
    assert walmart.evidence.status == "fuzzy"
    assert walmart.evidence.quote == ("One major corporation that posted a gain in sales was Wal-Mart, "
                                      "with a 3 percent boost.")
    assert art.text[walmart.evidence.start:walmart.evidence.end] == walmart.evidence.quote
    assert target.evidence.quote == "Fellow retailer Target posted a sales loss."
    # a claim the article does not support is not pinned: it stays unverified (and is re-asked)
    nikkei = rec.analysis.losers[1]
    assert nikkei.evidence.status == "unverified" and len(fake.calls) == 2
    assert rec.stats["repaired"] == 2


def test_the_recall_pass_keeps_a_paraphrase_only_when_its_sentence_is_found(home, monkeypatch):
    monkeypatch.setenv("PIPELINE_RECALL_PASS", "1")
    fake = FakeProvider(script=[
        analysis_json(winners=[("Wal-Mart", "One major corporation that posted a gain in sales was Wal-Mart")]),
        analysis_json(summary="", losers=[("Target", "Target lost sales"),
                                          ("Nikkei", "the Nikkei rose by 1.2%")])])
    rec = extract_article(make_article(NEWS), fake, strategy="single")
    assert [c.party for c in rec.analysis.losers] == ["Target"]
    assert rec.analysis.losers[0].evidence.quote == "Fellow retailer Target posted a sales loss."
