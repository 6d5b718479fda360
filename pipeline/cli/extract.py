"""`pipeline extract` and `pipeline claims` (thin wrappers over `pipeline.extraction.extract`)."""

from __future__ import annotations

from contextlib import nullcontext

from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.cli.app import app, cli_errors, console, emit_json, fail
from pipeline.cli.options import AsJson, Concurrency, ExtractStrategy, Model, NoCache, Wait
from pipeline.errors import PipelineError

_out = Console(highlight=False)  # the command's product goes to stdout


@app.command()
@cli_errors({ValueError: 2, "PipelineError": 2})
def extract(
    ids: Optional[list[str]] = typer.Argument(None, help="Article ids (or source paths) to extract."),
    all_: bool = typer.Option(False, "--all", help="Extract every ingested article (again)."),
    new: bool = typer.Option(False, "--new", help="Only articles not yet extracted with this model and prompt."),
    model: Model = None,
    concurrency: Concurrency = None,
    strategy: ExtractStrategy = None,
    json_out: AsJson = False,
    wait: Wait = 0.0,
    batch: bool = typer.Option(False, "--batch", help="Submit through the provider's batch API (half price, "
                               "results within 24h); store them with `pipeline batch collect`."),
    no_cache: NoCache = False,
) -> None:
    """Extract who wins, who loses and what stays the same, with grounded evidence quotes."""
    from pipeline.context import Context
    from pipeline.extraction.extract import STRATEGIES
    from pipeline.extraction.run import run_extraction

    if all_ and new:
        fail("--all and --new exclude each other: --all re-extracts everything, --new only what is missing",
             code=2)
    if strategy is not None and strategy not in STRATEGIES:
        fail(f"unknown --strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}", code=2)
    if batch:  # pipeline.batch: submit now, `pipeline batch collect` stores the records later
        from pipeline.cli.batch import submit_batch_command
        ctx = Context.from_env(model=model, strategy=strategy, as_json=json_out)
        return submit_batch_command("extract", model=ctx.model_for("extract"), ids=list(ids or []), all=all_,
                                    new=new, strategy=strategy, as_json=json_out, settings=ctx.settings)
    from pipeline.llm import run_options

    with run_options(use_cache=False) if no_cache else nullcontext():
        try:
            ctx = Context.from_env(model=model, concurrency=concurrency, strategy=strategy, wait=wait,
                                   no_cache=no_cache, as_json=json_out)
            report = run_extraction(list(ids or []), all=all_, new=new, model=ctx.model_for("extract"),
                                    concurrency=ctx.concurrency, progress=console.is_terminal,
                                    strategy=strategy, wait=wait, settings=ctx.settings)
        except (PipelineError, ValueError):
            raise  # the handler: `error: <message>`, exit 2
        except Exception as exc:  # a bug or a foreign library's error: say which type it was
            fail(f"{type(exc).__name__}: {exc}", code=2)
    for f in report.failed:
        console.print(f"[bold red]failed:[/] {escape(f['id'])}: {escape(f['error'])}", highlight=False,
                      soft_wrap=True)
    if json_out:
        emit_json(report.to_json())
    else:
        u = report.usage
        console.print(
            f"extracted {len(report.extracted)}, skipped {len(report.skipped)}"
            f"{' (resumed an interrupted run)' if report.resumed else ''}, failed {len(report.failed)}"
            f" · {report.claims} claims, {report.unverified} unverified quote(s)"
            f"{f', {report.flagged_claims} from passages flagged as prompt injection' if report.flagged_claims else ''}"
            f" · {u.calls} call(s), {u.input_tokens}+{u.output_tokens} tokens"
            f"{f', ${u.cost_usd:.4f}' if u.cost_usd else ''} · {report.model} ({report.strategy})"
            f" · {report.seconds:.1f}s", highlight=False, soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


@app.command()
@cli_errors({OSError: 2, ValueError: 2})
def claims(
    party: Optional[str] = typer.Option(None, "--party", "-p", help="Only this party (case-insensitive; aliases merge)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Only records from this model."),
    json_out: AsJson = False,
) -> None:
    """The corpus-wide view: for each party, the articles calling it a winner or loser, with quotes."""
    from pipeline.parties.claims import corpus_claims

    data = corpus_claims(party=party, model=model)
    if json_out:
        emit_json(data)
        return
    if not data["parties"]:
        console.print("no claims" + (f" for party {escape(party)!r}" if party else "")
                      + " (run `pipeline extract --new` first?)", highlight=False)
        return
    for p in data["parties"]:
        table = Table(title=f"{escape(p['party'])}  (winner in {p['winner_count']}, loser in {p['loser_count']})",
                      title_justify="left", show_lines=False, expand=False)
        table.add_column("as", style="bold")
        table.add_column("article")
        table.add_column("quote")
        for role in ("winner", "loser"):
            for c in p[role + "s"]:
                flag = " [red](flagged: injection)[/]" if c.get("flagged_injection") else ""
                status = "" if c["status"] == "exact" else f" [dim]({c['status']})[/]"
                table.add_row(role, escape(c["article_title"] or c["article_id"]),
                              f"“{escape(c['quote'])}”{status}{flag}")
        _out.print(table)
