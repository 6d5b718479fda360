"""Multi-process ingestion through one real Chroma server (`chroma run` on loopback).

Two `pipeline ingest` processes, each with its own $PIPELINE_HOME (manifest + writer lock) and a
disjoint half of a generated corpus, write concurrently through the same CHROMA_HOST/PORT.
Every chunk must arrive exactly once: the server's ids are unique and equal the union of the
two manifests' chunk ids. The procedure is documented in docs/scale-out.md.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS, running_chroma_server

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
N_ARTICLES = 16


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for f in CORPUS.glob("*.txt"):
        words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", f.read_text(encoding="utf-8")))
    return sorted(words)


def write_corpus(root: Path, n: int = N_ARTICLES, seed: int = 7) -> list[list[Path]]:
    """n distinct articles (random prose over the corpus vocabulary: no near-duplicates),
    each long enough for several chunks, split into two disjoint halves."""
    rng = random.Random(seed)
    vocab = _vocabulary()
    halves: list[list[Path]] = [[], []]
    for i in range(n):
        paras = []
        for _ in range(rng.randint(4, 7)):
            sents = []
            for _ in range(rng.randint(4, 7)):
                words = rng.sample(vocab, rng.randint(9, 16))
                sents.append(" ".join(words).capitalize() + ".")
            paras.append(" ".join(sents))
        folder = root / f"part{i % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"generated-{i:02d}.txt"
        path.write_text(f"Generated report number {i}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        halves[i % 2].append(path)
    return halves


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server on a free loopback port, stopped by its own pid."""
    with running_chroma_server(tmp_path / "chroma-data", tmp_path / "chroma.log", 90) as port:
        yield port


def _ingest(folder: Path, home: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PIPELINE_HOME": str(home), "CHROMA_HOST": "127.0.0.1",
           "CHROMA_PORT": str(port), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.Popen([str(BIN / "pipeline"), "ingest", str(folder), "--json"], env=env,
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _manifest_chunks(home: Path) -> dict[str, list[str]]:
    from pipeline.corpus.manifest import Manifest

    m = Manifest(home / "manifest.sqlite")
    try:
        return {r.article.id: list(r.chunk_ids) for r in m.complete()}
    finally:
        m.close()


@pytest.mark.slow
def test_two_concurrent_ingesters_through_one_chroma_server(tmp_path, chroma_server):
    import chromadb
    from chromadb.config import Settings

    halves = write_corpus(tmp_path / "corpus")
    homes = [tmp_path / "home-a", tmp_path / "home-b"]
    t0 = time.monotonic()
    procs = [_ingest(halves[i][0].parent, homes[i], chroma_server) for i in (0, 1)]
    outs = [p.communicate(timeout=600) for p in procs]
    elapsed = time.monotonic() - t0
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    reports = [json.loads(out) for out, _ in outs]
    for rep, half in zip(reports, halves):
        assert len(rep["ingested"]) == len(half) and rep["failed"] == [] and rep["duplicates"] == []

    manifests = [_manifest_chunks(h) for h in homes]
    assert not set(manifests[0]) & set(manifests[1])  # disjoint partitions
    expected = [c for m in manifests for ids in m.values() for c in ids]
    assert len(expected) > N_ARTICLES  # several chunks per article

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server,
                                 settings=Settings(anonymized_telemetry=False))
    col = client.get_collection("chunks")
    got = col.get(include=["metadatas", "documents"])
    ids = got["ids"]
    # a shared server carries each chunk's text and its article's description: other homes'
    # manifests do not have them
    assert all(doc and meta["title"] and meta["path"] for doc, meta in zip(got["documents"], got["metadatas"]))
    assert len(ids) == len(set(ids)) == len(expected) == col.count()  # each chunk exactly once
    assert set(ids) == set(expected)
    owner = {c: aid for m in manifests for aid, cids in m.items() for c in cids}
    for cid, meta in zip(ids, got["metadatas"]):
        assert meta["article_id"] == owner[cid]

    # re-running one ingester is incremental: nothing re-embedded, nothing duplicated
    again = _ingest(halves[0][0].parent, homes[0], chroma_server)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-3000:]
    rep = json.loads(out)
    assert rep["ingested"] == [] and len(rep["skipped"]) == len(halves[0])
    assert col.count() == len(expected)

    # a reader home that knows every article: ingesting the whole corpus there upserts the same
    # deterministic chunk ids, so the server still holds each chunk once
    reader = tmp_path / "home-reader"
    full = _ingest(tmp_path / "corpus", reader, chroma_server)
    out, err = full.communicate(timeout=600)
    assert full.returncode == 0, err[-3000:]
    assert len(json.loads(out)["ingested"]) == N_ARTICLES
    assert _manifest_chunks(reader) == {**manifests[0], **manifests[1]}
    assert col.count() == len(expected)
    print(f"two concurrent ingesters: {len(expected)} chunks from {N_ARTICLES} articles "
          f"in {elapsed:.1f}s")
