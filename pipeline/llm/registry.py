"""`"provider:model"` → a provider instance, importing the vendor module only when used."""

from __future__ import annotations

import importlib
from typing import Any

from pipeline.llm.base import Provider, ProviderNotAvailable

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


def get_provider(spec: str | Provider, **options: Any) -> Provider:
    if isinstance(spec, Provider):
        return spec
    name, model = parse_model_string(spec)
    if name not in PROVIDERS:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown provider {name!r} in model string {spec!r}; known: {known}")
    module_name, cls_name, extra = PROVIDERS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f"pip install 'article-pipeline[{extra}]'" if extra else "reinstall article-pipeline"
        raise ProviderNotAvailable(
            f"provider {name!r} needs a package that is not installed ({exc.name}); run: {hint}",
            provider=name,
        ) from exc
    cls = getattr(module, cls_name)
    return cls(model, **options) if model else cls(**options)
