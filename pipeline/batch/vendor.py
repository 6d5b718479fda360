"""What every vendor batch backend offers, in vendor-neutral shapes.

A backend turns `BatchRequest`s into the vendor's batch, reports the batch's state, and
yields one `ItemResult` per request once it has ended. Everything after that — validation,
re-asks, grounding, storage, cost — is shared (`pipeline.batch.collect`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Protocol

from pipeline.errors import EXIT_USAGE
from pipeline.llm.base import Completion, LLMError, Provider
from pipeline.llm.registry import parse_model_string

# vendor model strings that have a batch API, and the backend that speaks it
BACKENDS: dict[str, tuple[str, str]] = {
    "openai": ("pipeline.batch.openai_batch", "OpenAIBatchBackend"),
    "anthropic": ("pipeline.batch.anthropic_batch", "AnthropicBatchBackend"),
}

BATCH_DISCOUNT = 0.5  # both OpenAI Batch and Anthropic Message Batches bill 50% of list price

Outcome = Literal["succeeded", "errored", "expired", "canceled"]
JobState = Literal["in_progress", "ended", "failed"]


class BatchUnsupported(LLMError):
    """The model's provider has no batch API (e.g. `local`); run without `--batch`."""

    exit_code = EXIT_USAGE


@dataclass
class BatchRequest:
    """One vendor-neutral request: chat messages plus an optional JSON schema for the output."""

    custom_id: str
    messages: list[dict[str, str]]  # [{"role": "system"|"user"|"assistant", "content": ...}]
    schema: dict[str, Any] | None = None
    schema_name: str = "output"
    max_tokens: int = 1024
    temperature: float = 0.0


@dataclass
class VendorStatus:
    """A batch's state as the vendor reports it, plus our normalized reading of it."""

    batch_id: str
    vendor_status: str
    state: JobState
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemResult:
    """One request's outcome; `completion` is what the provider's synchronous `complete`
    would have returned for it (parsed by the provider's own code)."""

    custom_id: str
    outcome: Outcome
    completion: Completion | None = None
    error: str | None = None


class BatchBackend(Protocol):
    provider: str  # "openai" | "anthropic"
    llm: Provider  # the synchronous provider whose wire format and SDK client are reused

    def submit(self, requests: list[BatchRequest], *, metadata: dict[str, str]) -> VendorStatus: ...

    def retrieve(self, batch_id: str) -> VendorStatus: ...

    def find(self, job_id: str) -> VendorStatus | None: ...

    def results(self, status: VendorStatus) -> Iterator[ItemResult]: ...


def provider_options(client: Any = None) -> dict[str, Any]:
    """Options for `get_provider`: an injected SDK client (tests, custom transports)."""
    return {"client": client} if client is not None else {}


def backend_for(model: str, client: Any = None) -> BatchBackend:
    """`openai:gpt-4o-mini` → an OpenAI batch backend over the same SDK client, key handling
    and request format as the synchronous `openai` provider; `client` injects an SDK client."""
    from pipeline.llm.registry import get_provider

    provider, name = parse_model_string(model)
    if provider not in BACKENDS:
        known = ", ".join(f"{p}:MODEL" for p in BACKENDS)
        raise BatchUnsupported(
            f"model {model!r}: provider {provider!r} has no batch API; use one of {known}, "
            "or run without --batch", provider=provider)
    if not name:
        raise BatchUnsupported(f"model {model!r}: name the model, e.g. {provider}:MODEL",
                               provider=provider)
    module_name, cls_name = BACKENDS[provider]
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(get_provider(model, **provider_options(client)))
