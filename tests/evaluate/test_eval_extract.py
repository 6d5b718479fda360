"""The extraction path of `eval` (no --predictions): real store, real grounding, scripted provider;
and the end-to-end eval with the embedded model (slow)."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from pipeline.evaluate import EvalSettings, run_eval
from pipeline.llm.fake import FakeProvider
from tests.conftest import CORPUS
from tests.evaluate.conftest import write_gold

SEED = CORPUS / "seed-article.txt"
GOLD = f"""\
article: {SEED}
winners:
  - {{party: Google Cloud, aliases: [Google], evidence: "Google Cloud and Oracle win."}}
  - {{party: Oracle, evidence: "Google Cloud and Oracle win."}}
losers:
  - {{party: Anthropic, evidence: "Anthropic and other competitors lose strategic leverage."}}
unchanged:
  - {{statement: Microsoft still has board representation, evidence: "Microsoft still has board representation."}}
"""
RUN1 = {"summary": "s",
        "winners": [{"party": "Google Cloud", "reason": "r", "quote": "Google Cloud and Oracle win."}],
        "losers": [{"party": "Anthropic", "reason": "r",
                    "quote": "Anthropic and other competitors lose strategic leverage."}],
        "unchanged": [{"statement": "The board seat stays", "quote": "Microsoft still has board representation."}]}
RUN2 = {"summary": "s", "losers": [], "unchanged": [],
        "winners": [{"party": "Google Cloud", "reason": "r", "quote": "Google Cloud and Oracle win."},
                    {"party": "Oracle", "reason": "r", "quote": "Google Cloud and Oracle win."}]}


@pytest.fixture(scope="module")
def seed_home(tmp_path_factory):
    """A store holding the seed article (real ingest: chunking, MiniLM, Chroma)."""
    from pipeline.corpus.ingest.runner import ingest_paths
    from pipeline.corpus.store import Store

    home = tmp_path_factory.mktemp("evalhome")
    store = Store(home=home)
    try:
        ingest_paths([SEED], store=store, progress=False)
    finally:
        store.close()
    return home


@pytest.fixture
def gold_dir(tmp_path, seed_home, monkeypatch):
    monkeypatch.setenv("PIPELINE_HOME", str(seed_home))
    monkeypatch.delenv("PIPELINE_MODEL", raising=False)
    write_gold(tmp_path / "gold", "seed", GOLD)
    return tmp_path / "gold"


def test_extract_repeats_score_each_run(gold_dir, tmp_path):
    from pipeline.evaluate.predictions import save_prediction

    fake = FakeProvider(script=[RUN1, RUN2])
    saved = tmp_path / "saved.jsonl"
    rep = run_eval(EvalSettings(gold=[str(gold_dir)], model=fake, repeat=2), strategy="single", explain=True,
                   on_prediction=lambda p: save_prediction(p, saved))
    [art] = rep["articles"]
    assert art["resolved_via"] == "store" and art["article_id"].startswith("seed-article")
    # run 1: Google Cloud tp, Oracle fn; Anthropic tp; "The board seat stays" matches on evidence
    #        (same sentence, Dice 1.0) -> tp 3 fp 0 fn 1 -> F1 = 2*1*.75/1.75 = .8571
    # run 2: Google Cloud, Oracle tp; Anthropic and the statement fn -> tp 2 fn 2 -> F1 .6667
    assert art["repeat"]["f1"] == [0.8571, 0.6667]
    assert art["flaky"] is True and rep["flaky"] == [str(SEED)]
    assert (rep["overall"]["tp"], rep["overall"]["fp"], rep["overall"]["fn"]) == (5, 0, 3)
    assert rep["overall"]["schema_valid_rate"] == 1.0 and rep["overall"]["grounding_rate"] == 1.0
    assert rep["overall"]["evidence"]["offset_errors"] == 0
    ex = art["explain"][0]["unchanged"]["gold"][0]
    assert ex["matched"] and ex["method"] == "evidence" and ex["score"] == 1.0
    assert rep["source"] == "extract:fake:scripted strategy=single" and len(fake.calls) == 2
    # the records saved as they were extracted re-score identically, with no LLM call
    again = run_eval(EvalSettings(gold=[str(gold_dir)], predictions=str(saved), repeat=2))
    assert again["articles"][0]["repeat"]["f1"] == [0.8571, 0.6667]
    assert again["articles"][0]["resolved_via"] == "store" and again["model"] == "fake:scripted"


def test_output_that_never_fits_is_a_scored_failure(gold_dir):
    rep = run_eval(EvalSettings(gold=[str(gold_dir)], model=FakeProvider(script=["not json at all"])),
                   strategy="single")
    [art] = rep["articles"]
    assert art["schema_valid"] is False and rep["overall"]["schema_valid_rate"] == 0.0
    assert art["errors"][0].startswith("extraction failed: OutputValidationError")
    assert art["fn"] == 4 and rep["overall"]["f1"] == 0.0
    assert any("extraction failed" in w for w in rep["warnings"])


class CachedFake(FakeProvider):
    cacheable: ClassVar[bool] = True


def test_first_run_uses_the_cache_repeats_bypass_it(gold_dir):
    fake = CachedFake(model="cached-eval-test", script=[RUN1])
    settings = EvalSettings(gold=[str(gold_dir)], model=fake, repeat=2)
    run_eval(settings, strategy="single")
    assert len(fake.calls) == 2  # run 1 stored in the cache, run 2 bypassed it
    rep = run_eval(settings, strategy="single")
    assert len(fake.calls) == 3  # run 1 replayed from the cache, run 2 called again
    assert rep["overall"]["usage"]["cached_calls"] >= 1


def test_article_not_in_store_is_a_clear_error(gold_dir, tmp_path):
    from pipeline.evaluate import EvalError

    write_gold(tmp_path / "g2", "x", "article: corpus/not-ingested.md\nwinners: [A]\n")
    with pytest.raises(EvalError, match=r"x\.yaml:1: article 'corpus/not-ingested\.md' not found in the store"):
        run_eval(EvalSettings(gold=[str(tmp_path / "g2")], model=FakeProvider(script=[RUN1])))


def _extraction_ready() -> bool:
    try:
        from pipeline.extraction import small
    except ImportError:
        return False
    return hasattr(small, "extract")


@pytest.mark.slow
@pytest.mark.skipif(not _extraction_ready(), reason="the small-model extraction strategy is not built yet")
def test_end_to_end_with_the_embedded_model(gold_dir, tmp_path):
    """`pipeline eval` with the default local model on the seed article, gated like CI."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    md = tmp_path / "eval.md"
    res = CliRunner().invoke(app, ["eval", "--gold", str(gold_dir), "--model", "local", "--json",
                                   "--min-schema-valid-rate", "1", "--markdown", str(md),
                                   "--save-predictions", str(tmp_path / "preds.jsonl")],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    rep = json.loads(res.stdout)
    ov = rep["overall"]
    assert ov["schema_valid_rate"] == 1.0 and ov["runs"] == 1
    assert 0.0 <= ov["f1"] <= 1.0 and ov["evidence"]["offset_errors"] == 0
    assert ov["tp"] >= 1  # the seed article's winners are stated outright: something must match
    assert rep["articles"][0]["model"].startswith("local")
    assert rep["model"] == "local" and md.read_text().startswith("## Extraction eval")
    # the saved records re-score to the same numbers with no LLM call
    res2 = CliRunner().invoke(app, ["eval", "--gold", str(gold_dir), "--json",
                                    "--predictions", str(tmp_path / "preds.jsonl")], catch_exceptions=False)
    assert res2.exit_code == 0, res2.stderr
    again = json.loads(res2.stdout)["overall"]
    assert (again["tp"], again["fp"], again["fn"]) == (ov["tp"], ov["fp"], ov["fn"])


def test_retrieval_flag_runs_the_retrieval_eval(gold_dir, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    qs = tmp_path / "retrieval.yaml"
    qs.write_text("k: 3\nquestions:\n  - id: stake\n    question: What share of OpenAI's capped-profit arm "
                  f"does Microsoft still own?\n    relevant: [{SEED}]\n")
    res = CliRunner().invoke(app, ["eval", "--retrieval", "--retrieval-set", str(qs), "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["k"] == 3 and out["questions"] == 1 and out["recall_at_k"] == 1.0
    res = CliRunner().invoke(app, ["eval", "--retrieval", "--retrieval-set", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2 and "retrieval set not found" in res.stderr


def test_ci_logs_get_one_plain_line_per_extraction(gold_dir):
    """Off a terminal `pipeline eval` prints `[i/n] ref` per extraction and nothing per score."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    res = CliRunner().invoke(app, ["eval", "--gold", str(gold_dir), "--model", "fake:x", "--repeat", "2",
                                   "--json"], catch_exceptions=False)
    lines = [line for line in res.stderr.splitlines() if line.startswith("[")]
    assert [line.split(" ", 1)[0] for line in lines] == ["[1/2]", "[2/2]"], res.stderr
    assert all(line.endswith("seed-article.txt") for line in lines)  # the gold article's ref
