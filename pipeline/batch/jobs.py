"""Batch job records in `$PIPELINE_HOME/batches.sqlite`: the only state a batch needs.

A batch outlives the process that submitted it (vendors take up to 24 hours), so everything
`pipeline batch collect` needs — which vendor batch, which model, which article each request
belongs to and the exact request sent (for synchronous re-asks and retries) — is written
here before and after the vendor call, in single SQLite transactions.

Job states: `preparing` (recorded locally, vendor not yet called or the call failed),
`submitted`/`in_progress` (vendor is working), `ended` (results can be downloaded),
`failed` (the vendor rejected the whole batch), `collected` (every item was stored,
retried or reported). Item states: `pending`, `stored`, `failed`.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import BaseModel, Field

from pipeline import config
from pipeline.types import utcnow_iso

FILENAME = "batches.sqlite"
JobKind = Literal["extract", "summarize"]
OPEN_STATES = ("preparing", "submitted", "in_progress", "ended")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    batch_id TEXT UNIQUE,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    vendor_status TEXT,
    counts TEXT NOT NULL DEFAULT '{}',
    meta TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    collected_at TEXT
);
CREATE TABLE IF NOT EXISTS items (
    job_id TEXT NOT NULL REFERENCES jobs(job_id),
    custom_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    outcome TEXT,
    error TEXT,
    billed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, custom_id)
);
"""


class BatchItem(BaseModel):
    """One request in a batch: which article it serves and exactly what was asked."""

    custom_id: str
    article_id: str
    request: dict[str, Any]  # messages, output_type, max_tokens, temperature, part, ...
    state: str = "pending"  # pending | stored | failed
    outcome: str | None = None  # succeeded | retried-<why> | errored | expired | canceled | ...
    error: str | None = None
    billed: bool = False  # its batch answer is in the ledger (never recorded twice)


class BatchJob(BaseModel):
    """A submitted (or about to be submitted) vendor batch."""

    job_id: str
    batch_id: str | None = None  # the vendor's id (batch_..., msgbatch_...)
    provider: str  # openai | anthropic
    model: str  # full model string, e.g. "openai:gpt-4o-mini"
    kind: JobKind
    status: str = "preparing"
    vendor_status: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    created_at: str = Field(default_factory=utcnow_iso)
    updated_at: str = Field(default_factory=utcnow_iso)
    collected_at: str | None = None
    items: list[BatchItem] = Field(default_factory=list)

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(i.article_id for i in self.items))

    @property
    def custom_id_map(self) -> dict[str, str]:
        return {i.custom_id: i.article_id for i in self.items}


def new_job_id() -> str:
    return "job_" + uuid.uuid4().hex[:16]


class JobStore:
    """Open per call: each method is one short transaction, safe across processes."""

    def __init__(self, home: Path | None = None) -> None:
        self.path = (Path(home) if home is not None else config.home()) / FILENAME

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA busy_timeout=30000")
            con.executescript(_SCHEMA)
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    def create(self, job: BatchJob) -> BatchJob:
        with self._db() as con:
            con.execute(
                "INSERT INTO jobs (job_id, batch_id, provider, model, kind, status, vendor_status,"
                " counts, meta, error, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (job.job_id, job.batch_id, job.provider, job.model, job.kind, job.status,
                 job.vendor_status, json.dumps(job.counts), json.dumps(job.meta), job.error,
                 job.created_at, job.updated_at))
            con.executemany(
                "INSERT INTO items (job_id, custom_id, article_id, request, state) VALUES (?,?,?,?,?)",
                [(job.job_id, it.custom_id, it.article_id, json.dumps(it.request), it.state)
                 for it in job.items])
        return job

    def update(self, job_id: str, **fields: Any) -> None:
        """Set job columns (`counts`/`meta` as dicts); `updated_at` is stamped here."""
        allowed = {"batch_id", "status", "vendor_status", "counts", "meta", "error", "collected_at"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown job fields: {sorted(bad)}")
        fields = {k: json.dumps(v) if k in ("counts", "meta") else v for k, v in fields.items()}
        fields["updated_at"] = utcnow_iso()
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._db() as con:
            cur = con.execute(f"UPDATE jobs SET {cols} WHERE job_id = ?", (*fields.values(), job_id))
            if cur.rowcount != 1:
                raise KeyError(f"no batch job {job_id!r} in {self.path}")

    def set_item(self, job_id: str, custom_id: str, *, state: str, outcome: str | None = None,
                 error: str | None = None) -> None:
        with self._db() as con:
            con.execute("UPDATE items SET state = ?, outcome = ?, error = ? "
                        "WHERE job_id = ? AND custom_id = ?",
                        (state, outcome, error, job_id, custom_id))

    def set_billed(self, job_id: str, custom_ids: list[str]) -> None:
        with self._db() as con:
            con.executemany("UPDATE items SET billed = 1 WHERE job_id = ? AND custom_id = ?",
                            [(job_id, c) for c in custom_ids])

    def get(self, ref: str) -> BatchJob:
        """By local job id or vendor batch id."""
        with self._db() as con:
            row = con.execute("SELECT * FROM jobs WHERE job_id = ? OR batch_id = ?",
                              (ref, ref)).fetchone()
            if row is None:
                raise KeyError(f"no batch job {ref!r} in {self.path}")
            return self._job(con, row)

    def list(self, *, open_only: bool = False) -> list[BatchJob]:
        if not self.path.exists():
            return []
        with self._db() as con:
            q = "SELECT * FROM jobs"
            args: tuple = ()
            if open_only:
                q += f" WHERE status IN ({','.join('?' * len(OPEN_STATES))})"
                args = OPEN_STATES
            rows = con.execute(q + " ORDER BY created_at, rowid", args).fetchall()
            return [self._job(con, r) for r in rows]

    @staticmethod
    def _job(con: sqlite3.Connection, row: tuple) -> BatchJob:
        cols = [d[0] for d in con.execute("SELECT * FROM jobs LIMIT 0").description]
        d = dict(zip(cols, row))
        d["counts"] = json.loads(d["counts"] or "{}")
        d["meta"] = json.loads(d["meta"] or "{}")
        items = con.execute("SELECT custom_id, article_id, request, state, outcome, error, billed"
                            " FROM items WHERE job_id = ? ORDER BY rowid", (d["job_id"],)).fetchall()
        d["items"] = [BatchItem(custom_id=c, article_id=a, request=json.loads(r), state=s,
                                outcome=o, error=e, billed=bool(b))
                      for c, a, r, s, o, e, b in items]
        return BatchJob.model_validate(d)
