"""Model profiles: declared beside each provider, resolved by the registry without building a
client, and read by the client to choose the structured-output mode."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from pipeline.llm import generate
from pipeline.llm.anthropic import AnthropicProvider
from pipeline.llm.base import Completion, Message, Provider
from pipeline.llm.client import output_mode
from pipeline.llm.fake import FakeProvider
from pipeline.llm.openai import LADDER, OpenAIProvider
from pipeline.llm.profiles import PROMPT_MODE, ModelProfile
from pipeline.llm.registry import PROVIDERS, profile_for

# a model string per registered provider; none of them is instantiated here
SPECS = {"local": "local", "openai": "openai:gpt-4o-mini", "azure": "azure:dep", "ollama": "ollama:llama3.2",
         "anthropic": "anthropic:claude-3-5-haiku-latest", "bedrock": "bedrock:anthropic.claude-v1",
         "vertex": "vertex:claude-3-5-haiku@20241022", "fake": "fake:echo"}


class Facts(BaseModel):
    city: str
    year: int


def test_every_registered_provider_string_resolves_to_a_profile(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # no key, no SDK client: profiles need none
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert set(SPECS) == set(PROVIDERS)
    for name, spec in SPECS.items():
        prof = profile_for(spec)
        assert isinstance(prof, ModelProfile) and prof.structured_modes, name
        assert prof.extraction in ("single", "small") and prof.answer in ("free", "extractive")
    assert profile_for("openai:x").structured_modes == LADDER
    assert profile_for("anthropic:x").output_mode == "tool"
    assert profile_for("fake:x").output_mode == "json_schema"
    assert profile_for("ollama:x").concurrency == 2 and profile_for("openai:x").concurrency == 8


def test_only_the_embedded_smollm_is_small():
    smol = profile_for("local")
    assert smol.small and smol.serial and smol.extraction == "small" and smol.small_mode == "rules"
    assert smol.answer == "extractive" and smol.output_mode == "grammar"
    for alias in ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"):
        qwen = profile_for(f"local:{alias}")
        assert qwen.name == alias and not qwen.small and qwen.serial
        assert qwen.output_mode == "tool" and qwen.small_mode == "confirm"
        assert qwen.extraction == "small" and qwen.answer == "extractive"  # the defaults they always had
    gguf = profile_for("local:/models/any.gguf")
    assert not gguf.small and gguf.output_mode == "grammar" and gguf.small_mode == "confirm"
    for spec in ("openai:gpt-4o-mini", "anthropic:claude-3-5-haiku-latest", "fake:x"):
        prof = profile_for(spec)
        assert not prof.small and not prof.serial and prof.extraction == "single" and prof.answer == "free"


def test_unknown_provider_in_a_model_string_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown provider 'nope' in model string 'nope:x'; known:.*fake"):
        profile_for("nope:x")


def test_profile_defaults_follow_small_and_bad_values_are_refused():
    small = ModelProfile(name="tiny", small=True)
    assert (small.extraction, small.small_mode, small.answer) == ("small", "rules", "extractive")
    big = ModelProfile(name="big")
    assert (big.extraction, big.small_mode, big.answer) == ("single", "hybrid", "free")
    assert ModelProfile(name="x", small=True, answer="free").answer == "free"  # explicit wins
    with pytest.raises(ValueError, match="unknown extraction 'huge'"):
        ModelProfile(name="x", extraction="huge")
    with pytest.raises(ValueError, match="unknown small_mode"):
        ModelProfile(name="x", small_mode="vibes")


def test_an_instance_profile_keeps_the_mode_order_it_settled_on():
    fake = FakeProvider()
    fake.structured_modes = ("tool", "json_schema")  # type: ignore[misc]
    assert fake.profile.structured_modes == ("tool", "json_schema")
    assert FakeProvider().profile.structured_modes == ("json_schema",)
    assert OpenAIProvider.profile_for("m").context_window == 128_000
    assert AnthropicProvider.profile_for("m").context_window == 200_000


class PromptOnly(Provider):
    """A vendor without any structured-output support: it declares only "prompt"."""

    provider: ClassVar[str] = "promptonly"
    cacheable: ClassVar[bool] = False

    def __init__(self, model: str = "m", **options: Any) -> None:
        super().__init__(model, **options)
        self.seen: list[tuple[list[Message], dict[str, Any] | None]] = []

    def complete(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                 schema_name: str = "output", max_tokens: int = 1024, temperature: float = 0.0) -> Completion:
        self.seen.append((messages, schema))
        return Completion(text='Sure: {"city": "Oslo", "year": 1624}', input_tokens=10, output_tokens=8)


def test_the_client_writes_the_schema_into_the_prompt_for_a_prompt_only_vendor(home):
    p = PromptOnly()
    assert output_mode(p, {"type": "object"}) == PROMPT_MODE and output_mode(p, None) is None
    res = generate(p, "Where and when?", Facts, fallbacks=[])
    assert res.output == Facts(city="Oslo", year=1624) and res.mode == PROMPT_MODE
    messages, schema = p.seen[0]
    assert schema is None  # the vendor never sees a schema it cannot use
    assert messages[0].role == "system" and '"city"' in messages[0].content and "JSON Schema" in messages[0].content
    assert messages[-1].content == "Where and when?"


def test_the_client_leaves_the_schema_to_a_vendor_with_a_native_mode(home):
    fake = FakeProvider(script=[{"city": "Oslo", "year": 1624}])
    assert output_mode(fake, {"type": "object"}) == "json_schema"
    res = generate(fake, "Where and when?", Facts, fallbacks=[])
    assert res.output == Facts(city="Oslo", year=1624) and res.mode is None
    call = fake.calls[0]
    assert call["schema"]["properties"]["city"] and [m.role for m in call["messages"]] == ["user"]


def test_plain_text_calls_carry_no_schema_in_either_mode(home):
    p = PromptOnly()
    generate(p, "Say hi.", fallbacks=[])
    messages, schema = p.seen[0]
    assert schema is None and [m.role for m in messages] == ["user"]
