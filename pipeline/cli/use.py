"""`pipeline summarize` and `pipeline ask`: the two everyday uses of an ingested corpus."""

from __future__ import annotations

from contextlib import nullcontext

from typing import Optional

import typer
from rich.markdown import Markdown

from pipeline.cli.app import ErrorCodes, app, cli_errors, console, emit_json, fail
from pipeline.cli.options import AsJson, Model, NoCache, Since, Wait
from pipeline.config import Settings
from pipeline.context import Context
from pipeline.progress import ConsoleProgress, SilentProgress

# summarize and ask exit 1 on every error they report (their codes before the one handler)
_ALL_FAIL: ErrorCodes = {"PipelineError": 1, FileNotFoundError: 1, ValueError: 1}


def _store(settings: Settings):
    from pipeline.corpus.store import Store

    return Store(settings=settings)


@app.command()
@cli_errors(_ALL_FAIL)
def summarize(
    new: bool = typer.Option(False, "--new", help="Only articles not yet summarized with this model and prompt (the default)."),
    since: Since = None,
    model: Model = None,
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Markdown file for the digest (default: $PIPELINE_HOME/digest.md)."),
    strategy: str = typer.Option("auto", "--strategy", help="auto | free (model writes) | extractive (model picks sentences)."),
    as_json: AsJson = False,
    batch: bool = typer.Option(False, "--batch", help="Submit through the provider's batch API (half price, "
                               "results within 24h); `pipeline batch collect` writes summaries and digest."),
    wait: Wait = 0.0,
    no_cache: NoCache = False,
) -> None:
    """Summarize new articles and write a digest: winners, losers, what stays, disagreements."""
    from pipeline.summarize import summarize as run_summarize

    if new and since:
        fail("--new and --since are alternatives; give one")
    if strategy not in ("auto", "free", "extractive"):
        fail(f"--strategy must be auto, free or extractive, not {strategy!r}")
    if batch:  # pipeline.batch: submit now, `pipeline batch collect` writes the digest later
        from pipeline.cli.batch import submit_batch_command
        ctx = Context.from_env(model=model, as_json=as_json)
        return submit_batch_command("summarize", model=ctx.model_for("summarize"), settings=ctx.settings,
                                    since=since, out=out, strategy=strategy, as_json=as_json)
    from pipeline.llm import run_options

    ctx = Context.from_env(model=model, no_cache=no_cache, wait=wait, as_json=as_json)
    with run_options(use_cache=False) if no_cache else nullcontext():
        store = _store(ctx.settings)
        bar = ConsoleProgress({"summarize": "Summarize"}, transient=True) if console.is_terminal else None
        with bar or nullcontext():
            if bar is not None:
                bar.start("summarize")
            result = run_summarize(since=since, model=model, out=out, strategy=strategy,  # type: ignore[arg-type]
                                   store=store, on_progress=bar or SilentProgress(), wait=wait,
                                   settings=ctx.settings)
    if as_json:
        emit_json(result.to_json())
        console.print(result.message, highlight=False, markup=False)
        return
    console.print(result.message, highlight=False, markup=False)
    if result.digest is not None and result.out:
        console.print(Markdown(open(result.out, encoding="utf-8").read()))


@app.command()
@cli_errors(_ALL_FAIL)
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    k: int = typer.Option(6, "--k", "-k", min=1, max=50, help="Passages to retrieve."),
    source: Optional[str] = typer.Option(None, "--source", help="Only articles from this source (publication)."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only articles published on or after DATE."),
    model: Model = None,
    strategy: str = typer.Option("auto", "--strategy", help="auto | free (model writes, cites) | extractive (model picks sentences)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"answer", "citations", "retrieved"} as JSON.'),
    no_cache: NoCache = False,
) -> None:
    """Answer a question from the corpus with checked \\[article_id#chunk] citations.

    Questions that need counting ("who lost most often since June", "when did X stop winning")
    are answered from the extracted claims, citing every article counted."""
    from pipeline.parties.questions import ask_json, ask_routed, render
    from pipeline.query.retrieve import Retriever

    if strategy not in ("auto", "free", "extractive"):
        fail(f"--strategy must be auto, free or extractive, not {strategy!r}")
    from pipeline.llm import run_options

    ctx = Context.from_env(model=model, no_cache=no_cache, as_json=as_json)
    with run_options(use_cache=False) if no_cache else nullcontext():
        store = _store(ctx.settings)
        if not store.list_articles():
            fail("the corpus is empty: run `pipeline ingest PATH` first")
        with console.status("retrieving and answering…"):
            result = ask_routed(question, k=k, source=source, since=since, model=model,
                                strategy=strategy, retriever=Retriever(store),
                                settings=ctx.settings)
    if as_json:
        emit_json(ask_json(result))
        return
    typer.echo(render(result), nl=False)
