"""Fixtures for the reliability suite: fault server, synthetic corpora, pipeline subprocesses.

Subprocesses run `python -m tests.reliability.runpipe ...` (the real CLI, with the client's retry
backoff shrunk so fault runs take seconds) with `PIPELINE_HOME` in a temp dir and no keys from
the developer's shell. The network guard in `tests/conftest.py` covers this process only; the
subprocesses get their own (see `netguard.py`) where a test needs it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.reliability.faultserver import FaultScript, FaultServer

REPO = Path(__file__).resolve().parents[2]
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "OPENAI_BASE_URL",
            "ANTHROPIC_BASE_URL", "PIPELINE_MODEL", "CHROMA_HOST", "CHROMA_PORT", "OPENAI_LOG",
            "ANTHROPIC_LOG")


DEFAULT_KILLS = {"ingest": 5, "extract": 12, "summarize": 12}


def kills(stage: str) -> int:
    """Kill iterations for one crash test: `RELIABILITY_KILLS` for every stage when set (the issue's
    figure is 20), else the per-stage default that keeps the suite under ~8 minutes on 2 cores."""
    value = os.environ.get("RELIABILITY_KILLS")
    return max(1, int(value)) if value else DEFAULT_KILLS[stage]


def base_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS and not k.startswith("PYTEST_")}
    env.update(PIPELINE_HOME=str(home), PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1",
               PIPELINE_LLM_TIMEOUT="2", RELIABILITY_BACKOFF="0.002", COLUMNS="200",
               PIPELINE_EMBED_DTYPE=os.environ.get("PIPELINE_EMBED_DTYPE", "fp32"))
    env.update(extra)
    return env


@dataclass
class Ran:
    args: list[str]
    rc: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except ValueError as exc:
            raise AssertionError(f"`pipeline {' '.join(self.args)}` printed no JSON (rc {self.rc}):\n"
                                 f"stdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-3000:]}") from exc

    def __str__(self) -> str:
        return (f"`pipeline {' '.join(self.args)}` rc={self.rc} in {self.seconds:.1f}s\n"
                f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}")


def pipeline_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.reliability.runpipe", *args]


def memory_cap(mb: int):
    """A preexec_fn capping the child's data segment (a runaway reader fails, the machine lives)."""
    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (mb << 20, mb << 20))
    return cap


def run_pipeline(args: list[str], env: dict[str, str], timeout: float = 300, cwd: Path | None = None,
                 stdin: str | None = None, mem_mb: int | None = 8000) -> Ran:
    """Run the CLI to completion; a run over `timeout` is killed and reported (rc -9), not raised."""
    t0 = time.monotonic()
    proc = subprocess.Popen(pipeline_cmd(*args), env=env, cwd=str(cwd or REPO), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            text=True, start_new_session=True,
                            preexec_fn=memory_cap(mem_mb) if mem_mb else None)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        err += f"\n[reliability] killed: still running after {timeout}s"
    return Ran(args, proc.returncode, out, err, time.monotonic() - t0)


def start_pipeline(args: list[str], env: dict[str, str], cwd: Path | None = None,
                   log: Path | None = None) -> subprocess.Popen:
    out = open(log, "wb") if log else subprocess.DEVNULL
    return subprocess.Popen(pipeline_cmd(*args), env=env, cwd=str(cwd or REPO), stdout=out,
                            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
                            start_new_session=True)


# ------------------------------------------------------------------------- synthetic corpus
PARTIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell",
           "Cyberdyne", "Soylent", "Wonka", "Oscorp", "Aperture", "Massive", "Dunder"]


def synth_article(i: int, version: int = 0, sentences: int = 5, marker: str = "") -> tuple[str, str]:
    """(title, body) of a short, unique article naming a winner, a loser and something unchanged."""
    rng = random.Random(i * 1000 + version)
    a, b, c = rng.sample(PARTIES, 3)
    topic = f"market {i} revision {version}"
    body = [f"{a} gains customers in the {topic} after a price cut of {rng.randint(2, 40)} percent.",
            f"{b} loses ground as buyers in region {i} switch suppliers this quarter.",
            f"Analysts say the rules for {c} remain unchanged through {2020 + i % 6}."]
    for k in range(max(0, sentences - 3)):
        body.append(f"Item {i}.{k}.{version}: {rng.choice(PARTIES)} reports volume {rng.randint(100, 9999)} "
                    f"units in district {rng.randint(1, 99)}.")
    if marker:
        body.append(marker)
    return f"Report {i} on {a} and {b} v{version}", " ".join(body)


def write_corpus(folder: Path, n: int, *, start: int = 0, version: int = 0, sentences: int = 5,
                 markers: dict[int, str] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        title, body = synth_article(i, version, sentences, (markers or {}).get(i, ""))
        p = folder / f"article-{i:03d}.txt"
        p.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        paths.append(p)
    return paths


# ------------------------------------------------------------------------- fixtures
@pytest.fixture
def rel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh $PIPELINE_HOME (in this process too) and no keys or endpoints from the shell."""
    h = tmp_path / "home"
    monkeypatch.setenv("PIPELINE_HOME", str(h))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    return h


@pytest.fixture
def ingest_corpus(tmp_path: Path, rel_home: Path):
    """`ingest_corpus(n)` writes n synthetic articles and ingests them in-process (the embedder
    loads once per test session); returns $PIPELINE_HOME."""
    from typer.testing import CliRunner

    def ingest(n: int, **kw: Any) -> Path:
        from pipeline.cli import app

        write_corpus(tmp_path / "corpus", n, **kw)
        r = CliRunner().invoke(app, ["ingest", str(tmp_path / "corpus"), "--json"])
        assert r.exit_code == 0, r.output
        return rel_home
    return ingest


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A started server with no faults; tests replace `.script` rules via `server.script`."""
    srv = FaultServer(FaultScript(), hang_s=3.0).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process: tiny backoff and a short provider timeout, fresh SDK clients."""
    import pipeline.llm.client as client

    monkeypatch.setattr(client, "BACKOFF_BASE_S", 0.002)
    monkeypatch.setenv("PIPELINE_LLM_TIMEOUT", "1")
    _forget_clients()
    yield
    _forget_clients()


def _forget_clients() -> None:
    """Drop cached SDK clients and endpoint capabilities so each test sees its own server."""
    for mod in ("pipeline.llm.openai", "pipeline.llm.anthropic"):
        m = sys.modules.get(mod)
        if m is not None and hasattr(m, "_clients"):
            m._clients.clear()
    caps = sys.modules.get("pipeline.llm.capabilities")
    if caps is not None:
        caps.forget()
