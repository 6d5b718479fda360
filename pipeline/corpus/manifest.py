"""The corpus manifest: `$PIPELINE_HOME/manifest.sqlite`.

It is the source of truth for which articles exist (with their normalized text, metadata, hashes,
MinHash signature, source and chunk ids); Chroma holds the vectors. Each state change is one
SQLite transaction, and the write protocol (see `pipeline.corpus.store`) records intent first
(`pending` rows, `pending_deletes`) so an interrupted ingest is finished by the next one.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline.errors import EXIT_USAGE, PipelineError
from pipeline.types import Article, utcnow_iso

SCHEMA_VERSION = 2  # 2: chunk_spans (a local Chroma keeps no chunk offsets since then)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source_key TEXT NOT NULL,      -- absolute path, plus '#record' inside multi-article files
    path TEXT NOT NULL,            -- the path as shown to users
    title TEXT NOT NULL,
    format TEXT NOT NULL,
    source TEXT, author TEXT, published_at TEXT, url TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    injection_flags TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL,     -- hash of text + metadata: equal means nothing to do
    minhash BLOB,
    chunk_ids TEXT NOT NULL DEFAULT '[]',
    chunk_spans TEXT,              -- [[start, end, tokens], ...] in chunk_ids order; NULL before schema 2
    status TEXT NOT NULL CHECK (status IN ('pending', 'complete')),
    replaces TEXT,                 -- pending only: the article this one supersedes
    ingested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_source_key ON articles(source_key);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles(content_hash);
CREATE TABLE IF NOT EXISTS pending_deletes (chunk_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY,          -- the file's absolute path
    signature TEXT NOT NULL,       -- size, times, inode and reader version when it was last read
    article_ids TEXT NOT NULL      -- the complete articles it held then
);
"""

_ARTICLE_COLS = ("id", "path", "title", "format", "source", "author", "published_at", "url",
                 "metadata", "injection_flags", "text", "content_hash")


@dataclass
class Row:
    """An article as stored, with the bookkeeping the ingest needs."""

    article: Article
    source_key: str
    fingerprint: str
    minhash: bytes | None
    chunk_ids: list[str]
    status: str
    replaces: str | None
    chunk_spans: list[tuple[int, int, int]] | None = None  # (start, end, tokens), as chunk_ids

    def spans(self) -> dict[str, tuple[int, int, int]]:
        """chunk id -> (start, end, tokens); empty for rows written before schema 2."""
        return dict(zip(self.chunk_ids, self.chunk_spans or []))


class ManifestError(PipelineError, RuntimeError):
    """The manifest cannot be read or written as asked (exit 2)."""

    exit_code = EXIT_USAGE


def _read_only(path: Path) -> bool:
    """The manifest (or its folder: WAL needs side files) cannot be written, e.g. a read-only mount."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except (OSError, AttributeError):
        pass
    return not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK))


class Manifest:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ManifestError(f"cannot create {path.parent}: {exc.strerror or exc}") from exc
        try:
            self._conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
            with self.transaction() as c:
                row = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if row is not None and int(row[0]) > SCHEMA_VERSION:
                    raise ManifestError(f"{path}: written by a newer pipeline (schema {row[0]})")
                columns = {r[1] for r in c.execute("PRAGMA table_info(articles)")}
                if "chunk_spans" not in columns:  # schema 1: its Chroma chunks carry their offsets
                    c.execute("ALTER TABLE articles ADD COLUMN chunk_spans TEXT")
                if row is None or int(row[0]) < SCHEMA_VERSION:
                    c.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except (sqlite3.DatabaseError, OSError) as exc:
            if getattr(self, "_conn", None) is not None:
                self._conn.close()
            if _read_only(path) or "readonly" in str(exc).lower():
                raise ManifestError(f"$PIPELINE_HOME {path.parent} is read-only: cannot open the manifest "
                                    f"database {path.name} for writing ({exc})") from exc
            raise ManifestError(f"{path}: not a readable manifest database ({exc})") from exc

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit: all of it commits or none of it does."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # reads ------------------------------------------------------------------------------------
    @staticmethod
    def _row(r: sqlite3.Row) -> Row:
        data = {k: r[k] for k in _ARTICLE_COLS}
        data["metadata"] = json.loads(data["metadata"] or "{}")
        data["injection_flags"] = json.loads(data["injection_flags"] or "[]")
        return Row(
            article=Article(**data), source_key=r["source_key"], fingerprint=r["fingerprint"],
            minhash=r["minhash"], chunk_ids=json.loads(r["chunk_ids"]), status=r["status"],
            replaces=r["replaces"],
            chunk_spans=[tuple(x) for x in json.loads(r["chunk_spans"])] if r["chunk_spans"] else None,
        )

    def _select(self, where: str = "1", params: tuple[Any, ...] = ()) -> list[Row]:
        rows = self._conn.execute(
            f"SELECT * FROM articles WHERE {where} ORDER BY path, source_key, id", params
        ).fetchall()
        return [self._row(r) for r in rows]

    def complete(self) -> list[Row]:
        return self._select("status='complete'")

    def article_facts(self) -> list[tuple[str, str, str | None, str | None]]:
        """(id, title, source, published_at) of every complete article: what a list of claims
        shows beside each, without reading any text (`pipeline parties`)."""
        return [(r[0], r[1], r[2], r[3]) for r in self._conn.execute(
            "SELECT id, title, source, published_at FROM articles WHERE status='complete' ORDER BY id")]

    def pending(self) -> list[Row]:
        """Oldest first, so finishing them replays an interrupted history in order."""
        rows = self._conn.execute(
            "SELECT * FROM articles WHERE status='pending' ORDER BY updated_at, rowid").fetchall()
        return [self._row(r) for r in rows]

    def get(self, article_id: str, complete_only: bool = True) -> Row | None:
        rows = self._select("id=?" + (" AND status='complete'" if complete_only else ""), (article_id,))
        return rows[0] if rows else None

    def by_source_key(self, source_key: str) -> Row | None:
        rows = self._select("source_key=? AND status='complete'", (source_key,))
        return rows[0] if rows else None

    def by_source_prefix(self, key: str) -> list[Row]:
        """Articles read from one file: the file's key itself or its `#record` keys."""
        return self._select(
            "status='complete' AND (source_key=? OR substr(source_key, 1, ?)=?)",
            (key, len(key) + 1, key + "#"),
        )

    def by_content_hash(self, content_hash: str) -> list[Row]:
        return self._select("content_hash=? AND status='complete'", (content_hash,))

    def signatures(self) -> list[tuple[str, str, str, bytes | None]]:
        """(id, content_hash, source_key, minhash) of complete articles, without loading texts."""
        return [tuple(r) for r in self._conn.execute(
            "SELECT id, content_hash, source_key, minhash FROM articles WHERE status='complete' ORDER BY id")]

    def summaries(self) -> list[dict[str, Any]]:
        """id, title, path and chunk count of complete articles (for listings)."""
        return [{"id": r[0], "title": r[1], "path": r[2], "chunks": r[3]} for r in self._conn.execute(
            "SELECT id, title, path, json_array_length(chunk_ids) FROM articles WHERE status='complete'"
            " ORDER BY path, source_key, id")]

    def counts(self) -> dict[str, int]:
        c = self._conn.execute(
            "SELECT status, COUNT(*), COALESCE(SUM(json_array_length(chunk_ids)), 0)"
            " FROM articles GROUP BY status"
        ).fetchall()
        by = {r[0]: (r[1], r[2]) for r in c}
        return {
            "articles": by.get("complete", (0, 0))[0],
            "chunks": by.get("complete", (0, 0))[1],
            "pending": by.get("pending", (0, 0))[0],
        }

    def complete_ids(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT id FROM articles WHERE status='complete'")}

    def file_states(self) -> dict[str, tuple[str, list[str]]]:
        """key -> (signature, article ids) of every file an earlier ingest read in full."""
        return {r[0]: (r[1], json.loads(r[2]))
                for r in self._conn.execute("SELECT key, signature, article_ids FROM files")}

    def put_file_states(self, states: list[tuple[str, str, list[str]]]) -> None:
        with self.transaction() as c:
            c.executemany("INSERT OR REPLACE INTO files (key, signature, article_ids) VALUES (?, ?, ?)",
                          [(k, sig, json.dumps(ids)) for k, sig, ids in states])

    def forget_files(self, keys: list[str]) -> None:
        with self.transaction() as c:
            c.executemany("DELETE FROM files WHERE key = ?", [(k,) for k in keys])

    def meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def rehash_minhashes(self, signature: Callable[[str], bytes], version: str) -> int:
        """Recompute every stored MinHash from its article's text when they were made by another
        signature version (comparing signatures of two versions would be meaningless); returns
        how many were recomputed. One transaction: a crash leaves the old ones and version."""
        if self.meta("minhash_version") == version:
            return 0
        with self.transaction() as c:
            ids = [r[0] for r in c.execute("SELECT id FROM articles")]
            for b in range(0, len(ids), 500):  # texts a batch at a time: memory stays flat
                part = ids[b:b + 500]
                rows = c.execute(f"SELECT id, text FROM articles WHERE id IN ({','.join('?' * len(part))})",
                                 part).fetchall()
                c.executemany("UPDATE articles SET minhash=? WHERE id=?", [(signature(r[1]), r[0]) for r in rows])
            c.execute("INSERT OR REPLACE INTO meta VALUES ('minhash_version', ?)", (version,))
        return len(ids)

    def pending_deletes(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT chunk_id FROM pending_deletes ORDER BY 1")]

    # writes -----------------------------------------------------------------------------------
    def put_pending(self, row: Row) -> bool:
        """Record intent: this article is being written (its chunks may be partly in Chroma).
        True when no row had this id before, so no earlier write can have left chunks of it."""
        a = row.article
        now = utcnow_iso()
        with self.transaction() as c:
            prev = c.execute("SELECT status, ingested_at FROM articles WHERE id=?", (a.id,)).fetchone()
            if prev is not None and prev["status"] == "complete" and row.replaces != a.id:
                raise ManifestError(f"article {a.id} is already stored")
            c.execute(
                "INSERT OR REPLACE INTO articles (id, source_key, path, title, format, source, author,"
                " published_at, url, metadata, injection_flags, text, content_hash, fingerprint,"
                " minhash, chunk_ids, chunk_spans, status, replaces, ingested_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'pending',?,?,?)",
                (a.id, row.source_key, a.path, a.title, a.format, a.source, a.author,
                 a.published_at, a.url, json.dumps(a.metadata, ensure_ascii=False),
                 json.dumps([f.model_dump() for f in a.injection_flags], ensure_ascii=False), a.text, a.content_hash,
                 row.fingerprint, row.minhash, json.dumps(row.chunk_ids),
                 json.dumps(row.chunk_spans) if row.chunk_spans is not None else None, row.replaces,
                 prev["ingested_at"] if prev else now, now),
            )
        return prev is None

    def complete_article(self, article_id: str, chunk_ids: list[str],
                         chunk_spans: list[tuple[int, int, int]] | None = None) -> list[str]:
        """Mark done; drop the row it replaces and queue that row's chunks for deletion.
        `chunk_spans` (start, end, tokens) go with `chunk_ids`; None keeps the recorded ones.

        Returns the chunk ids now queued in `pending_deletes`.
        """
        with self.transaction() as c:
            r = c.execute("SELECT replaces FROM articles WHERE id=?", (article_id,)).fetchone()
            if r is None:
                raise ManifestError(f"no pending article {article_id}")
            # One complete article per source: the one it replaces and any other (complete)
            # version of the same source go, their chunks queued for deletion from Chroma.
            olds = c.execute(
                "SELECT id, chunk_ids FROM articles WHERE id != ? AND (id = ? OR (status='complete'"
                " AND source_key = (SELECT source_key FROM articles WHERE id=?)))",
                (article_id, r["replaces"] or "", article_id),
            ).fetchall()
            for old in olds:
                for chunk_id in json.loads(old["chunk_ids"]):
                    if chunk_id not in chunk_ids:
                        c.execute("INSERT OR IGNORE INTO pending_deletes VALUES (?)", (chunk_id,))
                c.execute("DELETE FROM articles WHERE id=?", (old["id"],))
            c.execute(
                "UPDATE articles SET status='complete', replaces=NULL, chunk_ids=?,"
                " chunk_spans=COALESCE(?, chunk_spans), updated_at=? WHERE id=?",
                (json.dumps(chunk_ids), json.dumps(chunk_spans) if chunk_spans is not None else None,
                 utcnow_iso(), article_id),
            )
            return [row[0] for row in c.execute("SELECT chunk_id FROM pending_deletes")]

    def clear_pending_deletes(self, chunk_ids: list[str]) -> None:
        with self.transaction() as c:
            c.executemany("DELETE FROM pending_deletes WHERE chunk_id=?", [(i,) for i in chunk_ids])
