"""Poll batches and turn their results into the same records synchronous runs write.

Collecting replays each article through the synchronous code (`extract_article`,
`summarize`) with a `ReplayProvider` holding the batch's answers: that code builds the same
plan the batch was submitted from (`pipeline.batch.plans`), its planned calls are answered from
the batch and its `assemble` finishes the work, so validation, re-asks, grounding and storage
are the synchronous ones. Items that errored, expired, were canceled
or are missing from the results are retried synchronously by default (`retry=False` reports
them instead). Progress is saved per article in `batches.sqlite`: a collect killed midway
resumes where it stopped, and an article whose record was written just before the kill is
recognized and not written twice.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable

from pydantic import BaseModel, Field

from pipeline.batch.jobs import BatchItem, BatchJob, JobStore
from pipeline.batch.replay import ReplayProvider, completion_of, request_key
from pipeline.batch.vendor import BATCH_DISCOUNT, ItemResult, VendorStatus, backend_for
from pipeline.llm.base import Completion, LLMError
from pipeline.progress import Progress, as_progress
from pipeline.types import Usage

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore

log = logging.getLogger(__name__)

class CollectReport(BaseModel):
    """What `pipeline batch collect --json` prints per job."""

    model_config = {"protected_namespaces": ()}

    job_id: str
    batch_id: str | None
    kind: str
    model: str
    status: str  # in_progress | collected | ended (items left to retry) | failed | preparing
    vendor_status: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    stored: list[str] = Field(default_factory=list)  # article ids written this time
    from_batch: int = 0  # requests answered from the batch
    retried: list[dict[str, Any]] = Field(default_factory=list)  # failed items redone synchronously
    failed: list[dict[str, Any]] = Field(default_factory=list)  # items reported, not stored
    sync_calls: int = 0  # synchronous provider calls (re-asks, retries, reduce steps)
    unused: int = 0  # batch answers no code asked for (billed, recorded in the ledger)
    usage: Usage = Field(default_factory=Usage)
    out: str | None = None  # summarize: the digest file
    message: str = ""


class _Skip(BaseException):
    """Raised through `generate` when a failed item must be reported, not retried.

    A BaseException so the LLM client neither records it as a provider error nor falls back
    to another model for it."""

    def __init__(self, custom_id: str, outcome: str, error: str | None) -> None:
        super().__init__(custom_id)
        self.custom_id, self.outcome, self.error = custom_id, outcome, error


class _StrictReplay(ReplayProvider):
    def __init__(self, real: Any, answers: dict, failed: dict[str, tuple[str, str, str | None]],
                 on_use: Callable[[str], None] | None = None):
        super().__init__(real, answers, on_use)
        self.failed = failed

    def complete(self, messages, *, schema=None, schema_name="output", max_tokens=1024,
                 temperature=0.0, **kwargs):
        key = request_key(messages, schema_name if schema is not None else None, max_tokens)
        if key in self.failed:
            raise _Skip(*self.failed[key])
        return super().complete(messages, schema=schema, schema_name=schema_name,
                                max_tokens=max_tokens, temperature=temperature, **kwargs)


def _key(item: BatchItem) -> str:
    r = item.request
    return request_key(r["messages"], r["schema_name"], r["max_tokens"])


def refresh(job: BatchJob, backend: Any, jobs: JobStore) -> VendorStatus:
    vs = backend.retrieve(job.batch_id)
    status = {"in_progress": "in_progress", "ended": "ended", "failed": "failed"}[vs.state]
    jobs.update(job.job_id, status=status, vendor_status=vs.vendor_status, counts=vs.counts,
                error=vs.error)
    job.status, job.vendor_status, job.counts, job.error = status, vs.vendor_status, vs.counts, vs.error
    return vs


def refresh_all(*, client: Any = None, home: Any = None) -> list[BatchJob]:
    """Ask the vendor about every open job (used by `pipeline batch status`)."""
    jobs = JobStore(home)
    out = []
    for job in jobs.list():
        if job.batch_id and job.status in ("submitted", "in_progress"):
            try:
                refresh(job, backend_for(job.model, client=client), jobs)
            except LLMError as exc:
                job.error = f"status not refreshed: {exc}"
        out.append(job)
    return out


def _record_unused(job: BatchJob, leftovers: list[tuple[str, Completion]], run: Any) -> None:
    """Batch answers nobody consumed were still billed: write them to the ledger (once)."""
    from pipeline.llm import ledger, prices

    for cid, comp in leftovers:
        cost = prices.cost_of(job.model, comp.input_tokens, comp.output_tokens)
        cost = None if cost is None else cost * BATCH_DISCOUNT
        usage = Usage(input_tokens=comp.input_tokens, output_tokens=comp.output_tokens, calls=1,
                      cost_usd=cost)
        run.charge(job.model, usage)
        ledger.record(ledger.Attempt(
            run_id=run.id, model=job.model, status="batch-unused", input_tokens=comp.input_tokens,
            output_tokens=comp.output_tokens, cost_usd=cost, price_version=prices.table_version(),
            served_model=comp.model, mode=comp.mode, stage=job.kind,
            error=f"batch {job.batch_id} item {cid}: answer not used (request changed since submit?)"))


def _answers(job: BatchJob, results: dict[str, ItemResult]) -> tuple[dict, dict]:
    answers: dict[str, tuple[str, Completion]] = {}
    failed: dict[str, tuple[str, str, str | None]] = {}
    for item in job.items:
        if item.state != "pending":
            continue
        r = results.get(item.custom_id)
        if r is not None and r.outcome == "succeeded":
            answers[_key(item)] = (item.custom_id, completion_of(r, billed=item.billed))
        else:
            failed[_key(item)] = (item.custom_id, r.outcome if r else "missing",
                                  (r.error if r else "no result line for this request"))
    return answers, failed


def _already_extracted(job: BatchJob, article: Any) -> bool:
    from pipeline.records import latest_for

    rec = latest_for(job.model, job.meta.get("prompt_hash")).get(article.id)
    return rec is not None and rec.created_at >= job.created_at and \
        rec.content_hash == article.content_hash


def _finish_extract(job: BatchJob, replay: ReplayProvider, failed: dict, report: CollectReport,
                    jobs: JobStore, store: ArticleStore,
                    on_progress: Progress | Callable[[int, int, str], None] | None) -> set[str]:
    from pipeline.extraction.extract import extract_article
    from pipeline.extraction.plan import plan_extraction
    from pipeline.records import append_record

    by_article: dict[str, list[BatchItem]] = defaultdict(list)
    for item in job.items:
        if item.state == "pending":
            by_article[item.article_id].append(item)
    failed_by_cid = {v[0]: v for v in failed.values()}
    final: set[str] = set()  # articles settled here: their unused answers can be billed now
    run_plan = plan_extraction(replay, "single") if by_article else None  # settings read once per job
    progress = as_progress(on_progress)
    for n, (aid, items) in enumerate(by_article.items(), 1):
        progress.update("collect", n, len(by_article), note=aid)
        try:
            article = store.get_article(aid)
        except KeyError:
            article = None
        if article is None:
            for it in items:
                jobs.set_item(job.job_id, it.custom_id, state="failed", outcome="missing-article",
                              error="article no longer in the corpus")
                report.failed.append({"custom_id": it.custom_id, "article_id": aid,
                                      "outcome": "missing-article",
                                      "error": "article no longer in the corpus"})
            continue
        final.add(aid)
        if _already_extracted(job, article):  # written just before an interrupted collect
            for it in items:
                jobs.set_item(job.job_id, it.custom_id, state="stored", outcome="stored-earlier")
            continue
        try:
            rec = extract_article(article, replay, strategy="single", plan=run_plan)
        except _Skip as skip:
            for it in items:
                f = failed_by_cid.get(it.custom_id)
                outcome, err = (f[1], f[2]) if f else ("skipped", f"sibling {skip.custom_id} failed")
                jobs.set_item(job.job_id, it.custom_id, state="failed", outcome=outcome, error=err)
                report.failed.append({"custom_id": it.custom_id, "article_id": aid,
                                      "outcome": outcome, "error": err})
            continue
        except LLMError as exc:  # a synchronous re-ask or retry failed: try again next collect
            final.discard(aid)
            for it in items:
                jobs.set_item(job.job_id, it.custom_id, state="pending", outcome="error",
                              error=str(exc))
            report.failed.append({"custom_id": items[0].custom_id, "article_id": aid,
                                  "outcome": "error", "error": str(exc), "will_retry": True})
            continue
        if rec.stats.path is None:
            rec.stats.path = article.path
        rec.stats.batch_id = job.batch_id
        append_record(rec)
        report.stored.append(aid)
        for it in items:
            f = failed_by_cid.get(it.custom_id)
            if f:
                report.retried.append({"custom_id": it.custom_id, "article_id": aid,
                                       "outcome": f[1], "error": f[2]})
            jobs.set_item(job.job_id, it.custom_id, state="stored",
                          outcome=f"retried-{f[1]}" if f else "succeeded")
    return final


def _finish_summarize(job: BatchJob, replay: ReplayProvider, failed: dict, report: CollectReport,
                      jobs: JobStore, store: ArticleStore, retry: bool) -> set[str]:
    from pipeline.summarize import summarize

    if failed and not retry:
        for cid, outcome, err in failed.values():
            aid = job.custom_id_map[cid]
            report.failed.append({"custom_id": cid, "article_id": aid, "outcome": outcome,
                                  "error": err})
        report.message = (f"{len(failed)} request(s) failed; the digest needs them: run "
                          "`pipeline batch collect` without --no-retry to redo them synchronously")
        return set()
    res = summarize(since=job.meta.get("since"), model=replay, out=job.meta.get("out"),
                    strategy="free", store=store)
    report.out = res.out
    report.message = res.message
    failed_by_cid = {v[0]: v for v in failed.values()}
    mine = set(job.article_ids)
    written = {a["article_id"] for a in res.articles if not a.get("reused")}
    report.stored = sorted(written & mine)
    for item in job.items:
        if item.state != "pending":
            continue
        f = failed_by_cid.get(item.custom_id)
        if f:
            report.retried.append({"custom_id": item.custom_id, "article_id": item.article_id,
                                   "outcome": f[1], "error": f[2]})
        jobs.set_item(job.job_id, item.custom_id, state="stored",
                      outcome=f"retried-{f[1]}" if f else "succeeded")
    return mine


def collect_job(job: BatchJob, *, wait: bool = False, poll_interval: float = 30.0,
                timeout: float | None = None, retry: bool = True, client: Any = None,
                store: ArticleStore | None = None, home: Any = None, lock_wait: float = 0.0,
                on_progress: Progress | Callable[[int, int, str], None] | None = None) -> CollectReport:
    """Poll one job (until it ends, with `wait`) and, once ended, store its results."""
    from pipeline.llm.options import run_options

    jobs = JobStore(home)
    report = CollectReport(job_id=job.job_id, batch_id=job.batch_id, kind=job.kind,
                           model=job.model, status=job.status, vendor_status=job.vendor_status,
                           counts=job.counts)
    backend = backend_for(job.model, client=client)
    if not job.batch_id:  # the submitting process died around the vendor call
        found = backend.find(job.job_id)
        if found is None:
            report.message = ("not submitted: the vendor has no batch for this job (the "
                              "submitting process stopped first); submit the work again")
            return report
        jobs.update(job.job_id, batch_id=found.batch_id)
        job.batch_id = report.batch_id = found.batch_id
    vs = refresh(job, backend, jobs)
    deadline = None if timeout is None else time.monotonic() + timeout
    while vs.state == "in_progress" and wait:
        if deadline is not None and time.monotonic() >= deadline:
            break
        time.sleep(poll_interval)
        vs = refresh(job, backend, jobs)
    report.status, report.vendor_status, report.counts = job.status, vs.vendor_status, vs.counts
    if vs.state == "in_progress":
        report.message = f"still {vs.vendor_status}: {vs.counts}"
        return report
    if vs.state == "failed":
        report.message = f"the vendor failed the whole batch: {vs.error}"
        for item in job.items:
            if item.state == "pending":
                jobs.set_item(job.job_id, item.custom_id, state="failed", outcome="batch-failed",
                              error=vs.error)
        return report
    results = {r.custom_id: r for r in backend.results(vs)}
    answers, failed = _answers(job, results)
    real = backend.llm

    def billed(custom_id: str) -> None:
        jobs.set_billed(job.job_id, [custom_id])

    replay = (ReplayProvider(real, answers, billed) if retry
              else _StrictReplay(real, answers, failed, billed))
    if store is None:
        from pipeline.corpus.store import Store

        store = Store()
    from pipeline.lock import writer_lock

    # one writer per $PIPELINE_HOME, as for `pipeline extract` (LockHeld names the holder)
    with writer_lock(jobs.path.parent, wait=lock_wait), run_options(stage=job.kind) as run:
        if job.kind == "extract":
            settled = _finish_extract(job, replay, failed, report, jobs, store, on_progress)
        else:
            settled = _finish_summarize(job, replay, failed, report, jobs, store, retry)
        items = {i.custom_id: i for i in job.items}
        leftovers = [(cid, comp) for cid, comp in replay.unused()
                     if items[cid].article_id in settled and not items[cid].billed]
        _record_unused(job, leftovers, run)
        jobs.set_billed(job.job_id, [cid for cid, _ in leftovers])
    report.usage = run.usage
    report.from_batch = len(replay.used)
    report.sync_calls = replay.sync_calls
    report.unused = len(leftovers)
    left = [i for i in jobs.get(job.job_id).items if i.state == "pending"]
    if not left:
        jobs.update(job.job_id, status="collected", collected_at=_now())
        report.status = "collected"
    else:
        report.status = "ended"
    if not report.message:
        report.message = (f"stored {len(report.stored)} article(s): {report.from_batch} answer(s) "
                          f"from the batch, {report.sync_calls} synchronous call(s), "
                          f"{len(report.failed)} item(s) reported")
    return report


def _now() -> str:
    from pipeline.types import utcnow_iso

    return utcnow_iso()


def collect(ref: str | None = None, **kwargs: Any) -> list[CollectReport]:
    """Collect one job (by job id or vendor batch id) or every open one."""
    jobs = JobStore(kwargs.get("home"))
    targets = [jobs.get(ref)] if ref else jobs.list(open_only=True)
    return [collect_job(j, **kwargs) for j in targets]
