"""`pipeline batch status|collect` in-process, and a batch submitted by one process and
collected by another, against a stand-in vendor served over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.records import read_records

from tests.batch.conftest import LoopbackServer, OpenAIBatchVendor, answer
from tests.batch.test_batch_flow import OPENAI, _ids

REPO = Path(__file__).resolve().parents[2]
SECRET = "sk-batch-test-5f2d9a7c1e"


def _cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def vendor_env(monkeypatch):
    """A loopback OpenAI stand-in; env points the SDK at it with a distinctive key."""
    state: dict = {}
    vendor = OpenAIBatchVendor(lambda cid, body: state["plan"](cid, body), sync=answer,
                               valid_key=SECRET, polls_to_end=3)
    state["plan"] = lambda cid, body: ("ok", answer(body))
    with LoopbackServer(vendor) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        vendor.state = state
        yield vendor


def test_status_and_collect_commands(home, corpus, vendor_env):
    from pipeline.batch import submit_extract_batch

    ids = _ids(corpus)
    vendor_env.state["plan"] = (lambda cid, body: ("expire",) if cid.startswith("00001")
                                else ("ok", answer(body)))
    job = submit_extract_batch(ids, OPENAI, store=corpus)
    corpus.close()

    res = _cli("batch", "status", "--json")
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)["jobs"]
    assert row["batch_id"] == job.batch_id and row["provider"] == "openai"
    assert row["kind"] == "extract" and row["status"] == "in_progress"
    assert sorted(row["custom_ids"].values()) == ids and row["items"] == {"pending": 3}
    assert row["created_at"] and row["updated_at"]

    res = _cli("batch", "collect", "--json", "--no-retry")  # the vendor is still working
    assert res.exit_code == 0 and json.loads(res.stdout)["jobs"][0]["status"] == "in_progress"

    res = _cli("batch", "collect", "--json", "--wait", "--poll-interval", "0.01")
    assert res.exit_code == 0, res.output
    (rep,) = json.loads(res.stdout)["jobs"]
    assert rep["status"] == "collected" and sorted(rep["stored"]) == ids
    assert [r["article_id"] for r in rep["retried"]] == [ids[1]]
    assert rep["from_batch"] == 2 and rep["sync_calls"] == 1
    assert sorted(r.article_id for r in read_records()) == ids

    res = _cli("batch", "status")
    assert res.exit_code == 0 and job.job_id in res.output and "collected" in res.output
    res = _cli("batch", "collect", "--json")
    assert json.loads(res.stdout) == {"jobs": []}

    # the key never lands in $PIPELINE_HOME
    for path in home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_collect_reports_failures_with_exit_code_1(home, corpus, vendor_env):
    from pipeline.batch import submit_extract_batch

    vendor_env.state["plan"] = lambda cid, body: ("http", 400, "invalid_request_error",
                                                  "Invalid 'messages': empty array")
    submit_extract_batch(_ids(corpus), OPENAI, store=corpus)
    corpus.close()
    res = _cli("batch", "collect", "--wait", "--poll-interval", "0.01", "--no-retry")
    assert res.exit_code == 1
    assert res.output.count("failed") >= 3 and "Invalid 'messages'" in res.output
    assert read_records() == []


def test_unknown_job_is_a_clear_error(home):
    res = _cli("batch", "collect", "batch_nope")
    assert res.exit_code == 1 and "no batch job 'batch_nope'" in res.output


@pytest.mark.slow
def test_submit_in_one_process_collect_in_another(home, corpus, vendor_env):
    """Only $PIPELINE_HOME carries the job between the two processes."""
    ids = _ids(corpus)
    corpus.close()
    env = {**os.environ, "PIPELINE_HOME": str(home), "PYTHONPATH": str(REPO)}
    exe = shutil.which("pipeline", path=str(Path(sys.executable).parent)) or "pipeline"
    submit = subprocess.run([exe, "extract", "--all", "--batch", "--model", OPENAI, "--json"],
                            env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert submit.returncode == 0, submit.stderr
    job_id = json.loads(submit.stdout)["batch"]["job_id"]

    got = subprocess.run([exe, "batch", "collect", "--json", "--wait", "--poll-interval", "0.05",
                          "--timeout", "60"], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert got.returncode == 0, got.stderr
    (rep,) = json.loads(got.stdout)["jobs"]
    assert rep["job_id"] == job_id and rep["status"] == "collected"
    assert rep["from_batch"] == 3 and rep["sync_calls"] == 0
    assert sorted(r.article_id for r in read_records()) == ids
    assert vendor_env.count("POST", "/batches") == 1


def test_extract_and_summarize_batch_flags(home, corpus, vendor_env):
    ids = _ids(corpus)
    corpus.close()
    res = _cli("extract", *ids[:2], "--batch", "--model", OPENAI, "--json")
    assert res.exit_code == 0, res.output
    batch = json.loads(res.stdout)["batch"]
    assert batch["kind"] == "extract" and batch["batch_id"].startswith("batch_")
    assert sorted(batch["articles"]) == ids[:2] and batch["requests"] == 2

    res = _cli("summarize", "--batch", "--model", OPENAI)
    assert res.exit_code == 0 and "submitted summarize batch" in res.output
    assert "pipeline batch collect" in res.output

    res = _cli("extract", ids[0], "--batch", "--model", "local")
    assert res.exit_code == 2 and "no batch API" in res.output
    res = _cli("extract", "no-such-id", "--batch", "--model", OPENAI)
    assert res.exit_code == 1 and "no-such-id" in res.output
    res = _cli("summarize", "--batch", "--model", OPENAI, "--strategy", "extractive")
    assert res.exit_code == 2 and "no batch form" in res.output

    res = _cli("batch", "collect", "--json", "--wait", "--poll-interval", "0.01")
    reps = json.loads(res.stdout)["jobs"]
    assert [r["kind"] for r in reps] == ["extract", "summarize"]
    assert all(r["status"] == "collected" for r in reps), reps
    assert sorted(r.article_id for r in read_records()) == ids[:2]

    # --new submits only what is not extracted yet; nothing new submits nothing
    res = _cli("extract", "--new", "--batch", "--model", OPENAI, "--json")
    assert json.loads(res.stdout)["batch"]["articles"] == ids[2:]
    _cli("batch", "collect", "--wait", "--poll-interval", "0.01")
    res = _cli("extract", "--new", "--batch", "--model", OPENAI, "--json")
    out = json.loads(res.stdout)
    assert out["batch"] is None and out["nothing_new"] and sorted(out["skipped"]) == ids
    res = _cli("summarize", "--batch", "--model", OPENAI, "--json")
    assert json.loads(res.stdout)["batch"] is None


def test_collect_waits_for_no_other_writer(home, corpus, vendor_env):
    from pipeline.batch import submit_extract_batch

    submit_extract_batch(_ids(corpus)[:1], OPENAI, store=corpus)
    corpus.close()
    holder = subprocess.Popen(  # another process writing this home (e.g. an ingest)
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from pipeline.lock import writer_lock\n"
         "with writer_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(120)",
         str(home)], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        res = _cli("batch", "collect", "--wait", "--poll-interval", "0.01")
    finally:
        holder.terminate()
        holder.wait(timeout=30)
    assert res.exit_code == 2 and "another pipeline writer holds the lock" in res.output
    assert read_records() == []
    res = _cli("batch", "collect", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["jobs"][0]["status"] == "collected"
