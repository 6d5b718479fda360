"""Ingest throughput: `pipeline ingest` vs the common LangChain path vs the raw embedding limit.

All three run in this process on the same generated files with the same MiniLM weights:

* pipeline: `ingest_paths` into a fresh store, with the embedder as shipped (`PIPELINE_EMBED_DTYPE`
  unset, i.e. `auto`). Model load is timed separately and excluded, as for LangChain.
* LangChain: the tutorial path with LangChain's defaults: `RecursiveCharacterTextSplitter`
  (chunk_size=1000, chunk_overlap=200 characters, the RAG tutorial's values; its 4,000-character
  default would overflow MiniLM's 256 word-pieces) + `HuggingFaceEmbeddings` (fp32, batch 32) +
  `langchain_chroma.Chroma.add_documents`, one document at a time. Files are parsed with the
  pipeline's own readers (timed in this path too), so only split → embed → store differs.
* raw: the MiniLM forward pass alone (tokenize, encode, normalize) over exactly the chunks the
  pipeline embedded, in the best configuration the sweep found on this CPU.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench import embedding
from bench.common import Context, Ingested, finish_result, load_caption, new_result, rnd, table

NAME = "ingest"
DEFAULT_SIZE = 200
SWEEP_SAMPLE = 128
LC_CHUNK_SIZE, LC_OVERLAP = 1000, 200
TARGETS = {"speedup_vs_langchain": 2.5, "ratio_to_raw_embedding": 1.15}


def _warm_imports(corpus: Path) -> None:
    """Import and exercise the readers once so neither path pays first-import costs."""
    import chromadb  # noqa: F401
    from pipeline.ingest.files import discover, read_file

    files, _ = discover([corpus])
    seen: set[str] = set()
    for f in files:
        if f.suffix not in seen:
            seen.add(f.suffix)
            read_file(f, 10 << 20)


def run_pipeline(corpus: Path, home: Path, embedder: Any) -> dict[str, Any]:
    from pipeline.ingest import ingest_paths
    from pipeline.store import Store

    timing = embedding.TimingEmbedder(embedder)
    store = Store(home=home)
    _ = store.collection
    t0 = time.perf_counter()
    report = ingest_paths([corpus], store=store, progress=False, embedder=timing)
    seconds = time.perf_counter() - t0
    store.close()
    if report.failed:
        raise RuntimeError(f"pipeline ingest failed on {len(report.failed)} file(s): {report.failed[:3]}")
    n = len(report.ingested)
    return {"seconds": rnd(seconds), "articles": n, "chunks": report.chunks_embedded,
            "articles_per_s": rnd(n / seconds), "chunks_per_s": rnd(report.chunks_embedded / seconds),
            "embed_seconds": rnd(timing.seconds), "outside_embedding_seconds": rnd(seconds - timing.seconds),
            "embed_calls": timing.calls, "dtype": embedder.dtype, "batch_size": embedder.batch_size,
            "duplicates": len(report.duplicates), "_texts": timing.texts}


def run_langchain(corpus: Path, persist: Path, model_path: Path) -> dict[str, Any]:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from pipeline.ingest.files import discover, read_file

    t0 = time.perf_counter()
    emb = HuggingFaceEmbeddings(model_name=str(model_path))  # defaults: cpu, fp32, batch 32
    load_s = time.perf_counter() - t0
    store = Chroma(collection_name="langchain", embedding_function=emb, persist_directory=str(persist))
    splitter = RecursiveCharacterTextSplitter(chunk_size=LC_CHUNK_SIZE, chunk_overlap=LC_OVERLAP)
    files, _ = discover([corpus])
    articles = chunks = 0
    t0 = time.perf_counter()
    for path in files:
        candidates, _problems = read_file(path, 10 << 20)
        for cand in candidates:
            a = cand.article
            docs = splitter.split_documents([Document(page_content=a.text,
                                                      metadata={"source": a.path, "title": a.title})])
            store.add_documents(docs)
            articles += 1
            chunks += len(docs)
    seconds = time.perf_counter() - t0
    count = store._collection.count()
    dtype = str(next(emb._client.parameters()).dtype).replace("torch.", "")
    return {"seconds": rnd(seconds), "articles": articles, "chunks": chunks, "stored": count,
            "articles_per_s": rnd(articles / seconds), "chunks_per_s": rnd(chunks / seconds),
            "model_load_seconds": rnd(load_s), "dtype": dtype,
            "settings": {"chunk_size": LC_CHUNK_SIZE, "chunk_overlap": LC_OVERLAP, "batch_size": 32,
                         "documents_per_add": 1}}


def run(ctx: Context, size: int | None = None) -> dict[str, Any]:
    from pipeline.embed import model_path

    n = size or DEFAULT_SIZE
    started = time.perf_counter()
    result = new_result(NAME, n)
    corpus = ctx.corpus(n)
    _warm_imports(corpus)

    ctx.log(f"ingest: loading the embedder as shipped (PIPELINE_EMBED_DTYPE=auto) for {n} articles")
    shipped = ctx.embedder()
    result["pipeline_model_load_seconds"] = rnd(shipped.load_seconds)
    result["auto_probe"] = {"chose": shipped.dtype, "bf16_cosine": rnd(shipped.bf16_cosine, 6),
                            "bf16_speedup_on_probes": rnd(shipped.bf16_speedup)}

    ctx.log("ingest: pipeline path")
    pipe = run_pipeline(corpus, ctx.path("ingest", "home"), shipped)
    texts = pipe.pop("_texts")
    ctx.ingested[n] = Ingested(home=ctx.path("ingest", "home"), corpus=corpus, articles=pipe["articles"],
                               chunks=pipe["chunks"], seconds=pipe["seconds"], embed_dtype=shipped.dtype)
    result["pipeline"] = pipe

    ctx.log("ingest: embedding sweep (dtype, batch size, sorting, threads) on a sample of the chunks")
    fp32 = shipped if shipped.dtype == "fp32" else embedding.load("fp32")[0]
    bf16 = shipped if shipped.dtype == "bf16" else None
    try:
        bf16 = bf16 or embedding.load("bf16")[0]
    except Exception as exc:  # no usable bf16 on this CPU: the sweep stays fp32
        result["bf16_error"] = str(exc)
    sample = embedding.sample(texts, SWEEP_SAMPLE)
    if bf16 is not None:
        result["bf16_vs_fp32"] = embedding.cosine_check(fp32, bf16, sample)
    rows = embedding.sweep(fp32, bf16, sample, ctx.log, quick=ctx.quick)
    result["sweep"] = rows
    sorted_rows = [r for r in rows if r["sorted"] and r["threads"] == rows[0]["threads"]]
    best = max(sorted_rows, key=lambda r: r["chunks_per_s"])
    result["best_setup"] = {k: best[k] for k in ("dtype", "batch_size", "threads")}
    best_model = bf16 if best["dtype"] == "bf16" else fp32

    ctx.log(f"ingest: raw MiniLM limit on all {len(texts)} chunks ({best['dtype']}, batch {best['batch_size']})")
    best_model.batch_size = best["batch_size"]
    t0 = time.perf_counter()
    best_model.embed(texts)
    raw_s = time.perf_counter() - t0
    result["raw_embedding"] = {"seconds": rnd(raw_s), "chunks": len(texts), "chunks_per_s": rnd(len(texts) / raw_s),
                               "dtype": best["dtype"], "batch_size": best["batch_size"]}

    if (best_model is not shipped) or best["batch_size"] != shipped.batch_size:
        ctx.log("ingest: pipeline path again with the best setup (what fixing the default would give)")
        best_run = run_pipeline(corpus, ctx.path("ingest", "home-best"), best_model)
        best_run.pop("_texts")
        result["pipeline_best_setup"] = best_run
    best_model.batch_size = 32

    ctx.log(f"ingest: LangChain path ({LC_CHUNK_SIZE}/{LC_OVERLAP} splitter, fp32, one document at a time)")
    lc = run_langchain(corpus, ctx.path("ingest", "langchain"), model_path())
    result["langchain"] = lc

    result["speedup_vs_langchain"] = rnd(lc["seconds"] / pipe["seconds"])
    result["ratio_to_raw_embedding"] = rnd(pipe["seconds"] / raw_s)
    result["chunks_per_s_vs_langchain"] = rnd(pipe["chunks_per_s"] / lc["chunks_per_s"])
    if "pipeline_best_setup" in result:
        b = result["pipeline_best_setup"]
        result["speedup_vs_langchain_best_setup"] = rnd(lc["seconds"] / b["seconds"])
        result["ratio_to_raw_embedding_best_setup"] = rnd(b["seconds"] / raw_s)
    result["ratio_to_raw_if_io_overlapped"] = rnd(pipe["embed_seconds"] / raw_s)
    result["targets"] = TARGETS
    result["met"] = {"speedup_vs_langchain": result["speedup_vs_langchain"] >= TARGETS["speedup_vs_langchain"],
                     "ratio_to_raw_embedding": result["ratio_to_raw_embedding"] <= TARGETS["ratio_to_raw_embedding"]}
    return finish_result(result, ctx, started)


def render(result: dict[str, Any]) -> list[Any]:
    p, lc, raw = result["pipeline"], result["langchain"], result["raw_embedding"]
    rows = [["pipeline ingest (as shipped)", p["seconds"], p["articles_per_s"], p["chunks"], p["chunks_per_s"],
             f"{p['dtype']}, batch {p['batch_size']}"]]
    if "pipeline_best_setup" in result:
        b = result["pipeline_best_setup"]
        rows.append(["pipeline ingest (best setup)", b["seconds"], b["articles_per_s"], b["chunks"],
                     b["chunks_per_s"], f"{b['dtype']}, batch {b['batch_size']}"])
    rows += [["LangChain path", lc["seconds"], lc["articles_per_s"], lc["chunks"], lc["chunks_per_s"],
              f"{lc['dtype']}, one doc at a time"],
             ["raw MiniLM forward (limit)", raw["seconds"], None, raw["chunks"], raw["chunks_per_s"],
              f"{raw['dtype']}, batch {raw['batch_size']}"]]
    main = table(f"ingest: {result['size']} articles", ["path", "seconds", "articles/s", "chunks", "chunks/s", "setup"],
                 rows, caption=(f"speedup vs LangChain {result['speedup_vs_langchain']}x (target ≥2.5) · "
                                f"ratio to raw {result['ratio_to_raw_embedding']} (target ≤1.15) · "
                                + load_caption(result)))
    sweep = table("embedding sweep (sample of the same chunks)", ["dtype", "batch", "sorted", "threads", "chunks/s"],
                  [[r["dtype"], r["batch_size"], r["sorted"], r["threads"], r["chunks_per_s"]] for r in result["sweep"]],
                  caption=f"bf16 vs fp32: {result.get('bf16_vs_fp32')}")
    return [main, sweep]
