"""`$PIPELINE_HOME/extractions.jsonl`: the append-only log of extraction records.

A kill at any point must leave every finished record intact and never duplicate one, so each
record is one `write()` of one whole line on an O_APPEND descriptor, followed by fsync, under
an advisory lock. A torn last line (the process died inside the write) is skipped on read with
a warning, and the next append starts on a fresh line so it cannot glue onto the torn one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import ValidationError

from pipeline.errors import UsageError
from pipeline import config
from pipeline.jsonl import append_line, iter_json_lines
from pipeline.types import ExtractionRecord

log = logging.getLogger(__name__)

FILENAME = "extractions.jsonl"


class RecordsError(UsageError, ValueError):
    pass


def records_path(home: Path | None = None) -> Path:
    return (Path(home) if home is not None else config.home()) / FILENAME


def append_record(rec: ExtractionRecord, path: Path | None = None) -> None:
    """Append one record atomically (see `pipeline.jsonl`)."""
    append_line(Path(path) if path is not None else records_path(), rec)


def read_records(path: Path | None = None) -> list[ExtractionRecord]:
    """All records in file order; torn or invalid lines skipped with a warning, exact
    duplicate lines dropped."""
    path = Path(path) if path is not None else records_path()
    if not path.exists():
        return []
    out: list[ExtractionRecord] = []
    seen: set[str] = set()
    for lineno, data, problem in iter_json_lines(path):
        if problem:
            log.warning("%s:%d: skipping %s", path, lineno, problem)
            continue
        key = json.dumps(data, sort_keys=True)
        if key in seen:
            continue
        try:
            rec = ExtractionRecord.model_validate(data)
        except ValidationError as exc:
            log.warning("%s:%d: skipping invalid line (%s)", path, lineno, str(exc).splitlines()[0])
            continue
        seen.add(key)
        out.append(rec)
    return out


def latest_records(path: Path | None = None) -> dict[str, ExtractionRecord]:
    """article_id → its newest record (by created_at, then file order)."""
    latest: dict[str, ExtractionRecord] = {}
    for rec in read_records(path):
        cur = latest.get(rec.article_id)
        if cur is None or rec.created_at >= cur.created_at:
            latest[rec.article_id] = rec
    return latest


def latest_for(model: str, prompt_hash: str | None = None,
               path: Path | None = None) -> dict[str, ExtractionRecord]:
    """Like `latest_records`, restricted to one model (and prompt hash when given)."""
    latest: dict[str, ExtractionRecord] = {}
    for rec in read_records(path):
        if rec.model != model or (prompt_hash is not None and rec.prompt_hash != prompt_hash):
            continue
        cur = latest.get(rec.article_id)
        if cur is None or rec.created_at >= cur.created_at:
            latest[rec.article_id] = rec
    return latest
