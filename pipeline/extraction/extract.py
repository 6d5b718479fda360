"""Grounded claim extraction: who wins, who loses, what stays the same.

Two strategies: `single` asks a capable model for the whole analysis in one JSON call per
section (`pipeline.extraction.single`); `small` decomposes the job into tiny constrained
choices per sentence for the embedded model (`pipeline.extraction.small`). Both return claims
whose evidence is aligned to the article text; records carry the prompt hash and schema
version so a prompt change is visible in results and evals.
"""

from __future__ import annotations

import time

from pipeline.extraction import single, small
from pipeline.extraction.prompts import content_hash
from pipeline.text.injection import detect_injection, mark_flagged
from pipeline.llm.base import Provider
from pipeline.llm.registry import get_provider
from pipeline.types import Article, ExtractionRecord, ExtractionStats

STRATEGIES = ("single", "small")
SMALL_PROVIDERS = {"local"}  # providers whose models get the decomposed strategy by default


def default_strategy(provider: Provider) -> str:
    return "small" if provider.provider in SMALL_PROVIDERS else "single"


def _module(strategy: str):
    if strategy == "single":
        return single
    if strategy == "small":
        return small
    raise ValueError(f"unknown extraction strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}")


def prompt_hash(strategy: str, model: str | Provider | None = None) -> str:
    """Content hash of every prompt file the strategy reads, plus its algorithm version (and,
    for `small`, how labels are decided for this model: a change there changes results too)."""
    mod = _module(strategy)
    extra = f"{strategy}:{mod.ALGO_VERSION}"
    if strategy == "small":
        extra += ":" + small.mode_for(get_provider(model) if model is not None else None)
    return content_hash(list(mod.FILES), extra=extra)


def resolve_strategy(provider: Provider, strategy: str | None) -> str:
    s = strategy or default_strategy(provider)
    _module(s)
    return s


def extract_article(article: Article, model: str | Provider = "local", *,
                    strategy: str | None = None) -> ExtractionRecord:
    """Extract one article into a record (not yet written anywhere)."""
    provider = get_provider(model)
    strat = resolve_strategy(provider, strategy)
    t0 = time.perf_counter()
    flags = detect_injection(article.text)
    outcome = _module(strat).extract(article, provider)
    analysis = outcome.analysis
    flagged = mark_flagged(analysis, flags)
    evidence = [c.evidence for c in [*analysis.winners, *analysis.losers, *analysis.unchanged]]
    stats = {
        "requested_model": provider.model_string,
        "path": article.path,
        "claims": len(evidence),
        "exact": sum(e.status == "exact" for e in evidence),
        "fuzzy": sum(e.status == "fuzzy" for e in evidence),
        "unverified": sum(e.status == "unverified" for e in evidence),
        "reasks": outcome.reasks,
        "repaired": outcome.repaired,
        "sections": outcome.sections,
        "calls": outcome.usage.calls,
        "flagged_claims": flagged,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    if getattr(outcome, "mode", ""):
        stats["small_mode"] = outcome.mode
    return ExtractionRecord(
        article_id=article.id,
        model=outcome.model or provider.model_string,
        prompt_hash=prompt_hash(strat, provider),
        analysis=analysis,
        usage=outcome.usage,
        strategy=strat,
        content_hash=article.content_hash,
        stats=ExtractionStats.model_validate(stats),
        injection_flags=flags,
    )


__all__ = ["STRATEGIES", "default_strategy", "extract_article", "prompt_hash"]
