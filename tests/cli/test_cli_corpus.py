"""`pipeline ingest / show / status` in-process, with $PIPELINE_HOME in a temp dir."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

from tests.conftest import CORPUS, REPO

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def articles(tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    shutil.copy(CORPUS / "seed-article.txt", src / "seed-article.txt")
    (src / "ports.json").write_text(json.dumps({
        "title": "Ports Reopen After the Strike", "source": "Freight Current", "author": "J. Alvarado",
        "published_at": "2026-05-20", "url": "https://freight.example/ports", "desk": "ocean",
        "body": "Container lines win back their schedules as the ports reopen.\n\n"
                "Trucking firms that charged surge rates lose that premium, while port fees stay the same.",
    }), encoding="utf-8")
    (src / "broken.jsonl").write_text('{"title": "ok", "body": "A fine record about rail freight and who gains."}\n'
                                      "{oops\n", encoding="utf-8")
    return src


def test_ingest_json_contract_exit_codes_and_incremental_rerun(home, articles):
    r = _invoke("ingest", str(articles), "--json")
    assert r.exit_code == 1  # one bad line
    doc = json.loads(r.stdout)
    assert {"ingested", "skipped", "duplicates", "failed"} <= set(doc)
    assert len(doc["ingested"]) == 3 and doc["skipped"] == [] and doc["duplicates"] == []
    assert all(isinstance(i, str) for i in doc["ingested"])
    assert doc["failed"] == [{"path": f"{articles / 'broken.jsonl'}:line 2",
                              "error": doc["failed"][0]["error"]}]
    assert "malformed JSON" in doc["failed"][0]["error"]
    assert f"error: {articles / 'broken.jsonl'}:line 2: malformed JSON" in r.stderr
    assert (home / "manifest.sqlite").is_file() and (home / "chroma").is_dir()

    (articles / "broken.jsonl").unlink()
    shutil.copy(articles / "ports.json", articles / "ports-copy.json")
    again = _invoke("ingest", str(articles), "--json")
    assert again.exit_code == 0, again.stderr
    doc2 = json.loads(again.stdout)
    kept = [i for i in doc["ingested"] if not i.startswith("ok-")]  # broken.jsonl is gone
    assert doc2["ingested"] == [] and sorted(doc2["skipped"]) == sorted(kept)
    ports_id = next(i for i in doc["ingested"] if i.startswith("ports-reopen"))
    assert [(d["id"], d["duplicate_of"]) for d in doc2["duplicates"]] == [(ports_id, ports_id)]


def test_show_json_offsets_and_human_output(home, articles, monkeypatch):
    (articles / "broken.jsonl").unlink()
    ids = json.loads(_invoke("ingest", str(articles), "--json").stdout)["ingested"]
    ports_id = next(i for i in ids if i.startswith("ports-reopen-after-the-strike-"))
    r = _invoke("show", ports_id, "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["id"] == ports_id and doc["title"] == "Ports Reopen After the Strike"
    assert doc["source"] == "Freight Current" and doc["published_at"] == "2026-05-20"
    assert doc["metadata"] == {"desk": "ocean"} and doc["format"] == "json"
    assert doc["chunks"] and all(doc["text"][c["start"]:c["end"]] == c["text"] for c in doc["chunks"])

    monkeypatch.chdir(articles)
    by_path = json.loads(_invoke("show", "seed-article.txt", "--json").stdout)
    assert by_path["id"].startswith("seed-article-") and len(by_path["chunks"]) > 3
    human = _invoke("show", by_path["id"])
    assert human.exit_code == 0
    first = by_path["chunks"][0]
    assert f"#0 [{first['start']}:{first['end']}] {first['tokens']} tokens" in human.stdout
    assert "Microsoft and OpenAI quietly amended" in human.stdout

    missing = _invoke("show", "no-such-article-123")
    assert missing.exit_code == 1
    err = " ".join(missing.stderr.split())
    assert "no-such-article-123" in err and "pipeline status" in err


def test_status_json_and_human(home, articles):
    empty = json.loads(_invoke("status", "--json").stdout)
    assert empty["articles"] == 0 and empty["chunks"] == 0
    (articles / "broken.jsonl").unlink()
    _invoke("ingest", str(articles), "--json")
    doc = json.loads(_invoke("status", "--json").stdout)
    assert doc["articles"] == 2 and doc["chunks"] == sum(a["chunks"] for a in doc["article_list"]) > 2
    assert doc["store"] == str(home / "chroma") and doc["embedding_model"] == "all-MiniLM-L6-v2"
    human = _invoke("status")
    assert "all-MiniLM-L6-v2" in human.stdout and str(doc["chunks"]) in human.stdout


def test_ingest_reports_lock_holder_and_bad_server_url(home, articles):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from pathlib import Path
            from pipeline.lock import writer_lock
            with writer_lock(Path(sys.argv[1])):
                print("held", flush=True)
                time.sleep(60)
        """), str(home)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = _invoke("ingest", str(articles / "ports.json"))
        assert r.exit_code == 2
        err = " ".join(r.stderr.split())  # `fail` may wrap long lines at the console width
        assert f"pid {holder.pid}" in err and "another pipeline writer" in err
    finally:
        holder.kill()
        holder.wait(10)
    bad = _invoke("status", "--chroma-url", "ftp://example")
    assert bad.exit_code == 2 and "invalid Chroma URL" in " ".join(bad.stderr.split())
