"""Which requests a batch carries, per kind of work: the stages' own published calls.

A stage that knows up front which calls an article needs publishes them as a
`pipeline.llm.calls.CallPlan`: extraction (strategy `single`) one call per section
(`pipeline.extraction.single.plan`), a free-text summary the first level of its map-reduce
(`pipeline.summarize.plan.summary_plan`). A batch carries exactly those calls. Collecting runs
the synchronous code, which builds the same plan and finishes it with the same `assemble`, its
planned calls answered from the batch (`pipeline.batch.replay`); only calls that depend on an
answer (re-asks, recall, reduce steps, the digest overview) are made synchronously then. This
module knows nothing of how a stage builds its prompts or splits an article.
"""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.llm.base import Provider
from pipeline.llm.calls import CallSpec
from pipeline.types import Article

PlannedCall = CallSpec  # one batch request per planned call


# ------------------------------------------------------------------ extract

def extract_strategy(provider: Provider, strategy: str | None) -> str:
    from pipeline.extraction.extract import resolve_strategy

    strat = resolve_strategy(provider, strategy)
    if strat != "single":
        raise ValueError(f"--batch needs the one-call extraction strategy ('single'); "
                         f"{provider.model_string} with strategy {strat!r} makes many small "
                         "dependent calls that a batch cannot carry")
    return strat


def plan_extract(article: Article, provider: Provider, settings: Settings | None = None) -> list[CallSpec]:
    """The calls `pipeline.extraction.single.extract` makes first: one per section."""
    from pipeline.extraction import single

    return single.plan(article, provider, single.recall_pass_enabled(settings)).calls


def extract_prompt_hash(settings: Settings | None = None) -> str:
    """The hash a synchronous run would write (`settings`: the caller's pipeline.toml; None: defaults)."""
    from pipeline.extraction.extract import prompt_hash

    return prompt_hash("single", settings=settings)


# ------------------------------------------------------------------ summarize

def summarize_prompt_hash() -> str:
    from pipeline.templates import load_prompt

    return load_prompt("summarize").hash


def summarize_targets(articles: list[Article], model: str, since: str | None) -> list[Article]:
    """The articles `pipeline summarize` would ask the model about now (its own selection,
    less the ones whose stored summary it would reuse)."""
    from pipeline.summarize.plan import reusable, select_targets

    targets, done, _ = select_targets(articles, model, "free", since)
    return [a for a in targets if not reusable(done.get(a.id), a)]


def plan_summarize(article: Article, provider: Provider,
                   max_tokens: int | None = None) -> list[CallSpec]:
    """The calls a free-text summary of the article makes first (`summary_plan`)."""
    from pipeline.summarize.plan import SUMMARY_MAX_TOKENS, summary_plan

    return summary_plan(article, provider, max_tokens or SUMMARY_MAX_TOKENS).calls


def is_small(provider: Provider) -> bool:
    """The model's profile sends summaries down the extractive path (no batch form)."""
    return provider.profile.answer == "extractive"
