"""Embedding helpers for the benchmarks: a timing proxy, configuration sweeps, the bf16 check.

The sweep answers "what moves embedding throughput on this CPU" (dtype, batch size, sorting by
length, thread count) on a sample of real chunks, and the best configuration becomes the "raw
limit" the ingest is compared with.
"""

from __future__ import annotations

import random
import time
from typing import Any, Callable

import numpy as np


class TimingEmbedder:
    """Wraps an `Embedder`: counts calls, texts and seconds spent embedding; keeps the texts."""

    def __init__(self, inner: Any, keep_texts: bool = True) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0
        self.texts_embedded = 0
        self.keep_texts = keep_texts
        self.texts: list[str] = []

    def __getattr__(self, name: str) -> Any:  # model_name, dim, dtype, batch_size, ...
        return getattr(self.inner, name)

    def embed(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        t0 = time.perf_counter()
        out = self.inner.embed(texts, progress=progress)
        self.seconds += time.perf_counter() - t0
        self.calls += 1
        self.texts_embedded += len(texts)
        if self.keep_texts:
            self.texts.extend(texts)
        return out


class RandomEmbedder:
    """Unit vectors from a seeded generator, for setting up stores whose vectors no benchmark
    reads (extraction reads article text only). Claims the shipped model's name so the store
    accepts it."""

    def __init__(self, seed: int = 0) -> None:
        from pipeline.corpus.embed import DIM, configured_model_name

        self.model_name = configured_model_name()
        self.dim = DIM
        self.calls = 0
        self._rng = np.random.default_rng(seed)

    def embed(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.calls += 1
        v = self._rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        if progress:
            progress(len(texts))
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def load(dtype: str, batch_size: int = 32) -> tuple[Any, float]:
    """A fresh `Embedder` with a forced dtype, and its load time in seconds."""
    from pipeline.corpus.embed import Embedder

    t0 = time.perf_counter()
    e = Embedder(dtype=dtype, batch_size=batch_size)
    return e, time.perf_counter() - t0


def encode_unsorted(embedder: Any, texts: list[str]) -> np.ndarray:
    """Batches in the given order (no length sorting): what sorting saves in padding."""
    out = [embedder._encode(texts[b:b + embedder.batch_size]) for b in range(0, len(texts), embedder.batch_size)]
    return np.concatenate(out) if out else np.zeros((0, embedder.dim), dtype=np.float32)


def throughput(embedder: Any, texts: list[str], *, batch_size: int, sort: bool = True,
               threads: int | None = None) -> float:
    """Chunks per second for one configuration (after a one-batch warm-up)."""
    import torch

    old_threads = torch.get_num_threads()
    old_bs = embedder.batch_size
    try:
        if threads:
            torch.set_num_threads(threads)
        embedder.batch_size = batch_size
        embedder._encode(texts[:min(len(texts), batch_size)])  # warm-up at this shape
        t0 = time.perf_counter()
        if sort:
            embedder.embed(texts)
        else:
            encode_unsorted(embedder, texts)
        return len(texts) / (time.perf_counter() - t0)
    finally:
        embedder.batch_size = old_bs
        torch.set_num_threads(old_threads)


def cosine_check(fp32: Any, bf16: Any, texts: list[str]) -> dict[str, float]:
    """bf16 vs fp32 vectors of the same chunks: cosine (min, mean) and top-5 neighbour agreement."""
    a = fp32.embed(texts)
    b = bf16.embed(texts)
    cos = np.sum(a * b, axis=1)
    sims_a = a @ a.T
    sims_b = b @ b.T
    np.fill_diagonal(sims_a, -1)
    np.fill_diagonal(sims_b, -1)
    k = min(5, max(1, len(texts) - 1))
    top_a = np.argsort(-sims_a, axis=1)[:, :k]
    top_b = np.argsort(-sims_b, axis=1)[:, :k]
    overlap = np.mean([len(set(x) & set(y)) / k for x, y in zip(top_a, top_b)])
    return {"min_cosine": round(float(cos.min()), 6), "mean_cosine": round(float(cos.mean()), 6),
            "top5_neighbour_agreement": round(float(overlap), 4), "texts": len(texts)}


def sample(texts: list[str], n: int, seed: int = 7) -> list[str]:
    if len(texts) <= n:
        return list(texts)
    return random.Random(seed).sample(texts, n)


def sweep(fp32: Any, bf16: Any | None, texts: list[str], log: Callable[[str], None],
          quick: bool = False) -> list[dict[str, Any]]:
    """Throughput of each configuration on the same sample (chunks/s).

    The machine's load drifts, so the configurations run twice, forward then in reverse order,
    and each keeps the better of its two runs; then the best one is re-run unsorted and on one
    thread to show what length sorting and thread count are worth.
    """
    import torch

    default_threads = torch.get_num_threads()
    configs: list[tuple[str, int]] = [("fp32", 32)]
    if bf16 is not None:
        configs += [("bf16", bs) for bs in ((32,) if quick else (16, 32, 64, 128))]
    best_of: dict[tuple[str, int], float] = {}
    for order in ((configs,) if quick else (configs, configs[::-1])):
        for dtype, bs in order:
            model = bf16 if dtype == "bf16" else fp32
            cps = throughput(model, texts, batch_size=bs)
            best_of[(dtype, bs)] = max(cps, best_of.get((dtype, bs), 0.0))
    rows: list[dict[str, Any]] = []
    for dtype, bs in configs:
        rows.append({"dtype": dtype, "batch_size": bs, "sorted": True, "threads": default_threads,
                     "chunks_per_s": round(best_of[(dtype, bs)], 2)})
        log(f"  sweep {dtype} batch {bs}: {best_of[(dtype, bs)]:.1f} chunks/s")
    best = max(rows, key=lambda r: r["chunks_per_s"])
    model = bf16 if best["dtype"] == "bf16" else fp32
    extra: list[tuple[bool, int]] = [] if quick else [(False, default_threads)]
    if default_threads > 1 and not quick:
        extra.append((True, 1))
    for sort, threads in extra:
        cps = throughput(model, texts, batch_size=best["batch_size"], sort=sort, threads=threads)
        rows.append({"dtype": best["dtype"], "batch_size": best["batch_size"], "sorted": sort,
                     "threads": threads, "chunks_per_s": round(cps, 2)})
        log(f"  sweep {best['dtype']} batch {best['batch_size']} sorted={sort} threads={threads}: "
            f"{cps:.1f} chunks/s")
    return rows
