"""Model calls as data, so one plan serves a synchronous run and a provider batch.

A stage that knows up front which calls an article needs (extraction sections, the first
map-reduce level of a summary) publishes them as a `CallPlan`: the `CallSpec`s (messages,
output type, budget, a stable key) and an `assemble(answers)` that finishes the work from
their answers. The synchronous path runs `run_plan` (each call asked when `assemble` first
reads it, so the order of calls is the order of reading); `pipeline.batch` submits the same
specs and collects through the same `assemble`. There is no second copy to drift.

Follow-up calls whose input depends on an answer (re-asks, recall, reduce steps) are not in the
plan: `assemble` makes them through the provider it was planned with.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from pydantic import BaseModel

from pipeline.llm.base import LLMResult, Message, Provider

T = TypeVar("T")

Answers = Mapping[str, LLMResult[Any]]  # CallSpec.key -> the validated answer to that call


@dataclass(frozen=True)
class CallSpec:
    """One model call as the code makes it: what is sent and what must come back."""

    key: str  # stable within one article's plan ("section-0", "part-1")
    messages: tuple[Message, ...]
    output_type: type[BaseModel]
    max_tokens: int
    temperature: float = 0.0

    @property
    def schema_name(self) -> str:
        """The name `generate` sends with the schema (part of a batch request's identity)."""
        return self.output_type.__name__

    def ask(self, provider: Provider) -> LLMResult[Any]:
        """Make this call synchronously (cache, ledger, validation and re-asks included)."""
        from pipeline.llm.client import generate

        return generate(provider, list(self.messages), self.output_type,
                        max_tokens=self.max_tokens, temperature=self.temperature)


@dataclass
class CallPlan(Generic[T]):
    """The calls an article needs first, and how their answers become the result."""

    calls: list[CallSpec]
    assemble: Callable[[Answers], T]

    def __post_init__(self) -> None:
        keys = [c.key for c in self.calls]
        if len(set(keys)) != len(keys):  # answers are found by key
            raise ValueError(f"planned calls share a key: {keys}")


class Asked(Mapping[str, LLMResult[Any]]):
    """Answers asked on first read: `assemble` reading key by key keeps the synchronous order
    of calls (a section's re-ask comes before the next section's call)."""

    def __init__(self, provider: Provider, calls: list[CallSpec]) -> None:
        self._provider = provider
        self._calls = {c.key: c for c in calls}
        self._done: dict[str, LLMResult[Any]] = {}

    def __getitem__(self, key: str) -> LLMResult[Any]:
        if key not in self._done:
            self._done[key] = self._calls[key].ask(self._provider)
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._calls)

    def __len__(self) -> int:
        return len(self._calls)


def run_plan(provider: Provider, plan: CallPlan[T]) -> T:
    """The synchronous path: every planned call asked through `provider`, then assembled."""
    return plan.assemble(Asked(provider, plan.calls))

