"""Crash-safe JSONL appends, shared by every append-only log in `$PIPELINE_HOME`.

Each record is one `write()` of one whole line on an O_APPEND descriptor under an advisory
lock (threads and processes), then fsync. A torn last line (a writer killed mid-write) makes the
next append start on a fresh line, so it cannot glue onto the torn one; readers skip torn lines.
"""

from __future__ import annotations

import fcntl
import os
import threading
import json
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

_thread_lock = threading.Lock()


def append_line(path: Path, obj: BaseModel) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (obj.model_dump_json() + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        with _thread_lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                written = os.write(fd, line)
                if written != len(line):  # disk full mid-line: the torn part stays unreadable
                    raise OSError(f"{path}: short write ({written} of {len(line)} bytes)")
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        os.fsync(fd)  # outside the locks: concurrent writers' flushes overlap instead of queueing
    finally:
        os.close(fd)


def iter_json_lines(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed value or None, problem or None) for each non-blank line; a line
    that is not JSON is named "torn last line" when it is the last one (a killed writer)."""
    lines = Path(path).read_bytes().split(b"\n")
    last = len(lines) - (1 if lines and not lines[-1].strip() else 0)
    for lineno, bline in enumerate(lines, 1):
        text = bline.decode("utf-8", errors="replace").strip()
        if not text:
            continue
        try:
            yield lineno, json.loads(text), None
        except json.JSONDecodeError as exc:
            what = "torn last line" if lineno >= last else "line that is not JSON"
            yield lineno, None, f"{what} ({exc.msg})"
