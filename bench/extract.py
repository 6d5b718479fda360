"""Extraction throughput against a real loopback OpenAI-compatible server with fixed latency.

Each run is the real CLI in a fresh process, `pipeline extract --all --model openai:bench
--concurrency N --json`, with `OPENAI_BASE_URL` pointing at `bench.openai_server` (200 ms per
call by default) and a fake key. Seconds are the command's own `seconds` (process start-up and
imports excluded). Cold runs start with an empty response cache; the warm run repeats the last
one with the cache kept and must make zero calls (counted by the server).

Concurrency is given two ways, because they behave differently: the flag alone (what a user
types), and the flag plus `concurrency = N` in `pipeline.toml` (which sizes the client's
per-provider slot). A third row shows what lifting the provider's `max_concurrency` (8 for
OpenAI) would give, by patching it in the child process.
"""

from __future__ import annotations

import json
import os
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
LATENCY_S = 0.2
LEVELS = (1, 8, 32)
MODEL = "openai:bench-extractor"
FAKE_KEY = "sk-bench-not-a-real-key"
TARGET_EFFICIENCY = 0.9
_PATCHED = ("import sys, pipeline.llm.openai as o; o.OpenAIProvider.max_concurrency = 1024; "
            "sys.argv = ['pipeline'] + sys.argv[1:]; from pipeline.cli import main; main()")


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
    from pipeline.ingest import ingest_paths
    from pipeline.store import Store

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


def run_cli(home: Path, base_url: str, concurrency: int, *, config: bool, patched: bool = False,
            warm: bool = False) -> dict[str, Any]:
    _clear(home, cache=not warm)
    toml = home / "pipeline.toml"
    if config:
        toml.write_text(f"concurrency = {concurrency}\n", encoding="utf-8")
    else:
        toml.unlink(missing_ok=True)
    environ = {k: v for k, v in os.environ.items() if k not in ("PIPELINE_MODEL", "OPENAI_API_KEY")}
    environ.update(PIPELINE_HOME=str(home), OPENAI_BASE_URL=f"{base_url}/v1", OPENAI_API_KEY=FAKE_KEY)
    head = [sys.executable, "-c", _PATCHED] if patched else [sys.executable, "-m", "pipeline"]
    cmd = head + ["extract", "--all", "--model", MODEL, "--concurrency", str(concurrency), "--json"]
    _http(f"{base_url}/reset", "POST")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=home, env=environ, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"`pipeline extract` exited {proc.returncode}: {proc.stderr[-800:]}")
    report = json.loads(proc.stdout)
    stats = _http(f"{base_url}/stats")
    return {"concurrency": concurrency, "seconds": rnd(report["seconds"]), "wall_seconds": rnd(wall),
            "extracted": len(report["extracted"]), "failed": len(report["failed"]),
            "calls": report["usage"]["calls"], "cached_calls": report["usage"].get("cached_calls", 0),
            "server_calls": stats["calls"], "max_in_flight": stats["max_in_flight"],
            "route": "patched" if patched else ("flag+config" if config else "flag")}


def run(ctx: Context, size: int | None = None) -> dict[str, Any]:
    n = size or DEFAULT_SIZE
    started = time.perf_counter()
    result = new_result(NAME, n, latency_s=LATENCY_S, model=MODEL)
    home = prepare_store(ctx, n)
    runs: list[dict[str, Any]] = []
    with server(LATENCY_S) as url:
        for c in LEVELS:
            routes = [(True, False)] if c == 1 or ctx.quick else [(True, False), (False, False), (True, True)]
            for config, patched in routes:
                ctx.log(f"extract: {n} articles at concurrency {c} ({'patched' if patched else 'flag+config' if config else 'flag'})")
                runs.append(run_cli(home, url, c, config=config, patched=patched))
        ctx.log("extract: the same again with the cache warm")
        warm = run_cli(home, url, LEVELS[1], config=True, warm=True)
    for r in runs:
        if r["extracted"] != n or r["failed"]:
            raise RuntimeError(f"extraction run incomplete: {r}")
    base = next(r for r in runs if r["concurrency"] == 1)
    calls = base["server_calls"]
    result["runs"] = runs
    result["calls_per_article"] = rnd(calls / n, 3)
    result["ideal_seconds_c1"] = rnd(calls * LATENCY_S)
    for r in runs:
        r["speedup_vs_c1"] = rnd(base["seconds"] / r["seconds"], 2)
        r["parallel_efficiency"] = rnd(base["seconds"] / r["seconds"] / r["concurrency"], 3)
        r["ideal_seconds"] = rnd(calls * LATENCY_S / r["concurrency"])
    for c in LEVELS[1:]:
        by_route = {r["route"]: r for r in runs if r["concurrency"] == c}
        result[f"parallel_efficiency_c{c}"] = by_route["flag+config"]["parallel_efficiency"]
        if "flag" in by_route:
            result[f"parallel_efficiency_c{c}_flag_only"] = by_route["flag"]["parallel_efficiency"]
            result[f"parallel_efficiency_c{c}_without_provider_cap"] = by_route["patched"]["parallel_efficiency"]
    result["warm"] = warm
    result["calls_with_warm_cache"] = warm["server_calls"]
    result["warm_speedup_vs_cold_c8"] = rnd(
        next(r for r in runs if r["concurrency"] == LEVELS[1] and r["route"] == "flag+config")["seconds"]
        / max(warm["seconds"], 1e-9), 1)
    result["targets"] = {"parallel_efficiency": TARGET_EFFICIENCY, "calls_with_warm_cache": 0}
    result["met"] = {f"parallel_efficiency_c{c}": result[f"parallel_efficiency_c{c}"] >= TARGET_EFFICIENCY
                     for c in LEVELS[1:]}
    result["met"]["calls_with_warm_cache"] = warm["server_calls"] == 0
    return finish_result(result, ctx, started)


def render(result: dict[str, Any]) -> list[Any]:
    rows = [[f"c={r['concurrency']} ({r['route']})", r["seconds"], r["ideal_seconds"], r["speedup_vs_c1"],
             r["parallel_efficiency"], r["max_in_flight"], r["server_calls"]] for r in result["runs"]]
    w = result["warm"]
    rows.append([f"c={w['concurrency']} warm cache", w["seconds"], 0.0, None, None, w["max_in_flight"], w["server_calls"]])
    return [table(f"extract: {result['size']} articles, {int(result['latency_s'] * 1000)} ms per call",
                  ["run", "seconds", "ideal s", "speed-up", "efficiency", "max in flight", "calls"], rows,
                  caption=(f"efficiency c8 {result['parallel_efficiency_c8']}, c32 {result['parallel_efficiency_c32']}"
                           f" (target ≥0.9) · warm calls {result['calls_with_warm_cache']} · " + load_caption(result)))]
