"""`pipeline run` (the main job) and `pipeline report` (rebuild the HTML report, no LLM call)."""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from pipeline.progress import ConsoleProgress
from pipeline.cli.app import app, cli_errors, console, emit_json, fail
from pipeline.cli.options import AsJson, Concurrency, ExtractStrategy, MaxCost, Model, NoCache

_LABELS = {"ingest": "Ingest", "extract": "Extract", "parties": "Parties", "summarize": "Summarize",
           "report": "Report"}


class RichStages(ConsoleProgress):
    """One progress display for the whole run: a line per stage, filled in as each runs."""

    def __init__(self) -> None:
        from pipeline.run import STAGES

        super().__init__({name: _LABELS[name] for name in STAGES})


def _money(x: float | None) -> str:
    return "n/a (unpriced)" if x is None else ("$0" if x == 0 else f"${x:.4f}")


def _tables(data: dict[str, Any]) -> tuple[Table, Table]:
    rate = data["grounding_rate"]
    corpus = Table(title="pipeline run", title_justify="left", show_header=False, box=None, padding=(0, 2))
    corpus.add_column(style="bold")
    corpus.add_column(justify="right")
    for k, v in (("articles", data["articles"]), ("chunks", data["chunks"]),
                 ("claims", f"{data['claims']} ({data['unverified']} unverified)"),
                 ("grounding rate", "n/a" if rate is None else f"{100 * rate:.1f}%"),
                 ("parties", data.get("parties", 0)),
                 ("tokens", f"{data['tokens']:,} ({data['llm_calls']} LLM calls, {data['cached_calls']} cached)"),
                 ("cost", _money(data["cost_usd"])), ("time", f"{data['seconds']:.1f}s")):
        corpus.add_row(k, str(v))
    stages = Table(title="time per stage", title_justify="left")
    for col, just in (("stage", "left"), ("what happened", "left"), ("time", "right"), ("LLM calls", "right"),
                      ("tokens", "right"), ("cost", "right")):
        stages.add_column(col, justify=just)  # type: ignore[arg-type]
    for s in data["stages"]:
        stages.add_row(s["name"], s["detail"], f"{s['seconds']:.1f}s", str(s["calls"]), f"{s['tokens']:,}",
                       _money(s["cost_usd"]) if s["calls"] else "–")
    return corpus, stages


@app.command("run")
@cli_errors({"BudgetExceeded": 1, "RunError": 2, "LockHeld": 2, ValueError: 2, "LLMError": 1, OSError: 1})
def run_cmd(
    paths: Optional[list[Path]] = typer.Argument(None, help="Files or folders to analyse (default: corpus/)."),
    model: Model = None,
    out: Optional[Path] = typer.Option(None, "--out", help="Write report.html into this folder "
                                                           "(default: $PIPELINE_HOME/report.html)."),
    as_json: AsJson = False,
    max_cost: MaxCost = None,
    concurrency: Concurrency = None,
    strategy: ExtractStrategy = None,
    no_cache: NoCache = False,
) -> None:
    """Ingest, extract what is new, summarize what is new, and write the HTML report."""
    from pipeline.context import Context
    from pipeline.llm import run_options
    from pipeline.run import run_pipeline

    ctx = Context.from_env(model=model, max_cost=max_cost, concurrency=concurrency, strategy=strategy,
                           no_cache=no_cache, as_json=as_json)
    with run_options(use_cache=False) if no_cache else nullcontext():
        with RichStages() as stages:
            result = run_pipeline(list(paths) if paths else None, model=model, out=out, max_cost=max_cost,
                                  concurrency=concurrency, strategy=strategy, progress=stages,
                                  settings=ctx.settings)
    data = result.to_json()
    if as_json:
        emit_json(data)
    else:
        corpus, per_stage = _tables(data)
        console.print(corpus)
        console.print(per_stage)
        for f in result.failed:
            console.print(f"[yellow]failed:[/] {f.get('path')}: {f.get('error')}", highlight=False)
        console.print(f"Report: [bold]{result.report}[/]  ({result.report.resolve().as_uri()})", highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@app.command("report")
@cli_errors({ValueError: 2})
def report_cmd(
    out: Optional[Path] = typer.Option(None, "--out", help="Write the report to this file "
                                                           "(default: $PIPELINE_HOME/report.html)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"report", "articles", "extracted"} as JSON.'),
    eval_result: Optional[Path] = typer.Option(
        None, "--eval", help="A saved `pipeline eval --json [--explain]` result to include (kept in "
                             "$PIPELINE_HOME/eval/last.json for later rebuilds)."),
) -> None:
    """Rebuild the HTML report from $PIPELINE_HOME (no LLM call)."""
    from pipeline import config
    from pipeline.report.builder import write_report
    from pipeline.report.data import default_report_path, load_eval_file, load_inputs, save_eval_result

    home = config.home()
    if not (home / "manifest.sqlite").exists():
        fail(f"nothing to report: {home} has no ingested articles; run `pipeline run` first")
    if eval_result is not None:
        save_eval_result(load_eval_file(eval_result), home)  # ValueError: exit 2
    from rich.markup import escape

    try:
        inputs = load_inputs(home)  # ManifestError, StoreError: exit 2 (their own code)
    except sqlite3.Error as exc:
        fail(escape(f"cannot read the manifest in {home}: {exc}"), 2)
    try:
        path = write_report(inputs, out or default_report_path(home))
    except OSError as exc:
        fail(escape(f"cannot write the report: {exc}"))
    if as_json:
        emit_json({"report": str(path), "articles": len(inputs.articles), "extracted": len(inputs.records)})
    else:
        console.print(f"Report: [bold]{path}[/]  ({path.resolve().as_uri()}) · {len(inputs.articles)} articles, "
                      f"{len(inputs.records)} extracted", highlight=False)
