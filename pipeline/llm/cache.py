"""Persistent response cache in `$PIPELINE_HOME/cache.sqlite`, so a re-run makes zero calls.

The key is a hash of everything that shapes an answer: provider identity (model, endpoint or
file), messages, schema and parameters. Keys are never part of it and the stored value is
only the answer (redacted), so nothing secret reaches the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from pipeline.config import ensure_home
from pipeline.llm.redact import redact_obj

log = logging.getLogger("pipeline.llm")
CACHE_VERSION = 1


def cache_key(identity: str, messages: list[dict[str, str]], schema: dict[str, Any] | None,
              params: dict[str, Any]) -> str:
    payload = {"v": CACHE_VERSION, "id": identity, "messages": messages, "schema": schema,
               "params": params}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class ResponseCache:
    """One table, key -> JSON answer. Safe across threads and processes (SQLite locking)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or ensure_home() / "cache.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _connect(self.path) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                         "model TEXT NOT NULL, created REAL NOT NULL, value TEXT NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            conn = _connect(self.path)
            try:
                row = conn.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.warning("response cache unreadable (%s); calling the provider", exc)
            return None
        return json.loads(row[0]) if row else None

    def put(self, key: str, model: str, value: dict[str, Any]) -> None:
        blob = json.dumps(redact_obj(value), ensure_ascii=False)
        try:
            conn = _connect(self.path)
            try:
                conn.execute("INSERT OR REPLACE INTO responses (key, model, created, value) "
                             "VALUES (?, ?, ?, ?)", (key, model, time.time(), blob))
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.warning("response cache not written (%s)", exc)

    def __len__(self) -> int:
        conn = _connect(self.path)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
        finally:
            conn.close()
