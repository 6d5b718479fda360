"""`ask` retrieval latency (p50/p95) at 10k and 100k chunks: dense, hybrid, with and without filters.

Embedding 100k chunk texts would take hours on 2 cores, so the store is built synthetically:
articles go into the manifest through its API and their chunks straight into the store's Chroma
collection, laid out as `Store.write_articles` lays them out (a local store: no chunk text in
Chroma, it is cut from the article text in the manifest). Each chunk is 7 sentences drawn
from a pool of 1,200 news-style sentences (the corpus generator's templates); the pool is embedded
for real by MiniLM once, and a chunk's vector is the normalized sum of its sentences' vectors
(close to what MiniLM's mean pooling gives), so dense and BM25 rankings overlap as they do on
real text. Queries are embedded for real and run through `pipeline.query.retrieve.Retriever.search`,
the call `ask` makes. Configurations take turns query by query, so load bursts on a shared
machine hit all of them alike.

Measured per tier: the one-off BM25 index build, the cold start a fresh `pipeline ask` process
pays (reading the manifest and loading the cached BM25 index), then per-query latency for
dense / hybrid / hybrid as `ask` runs it (dense cosines filled in for BM25-only hits), each with no
filter, a source filter, and source + date filters.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import Context, finish_result, load_caption, new_result, percentile, rnd, table

NAME = "query"
DEFAULT_SIZE = 100_000  # chunks in the big tier; the small tier has a tenth of them (10k)
CHUNKS_PER_ARTICLE = 10
SENTENCES_PER_CHUNK = 7
POOL = 1200
QUERIES = 30
K = 6
_BATCH = 4000


def _sentence_pool(n: int, seed: int) -> list[str]:
    from bench.corpus_gen import _Writer

    rng = random.Random(seed)
    w = _Writer(rng)
    pool: list[str] = []
    while len(pool) < n:
        a = w.article(len(pool))
        pool.extend(s for p in a["paragraphs"] for s in p.split(". ") if s)
    return [s if s.endswith((".", "\"", "!")) else s + "." for s in pool[:n]]


def _questions(seed: int, n: int = QUERIES) -> list[str]:
    from bench import corpus_gen as g

    rng = random.Random(seed)
    forms = ["Who gains from {t} in {p}?", "Who loses when {t} changes for {grp}?",
             "What stays the same for {grp} after {t}?", "How much did {t} cost {grp}?",
             "What did analysts say about {t} and {n}?", "Which companies are hurt by {t} in {p}?"]
    return [rng.choice(forms).format(t=rng.choice(g._TOPICS), p=rng.choice(g._PLACES), grp=rng.choice(g._GROUPS),
                                     n=rng.choice(g._NOUNS)) for _ in range(n)]


class SyntheticStore:
    """Grows one store tier by tier: manifest rows via the Manifest API, chunks via Chroma."""

    def __init__(self, home: Path, seed: int, embedder: Any, pool: int = POOL) -> None:
        from pipeline.corpus.store import Store

        self.store = Store(home=home)
        self.rng = np.random.default_rng(seed)
        self.pool = _sentence_pool(pool, seed)
        t0 = time.perf_counter()
        self.pool_vectors = embedder.embed(self.pool)
        self.pool_seconds = time.perf_counter() - t0
        self.articles = 0
        self.chunks = 0
        self.sources = ["Gridline Weekly", "The Compute Desk", "Harbor Ledger", "Market Street Journal",
                        "Northwind Business", "The Freight Report", "Clinic & Capital", "Metro Money"]

    def _article(self, i: int) -> tuple[Any, list[Any], np.ndarray]:
        from pipeline.corpus.ingest.metadata import content_hash
        from pipeline.types import Article, Chunk

        picks = self.rng.integers(0, len(self.pool), size=(CHUNKS_PER_ARTICLE, SENTENCES_PER_CHUNK))
        parts = [" ".join(self.pool[j] for j in row) for row in picks]
        vecs = self.pool_vectors[picks].sum(axis=1)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        text = "\n\n".join(parts)
        aid = f"synthetic-{i:06d}"
        article = Article(id=aid, title=f"Synthetic article {i}", text=text, path=f"synthetic/{i}.txt",
                          content_hash=content_hash(text), format="txt", source=self.sources[i % len(self.sources)],
                          published_at=f"20{24 + i % 3}-{1 + i % 12:02d}-{1 + i % 28:02d}")
        chunks, pos = [], 0
        for idx, part in enumerate(parts):
            chunks.append(Chunk(id=f"{aid}#{idx}", article_id=aid, index=idx, start=pos, end=pos + len(part),
                                text=part, tokens=len(part) // 4))
            pos += len(part) + 2
        return article, chunks, vecs.astype(np.float32)

    def grow_to(self, n_chunks: int) -> float:
        """Add articles until the store holds n_chunks chunks; returns seconds spent."""
        from pipeline.corpus.manifest import Row
        from pipeline.corpus.store import chunk_metadata

        t0 = time.perf_counter()
        col = self.store.collection
        while self.chunks < n_chunks:
            ids: list[str] = []
            docs: list[str] = []
            metas: list[dict[str, Any]] = []
            vecs: list[np.ndarray] = []
            while len(ids) < _BATCH and self.chunks + len(ids) < n_chunks:
                article, chunks, v = self._article(self.articles)
                vecs.append(v)
                self.articles += 1
                spans = [(c.start, c.end, c.tokens) for c in chunks]
                self.store.manifest.put_pending(Row(article=article, source_key=f"/synthetic/{article.id}",
                                                    fingerprint=article.content_hash, minhash=None,
                                                    chunk_ids=[c.id for c in chunks], status="pending", replaces=None,
                                                    chunk_spans=spans))
                self.store.manifest.complete_article(article.id, [c.id for c in chunks], spans)
                ids += [c.id for c in chunks]
                docs += [c.text for c in chunks]
                metas += [chunk_metadata(article, c, full=self.store.text_in_chroma) for c in chunks]
            # as `Store.write_articles` lays chunks out: a local store keeps their text in the manifest
            col.upsert(ids=ids, embeddings=np.concatenate(vecs), metadatas=metas,
                       documents=docs if self.store.text_in_chroma else None)
            self.chunks += len(ids)
        return time.perf_counter() - t0


def _measure_tier(store: Any, embedder: Any, questions: list[str], home: Path) -> dict[str, Any]:
    from pipeline.query import bm25, retrieve

    out: dict[str, Any] = {}
    bm25._memo.clear()
    r = retrieve.Retriever(store=store, embedder=embedder, cache_dir=home / "bm25")
    t0 = time.perf_counter()
    _ = r.articles
    _ = r.chunk_ids() if hasattr(r, "chunk_ids") else r.chunks
    out["load_articles_seconds"] = rnd(time.perf_counter() - t0)
    t0 = time.perf_counter()
    r.bm25()
    out["bm25_build_seconds"] = rnd(time.perf_counter() - t0)
    # cold start of a fresh `pipeline ask` process: manifest, cached BM25 index, one query
    bm25._memo.clear()
    cold = retrieve.Retriever(store=store, embedder=embedder, cache_dir=home / "bm25")
    t0 = time.perf_counter()
    cold.search(questions[0], k=K)
    out["cold_first_query_seconds"] = rnd(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for q in questions[:5]:
        embedder.embed([q])
    out["query_embedding_ms"] = rnd((time.perf_counter() - t0) / 5 * 1000, 1)
    filters = {"none": {}, "source": {"source": "Gridline Weekly"},
               "source+since": {"source": "Gridline Weekly", "since": "2024-06-01"}}
    modes = {"dense": ("dense", False), "hybrid": ("hybrid", False), "hybrid (as ask)": ("hybrid", True)}
    configs = [(m, f) for m in modes for f in filters]
    lat: dict[tuple[str, str], list[float]] = {c: [] for c in configs}
    hits: dict[tuple[str, str], int] = dict.fromkeys(configs, 0)
    for m, f in configs:  # warm every path once
        r.search(questions[-1], k=K, mode=modes[m][0], cosines=modes[m][1], **filters[f])
    for i, q in enumerate(questions):
        turn = configs[i % len(configs):] + configs[:i % len(configs)]  # rotate who goes first
        for m, f in turn:
            t0 = time.perf_counter()
            res = r.search(q, k=K, mode=modes[m][0], cosines=modes[m][1], **filters[f])
            lat[(m, f)].append((time.perf_counter() - t0) * 1000)
            hits[(m, f)] += len(res)
    # where a query's time goes: embedding it, Chroma's HNSW search alone, BM25 scoring alone
    parts: dict[str, list[float]] = {"embed_query": [], "chroma_search": [], "bm25_top": []}
    for q in questions:
        t0 = time.perf_counter()
        qv = r.embed_query(q)
        t1 = time.perf_counter()
        store.search(qv, r.candidates)
        t2 = time.perf_counter()
        r.bm25().top(q, r.candidates)
        t3 = time.perf_counter()
        for key, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2)):
            parts[key].append(dt * 1000)
    out["components_ms"] = {k: {"p50": rnd(percentile(v, 50), 1), "p95": rnd(percentile(v, 95), 1)}
                            for k, v in parts.items()}
    rows = [{"mode": m, "filter": f, "p50_ms": rnd(percentile(lat[(m, f)], 50), 1),
             "p95_ms": rnd(percentile(lat[(m, f)], 95), 1), "mean_hits": rnd(hits[(m, f)] / len(questions), 1)}
            for m, f in configs]
    out["latency"] = rows
    return out


def run(ctx: Context, size: int | None = None) -> dict[str, Any]:
    big = size or DEFAULT_SIZE
    tiers = sorted({min(big, max(CHUNKS_PER_ARTICLE, big // 10)), big})
    started = time.perf_counter()
    result = new_result(NAME, big, tiers=tiers, queries=QUERIES, k=K,
                        synthetic={"chunks_per_article": CHUNKS_PER_ARTICLE, "sentences_per_chunk": SENTENCES_PER_CHUNK,
                                   "vectors": "normalized sum of MiniLM vectors of the chunk's pool sentences; queries embedded by MiniLM"})
    embedder = ctx.embedder()
    questions = _questions(ctx.seed, 3 if ctx.quick else QUERIES)
    result["queries"] = len(questions)
    home = ctx.path("query", "home")
    syn = SyntheticStore(home, ctx.seed, embedder, pool=150 if ctx.quick else POOL)
    result["sentence_pool_embedding_seconds"] = rnd(syn.pool_seconds)
    result["results"] = {}
    for tier in tiers:
        ctx.log(f"query: building the synthetic store up to {tier:,} chunks")
        build = syn.grow_to(tier)
        ctx.log(f"query: measuring at {tier:,} chunks ({syn.articles:,} articles)")
        tier_result = {"chunks": syn.chunks, "articles": syn.articles, "build_seconds": rnd(build)}
        tier_result.update(_measure_tier(syn.store, embedder, questions, home))
        result["results"][str(tier)] = tier_result
    syn.store.close()
    for tier in tiers:
        for row in result["results"][str(tier)]["latency"]:
            key = f"{row['mode'].split(' ')[0]}{'_ask' if 'ask' in row['mode'] else ''}_{row['filter'].replace('+', '_')}"
            result.setdefault(f"p95_ms_{tier}", {})[key] = row["p95_ms"]
    if len(tiers) == 2:
        def p95(tier: int, mode: str) -> float:
            return next(r["p95_ms"] for r in result["results"][str(tier)]["latency"]
                        if r["mode"] == mode and r["filter"] == "none")
        result["p95_growth_hybrid_big_vs_small"] = rnd(p95(tiers[1], "hybrid") / p95(tiers[0], "hybrid"), 2)
        result["p95_growth_dense_big_vs_small"] = rnd(p95(tiers[1], "dense") / p95(tiers[0], "dense"), 2)
    return finish_result(result, ctx, started)


def render(result: dict[str, Any]) -> list[Any]:
    tables = []
    for tier, t in result["results"].items():
        rows = [[r["mode"], r["filter"], r["p50_ms"], r["p95_ms"], r["mean_hits"]] for r in t["latency"]]
        tables.append(table(f"query: {int(tier):,} chunks ({t['articles']:,} articles), k={result['k']}, "
                            f"{result['queries']} questions",
                            ["mode", "filter", "p50 ms", "p95 ms", "hits"], rows,
                            caption=(f"build {t['build_seconds']}s · BM25 index {t['bm25_build_seconds']}s · cold first "
                                     f"query {t['cold_first_query_seconds']}s · p50 parts (ms): "
                                     + ", ".join(f"{k} {v['p50']}" for k, v in t.get("components_ms", {}).items())
                                     + " · " + load_caption(result))))
    return tables
