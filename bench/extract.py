"""Extraction throughput against a real loopback OpenAI-compatible server with fixed latency.

Each run is the real CLI in a fresh process, `pipeline extract --all --model openai:bench
--concurrency N --json`, with `OPENAI_BASE_URL` pointing at `bench.openai_server` and a fake
key. Cold runs start with an empty response cache; the warm run repeats with the cache kept and
must make zero calls (counted by the server).

Two times per run: the command's `seconds` (everything after start-up: opening the store,
importing the SDK, ...) and its `work_seconds` (first article started to last finished), which
is what concurrency can speed up; efficiencies use the work time. The ideal for N slots of a
fixed latency L is ceil(calls / N) rounds of L (200 calls at N=32 need 7 rounds, so the ideal
speed-up is 200/7 = 28.6, not 32); `parallel_efficiency_cN` is the measured speed-up over that.

The server sleeps `LATENCY_S` per call. A hosted model takes seconds to write an extraction,
so 1 s is on the fast side of real. What limits the speed-up as latency shrinks is the CPU the
pipeline spends per article (`client_cpu_ms_per_article`): Python runs one thread at a time.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from bench.common import REPO, Context, finish_result, load_caption, new_result, rnd, table

NAME = "extract"
DEFAULT_SIZE = 200
LATENCY_S = 1.0
LEVELS = (1, 8, 32)
MODEL = "openai:bench-extractor"
FAKE_KEY = "sk-bench-not-a-real-key"
TARGET_EFFICIENCY = 0.9


@contextmanager
def server(latency: float) -> Iterator[str]:
    """The loopback server in its own process; yields its base URL and stops it by pid."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.openai_server", "--latency", str(latency)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"bench.openai_server did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _http(url: str, method: str = "GET") -> dict[str, Any]:
    req = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def prepare_store(ctx: Context, n: int) -> Path:
    """A store holding n articles: the ingest benchmark's when it has that size, else one
    built with stand-in vectors (extraction reads article text, never vectors)."""
    if n in ctx.ingested:
        return ctx.ingested[n].home
    from bench.embedding import RandomEmbedder
    from pipeline.corpus.ingest import ingest_paths
    from pipeline.corpus.store import Store

    home = ctx.path("extract", f"home-{n}")
    store = Store(home=home)
    report = ingest_paths([ctx.corpus(n)], store=store, progress=False, embedder=RandomEmbedder())
    store.close()
    if report.failed or len(report.ingested) != n:
        raise RuntimeError(f"could not prepare {n} articles: {report.failed[:3]}")
    return home


def _clear(home: Path, cache: bool) -> None:
    names = ["extractions.jsonl", "extract.run.json", "ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"]
    if cache:
        names += ["cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"]
    for name in names:
        (home / name).unlink(missing_ok=True)


def run_cli(home: Path, base_url: str, concurrency: int, *, warm: bool = False,
            skip_all: bool = False) -> dict[str, Any]:
    """One CLI run; `warm` keeps the cache, `skip_all` keeps the records and passes `--new` (so
    nothing is extracted: the fixed start-up cost)."""
    if not skip_all:
        _clear(home, cache=not warm)
    (home / "pipeline.toml").unlink(missing_ok=True)
    environ = {k: v for k, v in os.environ.items() if k not in ("PIPELINE_MODEL", "OPENAI_API_KEY")}
    environ.update(PIPELINE_HOME=str(home), OPENAI_BASE_URL=f"{base_url}/v1", OPENAI_API_KEY=FAKE_KEY)
    cmd = [sys.executable, "-m", "pipeline", "extract", "--new" if skip_all else "--all", "--model", MODEL,
           "--concurrency", str(concurrency), "--json"]
    _http(f"{base_url}/reset", "POST")
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=home, env=environ, capture_output=True, text=True, timeout=1800)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"`pipeline extract` exited {proc.returncode}: {proc.stderr[-800:]}")
    report = json.loads(proc.stdout)
    stats = _http(f"{base_url}/stats")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"concurrency": concurrency, "seconds": rnd(report["seconds"]),
            "work_seconds": rnd(report.get("work_seconds") or report["seconds"]), "wall_seconds": rnd(wall),
            "process_cpu_seconds": rnd(cpu),
            "extracted": len(report["extracted"]), "failed": len(report["failed"]),
            "calls": report["usage"]["calls"], "cached_calls": report["usage"].get("cached_calls", 0),
            "server_calls": stats["calls"], "max_in_flight": stats["max_in_flight"]}


def run(ctx: Context, size: int | None = None) -> dict[str, Any]:
    n = size or DEFAULT_SIZE
    started = time.perf_counter()
    latency = 0.1 if ctx.quick else LATENCY_S
    result = new_result(NAME, n, latency_s=latency, model=MODEL)
    home = prepare_store(ctx, n)
    runs: list[dict[str, Any]] = []
    with server(latency) as url:
        for c in LEVELS:
            ctx.log(f"extract: {n} articles at --concurrency {c}")
            runs.append(run_cli(home, url, c))
        ctx.log("extract: the same again with the cache warm")
        warm = run_cli(home, url, LEVELS[1], warm=True)
        idle = run_cli(home, url, 1, skip_all=True)
    for r in runs:
        if r["extracted"] != n or r["failed"]:
            raise RuntimeError(f"extraction run incomplete: {r}")
    base = next(r for r in runs if r["concurrency"] == 1)
    calls = base["server_calls"]
    result["runs"] = runs
    result["calls_per_article"] = rnd(calls / n, 3)
    result["ideal_seconds_c1"] = rnd(calls * latency)
    for r in runs:
        # N slots of fixed latency need ceil(calls / N) rounds: 200 calls at N=32 take 7 rounds,
        # not 6.25, so the ideal speed-up there is 200/7 = 28.6, not 32.
        rounds = math.ceil(calls / r["concurrency"])
        r["ideal_seconds"] = rnd(rounds * latency)
        r["ideal_speedup"] = rnd(calls / rounds, 2)
        r["speedup_vs_c1"] = rnd(base["work_seconds"] / r["work_seconds"], 2)
        r["parallel_efficiency"] = rnd(r["speedup_vs_c1"] / r["ideal_speedup"], 3)
        r["speedup_per_worker"] = rnd(base["work_seconds"] / r["work_seconds"] / r["concurrency"], 3)
        r["command_speedup_vs_c1"] = rnd(base["seconds"] / r["seconds"], 2)
    for r in runs:
        result[f"parallel_efficiency_c{r['concurrency']}"] = r["parallel_efficiency"]
    # CPU the CLI spends per article: the c=1 run less a run that extracts nothing (start-up,
    # imports, selection), so what is left is per-article work
    result["startup_cpu_seconds"] = idle["process_cpu_seconds"]
    result["client_cpu_ms_per_article"] = rnd(
        1000 * (base["process_cpu_seconds"] - idle["process_cpu_seconds"]) / n, 2)
    result["warm"] = warm
    result["calls_with_warm_cache"] = warm["server_calls"]
    result["warm_speedup_vs_cold_c8"] = rnd(
        next(r for r in runs if r["concurrency"] == LEVELS[1])["seconds"]
        / max(warm["seconds"], 1e-9), 1)
    result["targets"] = {"parallel_efficiency": TARGET_EFFICIENCY, "calls_with_warm_cache": 0}
    result["met"] = {f"parallel_efficiency_c{c}": result[f"parallel_efficiency_c{c}"] >= TARGET_EFFICIENCY
                     for c in LEVELS[1:]}
    result["met"]["calls_with_warm_cache"] = warm["server_calls"] == 0
    return finish_result(result, ctx, started)


def render(result: dict[str, Any]) -> list[Any]:
    rows = [[f"c={r['concurrency']}", r["seconds"], r["work_seconds"], r["ideal_seconds"], r["speedup_vs_c1"],
             r["ideal_speedup"], r["parallel_efficiency"], r["max_in_flight"], r["server_calls"]] for r in result["runs"]]
    w = result["warm"]
    rows.append([f"c={w['concurrency']} warm cache", w["seconds"], w["work_seconds"], 0.0, None, None, None,
                 w["max_in_flight"], w["server_calls"]])
    return [table(f"extract: {result['size']} articles, {int(result['latency_s'] * 1000)} ms per call",
                  ["run", "command s", "work s", "ideal s", "speed-up", "ideal speed-up", "efficiency",
                   "max in flight", "calls"], rows,
                  caption=(f"efficiency c8 {result['parallel_efficiency_c8']}, c32 {result['parallel_efficiency_c32']}"
                           f" (target ≥0.9) · CPU {result['client_cpu_ms_per_article']} ms/article"
                           f" · warm calls {result['calls_with_warm_cache']} · " + load_caption(result)))]
