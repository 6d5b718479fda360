"""Every data shape that crosses a module boundary, in one place.

The JSON forms of `ExtractionRecord`, `Article` (as shown by `pipeline show`) and the
analysis are public contracts: change them only by adding fields.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION = "1.0"

EvidenceStatus = Literal["exact", "fuzzy", "unverified"]


class DictReads(BaseModel):
    """`x["key"]` and `x.get("key")` keep working for callers written when this was a plain dict."""

    def __getitem__(self, key: str) -> Any:
        return self.model_dump()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.model_dump().get(key, default)


class InjectionFlag(DictReads):
    """One passage that reads as instructions to a model: offsets into the article text and the
    rules that fired (`pipeline.text.injection`). Unknown keys of older files are kept."""

    model_config = ConfigDict(extra="allow")

    start: int
    end: int
    excerpt: str = ""
    reasons: list[str] = Field(default_factory=list)


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
    injection_flags: list[InjectionFlag] = Field(default_factory=list)


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


class ExtractionStats(DictReads):
    """`ExtractionRecord.stats`: counts and facts about one extraction.

    Every key is optional (older records lack some) and only the keys that were set are written,
    so a record's JSON is what it was when stats was a dict; unknown keys are kept.
    """

    model_config = ConfigDict(extra="allow", protected_namespaces=())

    requested_model: str | None = None  # the model asked for (`model` is the one that served)
    path: str | None = None  # the article's source path, for evals that match by path
    claims: int | None = None
    exact: int | None = None
    fuzzy: int | None = None
    unverified: int | None = None
    reasks: int | None = None
    repaired: int | None = None
    sections: int | None = None
    calls: int | None = None
    flagged_claims: int | None = None  # claims whose evidence lies in an injection-flagged passage
    seconds: float | None = None
    small_mode: str | None = None  # the small-model strategy's mode (rules, hybrid, ...)
    batch_id: str | None = None  # the vendor batch that answered, when collected from one

    @model_serializer(mode="wrap")
    def _set_keys_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return {k: v for k, v in data.items() if k in self.model_fields_set or k not in type(self).model_fields}


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
    stats: ExtractionStats = Field(default_factory=ExtractionStats)  # e.g. unverified count, re-asks
    injection_flags: list[InjectionFlag] = Field(default_factory=list)  # passages read as instructions
