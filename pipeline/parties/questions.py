"""The router of `pipeline ask`: questions that need counting are answered by counting.

"Who lost most often since June", "how many times was Tesco a loser", "which sources disagree
about AWS", "when did Bank of America stop losing", "Citigroup's record in 2009": the answer is
spread over every article that names the party, so retrieval alone cannot give it.
`ask_routed` sends a question that `question_parse` reads as a count to
`counting.answer_count` (counts over the resolved claims of `resolve_corpus`, each counted
article cited), and every other question to `pipeline.query.ask.ask`, unchanged. `pipeline ask`
and the answer eval (`pipeline eval --answers`) both call it.

Relative dates ("since June", "this year") are read against the newest publication day in the
corpus (`anchor_day`), not the clock: the same corpus gives the same answer on any day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping

from pipeline.parties.counting import CountResult, answer_count
from pipeline.parties.query import day
from pipeline.parties.question_parse import CountQuestion, parse_count_question
from pipeline.parties.resolve import Resolution
from pipeline.query.ask import AskResult, render_markdown
from pipeline.types import Article

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.query.retrieve import Retriever


def ask_json(result: AskResult) -> dict[str, Any]:
    """The `ask --json` document of either route (a retrieval answer says `"route": "retrieval"`)."""
    doc = result.to_json()
    doc.setdefault("route", "retrieval")
    return doc


def render(result: AskResult) -> str:
    """The human form: a count answer lists each counted article (date, source, role, quote)."""
    if not isinstance(result, CountResult) or not result.found:
        return render_markdown(result)
    lines = [result.answer, "", "Counted:"]
    for c in result.counted:
        lines.append(f"- [{c.chunk_id}] {c.published_at or 'undated'} · {c.source or 'no source'} · "
                     f"{c.party} named {c.role}")
        lines.append(f"  > {c.quote}")
    return "\n".join(lines).rstrip() + "\n"


def anchor_day(articles: Mapping[str, Article]) -> dt.date:
    """What relative dates are read against: the newest publication day in the corpus (else today)."""
    days = [d for a in articles.values() if (d := day(a.published_at))]
    return dt.date.fromisoformat(max(days)) if days else dt.date.today()


def ask_routed(question: str, *, k: int = 6, source: str | None = None, since: str | None = None,
               model: Any = None, strategy: Any = "auto", retriever: Retriever | None = None,
               max_tokens: int = 512, settings: Settings | None = None,
               resolution: Resolution | None = None, anchor: dt.date | None = None) -> AskResult:
    """`ask` with count questions answered by counting (a `CountResult`); others go to `ask` as is.
    `--source`/`--since` apply to a count question that sets no source/start of its own."""
    from pipeline.query.ask import ask
    from pipeline.query.retrieve import Retriever

    r = retriever or Retriever()
    articles = r.articles
    cq = parse_count_question(question, anchor or anchor_day(articles),
                              sources={a.source for a in articles.values() if a.source})
    if cq is None:
        return ask(question, k=k, source=source, since=since, model=model, strategy=strategy, retriever=r,
                   max_tokens=max_tokens, settings=settings)
    if source and not cq.source:
        cq = replace(cq, source=source, window=(cq.window + f" from {source}").strip())
    if since and not cq.since:
        cq = replace(cq, since=since, window=(f"since {since} " + cq.window).strip())
    if resolution is None:
        from pipeline.parties import resolve_corpus

        resolution = resolve_corpus(r.store, save=False)
    return answer_count(question, cq, resolution, articles, r.store.get_chunks)


__all__ = ["CountQuestion", "CountResult", "anchor_day", "ask_json", "ask_routed", "parse_count_question", "render"]
