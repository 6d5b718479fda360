"""Persistent response cache in `$PIPELINE_HOME/cache.sqlite`, so a re-run makes zero calls.

The key is a hash of everything that shapes an answer: provider identity (model, endpoint or
file), messages, schema and parameters. Keys are never part of it and the stored value is
only the answer (redacted), so nothing secret reaches the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
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
    key = str(path)
    existed = Path(path).exists()  # before connecting, which creates an empty file
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    if key in _ready and existed:
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


_local = threading.local()
_HELD_PER_THREAD = 8  # open files per thread; the least recently used beyond that are closed


def held_connection(path: Path, schema: str, setup: str | None = None) -> sqlite3.Connection:
    """This thread's open connection to `path`, kept between calls: connecting and checking the
    schema cost more than the query itself. Reopened when the file was removed or replaced,
    and never shared across threads or a fork. Do not close it; `drop_connection` on errors."""
    key = str(path)
    try:
        st = os.stat(path)
        ident: tuple[int, int, int] | None = (os.getpid(), st.st_dev, st.st_ino)
    except FileNotFoundError:
        ident = None
    held: OrderedDict[str, tuple[sqlite3.Connection, tuple[int, int, int]]] | None = getattr(_local, "held", None)
    if held is None:
        held = _local.held = OrderedDict()
    entry = held.get(key)
    if entry is not None and ident is not None and entry[1] == ident:
        held.move_to_end(key)
        return entry[0]
    drop_connection(path)
    conn = open_db(path, schema)
    if setup:
        conn.execute(setup)
    st = os.stat(path)
    held[key] = (conn, (os.getpid(), st.st_dev, st.st_ino))
    while len(held) > _HELD_PER_THREAD:
        _, (old, owner) = held.popitem(last=False)
        if owner[0] == os.getpid():
            old.close()
    return conn


def drop_connection(path: Path) -> None:
    """Forget (and close, if this process opened it) this thread's connection to `path`."""
    held = getattr(_local, "held", None)
    entry = held.pop(str(path), None) if held is not None else None
    if entry is not None and entry[1][0] == os.getpid():
        try:
            entry[0].close()
        except sqlite3.Error:
            pass


def _connect(path: Path) -> sqlite3.Connection:
    return held_connection(path, _SCHEMA, "PRAGMA synchronous=NORMAL")


class ResponseCache:
    """One table, key -> JSON answer. Safe across threads and processes (SQLite locking)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or ensure_home() / "cache.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _connect(self.path)  # creates the table (and WAL) once, waiting out locks

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            row = _connect(self.path).execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            drop_connection(self.path)
            log.warning("response cache unreadable (%s); calling the provider", exc)
            return None
        return json.loads(row[0]) if row else None

    def put(self, key: str, model: str, value: dict[str, Any]) -> None:
        blob = json.dumps(redact_obj(value), ensure_ascii=False)
        try:
            _connect(self.path).execute("INSERT OR REPLACE INTO responses (key, model, created, value) "
                                        "VALUES (?, ?, ?, ?)", (key, model, time.time(), blob))
        except sqlite3.Error as exc:
            drop_connection(self.path)
            log.warning("response cache not written (%s)", exc)

    def __len__(self) -> int:
        return int(_connect(self.path).execute("SELECT COUNT(*) FROM responses").fetchone()[0])
