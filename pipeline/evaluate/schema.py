"""The `pipeline eval --json` report as types: one place that says what each key holds.

`runner.build_report` fills these models and returns `model_dump()`, the dict every consumer
(the CLI, the gate, JUnit/Markdown outputs, baselines on disk) has always read; field order is
the key order of that JSON. Keys that appear only when they apply (an article's `warnings` and
`explain`, the report's `suites`) are left out unless set.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from pipeline.types import Usage

Intervals = dict[str, list[float]]  # metric -> [low, high] bootstrap interval


class _OptionalKeys(BaseModel):
    """Leaves the keys named in `_optional` out of the dump unless they were set."""

    _optional: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return {k: v for k, v in data.items() if k not in self._optional or k in self.model_fields_set}


class Metrics(BaseModel):
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


class FieldDetail(Metrics):
    """One field (winners, losers, unchanged) summed over runs."""

    predictions: int
    optional_matched: int  # predictions that matched optional gold: neither TP nor FP
    required_gold: int
    optional_gold: int


class FieldSummary(FieldDetail):
    ci: Intervals


class EvidenceCounts(BaseModel):
    exact: int
    fuzzy: int
    unverified: int
    offset_errors: int  # grounded evidence whose offsets do not point at its quote


class ArticleRepeat(BaseModel):
    f1: list[float]  # one per run
    mean: float
    std: float
    min: float
    max: float


class ArticleResult(_OptionalKeys):
    _optional: ClassVar[frozenset[str]] = frozenset({"warnings", "explain"})

    article: str  # the gold file's reference (id or path)
    article_id: str
    gold_file: str
    resolved_via: str  # store | record-id | record-path
    fields: dict[str, FieldDetail]
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    schema_valid: bool
    schema_valid_runs: int
    runs: int
    errors: list[str]
    evidence: EvidenceCounts
    grounding_rate: float | None
    repeat: ArticleRepeat
    flaky: bool
    flaky_reasons: list[str]
    model: str | None
    prompt_hash: str | None
    warnings: list[str] | None = None
    explain: list[dict[str, Any]] | None = None  # with --explain: per run, per field


class UsageTotals(Usage):
    total_tokens: int = 0


class RepeatF1(BaseModel):
    runs: list[float]  # overall micro F1 of each repeat
    mean: float
    std: float


class Overall(Metrics):
    ci: Intervals
    schema_valid_rate: float | None
    grounding_rate: float | None
    articles: int
    runs: int
    evidence: EvidenceCounts
    usage: UsageTotals
    cost_usd: float | None
    tokens: int
    repeat_f1: RepeatF1


class BootstrapSettings(BaseModel):
    samples: int
    seed: int
    confidence: float


class GoldSummary(BaseModel):
    files: int
    paths: list[str]


class SuiteResult(BaseModel):
    paths: list[str]
    articles: int
    overall: Overall
    fields: dict[str, FieldSummary]


class EvalReport(_OptionalKeys):
    _optional: ClassVar[frozenset[str]] = frozenset({"suites"})

    version: int
    created_at: str
    overall: Overall
    fields: dict[str, FieldSummary]
    articles: list[ArticleResult]
    flaky: list[str]  # references of articles whose runs disagree
    thresholds: dict[str, float | None]
    model: str | None
    source: str
    repeat: int
    bootstrap: BootstrapSettings
    gold: GoldSummary
    config: str | None
    warnings: list[str]
    suites: dict[str, SuiteResult] | None = None
