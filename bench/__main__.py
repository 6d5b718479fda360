"""`python -m bench [NAME ...] [--size N] [--json]`: run benchmarks, print tables, write results.

Each benchmark measures its baseline in the same run on the same data and writes
`bench/results/<name>.json`. With no NAME all run, in an order that lets later ones reuse what
earlier ones built (the ingest's store serves re-ingest and extract).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, Context, load_average

BENCHMARKS = ("ingest", "reingest", "extract", "query", "local", "memory", "parties")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    p.add_argument("--size", type=int, default=None,
                   help="override each benchmark's size (articles; chunks for query)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON document on stdout")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where <name>.json files go")
    p.add_argument("--keep", action="store_true", help="keep the temp workspace (corpora, stores)")
    p.add_argument("--quick", action="store_true",
                   help="smoke mode for tests: fewer repetitions and variants (figures are not for reporting)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if args.size is not None and args.size < 1:
        print(f"--size must be a positive number, got {args.size}", file=sys.stderr)
        return 2
    ctx = Context(json_mode=args.json, keep=args.keep, quick=args.quick, results_dir=args.results_dir)
    results: dict[str, Any] = {}
    failed: dict[str, str] = {}
    t0 = time.perf_counter()
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            ctx.log(f"[bold]{name}[/] (load average {load_average()})")
            try:
                result = module.run(ctx, args.size)
            except Exception as exc:  # one broken benchmark must not hide the others' figures
                failed[name] = f"{type(exc).__name__}: {exc}"
                ctx.console.print(f"[bold red]{name} failed:[/] {failed[name]}", highlight=False)
                continue
            results[name] = result
            for t in module.render(result):
                ctx.show(t)
    finally:
        if args.keep:
            ctx.log(f"workspace kept at {ctx.root}")
        ctx.close()
    ctx.log(f"done in {time.perf_counter() - t0:.0f}s (load average {load_average()})")
    if args.json:
        out = {"results": results, "failed": failed, "seconds": round(time.perf_counter() - t0, 1)}
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
