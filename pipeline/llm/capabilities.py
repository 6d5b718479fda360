"""What each OpenAI-compatible endpoint turned out to support, so the ladder is climbed once.

Kept in memory for the process and in `$PIPELINE_HOME/capabilities.json` across runs, keyed
by provider, base URL and model (no keys). Delete the file to make every endpoint re-probe.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from filelock import FileLock

from pipeline.config import ensure_home, home

log = logging.getLogger("pipeline.llm")
_memory: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def _path() -> Path:
    return home() / "capabilities.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def lookup(endpoint: str) -> dict[str, Any] | None:
    """`{"mode": ..., "unsupported": [...]}` for an endpoint, or None if never probed."""
    mkey = f"{home()}|{endpoint}"
    with _lock:
        if mkey in _memory:
            return _memory[mkey]
    entry = _read(_path()).get(endpoint)
    if isinstance(entry, dict) and entry.get("mode"):
        with _lock:
            _memory[mkey] = entry
        return entry
    return None


def remember(endpoint: str, mode: str, unsupported: list[str]) -> None:
    """Record the mode that worked (atomic write under a file lock)."""
    entry = {"mode": mode, "unsupported": sorted(set(unsupported)), "updated": time.time()}
    with _lock:
        known = _memory.get(f"{home()}|{endpoint}")
        if known is not None and known.get("mode") == mode and known.get("unsupported") == entry["unsupported"]:
            return  # nothing new: every call confirms the mode, only a change is written
        _memory[f"{home()}|{endpoint}"] = entry
    try:
        h = ensure_home()
        path = _path()
        with FileLock(str(h / "capabilities.json.lock"), timeout=30):
            data = _read(path)
            data[endpoint] = entry
            fd, tmp = tempfile.mkstemp(dir=h, prefix=".capabilities.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
            os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not persist endpoint capabilities (%s)", exc)


def forget(endpoint: str | None = None) -> None:
    """Drop in-memory knowledge (all, or one endpoint); the file is left alone."""
    with _lock:
        if endpoint is None:
            _memory.clear()
        else:
            for k in [k for k in _memory if k.endswith(f"|{endpoint}")]:
                del _memory[k]
