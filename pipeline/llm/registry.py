"""`"provider:model"` → a provider instance or its profile, importing the vendor module only when used.

The only place that knows provider names: everything else asks `profile_for` what a model is
good for (small or not, which strategies, how many workers) instead of testing its name.
"""

from __future__ import annotations

import importlib
from typing import Any

from pipeline.llm.base import Provider, ProviderNotAvailable
from pipeline.llm.profiles import ModelProfile

# provider name -> (module, class, pip extra that brings its SDK)
PROVIDERS: dict[str, tuple[str, str, str | None]] = {
    "local": ("pipeline.llm.local", "LocalProvider", None),
    "openai": ("pipeline.llm.openai", "OpenAIProvider", "openai"),
    "azure": ("pipeline.llm.openai", "AzureProvider", "openai"),
    "ollama": ("pipeline.llm.openai", "OllamaProvider", "openai"),
    "anthropic": ("pipeline.llm.anthropic", "AnthropicProvider", "anthropic"),
    "bedrock": ("pipeline.llm.anthropic", "BedrockProvider", "bedrock"),
    "vertex": ("pipeline.llm.anthropic", "VertexProvider", "vertex"),
    "fake": ("pipeline.llm.fake", "FakeProvider", None),
}


def parse_model_string(spec: str) -> tuple[str, str]:
    spec = spec.strip()
    if not spec:
        raise ValueError("empty model string; expected PROVIDER:MODEL, e.g. local or openai:gpt-4o-mini")
    provider, _, model = spec.partition(":")
    return provider.lower(), model


def provider_class(name: str, spec: str | None = None) -> type[Provider]:
    """The class registered under `name`; its module is imported, its SDK is not."""
    if name not in PROVIDERS:
        known = ", ".join(sorted(PROVIDERS))
        where = f" in model string {spec!r}" if spec is not None else ""
        raise ValueError(f"unknown provider {name!r}{where}; known: {known}")
    module_name, cls_name, extra = PROVIDERS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f"pip install 'article-pipeline[{extra}]'" if extra else "reinstall article-pipeline"
        raise ProviderNotAvailable(
            f"provider {name!r} needs a package that is not installed ({exc.name}); run: {hint}",
            provider=name,
        ) from exc
    cls: type[Provider] = getattr(module, cls_name)
    return cls


def profile_for(spec: str | Provider) -> ModelProfile:
    """What the model is good for, without building a client or loading a model file."""
    if isinstance(spec, Provider):
        return spec.profile
    name, model = parse_model_string(spec)
    return provider_class(name, spec).profile_for(model)


def get_provider(spec: str | Provider, **options: Any) -> Provider:
    if isinstance(spec, Provider):
        return spec
    name, model = parse_model_string(spec)
    cls = provider_class(name, spec)
    return cls(model, **options) if model else cls(**options)
