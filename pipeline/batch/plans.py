"""Which requests a batch carries, per kind of work.

A plan lists, for one article, the LLM calls the synchronous code makes first and whose
inputs depend on nothing but the article: for extraction (strategy `single`) one call per
section; for summaries one call per article, or one per section of a long article (the
reduce step depends on those answers and runs synchronously at collect time). Planned
requests are built with the same prompt files, budgets and output types as the synchronous
code; `tests/test_batch_flow.py` checks that collecting answers every one of them from the
batch (zero synchronous calls in the happy path), so a drift shows up as a failing test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pydantic import BaseModel

from pipeline.llm.base import Message, Provider
from pipeline.types import Article


@dataclass
class PlannedCall:
    messages: list[Message]
    output_type: type[BaseModel]
    max_tokens: int
    temperature: float = 0.0

    @property
    def schema_name(self) -> str:
        return self.output_type.__name__


# ------------------------------------------------------------------ extract

def extract_strategy(provider: Provider, strategy: str | None) -> str:
    from pipeline.extraction.extract import resolve_strategy

    strat = resolve_strategy(provider, strategy)
    if strat != "single":
        raise ValueError(f"--batch needs the one-call extraction strategy ('single'); "
                         f"{provider.model_string} with strategy {strat!r} makes many small "
                         "dependent calls that a batch cannot carry")
    return strat


def _section_messages(text: str, n_sections: int) -> list[Message]:
    from pipeline.extraction import single

    public = getattr(single, "section_messages", None)
    if public is not None:  # preferred: the extractor's own builder
        return public(text, n_sections)
    note = None
    if n_sections > 1:
        note = "The article is long; you see one part of it. Report only what this part supports."
    return single._messages(text, note)


def plan_extract(article: Article, provider: Provider) -> list[PlannedCall]:
    """One call per section, exactly as `pipeline.extraction.single.extract` makes them."""
    from pipeline.extraction import single

    text = article.text
    overhead = sum(provider.count_tokens(m.content) for m in single._messages("", None)) + 64
    secs = single.sections_for(text, provider, overhead)
    return [PlannedCall(_section_messages(text[s.start:s.end], len(secs)), single.RawAnalysis,
                        single.OUTPUT_TOKENS) for s in secs]


def extract_prompt_hash() -> str:
    from pipeline.extraction.extract import prompt_hash

    return prompt_hash("single")


# ------------------------------------------------------------------ summarize

SUMMARY_MAX_TOKENS = 300  # `pipeline.summarize.summarize(max_tokens=...)` default


def summarize_prompt_hash() -> str:
    from pipeline.templates import load_prompt

    return load_prompt("summarize").hash


def summarize_targets(articles: list[Article], model: str, since: str | None) -> list[Article]:
    """The articles `pipeline summarize` would summarize now (same rules as it applies)."""
    from pipeline.query.retrieve import parse_since, published_ts
    from pipeline.summarize import read_summaries

    phash = summarize_prompt_hash()
    since_ts = parse_since(since)
    if since_ts is not None:
        return [a for a in articles if (published_ts(a.published_at) or -1) >= since_ts]
    done = {r.article_id: r for r in read_summaries()[0]
            if model in (r.requested_model, r.model) and r.prompt_hash == phash}
    return [a for a in articles
            if a.id not in done or done[a.id].content_hash not in (None, a.content_hash)]


def plan_summarize(article: Article, provider: Provider,
                   max_tokens: int = SUMMARY_MAX_TOKENS) -> list[PlannedCall]:
    """The first map-reduce level of `pipeline.summarize._summary_free` for one article."""
    from pipeline.summarize.digest import pack, pieces, truncate_tokens
    from pipeline.summarize.prompts import prompt_budget
    from pipeline.templates import load_prompt
    from pipeline.summarize.run import SummaryOut

    prompt = load_prompt("summarize")
    budget = prompt_budget(provider, prompt, max_tokens, title=article.title, text="", partial=True)
    count = provider.count_tokens
    half = max(16, budget // 2)
    # Mirrors the first level of `map_reduce(pieces(...))` in `_summary_free` exactly.
    items = [p if count(p) <= half else truncate_tokens(p, half)
             for p in pieces(article.text, budget // 2, count)]
    groups = pack(items, budget, count)
    final = len(groups) == 1
    return [PlannedCall([Message.model_validate(m) for m in prompt.messages(
        title=article.title, text="\n\n".join(items[i] for i in g), partial=not final)],
        SummaryOut, max_tokens) for g in groups]


def is_small(provider: Provider) -> bool:
    """The model's profile sends summaries down the extractive path (no batch form)."""
    return provider.profile.answer == "extractive"
