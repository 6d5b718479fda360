"""`pipeline run`: the main job. Ingest, extract what is new, summarize what is new, write the report.

Each stage is the same code its own command runs (`ingest`, `extract --new`, `summarize`,
`report`); this module only sequences them under one writer lock, times them, tallies each
stage's LLM usage (through `pipeline.llm.run_options`) and keeps a summary of the run in
`$PIPELINE_HOME/runs/last.json` for the report. With nothing new, no stage loads a model or
calls one, so a re-run takes seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pipeline.progress import Progress, SilentProgress
from pipeline.errors import EXIT_USAGE, PipelineError
from pipeline import config
from pipeline.types import Usage, utcnow_iso

if TYPE_CHECKING:
    from pipeline.corpus.store import Store

STAGES = ("ingest", "extract", "parties", "summarize", "report")
DEFAULT_CORPUS = Path("corpus")


class RunError(PipelineError, RuntimeError):
    """The run cannot start or a stage failed outright (the message says which and why)."""

    exit_code = EXIT_USAGE


StageProgress = Progress  # the one protocol (pipeline.progress); the old name stays importable


@dataclass
class StageResult:
    name: str
    seconds: float = 0.0
    detail: str = ""
    usage: Usage = field(default_factory=Usage)
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        u = self.usage
        return {"name": self.name, "seconds": round(self.seconds, 3), "detail": self.detail,
                "calls": u.calls, "cached_calls": u.cached_calls, "input_tokens": u.input_tokens,
                "output_tokens": u.output_tokens, "tokens": u.input_tokens + u.output_tokens,
                "cost_usd": u.cost_usd, **({"result": self.data} if self.data else {})}


@dataclass
class RunResult:
    """What `pipeline run --json` prints (and `runs/last.json` keeps)."""

    report: Path
    home: Path
    models: dict[str, str]
    stages: list[StageResult]
    articles: int = 0
    chunks: int = 0
    claims: int = 0
    grounded: int = 0
    unverified: int = 0
    parties: int = 0  # canonical parties the claims name (`pipeline parties`)
    failed: list[dict[str, str]] = field(default_factory=list)
    started_at: str = field(default_factory=utcnow_iso)
    finished_at: str = ""

    @property
    def usage(self) -> Usage:
        total = Usage()
        for s in self.stages:
            total = total.add(s.usage)
        return total

    @property
    def grounding_rate(self) -> float | None:
        return self.grounded / self.claims if self.claims else None

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages)

    @property
    def llm_calls(self) -> int:
        return self.usage.calls

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        u = self.usage
        return {
            "report": str(self.report), "home": str(self.home), "models": self.models,
            "articles": self.articles, "chunks": self.chunks, "claims": self.claims,
            "grounded": self.grounded, "unverified": self.unverified, "parties": self.parties,
            "grounding_rate": None if self.grounding_rate is None else round(self.grounding_rate, 4),
            "tokens": u.input_tokens + u.output_tokens, "input_tokens": u.input_tokens,
            "output_tokens": u.output_tokens,
            "cost_usd": 0.0 if u.cost_usd is None and not u.calls else u.cost_usd, "llm_calls": u.calls,
            "cached_calls": u.cached_calls, "seconds": round(self.seconds, 3),
            "stages": [s.to_json() for s in self.stages], "failed": self.failed,
            "started_at": self.started_at, "finished_at": self.finished_at,
        }


def _stage(name: str, progress: StageProgress, results: list[StageResult],
           body: Callable[[StageResult], None]) -> StageResult:
    """Run one stage inside its own LLM accounting scope; time it; record it."""
    from pipeline.llm import run_options

    res = StageResult(name)
    results.append(res)
    progress.start(name)
    t0 = time.perf_counter()
    with run_options(stage=name) as scope:
        try:
            body(res)
        finally:
            res.seconds = time.perf_counter() - t0
            res.usage = scope.usage
    progress.finish(name, res.detail)
    return res


def _ingest(paths: list[Path], store: Store, res: StageResult, progress: StageProgress,
            settings: config.Settings) -> list[dict[str, str]]:
    from pipeline.corpus.ingest import ingest_paths

    report = ingest_paths(list(paths), store=store, progress=False, settings=settings)
    res.data = report.to_json()
    parts = [f"{len(report.ingested)} new", f"{len(report.skipped)} unchanged"]
    if report.duplicates:
        parts.append(f"{len(report.duplicates)} duplicate(s)")
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    res.detail = ", ".join(parts)
    progress.update("ingest", len(report.ingested) + len(report.skipped), note=res.detail)
    return list(report.failed)


def _extract(model: Any, concurrency: int, strategy: str | None, store: Store, res: StageResult,
             progress: StageProgress, settings: config.Settings) -> list[dict[str, str]]:
    from pipeline.extraction.run import run_extraction

    done = 0

    def on_record(rec: Any) -> None:
        nonlocal done
        done += 1
        progress.update("extract", done, note=str(rec.article_id)[:40])

    out = run_extraction(None, all=False, new=True, model=model, concurrency=concurrency,
                         progress=False, strategy=strategy, store=store, on_record=on_record, settings=settings)
    res.data = out.to_json()
    parts = [f"{len(out.extracted)} extracted", f"{len(out.skipped)} already done"]
    if out.unverified:
        parts.append(f"{out.unverified} unverified quote(s)")
    if out.failed:
        parts.append(f"{len(out.failed)} failed")
    res.detail = ", ".join(parts)
    progress.update("extract", len(out.extracted) + len(out.skipped) + len(out.failed),
                    len(out.extracted) + len(out.skipped) + len(out.failed) or None, note=res.detail)
    return [{"path": str(f.get("id") or f.get("path") or "?"), "error": f"extract: {f.get('error', '')}"}
            for f in out.failed]


def _parties(home: Path, store: Store, res: StageResult, result: RunResult,
             settings: config.Settings | None = None) -> list[dict[str, str]]:
    """Link the new records' parties to canonical ones (no model call) and keep the index, so
    the digest, the report and `pipeline parties` count "AWS" and "Amazon Web Services" as one.
    A parties.yaml that cannot be read is reported and the run goes on (the digest then groups
    by name)."""
    from pipeline.parties.state import resolve_home

    try:
        hr = resolve_home(home, store=store, settings=settings)
    except PipelineError as exc:
        res.detail = f"failed: {exc}"
        return [{"path": "parties", "error": str(exc)}]
    result.parties = len({p.id for _, p in hr.resolution.mentions})
    res.data = {"parties": result.parties, "linked_articles": len(hr.relinked), "new_links": hr.resolution.new_links,
                "new_parties": hr.new_parties, "full": hr.full}
    new = hr.resolution.new_links
    res.detail = f"{result.parties} parties, " + (f"{new} new name(s) linked" if new else "nothing new")
    return []


def _summarize(model: Any, store: Store, res: StageResult, progress: StageProgress,
               settings: config.Settings) -> list[dict[str, str]]:
    """Summaries are a nice-to-have on the way to the report: a model failure here (bad key,
    budget reached) is reported and the run goes on to write the report."""
    from pipeline.llm import LLMError
    from pipeline.summarize import summarize

    try:
        out = summarize(model=model, store=store, on_progress=progress, settings=settings)
    except LLMError as exc:
        res.detail = f"failed: {exc}"
        return [{"path": "summarize", "error": str(exc)}]
    fresh = sum(1 for a in out.articles if not a.get("reused"))
    res.data = {"nothing_new": out.nothing_new, "summarized": fresh, "digest": out.out,
                "llm_calls": out.llm_calls}
    res.detail = (f"{fresh} summarized, digest over {len(out.articles)}" if out.articles and not out.nothing_new
                  else "nothing new")
    progress.update("summarize", len(out.articles), len(out.articles) or None, note=res.detail)
    return []


def _tally(home: Path, store: Store, result: RunResult) -> None:
    """Corpus-wide counts for the final table: from the manifest and the latest records."""
    from pipeline.records import latest_records, records_path

    counts = store.manifest.counts()
    result.articles, result.chunks = counts["articles"], counts["chunks"]
    ids = {a.id for a in store.list_articles()}
    for aid, rec in latest_records(records_path(home)).items():
        if aid not in ids:
            continue
        a = rec.analysis
        for ev in [c.evidence for c in a.claims()]:
            result.claims += 1
            result.grounded += ev.status in ("exact", "fuzzy")
            result.unverified += ev.status == "unverified"


def run_pipeline(paths: list[Path | str] | None = None, *, model: Any = None, out: Path | None = None,
                 max_cost: float | None = None, concurrency: int | None = None,
                 strategy: str | None = None, progress: StageProgress | None = None,
                 settings: config.Settings | None = None) -> RunResult:
    """The whole job; returns what happened. `model` (string or Provider) overrides every stage.
    `settings`: the caller's (`Context.settings`); None reads them here, once."""
    from pipeline.llm import run_options, settings_defaults
    from pipeline.lock import writer_lock
    from pipeline.report.data import build_report, default_report_path, save_last_run
    from pipeline.corpus.store import Store

    progress = progress or SilentProgress()
    home = config.ensure_home()
    settings = settings if settings is not None else config.load_settings()  # library entry point
    targets = [Path(p) for p in (paths or [DEFAULT_CORPUS])]
    if not paths and not DEFAULT_CORPUS.is_dir():
        raise RunError(f"no {DEFAULT_CORPUS}/ folder in {Path.cwd()}; pass the files or folders to "
                       "analyse: pipeline run PATH...")
    label = getattr(model, "model_string", model)
    models = {s: str(label or settings.model_for(s)) for s in ("extract", "summarize")}
    providers = _resolve(model, models)  # once per run; a bad model string or missing key fails here
    report_path = (Path(out) / "report.html") if out else default_report_path(home)
    results: list[StageResult] = []
    result = RunResult(report=report_path, home=home, models=models, stages=results)
    budget = max_cost if max_cost is not None else settings.max_cost
    with writer_lock(home), run_options(max_cost=budget), settings_defaults(settings.fallbacks, settings.concurrency):
        store = Store(home, settings=settings)
        try:
            _stage("ingest", progress, results,
                   lambda r: result.failed.extend(_ingest(targets, store, r, progress, settings)))
            _stage("extract", progress, results,
                   lambda r: result.failed.extend(_extract(providers["extract"],
                                                           concurrency or settings.concurrency,
                                                           strategy, store, r, progress, settings)))
            _stage("parties", progress, results,
                   lambda r: result.failed.extend(_parties(home, store, r, result, settings)))
            _stage("summarize", progress, results,
                   lambda r: result.failed.extend(_summarize(providers["summarize"], store, r, progress, settings)))
            _tally(home, store, result)
            result.finished_at = utcnow_iso()
            save_last_run(_last_run(result), home)

            def report(r: StageResult) -> None:
                build_report(home, report_path)
                r.detail = f"{result.articles} articles → {report_path.name}"

            _stage("report", progress, results, report)
        finally:
            store.close()
    result.finished_at = utcnow_iso()
    save_last_run(_last_run(result), home)
    return result


def _resolve(model: Any, models: dict[str, str]) -> dict[str, Any]:
    """Each stage's provider, built once (stages naming the same model share it), before any work:
    the stages take the instance, so nothing re-resolves the model string during the run."""
    from pipeline.llm import get_provider

    built: dict[Any, Any] = {}
    out: dict[str, Any] = {}
    for stage, spec in models.items():
        chosen = model or spec
        key = chosen if isinstance(chosen, str) else id(chosen)
        if key not in built:
            built[key] = get_provider(chosen)
        out[stage] = built[key]
    return out


def _last_run(result: RunResult) -> dict[str, Any]:
    """The run as the report's "Last run" table shows it."""
    data = result.to_json()
    data["model"] = ", ".join(sorted(set(result.models.values())))
    data["stages"] = [{"name": s.name, "detail": s.detail, "seconds": s.seconds,
                       "tokens": s.usage.input_tokens + s.usage.output_tokens} for s in result.stages]
    return data
