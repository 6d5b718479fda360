"""`pipeline extract` over many articles: selection, concurrency, progress, resume.

Each finished article is appended to `extractions.jsonl` at once (one atomic line), so a
kill loses at most the articles in flight. `--new` skips articles whose newest record has the
same model, prompt hash and article text. A run journal (`extract.run.json`) makes an
interrupted `--all` or `IDS` run resumable as well: the same command run again skips what the
killed run already wrote, instead of extracting it twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from pydantic import BaseModel, Field

from pipeline.errors import PipelineError, UsageError
from pipeline import config
from pipeline.llm import turn
from pipeline.llm.base import AuthError, BudgetExceeded, Provider, ProviderNotAvailable
from pipeline.progress import ConsoleProgress, Progress
from pipeline.records import append_record, read_records, records_path
from pipeline.text.nlp import ParserNotAvailable
from pipeline.types import Article, ExtractionRecord, Usage, utcnow_iso

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore
    from pipeline.extraction.plan import ExtractionPlan

JOURNAL = "extract.run.json"


class ExtractionRunReport(BaseModel):
    """The `--json` output of `pipeline extract` (public: extend only)."""

    extracted: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    failed: list[dict[str, str]] = Field(default_factory=list)  # {"id", "error"}
    records: int = 0  # records written by this run
    usage: Usage = Field(default_factory=Usage)
    model: str = ""
    strategy: str = ""
    prompt_hash: str = ""
    unverified: int = 0  # evidence quotes kept as `unverified` across this run's records
    claims: int = 0
    flagged_claims: int = 0
    resumed: bool = False  # this run picked up an interrupted run's journal
    seconds: float = 0.0
    work_seconds: float = 0.0  # from the first article started to the last finished (no set-up)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class SelectionError(UsageError, ValueError):
    pass


class RunStopped(PipelineError, RuntimeError):
    """An earlier article hit an error every other article would hit too."""


# errors every later article would hit too: the run stops at the first and says why
FATAL: tuple[type[BaseException], ...] = (AuthError, BudgetExceeded, ProviderNotAvailable, ParserNotAvailable)


def _store() -> ArticleStore:
    from pipeline.corpus.store import Store

    return Store()


def select_articles(ids: list[str] | None, *, all: bool, new: bool,
                    store: ArticleStore | None = None) -> tuple[list[Article], list[dict[str, str]]]:
    """Articles to consider (before `--new` skipping) and ids that were not found."""
    if not ids and not all and not new:
        raise SelectionError("nothing to extract: give article IDS, --all or --new")
    st = store if store is not None else _store()
    missing: list[dict[str, str]] = []
    if ids:
        arts: list[Article] = []
        for ref in ids:
            art = st.find_article(ref)
            if art is None:
                missing.append({"id": ref, "error": "article not found in the store (ingest it first, "
                                                    "or check the id with `pipeline status`)"})
            else:
                arts.append(art)
        return list({a.id: a for a in arts}.values()), missing
    return list(st.list_articles()), missing


def up_to_date(recs: list[ExtractionRecord], model: str, phash: str) -> dict[str, ExtractionRecord]:
    """article id -> its newest record from this model and prompt (what `--new` skips)."""
    out: dict[str, ExtractionRecord] = {}
    for r in recs:
        if r.prompt_hash != phash:
            continue
        if r.model != model and r.stats.requested_model != model:
            continue
        cur = out.get(r.article_id)
        if cur is None or r.created_at >= cur.created_at:
            out[r.article_id] = r
    return out


def _journal_path(home: Path) -> Path:
    return home / JOURNAL


def _write_journal(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_journal(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _workers(plan: ExtractionPlan) -> int:
    """Articles in flight. A serial model (one in-process context) takes one at a time; otherwise
    the user's --concurrency wins over the provider's default cap, and sizes the limiter too."""
    if plan.profile.serial:
        return 1
    from pipeline.llm.client import set_concurrency_limit

    set_concurrency_limit(plan.provider.provider, plan.workers)
    return plan.workers


def run_extraction(ids: list[str] | None, *, all: bool, new: bool, model: str | Provider,
                   concurrency: int = 4, progress: bool | Progress = True, strategy: str | None = None,
                   store: ArticleStore | None = None, home: Path | None = None,
                   on_record: Callable[[ExtractionRecord], None] | None = None,
                   wait: float = 0.0, settings: config.Settings | None = None) -> ExtractionRunReport:
    """Extract the selected articles and append one record each; never raises for one article.
    `settings`: the caller's (`Context.settings`); None reads them here, once."""
    from pipeline.extraction.extract import extract_article
    from pipeline.extraction.plan import plan_extraction
    from pipeline.llm import settings_defaults

    t0 = time.perf_counter()
    h = Path(home) if home is not None else config.home()
    h.mkdir(parents=True, exist_ok=True)
    settings = settings if settings is not None else config.load_settings()  # library entry point
    run_plan = plan_extraction(model, strategy, concurrency=concurrency, settings=settings)  # resolved once
    strat, phash, mstr = run_plan.strategy, run_plan.prompt_hash, run_plan.model_string
    report = ExtractionRunReport(model=mstr, strategy=strat, prompt_hash=phash)

    lock: Any = contextlib.nullcontext()
    try:
        from pipeline.lock import writer_lock

        lock = writer_lock(h, wait=wait)
    except ImportError:  # pragma: no cover - the lock module ships with the package
        pass
    with lock, settings_defaults(settings.fallbacks, settings.concurrency):
        own_store = store is None and (bool(ids) or all or new)
        st = _store() if own_store else store
        try:
            arts, missing = select_articles(ids, all=all, new=new, store=st)
        finally:
            if own_store and st is not None:
                with contextlib.suppress(Exception):
                    st.close()
        report.failed.extend(missing)
        rpath = records_path(h)
        existing = up_to_date(read_records(rpath), mstr, phash)
        todo: list[Article] = []
        # resume: the same command after a kill skips what the killed run already wrote
        jpath = _journal_path(h)
        plan = {"model": mstr, "prompt_hash": phash, "strategy": strat,
                "ids": sorted(a.id for a in arts), "all": all, "new": new}
        journal = _read_journal(jpath)
        since = None
        if journal and {k: journal.get(k) for k in plan} == plan:
            since = journal.get("started_at")
            report.resumed = True
        else:
            journal = {**plan, "started_at": utcnow_iso(), "pid": os.getpid()}
            _write_journal(jpath, journal)
        for a in arts:
            rec = existing.get(a.id)
            fresh = rec is not None and (rec.content_hash in (None, a.content_hash))
            if rec is not None and fresh and (new or (since is not None and rec.created_at >= since)):
                report.skipped.append(a.id)
            else:
                todo.append(a)

        stop: list[str] = []  # set by an error no other article can avoid (bad key, budget)

        def one(a: Article) -> ExtractionRecord:
            if stop:
                raise RunStopped(f"not attempted: {stop[0]}")
            with turn.taken():
                try:
                    rec = extract_article(a, plan=run_plan)
                except FATAL as exc:
                    stop.append(f"{type(exc).__name__}: {exc}")
                    raise
                append_record(rec, rpath)
                return rec

        bar = _progress(progress, len(todo))
        workers = _workers(run_plan)
        t_work = time.perf_counter()
        with bar as (advance, describe):
            if workers == 1:
                results = []
                for a in todo:
                    describe(a.id)
                    results.append(_attempt(one, a))
                    advance()
            else:
                results = []
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extract") as pool:
                    futs = {pool.submit(_attempt, one, a): a for a in todo}
                    for fut in as_completed(futs):
                        results.append(fut.result())
                        describe(futs[fut].id)
                        advance()
        report.work_seconds = round(time.perf_counter() - t_work, 3)
        order = {a.id: i for i, a in enumerate(todo)}
        for aid, rec, err in sorted(results, key=lambda r: order.get(r[0], 0)):
            if rec is None:
                report.failed.append({"id": aid, "error": err or "unknown error"})
                continue
            report.extracted.append(aid)
            report.records += 1
            report.usage = report.usage.add(rec.usage)
            report.unverified += rec.stats.unverified or 0
            report.claims += rec.stats.claims or 0
            report.flagged_claims += rec.stats.flagged_claims or 0
            if on_record:
                on_record(rec)
        with contextlib.suppress(FileNotFoundError):
            jpath.unlink()  # finished: the next identical command is a fresh run
    report.seconds = round(time.perf_counter() - t0, 3)
    return report


def _attempt(fn: Callable[[Article], ExtractionRecord], a: Article) -> tuple[str, ExtractionRecord | None, str | None]:
    """One article; a failure is reported with its reason and the run continues."""
    try:
        return a.id, fn(a), None
    except RunStopped as exc:
        return a.id, None, str(exc)[:500]
    except Exception as exc:  # noqa: BLE001 - reported per article, never fatal for the run
        msg = str(exc).strip() or type(exc).__name__
        return a.id, None, f"{type(exc).__name__}: {msg}"[:500]


@contextlib.contextmanager
def _progress(progress: bool | Progress, total: int) -> Iterator[tuple[Callable[[], None], Callable[[str], None]]]:
    """(advance, describe) reporting stage `extract` to `progress` (True: a bar on stderr)."""
    if progress is False or total == 0:
        yield (lambda: None), (lambda _id: None)
        return
    with contextlib.ExitStack() as stack:
        reporter = stack.enter_context(ConsoleProgress()) if progress is True else progress
        state: dict[str, Any] = {"done": 0, "note": ""}
        reporter.start("extract", total)

        def advance() -> None:
            state["done"] += 1
            reporter.update("extract", int(state["done"]), total, str(state["note"]))

        def describe(aid: str) -> None:
            state["note"] = aid[:40]
            reporter.update("extract", int(state["done"]), total, str(state["note"]))

        yield advance, describe
        reporter.finish("extract", f"{state['done']}/{total}")
