"""`$PIPELINE_HOME/summaries.jsonl`: one line per article summary or digest, appended atomically.

A kill at any point loses no finished record: each is one `write()` of one whole line on an
O_APPEND descriptor, fsync'd, under a lock; a torn last line is skipped on read.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from pipeline import config
from pipeline.jsonl import append_line
from pipeline.types import Usage, utcnow_iso

log = logging.getLogger(__name__)

SUMMARIES_FILE = "summaries.jsonl"
DIGEST_FILE = "digest.md"


class SummaryRecord(BaseModel):
    """One line of summaries.jsonl for an article."""

    model_config = {"protected_namespaces": ()}

    kind: Literal["article"] = "article"
    article_id: str
    title: str = ""
    model: str  # the model that served
    requested_model: str = ""
    prompt_hash: str
    content_hash: str | None = None
    strategy: str = ""
    summary: str
    spans: list[tuple[int, int]] = Field(default_factory=list)  # article offsets of picked sentences
    created_at: str = Field(default_factory=utcnow_iso)
    usage: Usage = Field(default_factory=Usage)


class PartyTally(BaseModel):
    party: str
    count: int  # distinct articles
    articles: list[str]
    quotes: dict[str, str] = Field(default_factory=dict)  # article id → evidence quote


class Disagreement(BaseModel):
    party: str
    winner_in: list[str]
    loser_in: list[str]


class UnchangedItem(BaseModel):
    statement: str
    article_id: str
    quote: str = ""


class DigestRecord(BaseModel):
    """One line of summaries.jsonl for a digest over a set of articles."""

    model_config = {"protected_namespaces": ()}

    kind: Literal["digest"] = "digest"
    key: str  # hash of the inputs that decide the overview (article summaries, model, prompt)
    article_ids: list[str]
    model: str
    requested_model: str = ""
    prompt_hash: str
    strategy: str = ""
    overview: str
    winners: list[PartyTally] = Field(default_factory=list)
    losers: list[PartyTally] = Field(default_factory=list)
    unchanged: list[UnchangedItem] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    without_extraction: list[str] = Field(default_factory=list)
    dropped_citations: list[str] = Field(default_factory=list)
    created_at: str = Field(default_factory=utcnow_iso)
    usage: Usage = Field(default_factory=Usage)


def summaries_path() -> Path:
    return config.home() / SUMMARIES_FILE


def append_jsonl(path: Path, obj: BaseModel) -> None:
    """One crash-safe line (see `pipeline.jsonl`): a kill loses no record."""
    append_line(path, obj)


def read_summaries(path: Path | None = None) -> tuple[list[SummaryRecord], list[DigestRecord]]:
    """Every record in file order; a torn or invalid line is skipped with a warning."""
    path = path or summaries_path()
    arts: list[SummaryRecord] = []
    digs: list[DigestRecord] = []
    if not path.is_file():
        return arts, digs
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if data.get("kind") == "digest":
                digs.append(DigestRecord.model_validate(data))
            else:
                arts.append(SummaryRecord.model_validate(data))
        except (json.JSONDecodeError, ValidationError, AttributeError) as exc:
            log.warning("%s:%d: skipping unreadable line (%s)", path, n, str(exc).splitlines()[0])
    return arts, digs


def latest_summaries(path: Path | None = None) -> dict[str, SummaryRecord]:
    """article id → its newest summary (any model); for the report."""
    out: dict[str, SummaryRecord] = {}
    for rec in read_summaries(path)[0]:
        out[rec.article_id] = rec
    return out


def latest_digest(path: Path | None = None) -> DigestRecord | None:
    digs = read_summaries(path)[1]
    return digs[-1] if digs else None
