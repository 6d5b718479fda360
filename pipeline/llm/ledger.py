"""Every provider attempt's tokens and cost in `$PIPELINE_HOME/ledger.sqlite`.

Retries, re-asks, failures and cache hits each get a row, so the ledger answers "what did this
run cost and why" after the fact. Error text is redacted before it is written.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import ensure_home
from pipeline.llm.redact import redact

log = logging.getLogger("pipeline.llm")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts REAL NOT NULL,
  run_id TEXT NOT NULL,
  stage TEXT,
  model TEXT NOT NULL,          -- provider:model that was asked
  served_model TEXT,            -- model id the vendor reported
  mode TEXT,                    -- structured-output mode (json_schema, tool, grammar, ...)
  status TEXT NOT NULL,         -- ok | invalid | error | cached
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL,                -- NULL when the model's price is unknown
  price_version TEXT,
  latency_s REAL NOT NULL DEFAULT 0,
  error TEXT
);
CREATE INDEX IF NOT EXISTS attempts_run ON attempts(run_id);
"""


@dataclass
class Attempt:
    run_id: str
    model: str
    status: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    price_version: str | None = None
    latency_s: float = 0.0
    served_model: str | None = None
    mode: str | None = None
    stage: str | None = None
    error: str | None = None


def ledger_path() -> Path:
    return ensure_home() / "ledger.sqlite"


def _connect(path: Path) -> sqlite3.Connection:
    from pipeline.llm.cache import open_db

    return open_db(path, _SCHEMA)


def record(attempt: Attempt, path: Path | None = None) -> None:
    """Append one row; a ledger that cannot be written warns instead of failing the call."""
    from pipeline.llm.cache import drop_connection, held_connection

    target = path or ledger_path()
    try:
        held_connection(target, _SCHEMA).execute(
            "INSERT INTO attempts (ts, run_id, stage, model, served_model, mode, status, "
            "input_tokens, output_tokens, cost_usd, price_version, latency_s, error) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (time.time(), attempt.run_id, attempt.stage, attempt.model, attempt.served_model,
             attempt.mode, attempt.status, attempt.input_tokens, attempt.output_tokens,
             attempt.cost_usd, attempt.price_version, attempt.latency_s,
             redact(attempt.error)[:2000] if attempt.error else None))
    except sqlite3.Error as exc:
        drop_connection(target)
        log.warning("ledger not written (%s)", exc)


def summary(run_id: str | None = None, path: Path | None = None) -> dict[str, Any]:
    """Totals per model (for one run, or everything): the shape `pipeline` commands print."""
    p = path or ledger_path()
    if not p.exists():
        return {"run_id": run_id, "models": [], "totals": _empty()}
    conn = _connect(p)
    try:
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
        rows = conn.execute(
            "SELECT model, COUNT(*), SUM(status != 'cached'), SUM(status = 'cached'), "
            "SUM(status IN ('error')), SUM(input_tokens), SUM(output_tokens), "
            "SUM(cost_usd), SUM(cost_usd IS NULL AND status != 'cached' AND status != 'error'), "
            f"SUM(latency_s) FROM attempts {where} GROUP BY model ORDER BY model", args).fetchall()
    finally:
        conn.close()
    models = []
    totals = _empty()
    for (model, _n, calls, cached, errors, tin, tout, cost, unpriced, lat) in rows:
        entry = {"model": model, "calls": int(calls or 0), "cached_calls": int(cached or 0),
                 "errors": int(errors or 0), "input_tokens": int(tin or 0),
                 "output_tokens": int(tout or 0),
                 "cost_usd": None if unpriced else round(float(cost or 0.0), 6),
                 "latency_s": round(float(lat or 0.0), 3)}
        models.append(entry)
        for k in ("calls", "cached_calls", "errors", "input_tokens", "output_tokens"):
            totals[k] += entry[k]
        totals["latency_s"] = round(totals["latency_s"] + entry["latency_s"], 3)
        if entry["cost_usd"] is None:
            totals["unpriced_models"].append(model)
        else:
            totals["cost_usd"] = round(totals["cost_usd"] + entry["cost_usd"], 6)
    return {"run_id": run_id, "models": models, "totals": totals}


def _empty() -> dict[str, Any]:
    return {"calls": 0, "cached_calls": 0, "errors": 0, "input_tokens": 0, "output_tokens": 0,
            "cost_usd": 0.0, "latency_s": 0.0, "unpriced_models": []}
