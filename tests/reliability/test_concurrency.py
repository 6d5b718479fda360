"""Two `pipeline` processes on one `$PIPELINE_HOME`: the second waits or fails with a clear
message; the store is never corrupted and no article is stored twice."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.reliability.conftest import base_env, run_pipeline, start_pipeline, write_corpus
from tests.reliability.state import snapshot_subprocess, store_problems

pytestmark = pytest.mark.slow


def _wait_all(procs, timeout: float = 400) -> list[tuple[int, str]]:
    out = []
    for p, log in procs:
        try:
            rc = p.wait(timeout=timeout)
        except Exception:
            p.kill()
            rc = p.wait()
        out.append((rc, log.read_text(errors="replace")))
    return out


def _start_two(tmp_path: Path, args_a: list[str], args_b: list[str], env: dict[str, str], gap_s: float = 0.3):
    la, lb = tmp_path / "a.log", tmp_path / "b.log"
    a = start_pipeline(args_a, env, log=la)
    time.sleep(gap_s)
    b = start_pipeline(args_b, env, log=lb)
    return _wait_all([(a, la), (b, lb)])


def _ids_from(log: str) -> list[str]:
    import json

    start = log.find("{")
    end = log.rfind("}")
    return json.loads(log[start:end + 1])["ingested"] if start != -1 else []


def test_second_ingest_fails_clearly_without_waiting(tmp_path: Path) -> None:
    env = base_env(tmp_path / "home")
    write_corpus(tmp_path / "a", 8, sentences=40)
    write_corpus(tmp_path / "b", 8, start=100)
    la, lb = tmp_path / "a.log", tmp_path / "b.log"
    a = start_pipeline(["ingest", str(tmp_path / "a"), "--json"], env, log=la)
    time.sleep(0.3)
    b = start_pipeline(["ingest", str(tmp_path / "b"), "--json"], env, log=lb)
    # A reader meanwhile: never an error, never a half-written article (Chroma may briefly hold
    # chunks of an article still pending, never fewer than the manifest lists).
    st = run_pipeline(["status", "--json"], env, timeout=120)
    assert st.rc == 0, str(st)
    view = st.json()
    assert view["articles"] == len(view["article_list"])
    assert view["chunks"] >= sum(x["chunks"] for x in view["article_list"]), view
    (rc_a, log_a), (rc_b, log_b) = _wait_all([(a, la), (b, lb)])
    results = {"a": (rc_a, log_a), "b": (rc_b, log_b)}
    winners = [k for k, (rc, _) in results.items() if rc == 0]
    losers = [k for k, (rc, _) in results.items() if rc != 0]
    assert winners, results
    for k in losers:
        rc, log = results[k]
        assert rc == 2, log
        assert "another pipeline writer holds the lock" in log and "pid" in log, log
        assert "Traceback" not in log
    snap = snapshot_subprocess(tmp_path / "home", env=env)
    assert not store_problems(snap, final=True)
    stored = {r["id"] for r in snap["rows"]}
    for k in winners:
        assert set(_ids_from(results[k][1])) <= stored
    # The loser simply runs again and completes; nothing is duplicated.
    for k in losers:
        r = run_pipeline(["ingest", str(tmp_path / k), "--json"], env)
        assert r.rc == 0, str(r)
    snap = snapshot_subprocess(tmp_path / "home", env=env)
    assert not store_problems(snap, final=True)
    assert len(snap["rows"]) == 16


def test_second_ingest_with_wait_queues_behind_the_first(tmp_path: Path) -> None:
    env = base_env(tmp_path / "home")
    write_corpus(tmp_path / "a", 8)
    write_corpus(tmp_path / "b", 8, start=100)
    # Overlapping folders: both runs see the same 4 files; each must be stored exactly once.
    write_corpus(tmp_path / "b", 4, start=0)
    (rc_a, log_a), (rc_b, log_b) = _start_two(
        tmp_path, ["ingest", str(tmp_path / "a"), "--json", "--wait", "300"],
        ["ingest", str(tmp_path / "b"), "--json", "--wait", "300"], env)
    assert rc_a == 0 and rc_b == 0, (log_a[-2000:], log_b[-2000:])
    snap = snapshot_subprocess(tmp_path / "home", env=env)
    assert not store_problems(snap, final=True)
    # a/article-000..003 and b/article-000..003 have identical text: one is a duplicate of the other.
    assert len(snap["rows"]) == 16


@pytest.mark.parametrize("stage", ["extract", "summarize"])
def test_two_llm_stage_runs_at_once_store_each_article_once(stage: str, ingest_corpus, fault_server,
                                                          tmp_path: Path) -> None:
    """Two `extract --new` (or two `summarize`) at once: the second waits or refuses; every
    article ends with one record, and no article is paid for twice."""
    from collections import Counter

    from tests.reliability.faultserver import FaultScript
    from tests.reliability.state import jsonl_lines

    n = 12
    home = ingest_corpus(n)
    env = base_env(home, OPENAI_BASE_URL=fault_server.url + "/v1", OPENAI_API_KEY="sk-test-CONC-0123456789")
    fault_server.configure(FaultScript(), delay_s=0.3)
    args = (["extract", "--new", "--model", "openai:gpt-4o-mini", "--concurrency", "2", "--json"]
            if stage == "extract" else ["summarize", "--model", "openai:gpt-4o-mini", "--strategy", "free", "--json"])
    (rc_a, log_a), (rc_b, log_b) = _start_two(tmp_path, args, args, env, gap_s=0.5)
    for rc, log in ((rc_a, log_a), (rc_b, log_b)):
        assert rc == 0 or ("another pipeline writer" in log and "Traceback" not in log), log[-2000:]
    log_file = home / ("extractions.jsonl" if stage == "extract" else "summaries.jsonl")
    recs = jsonl_lines(log_file)
    per_article = Counter(r["article_id"] for r in recs["records"] if r.get("kind", "article") == "article")
    assert len(per_article) == n
    twice = {a: c for a, c in per_article.items() if c > 1}
    assert not twice, f"{stage}: {len(twice)} articles processed by both runs: {sorted(twice)[:4]}"
    calls = [s for s in fault_server.seen if "article-" in s.prompt]
    assert not recs["bad_lines"]
    assert len(calls) <= n + 1 + (1 if stage == "summarize" else 0), f"{len(calls)} provider calls for {n} articles"
