"""Submit extraction or summary work as one vendor batch and record it in `$PIPELINE_HOME`.

The job is written locally (`preparing`) before the vendor is called and updated with the
vendor's batch id after, so a crash in between leaves a visible record rather than a paid
batch nobody knows about (OpenAI batches also carry the local job id in `metadata`).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Callable

from pipeline import config
from pipeline.batch.jobs import BatchItem, BatchJob, JobKind, JobStore, new_job_id
from pipeline.batch.plans import (PlannedCall, extract_prompt_hash, extract_strategy, plan_extract,
                                  plan_summarize, summarize_prompt_hash, summarize_targets)
from pipeline.batch.vendor import BATCH_DISCOUNT, BatchRequest, backend_for
from pipeline.config import Settings
from pipeline.progress import Progress, as_progress
from pipeline.llm.base import BudgetExceeded, LLMError, Provider
from pipeline.types import Article

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore

log = logging.getLogger(__name__)

# vendor limits on one batch (OpenAI: 50,000 requests; Anthropic: 100,000)
MAX_REQUESTS = {"openai": 50_000, "anthropic": 100_000}


def custom_id(index: int, article_id: str, part: int) -> str:
    """Vendors allow `[A-Za-z0-9_-]{1,64}`; article ids may not fit, so the job maps them."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", article_id).strip("-")[:48] or "article"
    return f"{index:05d}-{slug}-{part}"


def _open_store(store: ArticleStore | None) -> ArticleStore:
    if store is not None:
        return store
    from pipeline.corpus.store import Store

    return Store()


def load_articles(ids: list[str], store: ArticleStore | None = None) -> list[Article]:
    store = _open_store(store)
    out: list[Article] = []
    missing: list[str] = []
    for aid in ids:
        try:
            art: Article | None = store.get_article(aid)
        except KeyError:
            art = None
        if art is None:
            missing.append(aid)
        else:
            out.append(art)
    if missing:
        raise KeyError(f"not in the corpus ($PIPELINE_HOME): {', '.join(missing)}")
    return out


def _check_budget(model: str, provider: Provider, calls: list[PlannedCall]) -> float | None:
    """Upper-bound batch cost (discounted); raises before submitting past `--max-cost`."""
    from pipeline.llm.client import estimate_input_tokens
    from pipeline.llm.options import current_run
    from pipeline.llm import prices

    total = 0.0
    for c in calls:
        n_in = estimate_input_tokens(list(c.messages), c.output_type.model_json_schema())
        cost = prices.cost_of(provider.price_key(), n_in, c.max_tokens)
        if cost is None:
            return None
        total += cost * BATCH_DISCOUNT
    left = current_run().budget_left()
    if left is not None and total > left[0]:
        raise BudgetExceeded(f"batch of {len(calls)} requests to {model} may cost up to "
                             f"${total:.4f} (after the batch discount), more than the ${left[0]:.4f} "
                             "left in the budget; nothing was submitted", provider=provider.provider)
    return total


def submit(kind: JobKind, backend: Any, plan: list[tuple[Article, list[PlannedCall]]], *,
           meta: dict[str, Any], home: Any = None) -> BatchJob:
    """Record the job, send the batch, record the vendor's id. Returns the stored job."""
    provider = backend.llm
    model = provider.model_string
    items: list[BatchItem] = []
    requests: list[BatchRequest] = []
    for i, (article, calls) in enumerate(plan):
        for part, call in enumerate(calls):
            cid = custom_id(i, article.id, part)
            msgs = [m.model_dump() for m in call.messages]
            items.append(BatchItem(custom_id=cid, article_id=article.id, request={
                "messages": msgs, "output_type": f"{call.output_type.__module__}:{call.output_type.__qualname__}",
                "schema_name": call.schema_name, "max_tokens": call.max_tokens,
                "temperature": call.temperature, "part": part, "parts": len(calls), "key": call.key,
                "content_hash": article.content_hash}))
            requests.append(BatchRequest(custom_id=cid, messages=msgs,
                                         schema=call.output_type.model_json_schema(),
                                         schema_name=call.schema_name, max_tokens=call.max_tokens,
                                         temperature=call.temperature))
    if not requests:
        raise ValueError("nothing to submit: no requests were planned")
    limit = MAX_REQUESTS.get(backend.provider, 50_000)
    if len(requests) > limit:
        raise ValueError(f"{len(requests)} requests exceed the {backend.provider} batch limit of "
                         f"{limit}; submit fewer articles per batch")
    estimate = _check_budget(model, provider, [c for _, calls in plan for c in calls])
    job = BatchJob(job_id=new_job_id(), provider=backend.provider, model=provider.model_string,
                   kind=kind, meta={**meta, "estimated_cost_usd": estimate}, items=items)
    jobs = JobStore(home)
    jobs.create(job)
    try:
        status = backend.submit(requests, metadata={"pipeline_job": job.job_id, "kind": kind})
    except LLMError as exc:
        jobs.update(job.job_id, status="failed", error=str(exc))
        raise
    jobs.update(job.job_id, batch_id=status.batch_id, vendor_status=status.vendor_status,
                counts=status.counts, status="submitted" if status.state == "in_progress" else
                status.state)
    log.info("submitted %s batch %s (%d requests) as %s", kind, status.batch_id, len(requests),
             job.job_id)
    return jobs.get(job.job_id)


def select_extract_ids(ids: list[str] | None, *, all: bool, new: bool, model: str,
                       store: ArticleStore | None = None,
                       settings: Settings | None = None) -> tuple[list[str], list[str]]:
    """`pipeline extract` selection for `--batch`: (ids to submit, ids up to date).

    The same rules as the synchronous run (`pipeline.extraction.run`): IDS or source paths,
    `--all`, or `--new` (skip articles whose newest record has this model, prompt and text).
    Unknown ids raise `KeyError` naming them; nothing is submitted then."""
    from pipeline.extraction.run import select_articles, up_to_date
    from pipeline.llm.registry import parse_model_string
    from pipeline.records import read_records

    arts, missing = select_articles(ids, all=all, new=new, store=_open_store(store))
    if missing:
        raise KeyError("not in the corpus ($PIPELINE_HOME): " + ", ".join(m["id"] for m in missing))
    if not new:
        return [a.id for a in arts], []
    provider, name = parse_model_string(model)
    done = up_to_date(read_records(), f"{provider}:{name}", extract_prompt_hash(settings or config.load_settings()))
    fresh = {a.id for a in arts if a.id in done and done[a.id].content_hash in (None, a.content_hash)}
    return [a.id for a in arts if a.id not in fresh], sorted(fresh)


def submit_extract_batch(article_ids: list[str], model: str, *, strategy: str | None = None,
                         store: ArticleStore | None = None, client: Any = None,
                         on_progress: Progress | Callable[[int, int, str], None] | None = None,
                         settings: Settings | None = None) -> BatchJob:
    """`pipeline extract --batch`: one request per article section, collected later by
    `pipeline batch collect` into `extractions.jsonl` exactly as a synchronous run would."""
    backend = backend_for(model, client=client)
    provider = backend.llm
    extract_strategy(provider, strategy)
    articles = load_articles(article_ids, store)
    settings = settings if settings is not None else config.load_settings()  # library entry point
    progress = as_progress(on_progress)  # a Progress (stage `plan`) or an (n, total, article_id) callback
    plan = []
    for n, a in enumerate(articles, 1):
        progress.update("plan", n, len(articles), note=a.id)
        plan.append((a, plan_extract(a, provider, settings)))
    return submit("extract", backend, plan,
                  meta={"strategy": "single", "prompt_hash": extract_prompt_hash(settings)})


def submit_summarize_batch(model: str, *, since: str | None = None, out: str | None = None,
                           store: ArticleStore | None = None, client: Any = None) -> BatchJob | None:
    """`pipeline summarize --batch`: one request per new article (per section of a long one).
    Returns None when nothing is new (no batch is sent). `collect` writes the summaries and
    the digest (whose overview is one synchronous call) exactly as `pipeline summarize` does."""
    from pipeline.batch.plans import is_small
    from pipeline.summarize.plan import corpus_articles

    backend = backend_for(model, client=client)
    provider = backend.llm
    if is_small(provider):
        raise ValueError(f"{provider.model_string} uses the extractive summary strategy, which "
                         "has no batch form; run without --batch")
    store = _open_store(store)
    targets = summarize_targets(corpus_articles(store), provider.model_string, since)
    if not targets:
        return None
    plan = [(a, plan_summarize(a, provider)) for a in targets]
    return submit("summarize", backend, plan,
                  meta={"since": since, "out": out, "strategy": "free",
                        "prompt_hash": summarize_prompt_hash()})
