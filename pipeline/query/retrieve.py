"""Hybrid retrieval over the corpus: dense (MiniLM in Chroma) + BM25, fused by reciprocal rank.

Dense search finds paraphrases; BM25 finds rare names and numbers that MiniLM blurs. Reciprocal-rank
fusion needs no score calibration between the two. The BM25 index is built from the store's chunks
and cached in `$PIPELINE_HOME/bm25/` under a key derived from the chunk-id set, so it is rebuilt
exactly when the corpus changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

import numpy as np
from pydantic import BaseModel

from pipeline.errors import PipelineError
from pipeline.query.bm25 import BM25_DIR, BM25Index, load_or_build_index
from pipeline.text.dates import DateError, parse_since, published_ts
from pipeline.types import Article, Chunk

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ChunkStore, TextEmbedder

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")

RRF_K = 60  # the constant from Cormack et al. (2009); damps the head of each ranking
# Below this best dense cosine (MiniLM, question vs chunk) the corpus is taken not to hold the
# answer. Measured on the corpus: the 18 labeled questions score 0.40-0.75; off-topic questions
# 0.05-0.18; in-domain questions the corpus cannot answer 0.32-0.43 (those are left to the model).
NOT_FOUND_COSINE = 0.35


class RetrievalError(PipelineError, ValueError):
    """Bad retrieval input (unknown source, bad date, missing labeled set); the message says which."""


def _since_ts(since: str | None) -> int | None:
    """`--since` as epoch seconds; a bad date is a retrieval input error here."""
    try:
        return parse_since(since)
    except DateError as exc:
        raise RetrievalError(str(exc)) from exc


class Hit(BaseModel):
    """One retrieved chunk with the evidence of why it ranked where it did."""

    chunk: Chunk
    title: str = ""
    source: str | None = None
    published_at: str | None = None
    path: str | None = None
    score: float = 0.0  # fused RRF score (or the single ranker's score in dense/bm25 mode)
    dense_score: float | None = None  # cosine similarity question vs chunk
    bm25_score: float | None = None
    dense_rank: int | None = None  # 1-based
    bm25_rank: int | None = None

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def article_id(self) -> str:
        return self.chunk.article_id

    def to_json(self, with_text: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "chunk_id": self.chunk.id, "article_id": self.chunk.article_id, "index": self.chunk.index,
            "start": self.chunk.start, "end": self.chunk.end, "title": self.title,
            "source": self.source, "published_at": self.published_at,
            "score": round(self.score, 6),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 4),
            "bm25_score": None if self.bm25_score is None else round(self.bm25_score, 4),
            "dense_rank": self.dense_rank, "bm25_rank": self.bm25_rank,
        }
        if with_text:
            out["text"] = self.chunk.text
        return out


# ---------------------------------------------------------------- small pure helpers

def rrf(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> dict[str, float]:
    """Reciprocal-rank fusion: sum over rankings of 1 / (k + rank), rank 1-based."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


# ---------------------------------------------------------------- the retriever

def open_store() -> ChunkStore:
    """The corpus store of the current `$PIPELINE_HOME` (imported lazily: chromadb is heavy)."""
    from pipeline.corpus.store import Store

    return Store()


def _chunk_from(item: Any) -> Chunk:
    """`iter_chunks()` may yield chunks or (chunk, metadata) pairs; accept both."""
    if isinstance(item, Chunk):
        return item
    if isinstance(item, tuple) and item and isinstance(item[0], Chunk):
        return item[0]
    if isinstance(item, dict):
        return Chunk.model_validate(item)
    raise TypeError(f"unexpected chunk type from store: {type(item).__name__}")


class Retriever:
    """Dense + BM25 retrieval with source/date filters over one store."""

    def __init__(self, store: ChunkStore | None = None, embedder: TextEmbedder | None = None, cache_dir: Path | None = None,
                 candidates: int = 10) -> None:
        self.store = store if store is not None else open_store()
        self._embedder = embedder
        self.cache_dir = cache_dir
        self.candidates = candidates
        self._articles: dict[str, Article] | None = None
        self._chunks: dict[str, Chunk] | None = None
        self._ids: list[str] | None = None
        self._by_article: dict[str, dict[str, Chunk]] = {}

    # lazily loaded views of the store -------------------------------------------------
    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            from pipeline.corpus.embed import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    @property
    def articles(self) -> dict[str, Article]:
        if self._articles is None:
            self._articles = {a.id: a for a in self.store.list_articles()}
        return self._articles

    def chunk_ids(self) -> list[str]:
        """Every stored chunk id: from the store's manifest when it has one (no Chroma read)."""
        if self._ids is None:
            manifest = getattr(self.store, "manifest", None)
            if manifest is not None and hasattr(manifest, "complete"):
                self._ids = [cid for row in manifest.complete() for cid in row.chunk_ids]
            else:
                self._ids = list(self.all_chunks())
        return self._ids

    def all_chunks(self) -> dict[str, Chunk]:
        if self._chunks is None:
            self._chunks = {c.id: c for c in map(_chunk_from, self.store.iter_chunks())}
        return self._chunks

    def chunk(self, chunk_id: str) -> Chunk | None:
        """One chunk by id, reading its article's chunks from the store once."""
        if self._chunks is not None and chunk_id in self._chunks:
            return self._chunks[chunk_id]
        article_id = chunk_id.rsplit("#", 1)[0]
        if article_id not in self._by_article:
            self._by_article[article_id] = {c.id: c for c in self.store.get_chunks(article_id)}
        return self._by_article[article_id].get(chunk_id)

    def refresh(self) -> None:
        """Forget cached views (after an ingest in the same process)."""
        self._articles = None
        self._chunks = None
        self._ids = None
        self._by_article = {}

    def bm25(self) -> BM25Index:
        cache = self.cache_dir
        home = getattr(self.store, "home", None)  # a store without a home keeps no cache
        if cache is None and home is not None:
            cache = Path(home) / BM25_DIR  # beside the store it indexes
        return load_or_build_index(self.chunk_ids(), cache,
                                   load=lambda: list(self.all_chunks().values()))

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embedder.embed([text]))[0]

    # filters ---------------------------------------------------------------------------
    def allowed_articles(self, source: str | None = None, since: str | None = None) -> set[str] | None:
        """Article ids passing the filters (None: no filter). Unknown source → a clear error."""
        if not source and not since:
            return None
        since_ts = _since_ts(since)
        sources = self.resolve_source(source) if source else None
        out = set()
        for a in self.articles.values():
            if sources is not None and a.source not in sources:
                continue
            if since_ts is not None:
                ts = published_ts(a.published_at)
                if ts is None or ts < since_ts:
                    continue
            out.add(a.id)
        return out

    def resolve_source(self, source: str) -> set[str]:
        """Case-insensitive match of a user's source name to the stored source names."""
        known = sorted({a.source for a in self.articles.values() if a.source})
        want = source.strip().casefold()
        match = {s for s in known if s.casefold() == want}
        if not match:
            raise RetrievalError(f"no article has source {source!r}; known sources: "
                                 + (", ".join(known) if known else "(none)"))
        return match

    def where(self, source: str | None, since: str | None) -> dict[str, Any] | None:
        """The Chroma metadata filter for the same constraints (applied inside the store)."""
        clauses: list[dict[str, Any]] = []
        if source:
            names = sorted(self.resolve_source(source))
            clauses.append({"source": names[0]} if len(names) == 1 else {"source": {"$in": names}})
        ts = _since_ts(since)
        if ts is not None:
            clauses.append({"published_ts": {"$gte": ts}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    # search ----------------------------------------------------------------------------
    def dense(self, query: str, n: int, source: str | None = None, since: str | None = None,
              qvec: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        qv = self.embed_query(query) if qvec is None else qvec
        return [(c, float(s)) for c, s in self.store.search(qv, n, self.where(source, since))]

    def search(self, query: str, k: int = 6, source: str | None = None, since: str | None = None,
               mode: Mode = "hybrid", cosines: bool = True) -> list[Hit]:
        """The k best chunks for the query. With `cosines`, every hit carries its dense cosine
        (chunks found only by BM25 are embedded for it), which the not-in-corpus check needs."""
        if mode not in MODES:
            raise RetrievalError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        if not query.strip():
            raise RetrievalError("empty question")
        # Each ranker contributes its top n. Fusing shallow lists keeps chunks that are mediocre in
        # both from outranking one that a single ranker puts first (measured on evals/retrieval.yaml:
        # depth 10 → hybrid recall@3 1.00; depth 40 → 0.96, with any RRF constant from 5 to 60).
        n = max(self.candidates, k)
        allowed = self.allowed_articles(source, since)
        qvec = self.embed_query(query)
        dense: list[tuple[Chunk, float]] = []
        if mode in ("hybrid", "dense"):
            dense = self.dense(query, n, source, since, qvec=qvec)
        sparse: list[tuple[str, float]] = []
        if mode in ("hybrid", "bm25"):
            allowed_chunks = None
            if allowed is not None:
                allowed_chunks = {cid for cid in self.chunk_ids() if cid.rsplit("#", 1)[0] in allowed}
            sparse = self.bm25().top(query, n, allowed_chunks)

        hits: dict[str, Hit] = {}
        for rank, (chunk, cos) in enumerate(dense, start=1):
            hits[chunk.id] = self._hit(chunk, dense_score=cos, dense_rank=rank)
        for rank, (cid, score) in enumerate(sparse, start=1):
            if cid in hits:
                hits[cid].bm25_score, hits[cid].bm25_rank = score, rank
            else:
                found = self.chunk(cid)
                if found is not None:
                    hits[cid] = self._hit(found, bm25_score=score, bm25_rank=rank)
        if mode == "hybrid":
            fused = rrf([[c.id for c, _ in dense], [cid for cid, _ in sparse]])
            for cid, h in hits.items():
                h.score = fused.get(cid, 0.0)
        else:
            for h in hits.values():
                h.score = (h.dense_score if mode == "dense" else h.bm25_score) or 0.0
        top = sorted(hits.values(), key=lambda h: (-h.score, h.chunk.id))[:k]
        if cosines:
            self._fill_cosines(top, qvec)
        return top

    def _hit(self, chunk: Chunk, **kw: Any) -> Hit:
        a = self.articles.get(chunk.article_id)
        return Hit(chunk=chunk, title=a.title if a else "", source=a.source if a else None,
                   published_at=a.published_at if a else None, path=a.path if a else None, **kw)

    def _fill_cosines(self, hits: list[Hit], qvec: np.ndarray) -> None:
        """Chunks found only by BM25 get their dense cosine too, so thresholds see every hit."""
        missing = [h for h in hits if h.dense_score is None]
        if not missing:
            return
        vecs = np.asarray(self.embedder.embed([h.chunk.text for h in missing]))
        for h, v in zip(missing, vecs):
            h.dense_score = float(np.dot(v, qvec))


def best_cosine(hits: Sequence[Hit]) -> float:
    return max((h.dense_score or 0.0 for h in hits), default=0.0)


def rank_articles(hits: Sequence[Hit]) -> list[str]:
    """Article ids in order of their best chunk (first appearance)."""
    seen: list[str] = []
    for h in hits:
        if h.article_id not in seen:
            seen.append(h.article_id)
    return seen


__all__ = ["Hit", "MODES", "NOT_FOUND_COSINE", "RetrievalError", "Retriever", "best_cosine",
           "open_store", "rank_articles", "rrf"]
