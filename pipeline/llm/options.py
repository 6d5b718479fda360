"""Per-run options and accounting, so commands set a budget once instead of threading args.

    with run_options(max_cost=0.50, use_cache=False) as run:
        ...  # every generate() inside obeys these
    print(run.usage)

Runs nest: an inner run inherits what it does not set, and its spend counts against every
enclosing budget. Worker threads started inside a run (which do not inherit contextvars) fall
back to the most recently entered run, so thread pools need no extra plumbing.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterator

from pipeline.types import Usage

_UNSET: Any = object()


@dataclass
class Run:
    """One run's options plus what it has spent so far."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    max_cost: float | None = None
    use_cache: bool | None = None  # None: cache what is cacheable
    fallbacks: list[str] | None = None  # None: none (an entry point fills them from the settings)
    concurrency: int | None = None  # calls in flight per vendor; None: 4 (or the settings')
    max_retries: int | None = None
    timeout: float | None = None
    stage: str | None = None
    parent: "Run | None" = None
    usage: Usage = field(default_factory=Usage)
    by_model: dict[str, Usage] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def charge(self, model: str, usage: Usage) -> None:
        """Add one attempt's usage here and to every enclosing run."""
        run: Run | None = self
        while run is not None:
            with run._lock:
                run.usage = run.usage.add(usage)
                run.by_model[model] = run.by_model.get(model, Usage()).add(usage)
            run = run.parent

    @property
    def spent(self) -> float:
        return self.usage.cost_usd or 0.0

    def budget_left(self) -> tuple[float, "Run"] | None:
        """The tightest remaining budget among this run and its ancestors, and whose it is."""
        best: tuple[float, Run] | None = None
        run: Run | None = self
        while run is not None:
            if run.max_cost is not None:
                left = run.max_cost - run.spent
                if best is None or left < best[0]:
                    best = (left, run)
            run = run.parent
        return best


_current: ContextVar[Run | None] = ContextVar("pipeline_llm_run", default=None)
_active: list[Run] = []
_active_lock = threading.Lock()
_default = Run(id="process")


def current_run() -> Run:
    run = _current.get()
    if run is not None:
        return run
    with _active_lock:
        if _active:
            return _active[-1]
    return _default


@contextmanager
def run_options(*, max_cost: float | None = _UNSET, use_cache: bool | None = _UNSET,
                fallbacks: list[str] | None = _UNSET, max_retries: int | None = _UNSET,
                timeout: float | None = _UNSET, stage: str | None = _UNSET,
                concurrency: int | None = _UNSET, run_id: str | None = None) -> Iterator[Run]:
    """Scope LLM options to a block; yields the `Run` whose `.usage` tallies the block's calls."""
    outer = current_run()
    parent = None if outer is _default else outer

    def pick(value: Any, name: str) -> Any:
        return getattr(parent, name) if value is _UNSET and parent is not None else (
            None if value is _UNSET else value)

    run = Run(id=run_id or uuid.uuid4().hex[:12], max_cost=None if max_cost is _UNSET else max_cost,
              use_cache=pick(use_cache, "use_cache"), fallbacks=pick(fallbacks, "fallbacks"),
              max_retries=pick(max_retries, "max_retries"), timeout=pick(timeout, "timeout"),
              stage=pick(stage, "stage"), concurrency=pick(concurrency, "concurrency"), parent=parent)
    if run.max_cost is not None and run.max_cost < 0:
        raise ValueError(f"max_cost must be >= 0, got {run.max_cost}")
    token = _current.set(run)
    with _active_lock:
        _active.append(run)
    try:
        yield run
    finally:
        _current.reset(token)
        with _active_lock:
            _active.remove(run)


@contextmanager
def settings_defaults(fallbacks: list[str], concurrency: int) -> Iterator[Run]:
    """An entry point's settings (`pipeline.toml` fallbacks and concurrency) for the calls in the
    block, where the enclosing run has not set them already; resolved once, read by `generate`."""
    outer = current_run()
    kw: dict[str, Any] = {}
    if outer.fallbacks is None:
        kw["fallbacks"] = list(fallbacks)
    if outer.concurrency is None:
        kw["concurrency"] = concurrency
    if not kw:
        yield outer
        return
    with run_options(**kw) as run:
        yield run


def run_usage() -> Usage:
    """Usage of the innermost active run (or of the whole process outside any run)."""
    return current_run().usage
