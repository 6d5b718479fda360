"""An extraction run's decisions, made once at its start and handed to every article.

The provider is resolved once, its profile read once, the strategy and (for `small`) the label
mode chosen once from the profile and the user's settings, and the prompt hash computed once:
per-article code reads the plan instead of re-resolving the model, re-reading env and config,
or testing a provider's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from pipeline.extraction import single, small
from pipeline.extraction.prompts import content_hash
from pipeline.llm.base import Provider
from pipeline.llm.profiles import EXTRACTION_STRATEGIES, ModelProfile
from pipeline.llm.registry import get_provider

STRATEGIES = EXTRACTION_STRATEGIES


def strategy_module(strategy: str) -> ModuleType:
    if strategy == "single":
        return single
    if strategy == "small":
        return small
    raise ValueError(f"unknown extraction strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}")


def default_strategy(provider: Provider) -> str:
    """The strategy the model's profile asks for when the user names none."""
    return provider.profile.extraction


def resolve_strategy(provider: Provider, strategy: str | None) -> str:
    s = strategy or default_strategy(provider)
    strategy_module(s)
    return s


def prompt_hash(strategy: str, model: str | Provider | None = None, *, small_mode: str | None = None) -> str:
    """Content hash of every prompt file the strategy reads, plus its algorithm version (and,
    for `small`, how labels are decided for this model: a change there changes results too).
    `small_mode` given: that mode, without resolving `model` or reading settings again."""
    mod = strategy_module(strategy)
    extra = f"{strategy}:{mod.ALGO_VERSION}"
    if strategy == "small":
        extra += ":" + (small_mode or small.mode_for(get_provider(model) if model is not None else None))
    return content_hash(list(mod.FILES), extra=extra)


@dataclass(frozen=True)
class ExtractionPlan:
    """Everything per-article extraction needs to know about the run (read-only)."""

    provider: Provider
    profile: ModelProfile
    strategy: str
    small_mode: str | None  # the small strategy's label mode; None for `single`
    prompt_hash: str
    workers: int  # articles in flight: 1 for a serial (in-process) model

    @property
    def model_string(self) -> str:
        return self.provider.model_string


def plan_extraction(model: str | Provider, strategy: str | None = None, *, concurrency: int = 1) -> ExtractionPlan:
    """Resolve the model once and decide the run. Raises what `get_provider` raises (unknown
    provider, missing SDK or model file) and ValueError for an unknown strategy or small mode."""
    provider = get_provider(model)
    profile = provider.profile
    strat = resolve_strategy(provider, strategy)
    mode = small.mode_for(provider) if strat == "small" else None
    return ExtractionPlan(provider=provider, profile=profile, strategy=strat, small_mode=mode,
                          prompt_hash=prompt_hash(strat, small_mode=mode),
                          workers=1 if profile.serial else max(1, concurrency))
