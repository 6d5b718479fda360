"""Which articles a summary run takes, and the calls one free-text summary makes, as data.

`pipeline summarize` and `pipeline summarize --batch` both read these: the batch submits the
planned calls of exactly the articles the synchronous run would summarize, and collects them
through the same `assemble`, so neither keeps a copy of the other's rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from pipeline.llm.base import Message, Provider
from pipeline.llm.calls import Answers, CallPlan, CallSpec, run_plan
from pipeline.summarize.digest import level_groups, map_reduce, pieces
from pipeline.summarize.prompts import prompt_budget
from pipeline.summarize.records import DigestRecord, SummaryRecord, read_summaries
from pipeline.templates import load_prompt
from pipeline.types import Article, Usage

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore

SUMMARY_MAX_TOKENS = 300  # `summarize(max_tokens=...)` default


class SummaryOut(BaseModel):
    summary: str = Field(description="2-3 sentences")


Drafted = tuple[str, list[Usage]]  # the summary and the usage of every call that made it


def summary_plan(article: Article, provider: Provider,
                 max_tokens: int = SUMMARY_MAX_TOKENS) -> CallPlan[Drafted]:
    """The first map-reduce level over the article's pieces (one call for a short article);
    `assemble` reduces their answers, asking any further level synchronously."""
    prompt = load_prompt("summarize")
    budget = prompt_budget(provider, prompt, max_tokens, title=article.title, text="", partial=True)
    count = provider.count_tokens

    def call(key: str, group: list[str], final: bool) -> CallSpec:
        msgs = prompt.messages(title=article.title, text="\n\n".join(group), partial=not final)
        return CallSpec(key, tuple(Message.model_validate(m) for m in msgs), SummaryOut, max_tokens)

    first = level_groups(pieces(article.text, budget // 2, count), budget, count)
    calls = [call(f"part-{i}", g, len(first) == 1) for i, g in enumerate(first)]

    def assemble(answers: Answers) -> Drafted:
        usage: list[Usage] = []

        def text(res: Any) -> str:
            usage.append(res.usage)
            return res.output.summary.strip() if res.output else ""

        outs = [text(answers[c.key]) for c in calls]
        if len(calls) == 1:
            return outs[0], usage

        def step(group: list[str], final: bool) -> list[str]:
            return [text(call("reduce", group, final).ask(provider))]

        return map_reduce(outs, budget, count, step, max_levels=7)[0], usage

    return CallPlan(calls, assemble)


def free_summary(article: Article, provider: Provider, max_tokens: int) -> Drafted:
    """The synchronous path: `summary_plan` run through `provider`."""
    return run_plan(provider, summary_plan(article, provider, max_tokens))


def reusable(prev: SummaryRecord | None, article: Article) -> bool:
    """A stored summary that still describes this article's text."""
    return prev is not None and prev.content_hash in (None, article.content_hash)


def select_targets(corpus: list[Article], req: str, strat: str, since: str | None
                   ) -> tuple[list[Article], dict[str, SummaryRecord], list[DigestRecord]]:
    """(articles the run takes, their stored summaries by id, stored digests): published since
    `since`, else those without a reusable summary from `req` plus summaries no digest reports
    yet (a run killed before its digest). Only the non-`reusable` ones cost a call."""
    from pipeline.text.dates import parse_since, published_ts

    phash = load_prompt("summarize_extractive" if strat == "extractive" else "summarize").hash
    since_ts = parse_since(since)
    arts, digests = read_summaries()
    done = {r.article_id: r for r in arts if req in (r.requested_model, r.model)
            and r.prompt_hash == phash}
    if since_ts is not None:
        return [a for a in corpus if (published_ts(a.published_at) or -1) >= since_ts], done, digests
    targets = [a for a in corpus if not reusable(done.get(a.id), a)]
    dphash = load_prompt("digest_extractive" if strat == "extractive" else "digest").hash
    digested = {i for d in digests if req in (d.requested_model, d.model) and d.prompt_hash == dphash
                for i in d.article_ids}
    queued = {a.id for a in targets} | {i for i in done if i not in digested}
    return [a for a in corpus if a.id in queued], done, digests


def corpus_articles(store: ArticleStore) -> list[Article]:
    """Every article in the store with its text, oldest first (the order summaries are made)."""
    arts = []
    for a in store.list_articles():
        if not isinstance(a, Article) or not a.text:
            a = store.get_article(a.id if isinstance(a, Article) else a["id"])
        arts.append(a)
    return sorted(arts, key=lambda a: (a.published_at or "", a.id))
