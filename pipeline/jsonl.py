"""Crash-safe JSONL appends, shared by every append-only log in `$PIPELINE_HOME`.

Each record is one `write()` of one whole line on an O_APPEND descriptor, then fsync, under an
advisory lock (threads and processes). A torn last line (a writer killed mid-write) makes the
next append start on a fresh line, so it cannot glue onto the torn one; readers skip torn lines.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from pydantic import BaseModel

_thread_lock = threading.Lock()


def append_line(path: Path, obj: BaseModel) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (obj.model_dump_json() + "\n").encode("utf-8")
    with _thread_lock:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            written = os.write(fd, line)
            if written != len(line):  # disk full mid-line: the torn part stays unreadable
                raise OSError(f"{path}: short write ({written} of {len(line)} bytes)")
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
