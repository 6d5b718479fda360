"""Kill a pipeline subprocess with SIGKILL at a chosen point, seeded.

Three kinds of kill point, rotated by a seeded RNG so every phase gets hit:
`time` (a random delay from start: imports, reading, model load, anything), `first-write`
(as soon as the watched progress counter moves, plus a random few ms) and `nth-write` (after the
counter has moved `k` times, plus a random few ms: inside the write loop).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Kill:
    mode: str
    target: float  # seconds (time) or progress count (writes)
    extra_s: float
    killed: bool = False
    at_s: float = 0.0
    progress_at_kill: int = 0
    rc: int | None = None


def plan(rng: random.Random, expected_work: int, est_seconds: float) -> Kill:
    mode = rng.choice(["time", "first-write", "nth-write", "nth-write"])
    extra = rng.uniform(0.0, 0.06)
    if mode == "time":
        return Kill(mode, rng.uniform(0.2, max(0.5, est_seconds)), 0.0)
    if mode == "first-write":
        return Kill(mode, 1, extra)
    return Kill(mode, rng.randint(1, max(1, expected_work - 1)), extra)


def run_and_kill(start: Callable[[], subprocess.Popen], progress: Callable[[], int], kill: Kill,
                 timeout: float = 240.0, poll_s: float = 0.01) -> Kill:
    """Start the process, kill -9 its whole group at `kill`'s point; returns `kill` filled in."""
    base = progress()
    proc = start()
    t0 = time.monotonic()
    fire_at: float | None = t0 + kill.target if kill.mode == "time" else None
    try:
        while proc.poll() is None:
            now = time.monotonic()
            if now - t0 > timeout:
                raise AssertionError(f"process ran over {timeout}s without reaching the kill point")
            if fire_at is None:
                done = progress() - base
                if done >= kill.target:
                    fire_at = now + kill.extra_s
                    kill.progress_at_kill = done
            if fire_at is not None and now >= fire_at:
                kill.progress_at_kill = progress() - base
                os.killpg(proc.pid, signal.SIGKILL)
                kill.killed = True
                kill.at_s = now - t0
                break
            time.sleep(poll_s)
    finally:
        if proc.poll() is None and not kill.killed:
            os.killpg(proc.pid, signal.SIGKILL)
        kill.rc = proc.wait()
    if not kill.killed:
        kill.at_s = time.monotonic() - t0
    return kill
