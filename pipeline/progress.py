"""One progress protocol for every long step (ingest, extract, summarize, run), three reporters.

Library code reports `start` / `update` / `finish` per named stage and never draws anything
itself; the caller picks how it shows: a rich bar on stderr (`ConsoleProgress`), nothing
(`SilentProgress`), or one JSON object per event for machines (`JsonLinesProgress`).
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO, Any, Callable, Protocol, runtime_checkable


@runtime_checkable
class Progress(Protocol):
    """What long-running work reports while it runs (totals may be unknown: None)."""

    def start(self, stage: str, total: int | None = None, note: str = "") -> None: ...

    def update(self, stage: str, done: int, total: int | None = None, note: str = "") -> None: ...

    def finish(self, stage: str, note: str) -> None: ...


class SilentProgress:
    """Reports nothing: library callers, tests, `--json` runs that keep stderr quiet."""

    def start(self, stage: str, total: int | None = None, note: str = "") -> None:
        pass

    def update(self, stage: str, done: int, total: int | None = None, note: str = "") -> None:
        pass

    def finish(self, stage: str, note: str) -> None:
        pass


class CallbackProgress(SilentProgress):
    """A plain `(done, total, note)` callback behind the protocol, for library callers that pass
    one (`summarize(on_progress=...)`); `offset` is added to `done` (1: "working on the n-th")."""

    def __init__(self, fn: Callable[[int, int, str], None], *, offset: int = 0) -> None:
        self.fn = fn
        self.offset = offset

    def update(self, stage: str, done: int, total: int | None = None, note: str = "") -> None:
        self.fn(done + self.offset, total or 0, note)


class LineProgress(SilentProgress):
    """One plain `[done/total] note` line per update of the named stages (CI logs, not a terminal);
    other stages and start/finish print nothing."""

    def __init__(self, stages: set[str] | frozenset[str], stream: IO[str] | None = None) -> None:
        self.stages = frozenset(stages)
        self.stream = stream

    def update(self, stage: str, done: int, total: int | None = None, note: str = "") -> None:
        if stage in self.stages:
            if self.stream is not None:
                self.stream.write(f"[{done}/{total}] {note}\n")
                self.stream.flush()
            else:
                from pipeline.console import console

                console.print(f"[{done}/{total}] {note}", markup=False, highlight=False)


def as_progress(progress: Progress | Callable[[int, int, str], None] | None, *, offset: int = 0) -> Progress:
    """A reporter from what a library caller passed: a `Progress`, a plain callback, or None."""
    if progress is None:
        return SilentProgress()
    if isinstance(progress, Progress):
        return progress
    return CallbackProgress(progress, offset=offset)


class JsonLinesProgress:
    """One JSON object per event on a stream (stderr by default), for wrappers that parse progress."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def _emit(self, event: str, stage: str, **fields: Any) -> None:
        out = self.stream or sys.stderr
        row = {"event": event, "stage": stage, "time": round(time.time(), 3), **fields}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()

    def start(self, stage: str, total: int | None = None, note: str = "") -> None:
        self._emit("start", stage, total=total, note=note)

    def update(self, stage: str, done: int, total: int | None = None, note: str = "") -> None:
        self._emit("update", stage, done=done, total=total, note=note)

    def finish(self, stage: str, note: str) -> None:
        self._emit("finish", stage, note=note)


class ConsoleProgress:
    """A rich bar per stage on the shared stderr console; use as a context manager.

    `stages` pre-declares bars (shown as "waiting" until started) so a multi-stage run draws its
    whole plan at once; other stages get a bar when they start. `transient` clears them at the end.
    """

    def __init__(self, stages: dict[str, str] | None = None, *, transient: bool = False) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn)
        from rich.progress import Progress as RichProgress

        from pipeline.console import console

        self.progress = RichProgress(
            SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("[bold]{task.fields[label]:<10}"),
            BarColumn(bar_width=28), MofNCompleteColumn(), TextColumn("{task.fields[note]}", markup=False),
            TimeElapsedColumn(), console=console, transient=transient)
        self.declared = dict(stages or {})
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> "ConsoleProgress":
        self.progress.__enter__()
        for name, label in self.declared.items():
            self.tasks[name] = self.progress.add_task("", total=None, start=False, label=label, note="waiting")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def _task(self, stage: str) -> Any:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task("", total=None, start=False, label=stage, note="")
        return self.tasks[stage]

    def start(self, stage: str, total: int | None = None, note: str = "") -> None:
        tid = self._task(stage)
        self.progress.start_task(tid)
        self.progress.update(tid, total=total, note=note or "working…")

    def update(self, stage: str, done: int, total: int | None = None, note: str = "") -> None:
        kw: dict[str, Any] = {"completed": done}
        if total is not None:
            kw["total"] = total
        if note:
            kw["note"] = note
        self.progress.update(self._task(stage), **kw)

    def finish(self, stage: str, note: str) -> None:
        tid = self._task(stage)
        task = self.progress.tasks[tid]
        total = task.total if task.total else max(1, int(task.completed))
        self.progress.update(tid, total=total, completed=total, note=note or "done")
        self.progress.stop_task(tid)


def reporter(kind: str) -> Progress:
    """`console`, `silent` or `json` (the `--progress` choices); ConsoleProgress must be entered."""
    if kind == "console":
        return ConsoleProgress()
    if kind == "json":
        return JsonLinesProgress()
    if kind == "silent":
        return SilentProgress()
    raise ValueError(f"unknown progress reporter {kind!r}; choose console, silent or json")
