"""An extraction run's decisions, made once at its start and handed to every article.

The provider is resolved once, its profile read once, the strategy and (for `small`) the label
mode chosen once from the profile and the user's settings, and the prompt hash computed once:
per-article code reads the plan instead of re-resolving the model, re-reading env and config,
or testing a provider's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from pipeline import config
from pipeline.config import Settings
from pipeline.extraction import claim_model, single, small
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


def prompt_hash(strategy: str, model: str | Provider | None = None, *, small_mode: str | None = None,
                recall: bool | None = None, settings: Settings | None = None) -> str:
    """Content hash of every prompt file the strategy reads, plus its algorithm version (for
    `single`, whether the recall pass runs; for `small`, how labels are decided for this model:
    a change there changes results too). `small_mode` / `recall` given: those, without resolving
    `model` or reading settings again; else from the environment and `settings` (None: defaults)."""
    mod = strategy_module(strategy)
    version = (single.algo_version(single.recall_pass_enabled(settings) if recall is None else recall)
               if strategy == "single" else mod.ALGO_VERSION)
    extra = f"{strategy}:{version}"
    if strategy == "small":
        extra += ":" + (small_mode or small.mode_for(get_provider(model) if model is not None else None, settings))
        if extra.endswith(":learned"):  # new weights change results as a new prompt would
            extra += ":" + claim_model.weights_hash()
    return content_hash(list(mod.FILES), extra=extra)


@dataclass(frozen=True)
class ExtractionPlan:
    """Everything per-article extraction needs to know about the run (read-only)."""

    provider: Provider
    profile: ModelProfile
    strategy: str
    small_mode: str | None  # the small strategy's label mode; None for `single`
    recall: bool  # the single strategy's recall pass (PIPELINE_RECALL_PASS / [extract] recall_pass)
    prompt_hash: str
    workers: int  # articles in flight: 1 for a serial (in-process) model

    @property
    def model_string(self) -> str:
        return self.provider.model_string


def plan_extraction(model: str | Provider, strategy: str | None = None, *, concurrency: int = 1,
                    settings: Settings | None = None) -> ExtractionPlan:
    """Resolve the model once and decide the run (`settings`: the caller's, else read here, once).
    Raises what `get_provider` raises (unknown provider, missing SDK or model file) and ValueError
    for an unknown strategy or small mode."""
    settings = settings if settings is not None else config.load_settings()  # library entry point
    provider = get_provider(model)
    profile = provider.profile
    strat = resolve_strategy(provider, strategy)
    mode = small.mode_for(provider, settings) if strat == "small" else None
    recall = strat == "single" and single.recall_pass_enabled(settings)
    return ExtractionPlan(provider=provider, profile=profile, strategy=strat, small_mode=mode, recall=recall,
                          prompt_hash=prompt_hash(strat, small_mode=mode, recall=recall),
                          workers=1 if profile.serial else max(1, concurrency))
