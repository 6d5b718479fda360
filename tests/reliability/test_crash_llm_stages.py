"""kill -9 during `pipeline extract` and `pipeline summarize`, seeded, RELIABILITY_KILLS times each.

The model is the fault server speaking OpenAI's wire format with a short think time per answer
and a few transient faults, so a run lasts long enough to be killed mid-way with requests in
flight. After every kill: no record that was written is lost, no article has two records, any
torn last line stays unreadable; the final unkilled run completes every article, once.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.reliability.conftest import base_env, kills, run_pipeline, start_pipeline, write_corpus
from tests.reliability.faultserver import FaultScript
from tests.reliability.killing import plan, run_and_kill
from tests.reliability.state import jsonl_lines

pytestmark = pytest.mark.slow
N = 24
MODEL = "openai:gpt-4o-mini"
QUICK_FAULTS = ("429_retry_after", "500", "503", "reset", "schema_violation", "truncated_body")


@pytest.fixture
def ingested(tmp_path: Path, rel_home: Path) -> Path:
    """N articles ingested in-process (the embedder loads once per test session)."""
    from pipeline.cli import app

    write_corpus(tmp_path / "corpus", N)
    r = CliRunner().invoke(app, ["ingest", str(tmp_path / "corpus"), "--json"])
    assert r.exit_code == 0, r.output
    return rel_home


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _by_article(records: list[dict], **match: str) -> Counter:
    return Counter(r["article_id"] for r in records
                   if r.get("kind", "article") == "article" and all(r.get(k) == v for k, v in match.items()))


def _kill_loop(stage: str, args: list[str], home: Path, log_file: str, fault_server, tmp_path: Path,
               seed: int, record_property) -> list[str]:
    env = base_env(home, OPENAI_BASE_URL=fault_server.url + "/v1", OPENAI_API_KEY="sk-test-KILLS-0123456789")
    fault_server.configure(FaultScript(rate=0.1, kinds=QUICK_FAULTS, seed=seed), delay_s=0.25)
    rng = random.Random(seed)
    path = home / log_file
    log: list[str] = []
    t0 = time.monotonic()
    for it in range(kills()):
        before = jsonl_lines(path)["records"]
        before_ids = Counter(r["article_id"] for r in before if r.get("kind", "article") == "article")
        k = plan(rng, max(2, N - sum(1 for _ in before_ids)), 6.0)
        k = run_and_kill(lambda: start_pipeline(args, env, log=tmp_path / f"{stage}-{it}.log"),
                         lambda: _lines(path), k)
        log.append(f"{stage} iter {it}: {k.mode} target={k.target:.2f} killed={k.killed} at={k.at_s:.2f}s "
                   f"lines-before-kill={k.progress_at_kill} rc={k.rc}")
        after = jsonl_lines(path)
        after_ids = Counter(r["article_id"] for r in after["records"] if r.get("kind", "article") == "article")
        lost = [a for a in before_ids if a not in after_ids]
        assert not lost, (log, f"records lost after a kill: {lost}")
        dup = [a for a, n in after_ids.items() if n > 1]
        assert not dup, (log, f"{stage}: articles with two records after a kill: {dup}",
                         (tmp_path / f"{stage}-{it}.log").read_text(errors="replace")[-1500:])
        # A torn line may only be the one the killed writer was in the middle of.
        assert len(after["bad_lines"]) <= it + 1, after["bad_lines"]
        if not k.killed:  # finished before the kill point: everything is done already
            break
    fault_server.configure(FaultScript(), delay_s=0.0)
    final = run_pipeline(args, env, timeout=300)
    assert final.rc == 0, str(final)
    record_property(f"{stage}_kills", sum("killed=True" in line for line in log))
    record_property(f"{stage}_kill_seconds", round(time.monotonic() - t0, 1))
    print("\n" + "\n".join(log))
    return log


def test_kill9_during_extract_next_run_completes(ingested: Path, fault_server, tmp_path, record_property) -> None:
    log = _kill_loop("extract", ["extract", "--new", "--model", MODEL, "--concurrency", "4", "--json"],
                     ingested, "extractions.jsonl", fault_server, tmp_path, 4242, record_property)
    recs = jsonl_lines(ingested / "extractions.jsonl")
    per_article = _by_article(recs["records"])
    assert len(per_article) == N, f"{N - len(per_article)} articles never extracted"
    assert set(per_article.values()) == {1}, {a: n for a, n in per_article.items() if n > 1}
    # Every record is whole: it validates and its evidence points into the article.
    from pipeline.records import read_records

    assert len(read_records()) == N
    assert any("killed=True" in line for line in log)


def test_kill9_during_summarize_next_run_completes(ingested: Path, fault_server, tmp_path, record_property) -> None:
    log = _kill_loop("summarize", ["summarize", "--model", MODEL, "--strategy", "free", "--json"],
                     ingested, "summaries.jsonl", fault_server, tmp_path, 777, record_property)
    recs = jsonl_lines(ingested / "summaries.jsonl")
    per_article = _by_article(recs["records"])
    assert len(per_article) == N, f"{N - len(per_article)} articles never summarized"
    assert set(per_article.values()) == {1}, {a: n for a, n in per_article.items() if n > 1}
    digest = (ingested / "digest.md").read_text(encoding="utf-8")
    assert digest.startswith(f"# Digest of {N} article(s)") and digest.endswith("\n")
    assert digest.count("\n### ") == N
    assert any("killed=True" in line for line in log)
