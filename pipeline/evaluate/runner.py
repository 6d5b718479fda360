"""One eval run: gold → predictions (a file, or fresh extractions) → scores → the report dict.

The report dict is the `--json` contract and the single source every other output (table,
Markdown, JUnit, baseline) renders from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from pipeline.errors import UsageError
from pipeline.evaluate.gold import GoldArticle, load_gold
from pipeline.evaluate.match import EmbedFn, FieldResult, Scorer, statement_texts
from pipeline.evaluate.metrics import FIELDS, bootstrap, mean_std, metrics
from pipeline.evaluate.predictions import (Prediction, ResolvedArticle, ResolveError, close_store,
                                           group_predictions, open_store, read_predictions, resolve_articles)
from pipeline import config
from pipeline.evaluate.schema import (ArticleRepeat, ArticleResult, BootstrapSettings, EvalReport, EvidenceCounts,
                                     FieldDetail, FieldSummary, GoldSummary, Overall, RepeatF1, SuiteResult,
                                     UsageTotals)
from pipeline.evaluate.settings import EvalSettings
from pipeline.progress import Progress, SilentProgress
from pipeline.types import Usage, utcnow_iso

REPORT_VERSION = 1
EvalCallback = Callable[[str, int, int], None]  # the older (label, done, total) form, still accepted
EvalProgress = Progress | EvalCallback  # stages `extract` (note: the gold ref) and `score`


class _LabelCallback(SilentProgress):
    """An `EvalCallback` behind the protocol: ("extracting REF", done, total), ("scoring", i, n)."""

    def __init__(self, fn: EvalCallback) -> None:
        self.fn = fn

    def update(self, stage: str, done: int, total: int | None = None, note: str = "") -> None:
        self.fn(f"extracting {note}" if stage == "extract" else "scoring", done, total or 0)


def _reporter(progress: EvalProgress | None) -> Progress:
    if progress is None:
        return SilentProgress()
    return progress if isinstance(progress, Progress) else _LabelCallback(progress)


class EvalError(UsageError, ValueError):
    """Bad input for an eval run (the CLI exits 2 with this message)."""


@dataclass
class RunScore:
    """One prediction for one article, scored."""

    prediction: Prediction
    fields: dict[str, FieldResult]
    evidence: dict[str, int] = field(default_factory=dict)  # exact/fuzzy/unverified/offset_errors

    @property
    def counts(self) -> np.ndarray:
        return np.array([[self.fields[f].tp, self.fields[f].fp, self.fields[f].fn] for f in FIELDS])

    @property
    def f1(self) -> float:
        c = self.counts.sum(axis=0)
        return metrics(*c)["f1"]


@dataclass
class ArticleScore:
    resolved: ResolvedArticle
    runs: list[RunScore]

    @property
    def counts(self) -> np.ndarray:
        """[fields, 3] summed over runs (each run is one sample)."""
        return np.sum([r.counts for r in self.runs], axis=0) if self.runs else np.zeros((len(FIELDS), 3), int)


def evidence_stats(pred: Prediction, text: str | None) -> dict[str, int]:
    stats = {"exact": 0, "fuzzy": 0, "unverified": 0, "offset_errors": 0}
    if pred.record is None:
        return stats
    a = pred.record.analysis
    for claim in a.claims():
        ev = claim.evidence
        stats[ev.status] = stats.get(ev.status, 0) + 1
        if text is not None and ev.status in ("exact", "fuzzy"):
            if ev.start is None or ev.end is None or text[ev.start:ev.end] != ev.quote:
                stats["offset_errors"] += 1
    return stats


def score_all(resolved: list[ResolvedArticle], grouped: dict[str, list[Prediction]],
              scorer: Scorer, progress: EvalProgress | None = None) -> list[ArticleScore]:
    reporter = _reporter(progress)
    texts: list[str] = []
    for r in resolved:
        for pr in grouped.get(r.article_id, []):
            texts += statement_texts(r.gold.items, pr.record.analysis if pr.record else None)
    scorer.prime(texts)
    reporter.start("score", len(resolved))
    out = []
    for i, r in enumerate(resolved):
        preds = grouped.get(r.article_id) or [Prediction(r.article_id, None, "missing: no prediction for this article")]
        runs = []
        for pr in preds:
            analysis = pr.record.analysis if pr.record else None
            fields = scorer.score(r.gold.items, analysis, r.text)
            runs.append(RunScore(pr, fields, evidence_stats(pr, r.text)))
        out.append(ArticleScore(r, runs))
        reporter.update("score", i + 1, len(resolved))
    reporter.finish("score", "")
    return out


def extract_all(resolved: list[ResolvedArticle], model: Any, repeat: int, *, strategy: str | None = None,
                progress: EvalProgress | None = None, on_prediction: Callable[[Prediction], None] | None = None,
                pipeline_settings: config.Settings | None = None) -> dict[str, list[Prediction]]:
    """Extract each gold article `repeat` times with `model`.

    The first run goes through the LLM cache (a re-run of the same eval makes no call); runs
    2..K bypass it, or every repeat would replay run 1. An article whose output never fits
    the schema is a scored failure; a missing key, provider or budget stops the eval.
    """
    from pydantic import ValidationError

    from pipeline.extraction.extract import STRATEGIES, extract_article, plan_extraction
    from pipeline.llm.base import AuthError, BudgetExceeded, LLMError, ProviderNotAvailable
    from pipeline.llm.options import run_options

    out: dict[str, list[Prediction]] = {}
    total, done = len(resolved) * repeat, 0
    reporter = _reporter(progress)
    reporter.start("extract", total)
    if strategy and strategy not in STRATEGIES:
        raise EvalError(f"unknown extraction strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}")
    plan = None  # the model resolved and the strategy decided once, for the first article
    for r in resolved:
        if r.article is None:
            raise EvalError(f"{r.gold.file}:{r.gold.line}: article {r.gold.ref!r} is not in the store; "
                            "ingest it before extracting, or pass --predictions")
        for k in range(repeat):
            opts: dict[str, Any] = {"stage": "eval"} if k == 0 else {"stage": "eval", "use_cache": False}
            try:
                plan = plan or plan_extraction(model, strategy, settings=pipeline_settings)
                with run_options(**opts):
                    rec = extract_article(r.article, plan=plan)
                pred = Prediction(r.article_id, rec, None, k + 1, (), rec.model)
                out.setdefault(r.article_id, []).append(pred)
                if on_prediction:
                    on_prediction(pred)  # e.g. saved at once, so a killed eval keeps what it paid for
            except (AuthError, ProviderNotAvailable, BudgetExceeded) as exc:
                raise EvalError(f"extraction with {model!r} stopped: {exc}") from exc
            except (LLMError, ValidationError) as exc:  # output that never fit the schema, retries spent
                msg = f"extraction failed: {type(exc).__name__}: {exc}"
                out.setdefault(r.article_id, []).append(Prediction(r.article_id, None, msg, k + 1))
            done += 1
            reporter.update("extract", done, total, note=r.gold.ref)
    reporter.finish("extract", "")
    return out


def _usage_total(scores: list[ArticleScore]) -> Usage:
    total = Usage()
    for a in scores:
        for run in a.runs:
            if run.prediction.record is not None:
                total = total.add(run.prediction.record.usage)
    return total


def _field_detail(results: list[FieldResult]) -> FieldDetail:
    tp = sum(r.tp for r in results)
    fp = sum(r.fp for r in results)
    fn = sum(r.fn for r in results)
    return FieldDetail(**metrics(tp, fp, fn),
                       predictions=sum(len(r.preds) for r in results),
                       optional_matched=sum(r.ignored for r in results),
                       required_gold=sum(sum(g.required for g in r.gold) for r in results),
                       optional_gold=sum(sum(not g.required for g in r.gold) for r in results))


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _article_json(a: ArticleScore, explain: bool) -> ArticleResult:
    r = a.resolved
    fields = {f: _field_detail([run.fields[f] for run in a.runs]) for f in FIELDS}
    ev = {k: sum(run.evidence.get(k, 0) for run in a.runs) for k in ("exact", "fuzzy", "unverified", "offset_errors")}
    n_ev = ev["exact"] + ev["fuzzy"] + ev["unverified"]
    valid = [run.prediction.schema_valid for run in a.runs]
    f1s = [run.f1 for run in a.runs]
    matched_sets = {tuple(sorted((f, g) for f in FIELDS for g, _ in run.fields[f].pairs)) for run in a.runs}
    flaky_reasons = []
    if len(a.runs) > 1:
        if max(f1s) - min(f1s) > 1e-9:
            flaky_reasons.append("F1 differs between runs")
        if len(set(valid)) > 1:
            flaky_reasons.append("schema validity differs between runs")
        if len(matched_sets) > 1 and not flaky_reasons:
            flaky_reasons.append("matched gold items differ between runs")
    mean, std = mean_std(f1s)
    out = ArticleResult(
        article=r.gold.ref,
        article_id=r.article_id,
        gold_file=str(r.gold.file),
        resolved_via=r.via,
        fields=fields,
        **metrics(*a.counts.sum(axis=0)),
        schema_valid=all(valid),
        schema_valid_runs=sum(valid),
        runs=len(a.runs),
        errors=[run.prediction.error for run in a.runs if run.prediction.error],
        evidence=EvidenceCounts(**ev),
        grounding_rate=_rate(ev["exact"] + ev["fuzzy"], n_ev),
        repeat=ArticleRepeat(f1=f1s, mean=round(mean, 4), std=round(std, 4),
                             min=min(f1s) if f1s else 0.0, max=max(f1s) if f1s else 0.0),
        flaky=bool(flaky_reasons),
        flaky_reasons=flaky_reasons,
        model=next((run.prediction.record.model for run in a.runs if run.prediction.record), None),
        prompt_hash=next((run.prediction.record.prompt_hash for run in a.runs if run.prediction.record), None),
    )
    stale = [run for run in a.runs if run.prediction.record and r.content_hash
             and run.prediction.record.content_hash and run.prediction.record.content_hash != r.content_hash]
    if stale:
        out.warnings = ["extracted from a different version of the article text (content_hash differs)"]
    if explain:
        out.explain = [{f: run.fields[f].explain() for f in FIELDS} for run in a.runs]
    return out


def build_report(scores: list[ArticleScore], settings: EvalSettings, *, source: str,
                 model: str | None, explain: bool = False, warnings: list[str] | None = None) -> dict[str, Any]:
    """The report as the `--json` dict; its shape is `pipeline.evaluate.schema.EvalReport`."""
    return report_model(scores, settings, source=source, model=model, explain=explain,
                        warnings=warnings).model_dump()


def report_model(scores: list[ArticleScore], settings: EvalSettings, *, source: str,
                 model: str | None, explain: bool = False, warnings: list[str] | None = None) -> EvalReport:
    counts = np.array([a.counts for a in scores]) if scores else np.zeros((0, len(FIELDS), 3), int)
    total = counts.sum(axis=0) if scores else np.zeros((len(FIELDS), 3), int)
    ci = bootstrap(counts, samples=settings.bootstrap_samples, seed=settings.seed, confidence=settings.confidence)
    articles = [_article_json(a, explain) for a in scores]
    runs = sum(len(a.runs) for a in scores)
    valid_runs = sum(x.schema_valid_runs for x in articles)
    ev = {k: sum(getattr(x.evidence, k) for x in articles) for k in ("exact", "fuzzy", "unverified", "offset_errors")}
    n_ev = ev["exact"] + ev["fuzzy"] + ev["unverified"]
    usage = _usage_total(scores)
    per_run_f1 = []
    max_runs = max((len(a.runs) for a in scores), default=0)
    for k in range(max_runs):  # overall micro F1 of each repeat, for the run-to-run spread
        c = sum((a.runs[k].counts for a in scores if k < len(a.runs)), np.zeros((len(FIELDS), 3), int))
        per_run_f1.append(metrics(*c.sum(axis=0))["f1"])
    mean, std = mean_std(per_run_f1)
    overall = Overall(**metrics(*total.sum(axis=0)), ci=ci["overall"],
                      schema_valid_rate=_rate(valid_runs, runs), grounding_rate=_rate(ev["exact"] + ev["fuzzy"], n_ev),
                      articles=len(scores), runs=runs, evidence=EvidenceCounts(**ev),
                      usage=UsageTotals(**usage.model_dump(), total_tokens=usage.input_tokens + usage.output_tokens),
                      cost_usd=usage.cost_usd, tokens=usage.input_tokens + usage.output_tokens,
                      repeat_f1=RepeatF1(runs=per_run_f1, mean=round(mean, 4), std=round(std, 4)))
    fields = {}
    for f in FIELDS:
        detail = _field_detail([run.fields[f] for a in scores for run in a.runs])
        fields[f] = FieldSummary(**detail.model_dump(), ci=ci[f])
    return EvalReport(
        version=REPORT_VERSION,
        created_at=utcnow_iso(),
        overall=overall,
        fields=fields,
        articles=articles,
        flaky=[x.article for x in articles if x.flaky],
        thresholds=settings.thresholds.as_dict(),
        model=model,
        source=source,
        repeat=max_runs,
        bootstrap=BootstrapSettings(samples=settings.bootstrap_samples, seed=settings.seed,
                                    confidence=settings.confidence),
        gold=GoldSummary(files=len(scores), paths=settings.gold),
        config=settings.source,
        warnings=list(warnings or []) + [f"{a.article}: {w}" for a in articles for w in a.warnings or []],
    )


def suite_of(gold_file: Path, suites: dict[str, list[str]]) -> list[str]:
    """The suites a gold file belongs to (a suite path is a folder or a file)."""
    f = gold_file.resolve()
    out = []
    for name, paths in suites.items():
        for raw in paths:
            p = Path(raw).resolve()
            if f == p or (p.is_dir() and f.is_relative_to(p)):
                out.append(name)
                break
    return out


def add_suites(report: dict[str, Any], scores: list[ArticleScore], settings: EvalSettings, *, source: str,
               model: str | None) -> dict[str, Any]:
    """`report["suites"]`: each named part of the gold set scored on its own (same metrics,
    bootstrap and rates as `overall`), so one number cannot hide a weak part."""
    suites = settings.suite_paths()
    if not suites:
        return report
    out: dict[str, Any] = {}
    for name, paths in suites.items():
        part = [a for a in scores if name in suite_of(a.resolved.gold.file, suites)]
        sub = report_model(part, settings, source=source, model=model)
        out[name] = SuiteResult(paths=paths, articles=len(part), overall=sub.overall, fields=sub.fields).model_dump()
    report["suites"] = out
    return report


def run_eval(settings: EvalSettings, *, explain: bool = False, embed: EmbedFn | None = None,
             strategy: str | None = None, progress: EvalProgress | None = None,
             on_prediction: Callable[[Prediction], None] | None = None,
             pipeline_settings: config.Settings | None = None) -> dict[str, Any]:
    """Load gold, get predictions (file or extraction), score; returns the report dict.
    `pipeline_settings`: the caller's `pipeline.toml` settings (`Context.settings`); None: read
    here, once, when the eval extracts."""
    gold: list[GoldArticle] = load_gold(settings.gold)
    warnings: list[str] = []
    if settings.predictions:
        try:
            preds, warnings = read_predictions(settings.predictions)
        except FileNotFoundError as exc:
            raise EvalError(str(exc)) from exc
        grouped = group_predictions(preds, model=settings.model, repeat=settings.repeat)
        if settings.model and not grouped and preds:
            seen = sorted({p.model for p in preds if p.model})
            raise EvalError(f"{settings.predictions}: no records for model {settings.model!r}; "
                            f"models in the file: {', '.join(seen) or 'none'}")
        store = open_store(required=False)
        try:
            resolved = resolve_articles(gold, store=store, predictions=grouped)
        except ResolveError as exc:
            raise EvalError(str(exc)) from exc
        finally:
            close_store(store)
        missing = [r for r in resolved if r.article_id not in grouped]
        if missing and len(missing) == len(resolved):
            raise EvalError(f"{settings.predictions}: none of the {len(resolved)} gold articles has a "
                            "record; is this the right predictions file?")
        for r in missing:
            warnings.append(f"{r.gold.file}: no prediction for article {r.gold.ref!r} "
                            f"({r.article_id}); scored as empty and schema-invalid")
        source = f"predictions:{settings.predictions}"
        served = sorted({p.model for r in resolved for p in grouped.get(r.article_id, []) if p.model})
        model = settings.model or (", ".join(served) if served else None)
    else:
        from pipeline.llm import settings_defaults

        app = pipeline_settings if pipeline_settings is not None else config.load_settings()  # entry point
        model = app.model_for("eval", settings.model)
        try:
            store = open_store(required=True)
            try:
                resolved = resolve_articles(gold, store=store)
            finally:
                close_store(store)
        except ResolveError as exc:
            raise EvalError(str(exc)) from exc
        with settings_defaults(app.fallbacks, app.concurrency):
            grouped = extract_all(resolved, model, settings.repeat, strategy=strategy, progress=progress,
                                  on_prediction=on_prediction, pipeline_settings=app)
        warnings += [f"{r.gold.ref}: {p.error}" for r in resolved for p in grouped.get(r.article_id, []) if p.error]
        model = getattr(model, "model_string", model)  # a Provider instance (tests, library use)
        source = f"extract:{model}" + (f" strategy={strategy}" if strategy else "")
    scorer = Scorer(settings.thresholds, embed)
    scores = score_all(resolved, grouped, scorer, progress)
    warnings += gold_evidence_warnings(resolved)
    report = build_report(scores, settings, source=source, model=model, explain=explain, warnings=warnings)
    return add_suites(report, scores, settings, source=source, model=model)


def gold_evidence_warnings(resolved: list[ResolvedArticle]) -> list[str]:
    """Gold evidence that cannot be found in its article: a labeling slip worth fixing."""
    from pipeline.text.ground import locate

    out = []
    for r in resolved:
        if r.text is None:
            continue
        for f in FIELDS:
            for it in r.gold.field_items(f):
                if it.evidence and locate(it.evidence, r.text).status == "unverified":
                    out.append(f"{r.gold.file}:{it.line}: gold evidence {it.evidence[:60]!r} not found in "
                               f"article {r.gold.ref!r}")
    return out
