"""One writer at a time per `$PIPELINE_HOME`.

An OS file lock (`flock`) on `$PIPELINE_HOME/lock`: the kernel releases it when the holder dies,
so a killed ingest never leaves a stale lock. The holder writes its pid into the file so the
second writer's error says who to wait for. Re-entrant within one process (a command that
ingests and then extracts takes it once).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline.errors import EXIT_USAGE, PipelineError
from pipeline import config

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "lock"
_held: dict[str, int] = {}  # lock path -> nesting depth in this process
_guard = threading.Lock()


class LockHeld(PipelineError, RuntimeError):
    """Another process is writing to this $PIPELINE_HOME."""

    exit_code = EXIT_USAGE

    def __init__(self, path: Path, holder: dict[str, object]) -> None:
        who = f"pid {holder.get('pid', '?')}"
        if holder.get("command"):
            who += f", `{holder['command']}`"
        if holder.get("since"):
            who += f", since {holder['since']}"
        super().__init__(
            f"another pipeline writer holds the lock on {path} ({who}); "
            "wait for it to finish (or pass --wait SECONDS) and try again"
        )
        self.path = path
        self.holder = holder


def _read_holder(fd: int) -> dict[str, object]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096).decode("utf-8", "replace")
        return json.loads(data) if data.strip() else {}
    except (OSError, ValueError):
        return {}


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(fd: int) -> None:
    if fcntl is None:  # pragma: no cover
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def writer_lock(home: Path | None = None, wait: float = 0.0) -> Iterator[Path]:
    """Hold the writer lock for the block; raise `LockHeld` if another process has it after `wait` s."""
    h = Path(home) if home is not None else config.home()
    h.mkdir(parents=True, exist_ok=True)
    path = (h / LOCK_NAME).resolve()
    key = str(path)
    with _guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _guard:
                _held[key] -= 1
        return
    fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + max(0.0, wait)
    try:
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockHeld(path, _read_holder(fd))
            time.sleep(0.1)
        holder = {"pid": os.getpid(), "command": " ".join(os.path.basename(a) if i == 0 else a
                                                          for i, a in enumerate(sys.argv[:3])),
                  "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode("utf-8"), 0)
        with _guard:
            _held[key] = 1
        try:
            yield path
        finally:
            with _guard:
                _held.pop(key, None)
            os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        os.close(fd)
