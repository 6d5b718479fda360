"""Disk full and read-only `$PIPELINE_HOME`: a clear error, no partial file left as if complete,
and the next run (with space) completes.

Tests run as root here, and root ignores file permissions, so `chmod` proves nothing. Instead the
home is a real tmpfs mounted inside a private mount namespace (`unshare -m`): 1 MB for disk
full, remounted larger for the recovery run, then remounted read-only. Where mounting is not
permitted these tests skip, and `test_enospc_*` simulate the same with a patched `os.write`.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.conftest import REPO, base_env, run_pipeline, write_corpus
from tests.reliability.state import snapshot_subprocess, store_problems

N_ARTICLES = 60


def _can_mount() -> bool:
    if not shutil.which("unshare") or sys.platform != "linux":
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d"
                            " && umount $d && rmdir $d"], capture_output=True, timeout=30)
    return probe.returncode == 0


mount_ns = pytest.mark.skipif(not _can_mount(), reason="cannot mount a tmpfs in a private mount namespace here")


def _script(home: Path, corpus: Path, extra: Path, out: Path) -> str:
    py = f"{sys.executable} -m tests.reliability.runpipe"
    return f"""
set -u
mount -t tmpfs -o size=1m tmpfs {home}
{py} ingest {corpus} --json > {out}/full.out 2> {out}/full.err; echo $? > {out}/full.rc
cp -a {home}/. {out}/after-full/
mount -o remount,size=256m {home}
{py} ingest {corpus} --json > {out}/retry.out 2> {out}/retry.err; echo $? > {out}/retry.rc
cp -a {home}/. {out}/after-retry/
mount -o remount,ro {home}
{py} ingest {extra} --json > {out}/ro-ingest.out 2> {out}/ro-ingest.err; echo $? > {out}/ro-ingest.rc
{py} status --json > {out}/ro-status.out 2> {out}/ro-status.err; echo $? > {out}/ro-status.rc
{py} report --json > {out}/ro-report.out 2> {out}/ro-report.err; echo $? > {out}/ro-report.rc
cp -a {home}/. {out}/after-ro/
"""


def _says_read_only(text: str) -> bool:
    """The message must name the cause (not, say, call the manifest unreadable)."""
    return any(w in text.lower() for w in ("read-only", "read only", "not writable", "permission denied"))


def _read(out: Path, name: str) -> tuple[int, str, str]:
    return (int((out / f"{name}.rc").read_text().strip()), (out / f"{name}.out").read_text(errors="replace"),
            (out / f"{name}.err").read_text(errors="replace"))


@pytest.mark.slow
@mount_ns
def test_disk_full_then_read_only_home(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    for d in (home, out / "after-full", out / "after-retry", out / "after-ro"):
        d.mkdir(parents=True)
    corpus, extra = tmp_path / "corpus", tmp_path / "extra"
    write_corpus(corpus, N_ARTICLES, sentences=24)
    write_corpus(extra, 2, start=500)
    env = base_env(home)
    p = subprocess.run(["unshare", "-m", "bash", "-c", _script(home, corpus, extra, out)], env=env,
                       cwd=str(REPO), capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]

    # 1. Disk full: non-zero exit, an error that says so, no traceback.
    rc, stdout, stderr = _read(out, "full")
    assert rc != 0, stdout[-2000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert any(w in (stdout + stderr).lower() for w in ("disk is full", "no space left")), stderr[-2000:]
    # What the full disk left behind is consistent: nothing claims to be complete that is not.
    snap = snapshot_subprocess(out / "after-full", env=env)
    assert not store_problems(snap, final=False), store_problems(snap, final=False)
    complete_after_full = {r["id"] for r in snap["rows"] if r["status"] == "complete"}
    leftovers = [p.name for p in (out / "after-full").rglob("*.tmp")]
    assert not leftovers, f"temporary files left behind: {leftovers}"

    # 2. With space again the next run completes: every article once, Chroma == manifest.
    rc, stdout, stderr = _read(out, "retry")
    assert rc == 0, stderr[-3000:]
    snap = snapshot_subprocess(out / "after-retry", env=env)
    assert not store_problems(snap, final=True), store_problems(snap, final=True)
    assert len(snap["rows"]) == N_ARTICLES
    assert complete_after_full <= {r["id"] for r in snap["rows"]}

    # 3. Read-only: a write fails with a clear message naming the problem; reads still answer or
    # fail clearly; nothing changed.
    rc, stdout, stderr = _read(out, "ro-ingest")
    assert rc != 0
    assert "Traceback" not in stderr, stderr[-3000:]
    assert _says_read_only(stdout + stderr), stderr[-2000:]
    for name in ("ro-status", "ro-report"):
        rc, stdout, stderr = _read(out, name)
        assert "Traceback" not in stderr, (name, stderr[-3000:])
        if rc == 0:
            json.loads(stdout)
        else:
            assert _says_read_only(stderr), (name, stderr[-2000:])
    snap_ro = snapshot_subprocess(out / "after-ro", env=env)
    assert sorted(r["id"] for r in snap_ro["rows"]) == sorted(r["id"] for r in snap["rows"])


@pytest.mark.parametrize("command", [["ingest", "{corpus}", "--json"], ["status", "--json"],
                                     ["report", "--json"]])
def test_home_that_cannot_be_created_gives_a_clear_error(tmp_path: Path, command: list[str]) -> None:
    """`$PIPELINE_HOME` under a regular file (works as root too): one clear line, no traceback."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("I am a file")
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1)
    env = base_env(blocker / "home")
    r = run_pipeline([a.replace("{corpus}", str(corpus)) for a in command], env, timeout=180)
    assert r.rc != 0, str(r)
    assert "Traceback" not in r.stderr, str(r)
    assert str(blocker) in r.stderr or "not a directory" in r.stderr.lower(), str(r)


def _fail_writes_to(name: str, monkeypatch: pytest.MonkeyPatch, *, short: bool) -> None:
    """os.write to a file called `name` fails with ENOSPC (or writes half and returns)."""
    real = os.write

    def write(fd: int, data: bytes) -> int:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.endswith(name):
            if short:
                return real(fd, bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize("short", [False, True], ids=["enospc", "short-write"])
def test_enospc_on_extraction_append_leaves_no_record_as_if_complete(rel_home: Path, monkeypatch, short) -> None:
    """Simulated disk full while appending to extractions.jsonl: the caller gets an OSError, the
    torn bytes never read back as a record, and the next append is whole."""
    from pipeline.records import append_record, read_records
    from pipeline.types import ArticleAnalysis, ExtractionRecord

    def rec(i: int) -> ExtractionRecord:
        return ExtractionRecord(article_id=f"a-{i}", model="fake:x", prompt_hash="p",
                                analysis=ArticleAnalysis(summary="s" * 200))

    for i in range(3):
        append_record(rec(i))
    with monkeypatch.context() as m:
        _fail_writes_to("extractions.jsonl", m, short=short)
        with pytest.raises(OSError):
            append_record(rec(3))
    append_record(rec(4))
    assert [r.article_id for r in read_records()] == ["a-0", "a-1", "a-2", "a-4"]


@pytest.mark.parametrize("short", [False, True], ids=["enospc", "short-write"])
def test_enospc_on_summary_append_leaves_no_record_as_if_complete(rel_home: Path, monkeypatch, short) -> None:
    from pipeline.summarize import SummaryRecord, append_jsonl, read_summaries, summaries_path

    def rec(i: int) -> SummaryRecord:
        return SummaryRecord(article_id=f"a-{i}", title="t", model="fake:x", requested_model="fake:x",
                             prompt_hash="p", content_hash="c", strategy="free", summary="s" * 200)

    append_jsonl(summaries_path(), rec(0))
    with monkeypatch.context() as m:
        _fail_writes_to("summaries.jsonl", m, short=short)
        with pytest.raises(OSError):
            append_jsonl(summaries_path(), rec(1))
    append_jsonl(summaries_path(), rec(2))
    assert [r.article_id for r in read_summaries()[0]] == ["a-0", "a-2"]
