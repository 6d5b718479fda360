"""Smoke test of the benchmark harness: every benchmark runs at a tiny size through
`python -m bench ... --json` and its JSON carries the keys docs/benchmarks.md promises.

The figures at this size mean nothing; the real runs are `python -m bench` (see the docs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROMISED = {
    "ingest": ["speedup_vs_langchain", "ratio_to_raw_embedding", "pipeline", "langchain", "raw_embedding",
               "sweep", "best_setup", "bf16_vs_fp32", "load_average_start", "load_average_end"],
    "reingest": ["speedup_vs_first_ingest", "embedding_calls", "first_ingest", "reingest"],
    "extract": ["parallel_efficiency_c8", "parallel_efficiency_c32", "calls_with_warm_cache", "runs",
                "calls_per_article", "client_cpu_ms_per_article"],
    "local": ["prompt_tokens_per_s", "generation_tokens_per_s", "extract_seconds_per_article", "token_rates"],
    "memory": ["ingest_rss_ratio_3_vs_1", "extract_rss_ratio_3_vs_1", "ingest_peak_rss_mb_3", "runs"],
    "query": ["results", "p95_growth_hybrid_big_vs_small", "p95_ms_200"],
    "parties": ["query_s", "link_one_article_ms", "speedup_vs_claims_grouping", "query", "cpu_s", "met"],
}


def _bench(args: list[str], results: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PIPELINE_HOME", "PIPELINE_MODEL", "OPENAI_API_KEY",
                                                          "OPENAI_BASE_URL", "PIPELINE_EMBED_DTYPE")}
    proc = subprocess.run([sys.executable, "-m", "bench", *args, "--quick", "--json", "--results-dir", str(results)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_every_benchmark_runs_and_writes_its_promised_keys(tmp_path):
    out = _bench(["ingest", "reingest", "extract", "local", "memory", "--size", "3"], tmp_path)
    out["results"].update(_bench(["query", "--size", "200"], tmp_path)["results"])
    out["results"].update(_bench(["parties", "--size", "500"], tmp_path)["results"])
    assert not out["failed"]
    for name, keys in PROMISED.items():
        result = out["results"][name]
        missing = [k for k in keys if k not in result]
        assert not missing, f"{name}: missing {missing}"
        on_disk = json.loads((tmp_path / f"{name}.json").read_text())
        assert on_disk["benchmark"] == name and on_disk["load_average_start"]
    ing = out["results"]["ingest"]
    assert ing["pipeline"]["articles"] == 3 and ing["pipeline"]["chunks"] == ing["raw_embedding"]["chunks"] > 0
    assert ing["langchain"]["articles"] == 3 and ing["langchain"]["stored"] == ing["langchain"]["chunks"]
    assert out["results"]["reingest"]["embedding_calls"] == 0
    assert out["results"]["reingest"]["reingest"]["skipped"] == 3
    ex = out["results"]["extract"]
    assert ex["calls_with_warm_cache"] == 0 and ex["calls_per_article"] >= 1
    assert all(r["extracted"] == 3 and 0 < r["work_seconds"] <= r["seconds"] for r in ex["runs"])
    assert [r["ideal_speedup"] for r in ex["runs"]] == [1, 3, 3]  # 3 calls: one round at c=8 and c=32
    assert out["results"]["local"]["generation_tokens_per_s"] > 0
    assert out["results"]["memory"]["runs"]["ingest_3"]["peak_rss_mb"] > 100  # the model alone is more
    pt = out["results"]["parties"]
    assert pt["claims"] == 500 and pt["articles"] == 100 and pt["parties"] > 10 and pt["linked_mentions"] >= 3
    assert 0 < pt["query"]["query_s"] < pt["query"]["no_sidecar_s"] and pt["query"]["timeline_entries"] > 0
    q = out["results"]["query"]["results"]
    assert set(q) == {"20", "200"} and set(q["200"]["components_ms"]) == {"embed_query", "chroma_search", "bm25_top"}
    assert all(r["mean_hits"] > 0 for r in q["200"]["latency"])  # filters match some of 20 articles
    assert all(r["mean_hits"] == 6 for t in q.values() for r in t["latency"] if r["filter"] == "none")


def test_ingest_rounds_let_pipeline_and_raw_go_first_equally_often():
    """Whoever meets a batch shape first would pay oneDNN's kernel set-up (the bench also warms
    them up untimed); neither side may be favoured, and the two run back to back."""
    sys.path.insert(0, str(REPO))
    from bench.ingest import ROUNDS, _order

    for best in (False, True):
        orders = [_order(i, best) for i in range(ROUNDS)]
        assert all(sorted(o) == sorted(["pipeline", "raw"] + (["best"] if best else [])) for o in orders)
        pipeline_first = sum(o.index("pipeline") < o.index("raw") for o in orders)
        assert ROUNDS % 2 == 0 and pipeline_first * 2 == ROUNDS
        assert all(abs(o.index("pipeline") - o.index("raw")) == 1 for o in orders)
