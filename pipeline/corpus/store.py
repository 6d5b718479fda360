"""The store: Chroma (vectors, chunk text, chunk metadata) plus the manifest (articles).

The only module that imports chromadb. Local by default (`$PIPELINE_HOME/chroma`); a Chroma
server when `CHROMA_HOST`/`CHROMA_PORT`, `chroma_url` in pipeline.toml, or `--chroma-url` say so.

Write protocol (crash safety): manifest row `pending` → upsert chunks → delete stale chunks →
one transaction marks the row `complete` and queues the replaced article's chunks in
`pending_deletes` → delete those from Chroma → clear the queue. Readers only see `complete`
articles; search excludes chunks of pending articles, so a half-written article never shows.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

import numpy as np

from pipeline.errors import EXIT_USAGE, PipelineError
from pipeline import config
from pipeline.corpus.embed import DIM, configured_model_name
from pipeline.corpus.manifest import Manifest, Row
from pipeline.types import Article, Chunk

COLLECTION = "chunks"
_GET_BATCH = 500
_UPSERT_BATCH = 1000  # well under Chroma's max batch size


class StoreError(PipelineError, RuntimeError):
    """The vector store cannot be opened or used as asked (exit 2)."""

    exit_code = EXIT_USAGE


class EmbeddingModelMismatch(StoreError):
    pass


class ArticleNotFound(PipelineError, KeyError):
    """No such article; the message names the id and where to look."""

    def __init__(self, article_id: str, home: Path | None = None) -> None:
        where = f" in {home}" if home else ""
        self.message = (f"no article with id {article_id!r}{where}; "
                        "run `pipeline status` to list the stored articles")
        super().__init__(self.message)
        self.article_id = article_id

    def __str__(self) -> str:
        return self.message


def _published_ts(article: Article) -> int:
    """Epoch seconds of the article's date for Chroma's `$gte` filter (0: undated); the one
    reader of dates is `pipeline.text.dates`."""
    from pipeline.text.dates import parse_date

    return parse_date(article.published_at)[1]


def chunk_metadata(article: Article, chunk: Chunk, full: bool = True) -> dict[str, Any]:
    """What a stored chunk carries (Chroma metadata values must be str/int/float/bool): what `ask`
    filters on, and whose chunk it is. With `full`, also where it sits and the article's
    descriptive fields, for readers of a shared server that have no manifest of their own. A local
    store keeps offsets in the manifest: each metadata key costs Chroma a row and an index entry,
    and three keys instead of seven cut its write time by a fifth."""
    meta: dict[str, Any] = {
        "article_id": article.id,
        "source": article.source or "",
        "published_ts": _published_ts(article),
    }
    if full:
        meta.update({
            "index": chunk.index,
            "start": chunk.start,
            "end": chunk.end,
            "tokens": chunk.tokens,
            "title": article.title,
            "author": article.author or "",
            "path": article.path,
            "url": article.url or "",
            "format": article.format,
            "published_at": article.published_at or "",
            "content_hash": article.content_hash,
        })
    return meta


def _index_of(chunk_id: str) -> int:
    """Chunk ids are `{article_id}#{index}`."""
    return int(chunk_id.rsplit("#", 1)[1])


class Store:
    """Articles and chunks; create it once per command (opening Chroma takes a moment)."""

    def __init__(self, home: Path | None = None, chroma_url: str | None = None,
                 embedding_model: str | None = None, embedding_dim: int = DIM,
                 settings: config.Settings | None = None) -> None:
        """`chroma_url` None: the settings' (`settings`, else read here: a library entry point)."""
        self.home = Path(home) if home is not None else config.home()
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # e.g. a parent is a regular file, or the disk is read-only
            raise StoreError(f"cannot create $PIPELINE_HOME {self.home}: {exc.strerror or exc}") from exc
        if chroma_url is None:
            chroma_url = (settings if settings is not None else config.load_settings()).chroma_url
        self.chroma_url = chroma_url or None
        self.embedding_model = embedding_model or configured_model_name()
        self.embedding_dim = embedding_dim
        self.manifest = Manifest(self.home / "manifest.sqlite")
        self._collection: Any = None
        self._consistent_in_run: bool | None = None
        self._first_write: set[str] = set()  # pending ids that had no manifest row before

    # chroma -----------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.chroma_url or str(self.home / "chroma")

    def _client(self) -> Any:
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if not self.chroma_url:
            return chromadb.PersistentClient(path=str(self.home / "chroma"), settings=settings)
        url = urlparse(self.chroma_url if "://" in self.chroma_url else f"http://{self.chroma_url}")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(f"invalid Chroma URL {self.chroma_url!r}; expected http://HOST:PORT")
        try:
            return chromadb.HttpClient(host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                                       ssl=url.scheme == "https", settings=settings)
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {self.chroma_url}: {exc}") from exc

    @property
    def collection(self) -> Any:
        if self._collection is None:
            client = self._client()
            try:
                col = client.get_or_create_collection(
                    COLLECTION,
                    metadata={"embedding_model": self.embedding_model, "embedding_dim": self.embedding_dim},
                    configuration={"hnsw": {"space": "cosine"}},
                    embedding_function=None,
                )
            except Exception as exc:
                raise StoreError(f"cannot open the Chroma collection at {self.location}: {exc}") from exc
            stored = (col.metadata or {}).get("embedding_model")
            if stored and stored != self.embedding_model:
                raise EmbeddingModelMismatch(
                    f"the store at {self.location} holds embeddings from {stored!r}, not "
                    f"{self.embedding_model!r}; mixing models would make search meaningless. "
                    "Use a fresh PIPELINE_HOME (or re-ingest into one) for the other model."
                )
            self._collection = col
        return self._collection

    # reads ------------------------------------------------------------------------------------
    def list_articles(self) -> list[Article]:
        return [r.article for r in self.manifest.complete()]

    def get_article(self, article_id: str) -> Article:
        row = self.manifest.get(article_id)
        if row is None:
            raise ArticleNotFound(article_id, self.home)
        return row.article

    def find_article(self, ref: str) -> Article | None:
        """By id, or by source path (as given, relative to the cwd, or absolute)."""
        row = self.manifest.get(ref)
        if row is not None:
            return row.article
        candidates = [r for r in self.manifest.complete() if r.article.path == ref]
        if not candidates:
            key = str(Path(ref).expanduser().resolve())
            candidates = self.manifest.by_source_prefix(key)
        return candidates[0].article if candidates else None

    @property
    def text_in_chroma(self) -> bool:
        """Whether chunk text (and the article's descriptive metadata) is written into Chroma. A
        local store keeps it once, in the manifest (Chroma's document column and its full-text
        index made up a third of ingest time outside embedding); a shared server also carries it
        with every chunk, because other homes writing there have articles this manifest lacks."""
        return bool(self.chroma_url)

    def _chunks(self, ids: list[str], docs: list[str | None] | None, metas: list[dict[str, Any]],
                rows: dict[str, Row] | None = None) -> list[Chunk | None]:
        """Chunks from a Chroma result. Offsets come from the chunk's metadata where it has them
        (a shared server; a local store written before manifest schema 2), else from the
        manifest; text from the result where stored, else cut from the article's text. None
        where neither is available."""
        docs = docs if docs is not None else [None] * len(ids)
        rows = dict(rows or {})
        for aid in {str(m["article_id"]) for d, m in zip(docs, metas) if not d or "start" not in m} - set(rows):
            row = self.manifest.get(aid, complete_only=False)
            if row is not None:
                rows[aid] = row
        spans: dict[str, dict[str, tuple[int, int, int]]] = {}
        out: list[Chunk | None] = []
        for i, d, m in zip(ids, docs, metas):
            aid = str(m["article_id"])
            row = rows.get(aid)
            if "start" in m:
                span: tuple[int, int, int] | None = (int(m["start"]), int(m["end"]), int(m.get("tokens", 0)))
            else:
                if row is not None and aid not in spans:
                    spans[aid] = row.spans()
                span = spans.get(aid, {}).get(i)
            if span is None or (not d and row is None):
                out.append(None)
                continue
            start, end, tokens = span
            text = d if d else row.article.text[start:end]  # type: ignore[union-attr]
            out.append(Chunk(id=i, article_id=aid, index=_index_of(i), start=start, end=end, text=text,
                             tokens=tokens))
        return out

    def _get(self, ids: list[str], rows: dict[str, Row] | None = None) -> list[Chunk]:
        chunks: list[Chunk] = []
        for b in range(0, len(ids), _GET_BATCH):
            got = self.collection.get(ids=ids[b:b + _GET_BATCH], include=["documents", "metadatas"])
            chunks += [c for c in self._chunks(got["ids"], got["documents"], got["metadatas"], rows) if c]
        return chunks

    def get_chunks(self, article_id: str) -> list[Chunk]:
        row = self.manifest.get(article_id)
        if row is None:
            raise ArticleNotFound(article_id, self.home)
        return sorted(self._get(row.chunk_ids, {row.article.id: row}), key=lambda c: c.index)

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every stored chunk, article by article (manifest order), each article's in index order."""
        rows = self.manifest.complete()
        batch: list[Row] = []
        size = 0
        for row in [*rows, None]:
            if row is not None:
                batch.append(row)
                size += len(row.chunk_ids)
                if size < _GET_BATCH:
                    continue
            by_id = {c.id: c for c in self._get([i for r in batch for i in r.chunk_ids],
                                                {r.article.id: r for r in batch})}
            for r in batch:
                yield from (by_id[i] for i in r.chunk_ids if i in by_id)
            batch, size = [], 0

    def search(self, query_embedding: Any, k: int = 8, where: dict | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity, best first; `where` is a Chroma metadata filter."""
        if k <= 0:
            return []
        pending = [r.article.id for r in self.manifest.pending()]
        clauses = [c for c in (where, {"article_id": {"$nin": pending}} if pending else None) if c]
        flt = clauses[0] if len(clauses) == 1 else ({"$and": clauses} if clauses else None)
        n = self.collection.count()
        if n == 0:
            return []
        q = np.asarray(query_embedding, dtype=np.float32).reshape(1, -1)
        res = self.collection.query(query_embeddings=q, n_results=min(k, n), where=flt,
                                    include=["documents", "metadatas", "distances"])
        gone = set(self.manifest.pending_deletes())  # replaced, awaiting deletion
        chunks = self._chunks(res["ids"][0], res["documents"][0], res["metadatas"][0])
        return [(c, 1.0 - float(dist)) for c, dist in zip(chunks, res["distances"][0])
                if c is not None and c.id not in gone]

    def stats(self) -> dict[str, Any]:
        counts = self.manifest.counts()
        return {
            "articles": counts["articles"],
            "chunks": self.collection.count(),
            "pending": counts["pending"],
            "store": self.location,
            "store_kind": "server" if self.chroma_url else "local",
            "manifest": str(self.manifest.path),
            "home": str(self.home),
            "embedding_model": (self.collection.metadata or {}).get("embedding_model", self.embedding_model),
            "embedding_dim": self.embedding_dim,
        }

    # writes (call under pipeline.lock.writer_lock) ---------------------------------------------
    def has_chunks(self, chunk_ids: list[str]) -> bool:
        """Are all these chunks in Chroma? (The manifest can outlive a wiped or switched store.)"""
        found = 0
        for b in range(0, len(chunk_ids), _GET_BATCH):
            found += len(self.collection.get(ids=chunk_ids[b:b + _GET_BATCH], include=[])["ids"])
        return found == len(chunk_ids)

    def old_embeddings(self, old: Row) -> dict[str, np.ndarray]:
        """chunk text → stored vector of a stored article, so an edited article re-embeds only
        what changed."""
        out: dict[str, np.ndarray] = {}
        for b in range(0, len(old.chunk_ids), _GET_BATCH):
            got = self.collection.get(ids=old.chunk_ids[b:b + _GET_BATCH],
                                      include=["documents", "metadatas", "embeddings"])
            chunks = self._chunks(got["ids"], got["documents"], got["metadatas"], {old.article.id: old})
            for chunk, emb in zip(chunks, got["embeddings"]):
                if chunk is not None:
                    out[chunk.text] = np.asarray(emb, dtype=np.float32)
        return out

    def new_run(self) -> None:
        """Forget what the last write run learned about Chroma: it may have changed since."""
        self._consistent_in_run = None
        self._first_write.clear()

    def consistent(self) -> bool:
        """Does Chroma hold exactly the manifest's chunks? Asked once per run (`new_run`): the
        run's own writes keep it so. Only then can an id new to the manifest have no chunks in
        Chroma, or a file's recorded articles be trusted without reading it (a wiped manifest,
        a wiped or foreign Chroma, or a server shared with other homes fails it)."""
        if self._consistent_in_run is None:
            self._consistent_in_run = self.manifest.counts()["chunks"] == self.collection.count()
        return self._consistent_in_run

    def begin_article(self, row: Row) -> None:
        consistent = self.consistent()
        if self.manifest.put_pending(row) and consistent:
            self._first_write.add(row.article.id)
        else:
            self._first_write.discard(row.article.id)

    def write_articles(self, items: list[tuple[Article, list[Chunk], np.ndarray]],
                       on_complete: Callable[[Article], None] | None = None) -> None:
        """Upsert pending articles' chunks, drop stale ones, mark them complete, finish deletes.
        Chroma pays ~30 ms a call, so many articles' chunks go in few upserts.

        Articles are marked complete only after all their vectors are in, so a crash in between
        leaves them pending and the next ingest writes them again.
        """
        for article, chunks, embeddings in items:
            if len(chunks) != len(embeddings):
                raise StoreError(f"{article.id}: {len(chunks)} chunks but {len(embeddings)} embeddings")
        rows = [(a, c, e) for a, chunks, emb in items for c, e in zip(chunks, emb)]
        for b in range(0, len(rows), _UPSERT_BATCH):
            part = rows[b:b + _UPSERT_BATCH]
            self.collection.upsert(
                ids=[c.id for _, c, _ in part],
                embeddings=np.asarray([e for _, _, e in part], dtype=np.float32),
                documents=[c.text for _, c, _ in part] if self.text_in_chroma else None,
                metadatas=[chunk_metadata(a, c, full=self.text_in_chroma) for a, c, _ in part],
            )
        self._drop_stale([(a.id, {c.id for c in chunks}) for a, chunks, _ in items if a.id not in self._first_write])
        for article, chunks, _ in items:
            self.manifest.complete_article(article.id, [c.id for c in chunks],
                                           [(c.start, c.end, c.tokens) for c in chunks])
            self._first_write.discard(article.id)
            if on_complete is not None:
                on_complete(article)
        self.flush_deletes()

    def _drop_stale(self, articles: list[tuple[str, set[str]]]) -> None:
        """Delete chunks of these articles that are not among their current ids (an earlier,
        longer version left them). An article written for the first time into a consistent store
        has none and is not asked about: the metadata-filtered lookup costs ~0.4 ms an article."""
        for b in range(0, len(articles), 50):
            part = dict(articles[b:b + 50])
            ids = list(part)
            found = self.collection.get(where={"article_id": ids[0]} if len(ids) == 1 else {"article_id": {"$in": ids}},
                                        include=["metadatas"])
            stale = [i for i, m in zip(found["ids"], found["metadatas"]) if i not in part[str(m["article_id"])]]
            for s in range(0, len(stale), _GET_BATCH):
                self.collection.delete(ids=stale[s:s + _GET_BATCH])

    def flush_deletes(self) -> int:
        ids = self.manifest.pending_deletes()
        if ids:
            for b in range(0, len(ids), _GET_BATCH):
                self.collection.delete(ids=ids[b:b + _GET_BATCH])
            self.manifest.clear_pending_deletes(ids)
        return len(ids)

    def close(self) -> None:
        self.manifest.close()
