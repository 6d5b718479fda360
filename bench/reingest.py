"""Re-ingest of an unchanged corpus: how much faster than the first ingest, and zero embeddings.

Reuses the store the `ingest` benchmark built in this run when the size matches; otherwise it
does the first ingest itself (embedder as shipped), timed the same way. The re-ingest runs with
a counting wrapper around the same embedder, so `embedding_calls` is what the pipeline asked for.
"""

from __future__ import annotations

import time
from typing import Any

from bench import embedding
from bench.common import Context, Ingested, finish_result, load_caption, new_result, rnd, table

NAME = "reingest"
DEFAULT_SIZE = 100
TARGETS = {"speedup_vs_first_ingest": 100.0, "embedding_calls": 0}
REPEATS = 3


def first_ingest(ctx: Context, n: int) -> Ingested:
    if n in ctx.ingested:
        return ctx.ingested[n]
    from bench.ingest import PipelinePath

    corpus = ctx.corpus(n)
    home = ctx.path("reingest", "home")
    ctx.log(f"reingest: first ingest of {n} articles")
    emb = ctx.embedder()
    path = PipelinePath(home, emb)
    path.ingest([corpus])
    r = path.summary()
    ctx.ingested[n] = Ingested(home=home, corpus=corpus, articles=r["articles"], chunks=r["chunks"],
                               seconds=r["seconds"], embed_dtype=emb.dtype)
    return ctx.ingested[n]


class _LazyEmbedder:
    """Loads the real embedder only if the re-ingest asks for a vector (it should not)."""

    def __init__(self, ctx: Context) -> None:
        from pipeline.corpus.embed import DIM, configured_model_name

        self.ctx, self.model_name, self.dim = ctx, configured_model_name(), DIM

    def embed(self, texts: list[str], progress: Any = None) -> Any:
        return self.ctx.embedder().embed(texts, progress=progress)


def run(ctx: Context, size: int | None = None) -> dict[str, Any]:
    from pipeline.corpus.ingest import ingest_paths
    from pipeline.corpus.store import Store

    n = size or DEFAULT_SIZE
    started = time.perf_counter()
    result = new_result(NAME, n)
    first = first_ingest(ctx, n)
    counting = embedding.TimingEmbedder(_LazyEmbedder(ctx), keep_texts=False)
    times: list[float] = []
    skipped = ingested = 0
    for _ in range(REPEATS):
        store = Store(home=first.home)
        _ = store.collection  # opening Chroma is part of neither ingest's timing
        t0 = time.perf_counter()
        report = ingest_paths([first.corpus], store=store, progress=False, embedder=counting)
        times.append(time.perf_counter() - t0)
        store.close()
        skipped, ingested = len(report.skipped), len(report.ingested)
    best = min(times)
    result.update({
        "first_ingest": {"seconds": first.seconds, "articles": first.articles, "chunks": first.chunks,
                         "embed_dtype": first.embed_dtype},
        "reingest": {"seconds": rnd(best, 4), "seconds_all": [rnd(t, 4) for t in times],
                     "articles_per_s": rnd(first.articles / best, 1), "skipped": skipped, "ingested": ingested},
        "speedup_vs_first_ingest": rnd(first.seconds / best, 1),
        "embedding_calls": counting.calls,
        "texts_embedded": counting.texts_embedded,
        "targets": TARGETS,
    })
    result["met"] = {"speedup_vs_first_ingest": result["speedup_vs_first_ingest"] >= TARGETS["speedup_vs_first_ingest"],
                     "embedding_calls": counting.calls == 0}
    return finish_result(result, ctx, started)


def render(result: dict[str, Any]) -> list[Any]:
    f, r = result["first_ingest"], result["reingest"]
    return [table(f"re-ingest: {result['size']} unchanged articles", ["run", "seconds", "embedding calls", "skipped"],
                  [["first ingest", f["seconds"], "", ""],
                   [f"re-ingest (best of {len(r['seconds_all'])})", r["seconds"], result["embedding_calls"], r["skipped"]]],
                  caption=f"speedup {result['speedup_vs_first_ingest']}x (target ≥100) · " + load_caption(result))]
