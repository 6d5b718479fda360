"""Feed batch results through the synchronous code path, unchanged.

`ReplayProvider` wraps the real provider. A call whose request (messages, schema name, output
budget) matches a batch item is answered with that item's vendor completion; every other call —
a re-ask after invalid output, a grounding re-ask, a retry of a failed or expired item, the
reduce step of a map-reduce — goes to the real provider synchronously. So batch results get
exactly the validation, re-asks, grounding and storage that synchronous calls get, and no
batch-specific copy of that logic exists to drift.

Replayed completions carry `cost_factor = BATCH_DISCOUNT`, which the ledger applies to the
list price (`pipeline.llm.client._record`), and `mode = "batch:<mode>"` so ledger rows show
which calls were batched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from typing import Any, Callable

from pipeline.batch.vendor import BATCH_DISCOUNT, ItemResult
from pipeline.llm.base import Completion, Message, Provider
from pipeline.llm.profiles import ModelProfile


def request_key(messages: list[Message] | list[dict[str, str]], schema_name: str | None,
                max_tokens: int) -> str:
    """What makes a synchronous call the same request as a batch item."""
    msgs = [m.model_dump() if isinstance(m, Message) else {"role": m["role"], "content": m["content"]}
            for m in messages]
    blob = json.dumps([msgs, schema_name, int(max_tokens)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def completion_of(result: ItemResult, billed: bool = False) -> Completion:
    """The vendor's answer, marked as batched: half price in the ledger, mode `batch:...`
    (no price at all when an earlier, interrupted collect already recorded it)."""
    assert result.completion is not None
    return dataclasses.replace(result.completion, raw={**result.completion.raw, "batch": True},
                               mode=f"batch:{result.completion.mode or 'text'}",
                               cost_factor=0.0 if billed else BATCH_DISCOUNT)


class ReplayProvider(Provider):
    """The real provider, except that batched requests are answered from the batch."""

    def __init__(self, real: Provider, answers: dict[str, tuple[str, Completion]],
                 on_use: Callable[[str], None] | None = None) -> None:
        # no super().__init__: every attribute below mirrors the real provider
        self.real = real
        self.model = real.model
        self.options = real.options
        self.provider = real.provider  # type: ignore[misc]
        self.structured_modes = real.structured_modes  # type: ignore[misc]
        self.context_window = real.context_window
        self.max_concurrency = real.max_concurrency
        self.answers = dict(answers)  # request key -> (custom_id, completion)
        self.used: list[str] = []  # custom ids answered from the batch
        self.sync_calls = 0
        self.on_use = on_use  # told each custom id answered, before the ledger sees it
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # capabilities the real provider adds
        return getattr(self.__dict__["real"], name)

    @property
    def model_string(self) -> str:
        return self.real.model_string

    @property
    def profile(self) -> ModelProfile:
        return self.real.profile

    @property
    def cacheable(self) -> bool:  # type: ignore[override]
        return getattr(self.real, "cacheable", True)

    def cache_identity(self) -> str:
        return self.real.cache_identity()

    def price_key(self) -> str:
        return self.real.price_key()

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def complete(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                 schema_name: str = "output", max_tokens: int = 1024,
                 temperature: float = 0.0, **kwargs: Any) -> Completion:
        key = request_key(messages, schema_name if schema is not None else None, max_tokens)
        with self._lock:
            hit = self.answers.pop(key, None)
            if hit is not None:
                self.used.append(hit[0])
                if self.on_use is not None:
                    self.on_use(hit[0])
                return hit[1]
            self.sync_calls += 1
        return self.real.complete(messages, schema=schema, schema_name=schema_name,
                                  max_tokens=max_tokens, temperature=temperature, **kwargs)

    def unused(self) -> list[tuple[str, Completion]]:
        """Batch answers nothing asked for (the prompt changed since submission, or the cache
        answered first): their cost still has to be recorded."""
        return list(self.answers.values())
