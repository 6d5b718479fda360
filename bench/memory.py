"""Peak RSS of ingest and extract at two corpus sizes (1,000 and 250 articles by default), each in
a fresh child process, to show memory is bounded rather than growing with the corpus.

The child samples its own RSS (`/proc/self/status`) every 50 ms and reports the baseline after
imports, model load and store open, and the peak: the larger of the samples and `VmHWM`. Ingest embeds for real
(bf16 forced, so the run fits the time budget; the weights are the same size either way).
Extract runs `run_extraction` through the OpenAI provider against the loopback server
(`bench.openai_server`, 5 ms per call) at concurrency 8 over the store the ingest child built.

    python -m bench.memory child ingest CORPUS HOME
    python -m bench.memory child extract HOME BASE_URL
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, Context, finish_result, load_caption, new_result, rnd, table

NAME = "memory"
DEFAULT_SIZE = 1000
SMALL_FRACTION = 4  # the small run has size / 4 articles
SERVER_LATENCY_S = 0.005
TARGET_RATIO = 1.25  # peak RSS at 4x the articles may grow at most this much


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float:
    return _status_mb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.05):
            self.peak = max(self.peak, _rss_mb())

    def stop(self) -> float:
        self._halt.set()
        self.join(timeout=1)
        self.peak = max(self.peak, _rss_mb())
        return self.peak


def child(argv: list[str]) -> int:
    """Runs in the child process; prints one JSON line."""
    kind = argv[0]
    os.environ.setdefault("PIPELINE_EMBED_DTYPE", "bf16")
    t0 = time.perf_counter()
    if kind == "ingest":
        corpus, home = Path(argv[1]), Path(argv[2])
        from pipeline.corpus.embed import get_embedder
        from pipeline.corpus.ingest import ingest_paths
        from pipeline.corpus.store import Store

        emb = get_embedder()
        store = Store(home=home)
        _ = store.collection
        baseline = _rss_mb()
        sampler = _Sampler()
        sampler.start()
        report = ingest_paths([corpus], store=store, progress=False, embedder=emb)
        store.close()
        done = {"articles": len(report.ingested), "chunks": report.chunks_embedded, "failed": len(report.failed)}
    elif kind == "extract":
        home, base_url = Path(argv[1]), argv[2]
        os.environ.update(PIPELINE_HOME=str(home), OPENAI_BASE_URL=f"{base_url}/v1",
                          OPENAI_API_KEY="sk-bench-not-a-real-key")
        (home / "pipeline.toml").write_text("concurrency = 8\n", encoding="utf-8")
        import openai  # noqa: F401  (imports and an opened store are the baseline)

        from pipeline.extraction.run import run_extraction
        from pipeline.corpus.store import Store

        st = Store(home=home)
        _ = st.collection
        st.close()
        baseline = _rss_mb()
        sampler = _Sampler()
        sampler.start()
        report = run_extraction(None, all=True, new=False, model="openai:bench-extractor", concurrency=8,
                                progress=False)
        done = {"articles": len(report.extracted), "failed": len(report.failed), "calls": report.usage.calls}
    else:
        print(f"unknown child kind {kind!r}", file=sys.stderr)
        return 2
    peak = sampler.stop()
    # VmHWM is this process image's own high-water mark. ru_maxrss is not: Linux carries it
    # across exec, so a child of a big parent (the query benchmark leaves ~2.5 GB) reports the
    # parent's size.
    hwm = _status_mb("VmHWM") or peak
    print(json.dumps({"kind": kind, "baseline_rss_mb": round(baseline, 1), "peak_rss_mb": round(max(peak, hwm), 1),
                      "sampled_peak_mb": round(peak, 1), "vm_hwm_mb": round(hwm, 1),
                      "growth_mb": round(max(peak, hwm) - baseline, 1),
                      "seconds": round(time.perf_counter() - t0, 2), **done}))
    return 0


def _spawn(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "bench.memory", "child", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child {args[0]} exited {proc.returncode}: {proc.stderr[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(ctx: Context, size: int | None = None) -> dict[str, Any]:
    from bench.extract import server

    big = size or DEFAULT_SIZE
    sizes = sorted({max(1, big // SMALL_FRACTION), big})
    started = time.perf_counter()
    result = new_result(NAME, big, sizes=sizes)
    runs: dict[str, dict[str, Any]] = {}
    with server(SERVER_LATENCY_S) as url:
        for n in sizes:
            home = ctx.path("memory", f"home-{n}")
            ctx.log(f"memory: ingest of {n} articles in a child process")
            runs[f"ingest_{n}"] = ing = _spawn(["ingest", str(ctx.corpus(n)), str(home)])
            if ing["failed"] or ing["articles"] != n:
                raise RuntimeError(f"memory: ingest of {n} articles incomplete: {ing}")
            ctx.log(f"memory: extract of {n} articles in a child process")
            runs[f"extract_{n}"] = ex = _spawn(["extract", str(home), url])
            if ex["failed"] or ex["articles"] != n:
                raise RuntimeError(f"memory: extract of {n} articles incomplete: {ex}")
    result["runs"] = runs
    if len(sizes) == 2:
        small, large = sizes
        for kind in ("ingest", "extract"):
            a, b = runs[f"{kind}_{large}"], runs[f"{kind}_{small}"]
            result[f"{kind}_peak_rss_mb_{large}"] = a["peak_rss_mb"]
            result[f"{kind}_rss_ratio_{large}_vs_{small}"] = rnd(a["peak_rss_mb"] / b["peak_rss_mb"], 3)
            result[f"{kind}_growth_mb_per_1000_articles"] = rnd(
                (a["peak_rss_mb"] - b["peak_rss_mb"]) / (large - small) * 1000, 1)
        result["target_rss_ratio"] = TARGET_RATIO
        result["met"] = {f"{k}_rss_ratio": result[f"{k}_rss_ratio_{large}_vs_{small}"] <= TARGET_RATIO
                         for k in ("ingest", "extract")}
    return finish_result(result, ctx, started)


def render(result: dict[str, Any]) -> list[Any]:
    rows = [[k.replace("_", " "), r["articles"], r["baseline_rss_mb"], r["peak_rss_mb"], r["growth_mb"], r["seconds"]]
            for k, r in result["runs"].items()]
    sizes = result["sizes"]
    cap = " · ".join(f"{k} ratio {result.get(f'{k}_rss_ratio_{sizes[-1]}_vs_{sizes[0]}')}" for k in ("ingest", "extract"))
    return [table(f"memory: peak RSS at {', '.join(map(str, sizes))} articles",
                  ["run", "articles", "baseline MB", "peak MB", "growth MB", "seconds"], rows,
                  caption=cap + " · " + load_caption(result))]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        raise SystemExit(child(sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    raise SystemExit(2)
