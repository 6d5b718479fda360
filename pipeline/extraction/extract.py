"""Grounded claim extraction: who wins, who loses, what stays the same.

Two strategies: `single` asks a capable model for the whole analysis in one JSON call per
section (`pipeline.extraction.single`); `small` decomposes the job into tiny constrained
choices per sentence for the embedded model (`pipeline.extraction.small`). Both return claims
whose evidence is aligned to the article text; records carry the prompt hash and schema
version so a prompt change is visible in results and evals. Which strategy a model gets, and
the prompt hash, are decided once per run from the model's profile (`pipeline.extraction.plan`).
"""

from __future__ import annotations

import time

from pipeline.config import DEFAULT_MODEL
from pipeline.extraction import claim_model, single, small
from pipeline.extraction.plan import (STRATEGIES, ExtractionPlan, default_strategy, plan_extraction, prompt_hash,
                                      resolve_strategy)
from pipeline.text.injection import detect_injection, mark_flagged
from pipeline.llm.base import Provider
from pipeline.types import Article, ExtractionRecord, ExtractionStats


def extract_article(article: Article, model: str | Provider = DEFAULT_MODEL, *,
                    strategy: str | None = None, plan: ExtractionPlan | None = None) -> ExtractionRecord:
    """Extract one article into a record (not yet written anywhere). A run passes its `plan`
    (resolved once); without one, `model` and `strategy` are resolved for this article."""
    if plan is None:
        plan = plan_extraction(model, strategy)
    provider, strat = plan.provider, plan.strategy
    t0 = time.perf_counter()
    flags = detect_injection(article.text)
    if strat == "small" and plan.small_mode == "learned":  # opt-in: it did not beat the rules held out
        outcome = claim_model.extract(article, provider)
    elif strat == "small":
        outcome = small.extract(article, provider, mode=plan.small_mode)
    else:
        outcome = single.extract(article, provider, recall=plan.recall)
    analysis = outcome.analysis
    flagged = mark_flagged(analysis, flags)
    evidence = [c.evidence for c in analysis.claims()]
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
        prompt_hash=plan.prompt_hash,
        analysis=analysis,
        usage=outcome.usage,
        strategy=strat,
        content_hash=article.content_hash,
        stats=ExtractionStats.model_validate(stats),
        injection_flags=flags,
    )


__all__ = ["STRATEGIES", "ExtractionPlan", "default_strategy", "extract_article", "plan_extraction", "prompt_hash",
           "resolve_strategy"]
