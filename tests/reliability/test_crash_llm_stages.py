"""kill -9 during `pipeline extract` and `pipeline summarize`, seeded, RELIABILITY_KILLS times each.

The model is the fault server speaking OpenAI's wire format with a think time per answer and a
few transient faults, so a run lasts long enough to be killed mid-way with requests in flight.
Each kill lands at a seeded point: a random time (startup included) or just after the k-th record
is written. When a model's work is nearly done the loop moves to a new model name (new work under
`--new`), so every iteration really kills a run that has work left.

After every kill: no record that was written is lost, no article has two records for one model,
a torn line is at most the one the killed writer was in. At the end one unkilled run per model
completes every article, once.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability.conftest import base_env, kills, run_pipeline, start_pipeline
from tests.reliability.faultserver import FaultScript
from tests.reliability.killing import Kill, run_and_kill
from tests.reliability.state import jsonl_lines

pytestmark = pytest.mark.slow
N = 24
QUICK_FAULTS = ("429_retry_after", "500", "503", "reset", "schema_violation", "truncated_body")


@pytest.fixture
def ingested(ingest_corpus) -> Path:
    return ingest_corpus(N)


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _per_article(path: Path, model: str) -> Counter:
    return Counter(r["article_id"] for r in jsonl_lines(path)["records"]
                   if r.get("kind", "article") == "article"
                   and model in (r.get("model"), r.get("requested_model"), (r.get("stats") or {}).get("requested_model")))


def _kill_loop(stage: str, args_for, home: Path, log_file: str, fault_server, tmp_path: Path,
               seed: int, record_property) -> tuple[list[str], list[str]]:
    """Returns (log lines, model strings used)."""
    env = base_env(home, OPENAI_BASE_URL=fault_server.url + "/v1", OPENAI_API_KEY="sk-test-KILLS-0123456789")
    # think time long enough that a run with work left is still going at the latest kill time
    # (3.5 s): at 0.3 s, once extraction's per-article CPU shrank, short runs finished first
    fault_server.configure(FaultScript(rate=0.1, kinds=QUICK_FAULTS, seed=seed), delay_s=0.6)
    rng = random.Random(seed)
    path = home / log_file
    log: list[str] = []
    models = ["openai:gpt-kill-0"]
    t0 = time.monotonic()
    for it in range(kills(stage)):
        if N - len(_per_article(path, models[-1])) < 3:
            models.append(f"openai:gpt-kill-{len(models)}")
        model = models[-1]
        before = _per_article(path, model)
        before_all = Counter(r["article_id"] for r in jsonl_lines(path)["records"])
        remaining = N - len(before)
        mode = rng.choice(["time", "nth-write", "nth-write"])
        k = (Kill("time", rng.uniform(0.3, 3.5), 0.0) if mode == "time" else
             Kill("nth-write", rng.randint(1, min(3, remaining - 1)), rng.uniform(0.0, 0.2)))
        k = run_and_kill(lambda: start_pipeline(args_for(model), env, log=tmp_path / f"{stage}-{it}.log"),
                         lambda: _lines(path), k)
        log.append(f"{stage} iter {it} [{model}]: {k.mode} target={k.target:.2f} killed={k.killed} "
                   f"at={k.at_s:.2f}s new-lines-before-kill={k.progress_at_kill} rc={k.rc}")
        after = jsonl_lines(path)
        after_all = Counter(r["article_id"] for r in after["records"])
        lost = [a for a, n in before_all.items() if after_all[a] < n]
        assert not lost, (log, f"records lost after a kill: {lost}")
        dup = [a for a, n in _per_article(path, model).items() if n > 1]
        assert not dup, (log, f"{stage}: articles with two records for {model} after a kill: {dup}",
                         (tmp_path / f"{stage}-{it}.log").read_text(errors="replace")[-1500:])
        assert len(after["bad_lines"]) <= it + 1, after["bad_lines"]
    fault_server.configure(FaultScript(), delay_s=0.0)
    for model in models:  # the next (unkilled) run completes each model's work
        final = run_pipeline(args_for(model), env, timeout=300)
        assert final.rc == 0, str(final)
    killed = sum("killed=True" in line for line in log)
    record_property(f"{stage}_kills", killed)
    record_property(f"{stage}_kill_seconds", round(time.monotonic() - t0, 1))
    print("\n" + "\n".join(log))
    assert killed >= len(log) - 1, f"most iterations should end in a kill: {log}"
    return log, models


def test_kill9_during_extract_next_run_completes(ingested: Path, fault_server, tmp_path, record_property) -> None:
    _, models = _kill_loop("extract", lambda m: ["extract", "--new", "--model", m, "--concurrency", "2", "--json"],
                           ingested, "extractions.jsonl", fault_server, tmp_path, 4242, record_property)
    from pipeline.records import read_records

    path = ingested / "extractions.jsonl"
    valid = read_records(path)
    for model in models:
        per_article = _per_article(path, model)
        assert len(per_article) == N, f"{model}: {N - len(per_article)} articles never extracted"
        assert set(per_article.values()) == {1}, {a: n for a, n in per_article.items() if n > 1}
        assert sum(r.model == model for r in valid) == N  # every record validates as a whole


def test_kill9_during_summarize_next_run_completes(ingested: Path, fault_server, tmp_path, record_property) -> None:
    _, models = _kill_loop("summarize", lambda m: ["summarize", "--model", m, "--strategy", "free", "--json"],
                           ingested, "summaries.jsonl", fault_server, tmp_path, 777, record_property)
    recs = jsonl_lines(ingested / "summaries.jsonl")["records"]
    for model in models:
        per_article = _per_article(ingested / "summaries.jsonl", model)
        assert len(per_article) == N, f"{model}: {N - len(per_article)} articles never summarized"
        assert set(per_article.values()) == {1}, {a: n for a, n in per_article.items() if n > 1}
        # Every summary reaches a digest: a kill between the summaries and the digest must not
        # leave articles that no digest ever reports (the next run's digest has to include them).
        digested = {a for r in recs if r.get("kind") == "digest" and r.get("model") == model
                    for a in r.get("article_ids", [])}
        missing = sorted(set(per_article) - digested)
        assert not missing, f"{model}: {len(missing)} summarized articles appear in no digest: {missing[:4]}"
    text = (ingested / "digest.md").read_text(encoding="utf-8")
    assert text.startswith("# Digest of ") and text.endswith("\n") and "## Articles" in text
