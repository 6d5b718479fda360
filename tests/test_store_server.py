"""The Chroma-server path: a real `chroma run` on loopback, ingested into through HttpClient."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import ingest_paths
from pipeline.store import Store

from tests.conftest import CORPUS, free_port


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server-data"),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma run did not answer its heartbeat within 60 s")
            time.sleep(0.2)
        yield url, port, tmp_path / "server-data"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


@pytest.mark.slow
def test_ingest_through_a_chroma_server(home, tmp_path, chroma_server, monkeypatch):
    url, port, data_dir = chroma_server
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(CORPUS / "seed-article.txt", src)
    (src / "note.md").write_text("---\ntitle: Rail Wins\npublished_at: 2026-02-01\n---\n"
                                 "Freight rail gains share from trucking as diesel prices rise; tolls stay the same.\n",
                                 encoding="utf-8")
    r = CliRunner().invoke(app, ["ingest", str(src), "--json", "--chroma-url", url], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    ingested = json.loads(r.stdout)["ingested"]
    assert len(ingested) == 2
    assert not (home / "chroma").exists() and data_dir.exists()  # vectors went to the server

    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(port))
    store = Store()  # picks the server from the environment
    stats = store.stats()
    assert stats["store"] == url and stats["store_kind"] == "server"
    assert stats["articles"] == 2 and stats["chunks"] == sum(len(store.get_chunks(i)) for i in ingested)
    for article_id in ingested:
        text = store.get_article(article_id).text
        assert all(text[c.start:c.end] == c.text for c in store.get_chunks(article_id))
    again = ingest_paths([src], store=store, progress=False)
    assert sorted(again.skipped) == sorted(ingested) and again.chunks_embedded == 0
    status = json.loads(CliRunner().invoke(app, ["status", "--json"]).stdout)
    assert status["chunks"] == stats["chunks"] and status["store"] == url
