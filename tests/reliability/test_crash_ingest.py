"""kill -9 during `pipeline ingest`, at seeded random points, RELIABILITY_KILLS times.

Each iteration changes a few files and adds new ones (so runs create, replace and recover
articles), starts a real `pipeline ingest` subprocess and SIGKILLs it mid-run. After every kill
the manifest must hold no duplicate and lose no article that was complete before; the final,
unkilled run must complete everything: one complete article per file with the file's current
text, nothing pending, and Chroma holding exactly the manifest's chunks (count and ids).
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import pytest

from pipeline.corpus.ingest.files import read_file
from tests.reliability.conftest import base_env, kills, run_pipeline, start_pipeline, write_corpus
from tests.reliability.killing import plan, run_and_kill
from tests.reliability.state import manifest_rows, snapshot, snapshot_subprocess, store_problems

pytestmark = pytest.mark.slow
START = 24  # articles in the first run
CHANGED, ADDED = 3, 4  # per iteration


def _completed_ids(home: Path) -> set[str]:
    path = home / "manifest.sqlite"
    if not path.exists():
        return set()
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return {r[0] for r in conn.execute("SELECT id FROM articles WHERE status='complete'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return set()


def _expected(corpus: Path) -> dict[str, tuple[str, str]]:
    """source path → (article id, content hash) of each file's current text."""
    out = {}
    for p in sorted(corpus.iterdir()):
        cands, fails = read_file(p, 1 << 30)
        assert not fails and len(cands) == 1, (p, fails)
        out[cands[0].source_key] = (cands[0].article.id, cands[0].article.content_hash)
    return out


def test_kill9_during_ingest_next_run_completes(tmp_path: Path, record_property) -> None:
    rng = random.Random(20240901)
    corpus, home = tmp_path / "corpus", tmp_path / "home"
    write_corpus(corpus, START)
    versions = {i: 0 for i in range(START)}
    env = base_env(home)
    log: list[str] = []
    est = 15.0
    t_all = time.monotonic()
    for it in range(kills("ingest")):
        if it:
            for i in rng.sample(sorted(versions), CHANGED):
                versions[i] += 1
                write_corpus(corpus, 1, start=i, version=versions[i])
            new = range(max(versions) + 1, max(versions) + 1 + ADDED)
            write_corpus(corpus, ADDED, start=new.start)
            versions.update({i: 0 for i in new})
        before_rows = [r for r in manifest_rows(home) if r["status"] == "complete"]
        before_sources = {r["source_key"] for r in before_rows}
        base_ids = _completed_ids(home)
        work = START if it == 0 else CHANGED + ADDED
        k = plan(rng, work, est)
        k = run_and_kill(lambda: start_pipeline(["ingest", str(corpus), "--json"], env,
                                                log=tmp_path / f"ingest-{it}.log"),
                         lambda: len(_completed_ids(home) - base_ids), k)
        if not k.killed:
            est = max(1.0, k.at_s)
        log.append(f"iter {it}: {k.mode} target={k.target:.2f} killed={k.killed} at={k.at_s:.2f}s "
                   f"completed-before-kill={k.progress_at_kill} rc={k.rc}")
        snap = snapshot(home)
        problems = store_problems(snap, final=False)
        after_sources = {r["source_key"] for r in snap["rows"] if r["status"] == "complete"}
        lost = before_sources - after_sources
        assert not problems and not lost, (log, problems, f"lost articles: {sorted(lost)[:5]}",
                                           (tmp_path / f"ingest-{it}.log").read_text(errors="replace")[-2000:])
    final = run_pipeline(["ingest", str(corpus), "--json"], env, timeout=600)
    assert final.rc == 0, str(final)
    report = final.json()
    assert report["failed"] == [], report["failed"]
    snap = snapshot_subprocess(home, chroma=True, env=env)
    problems = store_problems(snap, final=True)
    assert not problems, (problems, log)
    complete = {r["source_key"]: (r["id"], r["content_hash"]) for r in snap["rows"] if r["status"] == "complete"}
    assert complete == _expected(corpus), "manifest does not hold exactly the current version of every file"
    total_chunks = sum(len(r["chunk_ids"]) for r in snap["rows"])
    assert len(snap["chroma_ids"]) == total_chunks
    # And the store agrees with itself through the CLI.
    st = run_pipeline(["status", "--json"], env).json()
    assert st["articles"] == len(complete) and st["chunks"] == total_chunks and st["pending"] == 0
    record_property("ingest_kills", sum("killed=True" in line for line in log))
    record_property("ingest_kill_seconds", round(time.monotonic() - t_all, 1))
    print("\n".join(log))
