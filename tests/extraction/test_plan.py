"""The extraction run plan: the model resolved, the strategy, label mode and prompt hash decided
once per run from the model's profile (never from its name), with the same values as before."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from pipeline.batch.plans import is_small
from pipeline.extraction import plan as plan_mod, single, small
from pipeline.extraction.plan import plan_extraction, prompt_hash
from pipeline.extraction.prompts import content_hash
from pipeline.extraction.run import run_extraction
from pipeline.llm import registry
from pipeline.llm.fake import FakeProvider
from pipeline.llm.local import SMOLLM_PROFILE, profile_for as local_profile
from pipeline.llm.profiles import ModelProfile
from pipeline.records import read_records
from tests.extraction.conftest import StubStore, analysis_json, make_article, user_text

ARTS = [make_article(f"Company{i} Corp wins a contract number {i}. Rival{i} Inc loses a bid.",
                     id=f"art{i}", path=f"corpus/a{i}.txt") for i in range(4)]


def scripted(messages, schema):
    i = user_text(messages).split("Company", 1)[1].split(" ", 1)[0]
    return analysis_json(winners=[(f"Company{i} Corp", f"Company{i} Corp wins a contract number {i}.")])


class Counting(FakeProvider):
    """A registered provider that counts how often the registry builds it."""

    provider: ClassVar[str] = "counting"
    built: ClassVar[int] = 0

    def __init__(self, model: str = "m", **options: Any) -> None:
        super().__init__(model, script=[scripted], **options)
        type(self).built += 1


class Tiny(FakeProvider):
    """A new vendor whose profile says small: nothing but the profile tells the pipeline so."""

    provider: ClassVar[str] = "tiny"

    @classmethod
    def profile_for(cls, model: str) -> ModelProfile:
        return ModelProfile(name="tiny", structured_modes=("json_schema",), small=True)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(registry.PROVIDERS, "counting", (__name__, "Counting", None))
    monkeypatch.setitem(registry.PROVIDERS, "tiny", (__name__, "Tiny", None))
    monkeypatch.setattr(Counting, "built", 0)


def test_an_extraction_run_resolves_the_model_once(home, registered, monkeypatch):
    calls: list[Any] = []
    real = registry.get_provider

    def counting_get_provider(spec: Any, **options: Any) -> Any:
        calls.append(spec)
        return real(spec, **options)

    for mod in (registry, plan_mod):
        monkeypatch.setattr(mod, "get_provider", counting_get_provider)
    rep = run_extraction(None, all=True, new=False, model="counting:m", concurrency=2, progress=False,
                         store=StubStore(ARTS))
    assert sorted(rep.extracted) == [a.id for a in ARTS] and rep.usage.calls == len(ARTS)
    assert Counting.built == 1 and calls == ["counting:m"]
    assert {r.model for r in read_records()} == {"counting:m"}


def test_an_extraction_run_reads_the_small_mode_and_hashes_the_prompts_once(home, registered, monkeypatch):
    monkeypatch.setenv("PIPELINE_SMALL_MODE", "rules")
    reads: list[Any] = []
    real_mode_for = small.mode_for
    monkeypatch.setattr(small, "mode_for", lambda p, s=None: reads.append(p) or real_mode_for(p, s))
    hashes: list[str] = []
    real_hash = plan_mod.content_hash
    monkeypatch.setattr(plan_mod, "content_hash", lambda *a, **k: hashes.append("x") or real_hash(*a, **k))
    rep = run_extraction(None, all=True, new=False, model="counting:m", progress=False, strategy="small",
                         store=StubStore(ARTS))
    assert rep.records == len(ARTS) and rep.strategy == "small"
    assert len(reads) == 1 and len(hashes) == 1 and Counting.built == 1
    assert {r.stats["small_mode"] for r in read_records()} == {"rules"}


def test_a_provider_whose_profile_says_small_gets_the_small_paths(home, registered, monkeypatch):
    monkeypatch.delenv("PIPELINE_SMALL_MODE", raising=False)
    plan = plan_extraction("tiny:m")
    assert plan.strategy == "small" and plan.small_mode == "rules" and plan.profile.small
    assert plan.provider.profile.answer == "extractive" and is_small(plan.provider)
    rep = run_extraction(None, all=True, new=False, model="tiny:m", progress=False, store=StubStore(ARTS[:1]))
    assert rep.strategy == "small" and rep.usage.calls == 0  # rules: no model call
    big = plan_extraction("counting:m")
    assert big.strategy == "single" and big.small_mode is None and not is_small(big.provider)


def test_a_serial_profile_runs_one_article_at_a_time(home, registered):
    class Serial(FakeProvider):
        @classmethod
        def profile_for(cls, model: str) -> ModelProfile:
            return ModelProfile(name="serial", structured_modes=("json_schema",), serial=True, concurrency=1)

    assert plan_extraction(Serial(), concurrency=8).workers == 1
    assert plan_extraction(FakeProvider(), concurrency=8).workers == 8


def _legacy_hash(strategy: str, mode: str | None) -> str:
    """The hash formula records carry today: caches and `--new` re-runs depend on it."""
    mod = small if strategy == "small" else single
    extra = f"{strategy}:{mod.ALGO_VERSION}" + (f":{mode}" if mode else "")
    return content_hash(list(mod.FILES), extra=extra)


def test_record_strategy_and_prompt_hash_are_unchanged_for_each_kind_of_model(home, monkeypatch):
    monkeypatch.delenv("PIPELINE_SMALL_MODE", raising=False)

    def as_provider(profile: ModelProfile) -> FakeProvider:
        class P(FakeProvider):
            @classmethod
            def profile_for(cls, model: str) -> ModelProfile:
                return profile
        return P(script=[{"label": "none"}])

    # (profile, strategy records get by default, label mode in the hash) as before profiles
    cases = [(SMOLLM_PROFILE, "small", "rules"), (local_profile("qwen2.5-coder-1.5b"), "small", "confirm"),
             (local_profile("/m/any.gguf"), "small", "confirm"), (FakeProvider.profile_for("x"), "single", None)]
    for profile, strategy, mode in cases:
        provider = as_provider(profile)
        rec_plan = plan_extraction(provider)
        assert (rec_plan.strategy, rec_plan.small_mode) == (strategy, mode), profile.name
        assert rec_plan.prompt_hash == _legacy_hash(strategy, mode) == prompt_hash(strategy, provider)
    assert prompt_hash("small") == _legacy_hash("small", "rules")  # no model: the embedded default
    assert prompt_hash("single") == _legacy_hash("single", None)
    forced = plan_extraction(as_provider(FakeProvider.profile_for("x")), "small")
    assert forced.prompt_hash == _legacy_hash("small", "hybrid")  # --strategy small on a big model
