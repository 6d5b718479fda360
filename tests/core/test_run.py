"""`pipeline run` and `pipeline report`, in-process with PIPELINE_HOME in a temp dir.

Real ingest (Chroma + MiniLM), real extraction and summarize code; the LLM is the scripted
`scripted:demo` provider (tests/core/conftest.py) registered through the real registry, so these
tests need no model file. One slow test runs the embedded default model.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.llm import registry
from pipeline.records import append_record, latest_records, records_path
from pipeline.types import ArticleAnalysis, Evidence, ExtractionRecord, PartyClaim
from tests.core.conftest import DemoProvider

REPO = Path(__file__).resolve().parents[2]
TWO = ["seed-article.txt", "grid-storage-utilities.md"]


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setitem(registry.PROVIDERS, "scripted", ("tests.core.conftest", "DemoProvider", None))
    return DemoProvider


@pytest.fixture
def corpus2(tmp_path) -> Path:
    d = tmp_path / "corpus2"
    d.mkdir()
    for name in TWO:
        shutil.copy(REPO / "corpus" / name, d / name)
    return d


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_run_then_rerun_with_nothing_new_makes_no_llm_call(home, corpus2, tmp_path, scripted):
    out = tmp_path / "out"
    res = invoke("run", str(corpus2), "--model", "scripted:demo", "--out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)  # stdout is only the JSON; progress went to stderr
    assert data["articles"] == 2 and data["chunks"] > 2
    assert data["claims"] > 0 and data["grounding_rate"] == 1.0  # every scripted quote is verbatim
    assert data["llm_calls"] > 0 and data["tokens"] > 0
    assert [s["name"] for s in data["stages"]] == ["ingest", "extract", "parties", "summarize", "report"]
    assert all(s["seconds"] >= 0 for s in data["stages"])
    assert {s["name"]: s["calls"] for s in data["stages"]}["ingest"] == 0
    assert {s["name"]: s["calls"] for s in data["stages"]}["parties"] == 0  # resolution calls no model
    assert data["parties"] > 0 and data["stages"][2]["result"]["linked_articles"] == 2
    assert data["models"] == {"extract": "scripted:demo", "summarize": "scripted:demo"}
    report = Path(data["report"])
    assert report == out / "report.html" and report.is_file()
    html = report.read_text(encoding="utf-8")
    recs = latest_records(records_path(home))
    assert len(recs) == 2
    for rec in recs.values():
        for c in rec.analysis.winners:
            assert c.party in html or c.party.replace("’", "&#39;") in html
    assert "Digest" in html and 'id="last-run"' in html
    assert (home / "summaries.jsonl").is_file() and (home / "runs" / "last.json").is_file()

    calls = scripted.total_calls
    t0 = time.perf_counter()
    res2 = invoke("run", str(corpus2), "--model", "scripted:demo", "--out", str(out), "--json")
    took = time.perf_counter() - t0
    assert res2.exit_code == 0, res2.stderr
    again = json.loads(res2.stdout)
    assert scripted.total_calls == calls  # not even a cache hit: nothing was asked
    assert again["llm_calls"] == 0 and again["cached_calls"] == 0
    assert again["stages"][0]["result"]["skipped"] and not again["stages"][0]["result"]["ingested"]
    assert again["claims"] == data["claims"]
    assert again["parties"] == data["parties"] and again["stages"][2]["result"]["linked_articles"] == 0
    assert took < 20, f"re-run with nothing new took {took:.1f}s"


def test_run_human_output_has_progress_table_and_report_path(home, corpus2, scripted):
    res = invoke("run", str(corpus2), "--model", "scripted:demo")
    assert res.exit_code == 0, res.stderr
    err = res.stderr
    for word in ("Ingest", "Extract", "Summarize", "Report", "articles", "chunks", "claims",
                 "grounding rate", "tokens", "cost", "time per stage"):
        assert word in err, word
    assert str(home / "report.html") in err.replace("\n", "")
    assert res.stdout == ""


def test_run_reports_bad_files_but_still_writes_the_report(home, corpus2, scripted):
    (corpus2 / "empty.txt").write_text("")
    res = invoke("run", str(corpus2), "--model", "scripted:demo", "--json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert any("empty.txt" in f["path"] for f in data["failed"])
    assert data["articles"] == 2 and Path(data["report"]).is_file()


def test_run_without_corpus_folder_says_what_to_do(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke("run")
    assert res.exit_code == 2
    assert "no corpus/ folder" in res.stderr and "pipeline run PATH" in res.stderr


def test_report_rebuilds_from_home_without_any_llm_call(home, corpus2, tmp_path, scripted):
    from pipeline.corpus.ingest import ingest_paths

    rep = ingest_paths([corpus2], progress=False)
    assert len(rep.ingested) == 2
    from pipeline.corpus.store import Store

    store = Store()
    seed = next(a for a in store.list_articles() if a.path.endswith("seed-article.txt"))
    store.close()
    quote = "Google Cloud and Oracle win."
    start = seed.text.index(quote)
    append_record(ExtractionRecord(
        article_id=seed.id, model="scripted:demo", prompt_hash="h",
        analysis=ArticleAnalysis(winners=[PartyClaim(party="Google Cloud", reason="r", evidence=Evidence(
            quote=quote, start=start, end=start + len(quote), status="exact"))])))
    calls = scripted.total_calls
    out = tmp_path / "r" / "rebuilt.html"
    res = invoke("report", "--out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == {"report": str(out), "articles": 2, "extracted": 1}
    html = out.read_text(encoding="utf-8")
    assert 'data-claims="a' in html and ">Google Cloud and Oracle win.</mark>" in html
    assert "not extracted yet" in html  # the other article
    assert scripted.total_calls == calls
    assert not (home / "ledger.sqlite").exists() or _ledger_rows(home) == 0


def test_report_on_empty_home_fails_clearly(home):
    res = invoke("report")
    assert res.exit_code == 1 and "run `pipeline run` first" in res.stderr


def _ledger_rows(home: Path) -> int:
    import sqlite3

    with sqlite3.connect(home / "ledger.sqlite") as c:
        return c.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]


@pytest.mark.slow  # the shipped GGUF through llama.cpp (~30 s)
def test_run_on_the_embedded_default_model_end_to_end(home, tmp_path, monkeypatch):
    """The README's first command, on two corpus articles: no key, no network, the shipped GGUF."""
    from pipeline.corpus.store import Store

    monkeypatch.delenv("PIPELINE_MODEL", raising=False)
    d = tmp_path / "two"
    d.mkdir()
    for name in ("regional-airline-merger.txt", "open-weights-model-release.md"):
        shutil.copy(REPO / "corpus" / name, d / name)
    res = invoke("run", str(d), "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["models"]["extract"] == "local" and data["articles"] == 2
    assert data["llm_calls"] > 0 and data["cost_usd"] == 0.0
    store = Store()
    texts = {a.id: a.text for a in store.list_articles()}
    store.close()
    recs = latest_records(records_path(home))
    assert set(recs) == set(texts)
    located = 0
    for aid, rec in recs.items():
        assert rec.model.startswith("local")
        a = rec.analysis
        for ev in [c.evidence for c in (*a.winners, *a.losers, *a.unchanged)]:
            if ev.status == "exact":
                assert texts[aid][ev.start:ev.end] == ev.quote
            if ev.start is not None:
                located += 1
    html = Path(data["report"]).read_text(encoding="utf-8")
    assert html.count("<span class=\"hl-anchor\" id=\"hl-") == located
    assert data["claims"] == sum(len(r.analysis.winners) + len(r.analysis.losers) + len(r.analysis.unchanged)
                                 for r in recs.values())

    t0 = time.perf_counter()
    again = invoke("run", str(d), "--json")
    took = time.perf_counter() - t0
    assert again.exit_code == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["llm_calls"] == 0 and second["cached_calls"] == 0
    assert took < 30, f"re-run with nothing new took {took:.1f}s"


def test_report_shows_a_real_eval_result_gold_vs_predicted(home, tmp_path, monkeypatch, scripted):
    """`pipeline eval --json --explain` (the real scorer) → `pipeline report --eval` → the table
    and per-article gold vs predicted, misses and false positives marked."""
    monkeypatch.chdir(REPO)  # gold files name articles by their corpus path
    res = invoke("run", "corpus/seed-article.txt", "--model", "scripted:demo", "--json")
    assert res.exit_code == 0, res.stderr
    ev = invoke("eval", "--gold", "evals/gold/seed-article.yaml", "--predictions",
                str(records_path(home)), "--json", "--explain", "--bootstrap-samples", "0")
    assert ev.exit_code == 0, ev.stderr
    saved = tmp_path / "eval.json"
    saved.write_text(ev.stdout)
    result = json.loads(ev.stdout)
    out = tmp_path / "with-eval.html"
    rep = invoke("report", "--eval", str(saved), "--out", str(out))
    assert rep.exit_code == 0, rep.stderr
    assert (home / "eval" / "last.json").is_file()
    html = out.read_text(encoding="utf-8")
    section = html[html.index('id="evaluation"'):html.index("</section>", html.index('id="evaluation"'))]
    f1 = result["overall"]["f1"]
    assert f"{f1:.2f}" in section
    explain = result["articles"][0]["explain"][0]
    misses = sum(1 for f in ("winners", "losers", "unchanged") for g in explain[f]["gold"]
                 if not g["matched"] and g["required"])
    fps = sum(1 for f in ("winners", "losers", "unchanged") for p in explain[f]["predictions"]
              if p["outcome"] == "false-positive")
    assert section.count('<li class="miss"') == misses
    assert section.count('<li class="fp"') == fps
    assert misses + fps > 0  # the scripted model is far from the gold labels
    assert 'href="#art-' in section  # the article link resolved through article_id
    bad = tmp_path / "bad.json"
    bad.write_text('{"nope": 1}')
    res_bad = invoke("report", "--eval", str(bad))
    assert res_bad.exit_code == 2 and "not a `pipeline eval --json` result" in res_bad.stderr


def test_run_with_a_remote_model_and_no_key_fails_before_any_work(home, corpus2, monkeypatch):
    pytest.importorskip("openai")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    t0 = time.perf_counter()
    res = invoke("run", str(corpus2), "--model", "openai:gpt-4o-mini", "--json")
    assert res.exit_code == 1 and res.stdout == ""
    assert "OPENAI_API_KEY" in res.stderr
    assert time.perf_counter() - t0 < 10 and not (home / "manifest.sqlite").exists()  # nothing ingested
    bad = invoke("run", str(corpus2), "--model", "nosuch:model")
    assert bad.exit_code == 2 and "unknown provider 'nosuch'" in bad.stderr
