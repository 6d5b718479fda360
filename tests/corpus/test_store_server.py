"""The Chroma-server path: a real `chroma run` on loopback, ingested into through HttpClient."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.ingest import ingest_paths
from pipeline.corpus.store import Store

from tests.conftest import CORPUS, running_chroma_server


@pytest.fixture
def chroma_server(tmp_path):
    data_dir = tmp_path / "server-data"
    with running_chroma_server(data_dir, tmp_path / "chroma.log", 60) as port:
        yield f"http://127.0.0.1:{port}", port, data_dir


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
