"""The one provider interface every LLM call goes through.

A provider knows its vendor's wire format, auth and transport and nothing else: caching,
the ledger, budgets, re-asks and fallbacks wrap it once, in `pipeline.llm.client`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel

from pipeline.errors import EXIT_BUDGET, PipelineError
from pipeline.llm.profiles import ModelProfile
from pipeline.types import Usage

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    role: Role
    content: str


@dataclass
class Completion:
    """One provider attempt, as the vendor answered it."""

    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    finish_reason: str | None = None  # "stop", "length", "tool_use", ...
    data: Any = None  # structured payload when the vendor returned one (tool args)
    raw: dict[str, Any] = field(default_factory=dict)
    mode: str | None = None  # structured-output mode that served: json_schema, tool, grammar, ...
    # Share of the list price the ledger charges: batch APIs bill half (`pipeline.batch`), and a
    # result an interrupted collect already recorded is not billed again (0.0).
    cost_factor: float = 1.0


class LLMError(PipelineError, RuntimeError):
    """Base of every provider-side failure. Messages never contain secrets."""

    retryable: bool = False

    def __init__(self, message: str, *, provider: str = "", status: int | None = None,
                 retry_after: float | None = None, raw_output: str | None = None):
        from pipeline.llm.redact import redact

        super().__init__(redact(message))
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        self.raw_output = raw_output


class RetryableError(LLMError):
    """Timeouts, connection errors, 429, 5xx, 529: worth trying again after a pause."""

    retryable = True


class AuthError(LLMError):
    """401/403 or a missing key; the message names the env var to set."""


class ProviderNotAvailable(LLMError):
    """The SDK or model file is missing; the message names the extra to install."""


class OutputValidationError(LLMError):
    """The model kept returning output that does not fit the schema; keeps the raw output."""


class BudgetExceeded(LLMError):
    """The next call would exceed `--max-cost`; the run stops cleanly before spending it."""

    exit_code = EXIT_BUDGET


class Provider(ABC):
    """A vendor model. Subclasses set capabilities as class attributes.

    `structured_modes`: what the vendor offers for schema-shaped output, strongest first
    (e.g. ("json_schema", "tool", "json_object", "prompt")). A vendor whose first mode is
    "prompt" never sees the schema: the client writes it into the messages.
    What a model is good for lives in its profile (`profile_for`, `pipeline.llm.profiles`).
    """

    provider: ClassVar[str] = "base"
    structured_modes: ClassVar[tuple[str, ...]] = ("prompt",)
    context_window: int = 8192
    max_concurrency: int = 4
    cacheable: ClassVar[bool] = True  # False: results are not stored in the response cache
    key_env: ClassVar[str | None] = None  # the env var that holds this vendor's key

    def __init__(self, model: str, **options: Any) -> None:
        self.model = model
        self.options = options

    @property
    def model_string(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider

    @classmethod
    def profile_for(cls, model: str) -> ModelProfile:
        """The declared profile of `model` on this vendor, read without an instance (no SDK,
        key or model file). Vendors whose models differ in kind override it."""
        window = cls.context_window if isinstance(cls.context_window, int) else 8192
        return ModelProfile(name=cls.provider, structured_modes=tuple(cls.structured_modes),
                            context_window=window, concurrency=cls.max_concurrency)

    @property
    def profile(self) -> ModelProfile:
        """This instance's profile: the declared one, in the mode order the instance settled on."""
        return type(self).profile_for(self.model).with_modes(tuple(self.structured_modes))

    @abstractmethod
    def complete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        schema_name: str = "output",
        max_tokens: int = 1024,
        temperature: float = 0.0,
    ) -> Completion:
        """One attempt. With `schema`, use the vendor's strongest structured-output mode.

        Raise `RetryableError` for transient faults, `AuthError` for bad keys, `LLMError`
        for the rest. Never retry here beyond what the SDK does for transport faults.
        """

    def cache_identity(self) -> str:
        """What makes two calls interchangeable besides messages and params (endpoint, file)."""
        return self.model_string

    def price_key(self) -> str:
        """The name looked up in the price table (`pipeline/data/prices.toml`)."""
        return self.model_string

    def count_tokens(self, text: str) -> int:
        """An estimate; providers with a real tokenizer override it."""
        from pipeline.tokens import count_tokens

        return count_tokens(text)


T = TypeVar("T", bound=BaseModel)


class LLMResult(BaseModel, Generic[T]):
    """What `pipeline.llm.generate` returns."""

    model_config = {"protected_namespaces": ()}

    output: T | None = None  # the validated object when an output type was given
    text: str = ""
    model: str = ""  # "provider:model" that actually served (after fallbacks)
    usage: Usage = Usage()
    attempts: int = 0  # provider attempts for this result, re-asks and retries included
    cached: bool = False
    mode: str | None = None  # structured-output mode that served (json_schema, tool, grammar, ...)
    fallback_errors: list[str] = []  # why earlier models in the fallback chain did not serve
