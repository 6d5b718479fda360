"""`summarize`: summaries of what is new and the digest across them, written as Markdown."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence

import numpy as np
from pydantic import BaseModel, Field

from pipeline import config
from pipeline.summarize.digest import facts_line, write_overview, digest_facts
from pipeline.summarize.plan import (corpus_articles, free_summary, reusable,
                                     select_targets)
from pipeline.summarize.prompts import top_up, pick_items
from pipeline.progress import Progress, as_progress
from pipeline.templates import load_prompt
from pipeline.summarize.records import (DIGEST_FILE, DigestRecord, SummaryRecord, append_jsonl,
                                        summaries_path)
from pipeline.text.sentences import sentence_spans
from pipeline.types import Article, Usage, utcnow_iso

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore, TextEmbedder
    from pipeline.llm.base import Provider

Strategy = Literal["auto", "free", "extractive"]
SUMMARY_CANDIDATES = 8  # sentences a small model chooses from per article
SUMMARY_PICKS = 3
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|me|my|we|We|our|Our)\b")


class SummarizeResult(BaseModel):
    model_config = {"protected_namespaces": ()}

    nothing_new: bool = False
    message: str = ""
    model: str | None = None
    strategy: str = ""
    articles: list[dict[str, Any]] = Field(default_factory=list)
    digest: DigestRecord | None = None
    out: str | None = None
    llm_calls: int = 0
    usage: Usage = Field(default_factory=Usage)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _summary_extractive(article: Article, provider: Provider, embedder: TextEmbedder,
                        usage: list[Usage]) -> tuple[str, list[tuple[int, int]]]:
    """Central, well-formed sentences as candidates; the model picks; the summary quotes them."""

    text = article.text
    spans = [(s, e) for s, e in sentence_spans(text)
             if text[e - 1] in ".!?\"'\u201d\u2019" and 6 <= len(text[s:e].split()) <= 60
             and not _FIRST_PERSON.search(text[s:e])]  # the author's asides summarize nothing
    if not spans:
        spans = sentence_spans(text)[:SUMMARY_CANDIDATES] or [(0, min(len(text), 400))]
    vecs = np.asarray(embedder.embed([text[s:e] for s, e in spans]))
    centroid = vecs.mean(axis=0)
    score = vecs @ (centroid / (np.linalg.norm(centroid) or 1.0))
    score[: min(3, len(score))] += 0.08  # news puts the point first
    best = sorted(np.argsort(-score, kind="stable")[:SUMMARY_CANDIDATES])
    cands = [spans[i] for i in best]
    picks = pick_items(provider, load_prompt("summarize_extractive"), [text[s:e] for s, e in cands],
                  SUMMARY_PICKS, usage, title=article.title)
    order = sorted(range(len(cands)), key=lambda i: -score[best[i]])
    picks = top_up(picks, order, 2)  # a small model that picks one sentence gets the next central
    chosen = [cands[i] for i in sorted(picks)]
    return " ".join(text[s:e].strip() for s, e in chosen), chosen


def summarize(*, since: str | None = None, model: Any = None, out: str | Path | None = None,
              strategy: Strategy = "auto", store: ArticleStore | None = None, embedder: TextEmbedder | None = None,
              on_progress: Progress | Callable[[int, int, str], None] | None = None,
              max_tokens: int = 300, wait: float = 0.0, settings: config.Settings | None = None) -> SummarizeResult:
    """Summarize what is new (or published since DATE) and write the digest as Markdown.
    `settings`: the caller's (`Context.settings`); None reads them here, once.

    Holds the writer lock (re-entrant: `pipeline run` already has it), so a second summarize on
    the same home waits `wait` seconds, then raises `LockHeld`, instead of paying for every
    article again. `on_progress`: a `pipeline.progress.Progress` (stage `summarize`: done, total,
    the article id) or a plain `(n, total, article_id)` callback, called before the n-th article."""
    from pipeline.llm import get_provider, settings_defaults
    from pipeline.lock import writer_lock
    from pipeline.query.retrieve import open_store

    settings = settings if settings is not None else config.load_settings()  # library entry point
    store = store if store is not None else open_store()
    provider = get_provider(model or settings.model_for("summarize"))
    with writer_lock(config.home(), wait=wait), settings_defaults(settings.fallbacks, settings.concurrency):
        return _summarize_locked(since, provider, out, strategy, store, embedder,
                                 as_progress(on_progress, offset=1), max_tokens)


def _summarize_locked(since: str | None, provider: Provider, out: str | Path | None, strategy: Strategy,
                      store: ArticleStore, embedder: TextEmbedder | None, progress: Progress,
                      max_tokens: int) -> SummarizeResult:
    from pipeline.text.dates import parse_since

    req = provider.model_string
    strat = strategy if strategy != "auto" else provider.profile.answer  # the profile's answer path
    prompt = load_prompt("summarize_extractive" if strat == "extractive" else "summarize")
    corpus = corpus_articles(store)
    targets, done, digests = select_targets(corpus, req, strat, since)
    since_ts = parse_since(since)
    result = SummarizeResult(model=req, strategy=strat)
    if not targets:
        result.nothing_new = True
        result.message = (f"No articles published since {since}; nothing to summarize (no LLM call)."
                          if since_ts is not None else
                          f"Nothing new to summarize: all {len(corpus)} articles already have a summary "
                          f"from {req} (prompt {prompt.hash}); no LLM call made.")
        return result

    def emb() -> Any:  # loaded only when a small model has something to pick from
        nonlocal embedder
        if embedder is None:
            from pipeline.corpus.embed import get_embedder

            embedder = get_embedder()
        return embedder

    usages: list[Usage] = []
    records: list[SummaryRecord] = []
    fresh = 0
    reused: set[str] = set()
    for n, a in enumerate(targets, start=1):
        progress.update("summarize", n - 1, len(targets), note=a.id)
        prev = done.get(a.id)
        if prev is not None and reusable(prev, a):
            records.append(prev)
            reused.add(a.id)
            continue
        mine: list[Usage] = []
        if strat == "extractive":
            text, spans = _summary_extractive(a, provider, emb(), mine)
        else:
            (text, drafted), spans = free_summary(a, provider, max_tokens), []
            mine += drafted
        use = _total(mine)
        rec = SummaryRecord(article_id=a.id, title=a.title, model=req, requested_model=req,
                            prompt_hash=prompt.hash, content_hash=a.content_hash, strategy=strat,
                            summary=text, spans=spans, usage=use)
        append_jsonl(summaries_path(), rec)
        usages += mine
        records.append(rec)
        fresh += 1
    digest = _digest(records, digests, provider, req, strat, usages, max_tokens,
                     emb if strat == "extractive" else None)
    result.usage = _total(usages)
    result.llm_calls = result.usage.calls
    result.nothing_new = result.llm_calls == 0 and fresh == 0
    result.digest = digest
    by_id = {a.id: a for a in targets}
    result.articles = [{"article_id": r.article_id, "title": r.title, "source": by_id[r.article_id].source,
                        "published_at": by_id[r.article_id].published_at, "summary": r.summary,
                        "spans": r.spans, "reused": r.article_id in reused}
                       for r in records]
    path = Path(out) if out else config.ensure_home() / DIGEST_FILE
    _write_atomic(path, render_markdown(result))
    result.out = str(path)
    result.message = (f"Summarized {fresh} article(s); digest over {len(records)} written to {path}"
                      + (" (no LLM call: everything was already summarized)" if result.nothing_new else ""))
    return result


def _total(usages: list[Usage]) -> Usage:
    return sum(usages[1:], usages[0]) if usages else Usage()


def _digest(records: list[SummaryRecord], digests: list[DigestRecord], provider: Provider, req: str, strat: str,
            usages: list[Usage], max_tokens: int, emb: Callable[[], Any] | None) -> DigestRecord:
    """The digest over these summaries. Facts are recounted every time (no model); the overview
    is reused when the same summaries, model and prompt produced one before (no LLM call)."""
    from pipeline.records import latest_records

    facts = digest_facts([r.article_id for r in records], latest_records(), resolution=_resolution())
    dprompt = load_prompt("digest_extractive" if strat == "extractive" else "digest")
    key = hashlib.sha256(json.dumps([req, dprompt.hash, strat, sorted((r.article_id, r.summary) for r in records)])
                         .encode("utf-8")).hexdigest()[:16]
    old = next((d for d in reversed(digests) if d.key == key), None)
    if old is not None:
        overview, dropped = old.overview, old.dropped_citations
    else:
        mine: list[Usage] = []
        overview, dropped = write_overview(records, facts_line(facts), provider, strat, mine, max_tokens,
                                           emb() if emb else None)
        usages += mine
    digest = DigestRecord(key=key, article_ids=[r.article_id for r in records], model=req, requested_model=req,
                          prompt_hash=dprompt.hash, strategy=strat, overview=overview,
                          dropped_citations=dropped, **facts, usage=_total(usages))
    if old is None or old.model_dump(exclude={"created_at", "usage"}) != digest.model_dump(exclude={"created_at", "usage"}):
        append_jsonl(summaries_path(), digest)  # new overview, or the same one with new facts
    return digest


def _resolution() -> Any:
    """Canonical parties for the digest (`pipeline.parties`, no model call: what is new since
    the last resolution is linked); None, and the digest groups by name key, when parties.yaml
    or the index cannot be read (the message is logged; `pipeline parties` shows it as an error)."""
    from pipeline.errors import PipelineError
    from pipeline.parties.state import resolve_home

    try:
        return resolve_home(config.home(), meta={}).resolution
    except PipelineError as exc:
        log.warning("digest: parties not resolved (%s); grouping by name", exc)
        return None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_markdown(result: SummarizeResult) -> str:
    """The digest as Markdown: overview, parties, unchanged, disagreements, per-article summaries."""
    d = result.digest
    titles = {a["article_id"]: a["title"] for a in result.articles}
    lines = [f"# Digest of {len(result.articles)} article(s)", "",
             f"_model: {result.model} · strategy: {result.strategy} · {d.created_at if d else utcnow_iso()}_", ""]
    if d is None:
        return "\n".join(lines + [result.message]) + "\n"

    def cite(ids: Sequence[str]) -> str:
        return ", ".join(f"[{i}]" for i in ids)

    lines += ["## Overview", "", d.overview or "_(no overview)_", ""]
    if d.without_extraction:
        which = (cite(d.without_extraction) if len(d.without_extraction) <= 5
                 else f"{len(d.without_extraction)} of {len(d.article_ids)} articles")
        lines += [f"_No extraction records for {which}; run `pipeline extract --new` to include their "
                  "winners, losers and what stays the same._", ""]
    for title, rows in (("Most often named winners", d.winners), ("Most often named losers", d.losers)):
        lines += [f"## {title}", ""]
        lines += [f"- **{t.party}**: {t.count} article(s) {cite(t.articles)}" for t in rows] or ["- none found"]
        lines.append("")
    lines += ["## What stays the same", ""]
    lines += [f"- {u.statement} [{u.article_id}]" for u in d.unchanged] or ["- none found"]
    lines += ["", "## Where articles disagree", ""]
    lines += [f"- **{x.party}**: a winner in {cite(x.winner_in)}; a loser in {cite(x.loser_in)}"
              for x in d.disagreements] or ["- no party is called a winner in one article and a loser in another"]
    lines += ["", "## Articles", ""]
    for a in result.articles:
        meta = " · ".join(x for x in (a.get("source"), a.get("published_at")) if x)
        lines += [f"### {titles.get(a['article_id']) or a['article_id']} [{a['article_id']}]", ""]
        if meta:
            lines += [f"_{meta}_", ""]
        lines += [a["summary"], ""]
    return "\n".join(lines).rstrip() + "\n"
