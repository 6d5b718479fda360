"""What every benchmark shares: the run context (temp workspace, corpora, ingested stores),
machine facts (load average, CPU), result files and rich tables.

Absolute figures on a shared machine are noisy; each benchmark measures its baseline in the same
run on the same data, and records the load average before and after, so ratios can be judged.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on Linux/macOS
        return []


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    """The CPU features that decide bf16 speed (AVX512-BF16, AMX)."""
    from pipeline.corpus.embed import cpu_flags as flags

    have = flags() or frozenset()
    return [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile") if f in have]


def machine() -> dict[str, Any]:
    import numpy

    info: dict[str, Any] = {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "cpu_flags": cpu_flags(),
                            "python": platform.python_version(), "numpy": numpy.__version__}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:  # pragma: no cover
        pass
    try:
        info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                            capture_output=True, text=True, timeout=5).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "pipeline", "bench"],
                                 cwd=REPO, capture_output=True, text=True, timeout=5).stdout.strip()
        info["git_dirty"] = bool(changed)  # figures from uncommitted code say so
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank-with-interpolation percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rnd(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(float(x), digits)


@contextmanager
def env(**values: str | None) -> Iterator[None]:
    """Set (or, with None, unset) environment variables for the block."""
    old = {k: os.environ.get(k) for k in values}
    try:
        _set_env(values)
        yield
    finally:
        _set_env(old)


def _set_env(values: dict[str, str | None]) -> None:
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@dataclass
class Ingested:
    """A store built from a corpus in this run, and what the first ingest cost."""

    home: Path
    corpus: Path
    articles: int
    chunks: int
    seconds: float
    embed_dtype: str


@dataclass
class Context:
    """One `python -m bench` run: a temp workspace, shared corpora and stores, output options."""

    json_mode: bool = False
    keep: bool = False
    quick: bool = False  # smoke mode (tests): fewer repetitions and variants, same JSON keys
    results_dir: Path = RESULTS_DIR
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pipeline-bench-")))
    console: Console = field(default_factory=lambda: Console(stderr=True))
    corpora: dict[tuple[int, int], Path] = field(default_factory=dict)
    ingested: dict[int, Ingested] = field(default_factory=dict)  # by corpus size
    seed: int = 1234
    _embedder: Any = None

    def embedder(self) -> Any:
        """The embedder as shipped (`Embedder()`, dtype from PIPELINE_EMBED_DTYPE or auto), loaded
        once per run and shared by the benchmarks that need one."""
        if self._embedder is None:
            from pipeline.corpus.embed import Embedder

            t0 = time.perf_counter()
            self._embedder = Embedder()
            self._embedder.load_seconds = time.perf_counter() - t0
        return self._embedder

    def path(self, *parts: str) -> Path:
        p = self.root.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def corpus(self, n: int) -> Path:
        """A generated corpus of n articles (made once per run and size)."""
        key = (n, self.seed)
        if key not in self.corpora:
            from bench.corpus_gen import generate_corpus

            self.corpora[key] = generate_corpus(n, self.path("corpus", str(n)), seed=self.seed).root
        return self.corpora[key]

    def log(self, message: str) -> None:
        self.console.print(f"[dim]bench:[/] {message}", highlight=False)

    def show(self, table: Table) -> None:
        """Tables go to stdout, or to stderr when stdout carries --json."""
        (self.console if self.json_mode else Console()).print(table)

    def close(self) -> None:
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def new_result(name: str, size: int, **extra: Any) -> dict[str, Any]:
    return {"benchmark": name, "size": size, "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_average_start": load_average(), "machine": machine(), **extra}


def finish_result(result: dict[str, Any], ctx: Context, started: float) -> dict[str, Any]:
    """Stamp end load and duration, write `bench/results/<name>.json`, return the result."""
    result["load_average_end"] = load_average()
    result["seconds_total"] = round(time.perf_counter() - started, 2)
    ctx.results_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.results_dir / f"{result['benchmark']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    result["result_file"] = str(path)
    return result


def table(title: str, columns: list[str], rows: list[list[Any]], caption: str | None = None) -> Table:
    t = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*("" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v)) for v in r))
    return t


def load_caption(result: dict[str, Any]) -> str:
    return (f"load average {result.get('load_average_start')} → {result.get('load_average_end', '…')} "
            f"on {result['machine'].get('cpus')} CPUs")


def python() -> str:
    return sys.executable
