"""A scripted provider shipped in the package, for tests and demos (no network, no model).

`FakeProvider(script=[...])` answers each call with the next item: a string (the text), a
dict or pydantic model (returned as JSON), an exception instance (raised), or a callable
`f(messages, schema) -> any of those`. When the script runs out the last item repeats.
`fake:echo` as a model string answers with the last user message.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, ClassVar

from pydantic import BaseModel

from pipeline.llm.base import Completion, Message, Provider

ScriptItem = str | dict | list | BaseModel | Exception | Callable[..., Any]


class FakeProvider(Provider):
    provider: ClassVar[str] = "fake"
    structured_modes: ClassVar[tuple[str, ...]] = ("json_schema",)
    cacheable: ClassVar[bool] = False  # scripted answers must not replay from disk (use_cache=True forces)

    def __init__(self, model: str = "scripted", script: list[ScriptItem] | None = None,
                 context_window: int = 8192, **options: Any) -> None:
        super().__init__(model, **options)
        self.script: list[ScriptItem] = list(script or [])
        self.calls: list[dict[str, Any]] = []
        self.context_window = context_window
        self._lock = threading.Lock()

    def complete(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                 schema_name: str = "output", max_tokens: int = 1024,
                 temperature: float = 0.0) -> Completion:
        with self._lock:
            idx = len(self.calls)
            self.calls.append({"messages": messages, "schema": schema})
            if self.script:
                item = self.script[min(idx, len(self.script) - 1)]
            else:
                item = messages[-1].content if messages else ""
        if callable(item) and not isinstance(item, (BaseModel, Exception)):
            item = item(messages, schema)
        if isinstance(item, Exception):
            raise item
        if isinstance(item, BaseModel):
            text = item.model_dump_json()
        elif isinstance(item, (dict, list)):
            text = json.dumps(item)
        else:
            text = str(item)
        prompt = sum(len(m.content) for m in messages) // 4 + 1
        return Completion(text=text, input_tokens=prompt, output_tokens=len(text) // 4 + 1,
                          model=self.model, finish_reason="stop")
