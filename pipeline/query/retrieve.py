"""Hybrid retrieval over the corpus: dense (MiniLM in Chroma) + BM25, fused by reciprocal rank.

Dense search finds paraphrases; BM25 finds rare names and numbers that MiniLM blurs. Reciprocal-rank
fusion needs no score calibration between the two. The BM25 index is built from the store's chunks
and cached in `$PIPELINE_HOME/bm25/` under a key derived from the chunk-id set, so it is rebuilt
exactly when the corpus changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Sequence

import numpy as np
from pydantic import BaseModel

from pipeline.errors import PipelineError
from pipeline.config import home as pipeline_home
from pipeline.types import Article, Chunk

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore, ChunkStore, TextEmbedder

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")

RRF_K = 60  # the constant from Cormack et al. (2009); damps the head of each ranking
# Below this best dense cosine (MiniLM, question vs chunk) the corpus is taken not to hold the
# answer. Measured on the corpus: the 18 labeled questions score 0.40-0.75; off-topic questions
# 0.05-0.18; in-domain questions the corpus cannot answer 0.32-0.43 (those are left to the model).
NOT_FOUND_COSINE = 0.35
BM25_DIR = "bm25"


class RetrievalError(PipelineError, ValueError):
    """Bad retrieval input (unknown source, bad date, missing labeled set); the message says which."""


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


def parse_since(value: str | date | datetime | None) -> int | None:
    """A date or ISO datetime → epoch seconds (UTC when no zone is given); None passes through."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        s = str(value).strip()
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError as exc:
            raise RetrievalError(f"--since {s!r}: not a date; use YYYY-MM-DD or an ISO datetime") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def published_ts(published_at: str | None) -> int | None:
    """The article's publication time as epoch seconds, or None when absent or unparseable."""
    if not published_at:
        return None
    try:
        return parse_since(published_at)
    except RetrievalError:
        return None


_stemmer: Any = None


def _get_stemmer() -> Any:
    """PyStemmer's Snowball English stemmer when installed (wins/winning → win), else none."""
    global _stemmer
    if _stemmer is None:
        try:
            import Stemmer

            _stemmer = Stemmer.Stemmer("english")
        except ImportError:  # pragma: no cover - optional speed-up of recall, not correctness
            _stemmer = False
    return _stemmer or None


def tokenize(texts: list[str]) -> list[list[str]]:
    """The one tokenizer for BM25 index and queries (lowercase, English stopwords, stemmed)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_get_stemmer(), return_ids=False,
                          show_progress=False)


# ---------------------------------------------------------------- BM25 index with a disk cache

@dataclass
class BM25Index:
    """A bm25s index over chunk texts, addressed by chunk id."""

    ids: list[str]
    model: Any  # bm25s.BM25
    key: str = ""
    pos: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pos = {cid: i for i, cid in enumerate(self.ids)}

    @classmethod
    def build(cls, ids: list[str], texts: list[str], key: str = "") -> "BM25Index":
        import bm25s

        model = bm25s.BM25()
        model.index(tokenize(texts), show_progress=False)
        return cls(ids=list(ids), model=model, key=key)

    def save(self, directory: Path) -> None:
        """Write atomically: a temp folder renamed into place, so a reader never sees half."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=directory.parent))
        try:
            self.model.save(str(tmp), show_progress=False)
            (tmp / "ids.json").write_text(json.dumps({"key": self.key, "ids": self.ids}), encoding="utf-8")
            try:
                os.replace(tmp, directory)
            except OSError:  # another process won the race: its index is the same one
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path) -> "BM25Index":
        import bm25s

        meta = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        model = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(ids=list(meta["ids"]), model=model, key=str(meta.get("key", "")))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no query term is in the corpus)."""
        if not self.ids:
            return np.zeros(0, dtype=np.float32)
        toks = tokenize([query])[0]
        if not toks:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.model.get_scores(toks), dtype=np.float32)

    def top(self, query: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """The n best chunks with a positive score, optionally only among `allowed` chunk ids."""
        s = self.scores(query)
        if allowed is not None:
            mask = np.array([cid in allowed for cid in self.ids], dtype=bool)
            s = np.where(mask, s, 0.0)
        order = np.argsort(-s, kind="stable")[:n]
        return [(self.ids[i], float(s[i])) for i in order if s[i] > 0]


def corpus_key(chunk_ids: Iterable[str]) -> str:
    """The cache key of a corpus: sha256 over its sorted chunk ids (ids embed content hashes)."""
    h = hashlib.sha256()
    for cid in sorted(chunk_ids):
        h.update(cid.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:24]


_memo: dict[str, BM25Index] = {}  # index folder → loaded index, for repeated queries in one process


def load_or_build_index(chunks: Sequence[Chunk] | Sequence[str], cache_dir: Path | None = None,
                        load: Callable[[], Sequence[Chunk]] | None = None) -> BM25Index:
    """The BM25 index for exactly these chunks: from memory, else the disk cache, else built.

    `chunks` may be the chunk ids alone (cheap to list) with `load` to fetch the chunks when the
    index has to be built.
    """
    ids = [c if isinstance(c, str) else c.id for c in chunks]
    key = corpus_key(ids)
    root = cache_dir if cache_dir is not None else pipeline_home() / BM25_DIR
    target = root / key
    if str(target) in _memo:
        return _memo[str(target)]
    index: BM25Index | None = None
    if (target / "ids.json").is_file():
        try:
            index = BM25Index.load(target)
            if index.key != key or len(index.ids) != len(ids):
                index = None
        except (OSError, ValueError, KeyError):
            index = None  # a damaged cache is rebuilt, never trusted
    if index is None:
        shutil.rmtree(target, ignore_errors=True)
        full = [c for c in chunks if isinstance(c, Chunk)] if load is None else list(load())
        ordered = sorted(full, key=lambda c: c.id)
        index = BM25Index.build([c.id for c in ordered], [c.text for c in ordered], key=corpus_key(c.id for c in ordered))
        index.save(root / index.key)
        for other in root.iterdir():  # only the current corpus's index is worth keeping
            if other.is_dir() and other.name != index.key and not other.name.startswith(".bm25-"):
                shutil.rmtree(other, ignore_errors=True)
        target = root / index.key
    if len(_memo) > 8:
        _memo.clear()
    _memo[str(target)] = index
    return index


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
        since_ts = parse_since(since)
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
        ts = parse_since(since)
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


# ---------------------------------------------------------------- labeled retrieval set

MRR_DEPTH = 10  # MRR is computed over the first 10 distinct articles


def _resolve_article(ref: str, articles: dict[str, Article], store: ArticleStore | None = None) -> str | None:
    """An article id from an id, a source path (as ingested, or any suffix of it) or a file name."""
    ref = str(ref).strip()
    if ref in articles:
        return ref
    found = store.find_article(ref) if store is not None and hasattr(store, "find_article") else None
    if found is not None and found.id in articles:
        return found.id
    want = Path(ref).as_posix().lstrip("./")
    for a in articles.values():
        p = Path(a.path).as_posix() if a.path else ""
        if p and (p == want or p.endswith("/" + want) or want.endswith("/" + p.lstrip("./"))):
            return a.id
    stem = Path(ref).name
    for a in articles.values():
        if a.path and Path(a.path).name == stem:
            return a.id
    return None


def load_retrieval_set(set_path: str | Path) -> tuple[list[dict[str, Any]], int | None]:
    """Read and validate a retrieval set; errors name the file and the question."""
    import yaml

    path = Path(set_path)
    if not path.is_file():
        raise RetrievalError(f"{path}: retrieval set not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RetrievalError(f"{path}: invalid YAML: {exc}") from exc
    if isinstance(data, list):
        data = {"questions": data}
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise RetrievalError(f"{path}: expected a mapping with a non-empty 'questions' list")
    out = []
    for i, q in enumerate(data["questions"], start=1):
        where = f"{path}: question {i}"
        if not isinstance(q, dict) or not isinstance(q.get("question"), str) or not q["question"].strip():
            raise RetrievalError(f"{where}: needs a non-empty 'question' string")
        rel = q.get("relevant")
        if isinstance(rel, str):
            rel = [rel]
        if not isinstance(rel, list) or not rel or not all(isinstance(r, str) for r in rel):
            raise RetrievalError(f"{where}: 'relevant' must be a non-empty list of article ids or paths")
        out.append({"id": str(q.get("id", f"q{i}")), "question": q["question"].strip(), "relevant": rel,
                    "source": q.get("source"), "since": q.get("since")})
    k = data.get("k")
    return out, int(k) if k is not None else None


def evaluate_retrieval(set_path: str | Path = "evals/retrieval.yaml", k: int | None = None,
                       retriever: Retriever | None = None,
                       modes: Sequence[Mode] = MODES) -> dict[str, Any]:
    """recall@k and MRR of each retrieval mode on a labeled set, over the current store.

    recall@k: share of a question's relevant articles among the first k distinct articles,
    averaged over questions. MRR: mean of 1/rank of the first relevant article (0 when none is
    in the first `MRR_DEPTH`). The top-level `recall_at_k`/`mrr` are the hybrid mode's.
    """
    questions, set_k = load_retrieval_set(set_path)
    k = int(k or set_k or 5)
    r = retriever or Retriever()
    if not r.articles:
        raise RetrievalError("the store is empty: run `pipeline ingest corpus/` before a retrieval eval")
    unresolved = []
    for q in questions:
        ids = [_resolve_article(ref, r.articles, r.store) for ref in q["relevant"]]
        unresolved += [f"{q['id']}: {ref}" for ref, i in zip(q["relevant"], ids) if i is None]
        q["relevant_ids"] = [i for i in ids if i]
    if unresolved:
        raise RetrievalError(f"{set_path}: relevant articles not in the store: " + "; ".join(unresolved))
    depth = max(k, MRR_DEPTH)
    results: dict[str, Any] = {"set": str(set_path), "k": k, "questions": len(questions), "modes": {}}
    per_q: list[dict[str, Any]] = [{"id": q["id"], "question": q["question"],
                                   "relevant": q["relevant_ids"], "ranks": {}} for q in questions]
    for mode in modes:
        recalls, rrs = [], []
        for q, row in zip(questions, per_q):
            hits = r.search(q["question"], k=depth, source=q["source"], since=q["since"], mode=mode,
                            cosines=False)
            ranked = rank_articles(hits)[:depth]
            rel = set(q["relevant_ids"])
            recalls.append(len(rel & set(ranked[:k])) / len(rel))
            first = next((i for i, a in enumerate(ranked, start=1) if a in rel), None)
            rrs.append(1.0 / first if first else 0.0)
            row["ranks"][mode] = first
        results["modes"][mode] = {f"recall@{k}": round(float(np.mean(recalls)), 4),
                                  "recall_at_k": round(float(np.mean(recalls)), 4),
                                  "mrr": round(float(np.mean(rrs)), 4)}
    main = results["modes"].get("hybrid") or next(iter(results["modes"].values()))
    results["recall_at_k"], results["mrr"] = main["recall_at_k"], main["mrr"]
    results["per_question"] = per_q
    return results

__all__ = ["BM25Index", "Hit", "MODES", "NOT_FOUND_COSINE", "RetrievalError", "Retriever",
           "best_cosine", "evaluate_retrieval", "load_or_build_index", "load_retrieval_set",
           "parse_since", "rank_articles", "rrf", "tokenize"]
