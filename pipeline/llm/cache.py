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
import threading
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


_SCHEMA = ("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
           "model TEXT NOT NULL, created REAL NOT NULL, value TEXT NOT NULL);")
BUSY_TIMEOUT_S = 30.0
_ready: set[str] = set()
_ready_lock = threading.Lock()


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def open_db(path: Path, schema: str) -> sqlite3.Connection:
    """Connect with a busy timeout; the first connection to a file in this process switches it
    to WAL and creates `schema` inside `BEGIN IMMEDIATE`, retrying while another thread or
    process holds the lock, so concurrent first use waits instead of failing."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    key = str(path)
    if key in _ready and Path(path).exists():
        return conn
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.02
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript("BEGIN IMMEDIATE;\n" + schema + "\nCOMMIT;")
            break
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if not _is_busy(exc) or time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    with _ready_lock:
        _ready.add(key)
    return conn


def _connect(path: Path) -> sqlite3.Connection:
    conn = open_db(path, _SCHEMA)
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class ResponseCache:
    """One table, key -> JSON answer. Safe across threads and processes (SQLite locking)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or ensure_home() / "cache.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _connect(self.path).close()  # creates the table (and WAL) once, waiting out locks

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
