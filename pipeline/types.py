"""Every data shape that crosses a module boundary, in one place.

The JSON forms of `ExtractionRecord`, `Article` (as shown by `pipeline show`) and the
analysis are public contracts: change them only by adding fields.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

EvidenceStatus = Literal["exact", "fuzzy", "unverified"]


class Article(BaseModel):
    """One ingested article; `text` is the normalized text every offset points into."""

    id: str
    title: str
    text: str
    path: str  # source path as given to ingest (relative where possible)
    content_hash: str  # sha256 of the normalized text
    format: str  # txt | md | html | json | jsonl
    source: str | None = None  # publication / outlet
    author: str | None = None
    published_at: str | None = None  # ISO 8601 date or datetime
    url: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)  # unknown fields kept
    injection_flags: list[dict[str, Any]] = Field(default_factory=list)


class Chunk(BaseModel):
    """A token-bounded window of an article; `article.text[start:end] == text`."""

    id: str  # f"{article_id}#{index}"
    article_id: str
    index: int
    start: int
    end: int
    text: str
    tokens: int


class Evidence(BaseModel):
    quote: str
    start: int | None = None
    end: int | None = None
    status: EvidenceStatus = "unverified"
    flagged_injection: bool = False
    score: float | None = None  # alignment score 0-100 (100 = verbatim or normalized match)


class PartyClaim(BaseModel):
    party: str
    reason: str = ""
    evidence: Evidence


class UnchangedClaim(BaseModel):
    statement: str
    evidence: Evidence


class ArticleAnalysis(BaseModel):
    summary: str = ""
    winners: list[PartyClaim] = Field(default_factory=list)
    losers: list[PartyClaim] = Field(default_factory=list)
    unchanged: list[UnchangedClaim] = Field(default_factory=list)

    def claims(self) -> list[PartyClaim | UnchangedClaim]:
        """Winners, losers, then unchanged: for walks that only need each claim's evidence."""
        return [*self.winners, *self.losers, *self.unchanged]


class Usage(BaseModel):
    """Tokens and cost of one or more LLM calls, retries included."""

    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0  # provider calls actually made (cache hits excluded)
    cached_calls: int = 0
    cost_usd: float | None = None  # None when a model's price is unknown
    latency_s: float = 0.0

    def add(self, other: "Usage") -> "Usage":
        cost = None
        if self.cost_usd is not None or other.cost_usd is not None:
            cost = (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            calls=self.calls + other.calls,
            cached_calls=self.cached_calls + other.cached_calls,
            cost_usd=cost,
            latency_s=self.latency_s + other.latency_s,
        )

    def __add__(self, other: "Usage") -> "Usage":  # sum(usages[1:], usages[0])
        return self.add(other)


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ExtractionRecord(BaseModel):
    """One line of `$PIPELINE_HOME/extractions.jsonl`."""

    model_config = ConfigDict(protected_namespaces=())

    article_id: str
    model: str  # the model that actually served (after fallbacks)
    prompt_hash: str
    schema_version: str = SCHEMA_VERSION
    created_at: str = Field(default_factory=utcnow_iso)
    analysis: ArticleAnalysis
    usage: Usage = Field(default_factory=Usage)
    strategy: str | None = None
    content_hash: str | None = None  # the article text this was extracted from
    stats: dict[str, Any] = Field(default_factory=dict)  # e.g. unverified count, re-asks
    injection_flags: list[dict[str, Any]] = Field(default_factory=list)  # passages read as instructions
