"""`pipeline summarize` and `pipeline ask`: the two everyday uses of an ingested corpus."""

from __future__ import annotations

from contextlib import nullcontext

from typing import Optional

import typer
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.cli.app import app, console, emit_json, fail


def _store():
    from pipeline.corpus.store import Store

    return Store()


@app.command()
def summarize(
    new: bool = typer.Option(False, "--new", help="Only articles not yet summarized with this model and prompt (the default)."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Articles published on or after DATE (YYYY-MM-DD)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="PROVIDER:MODEL (default: config, then `local`)."),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Markdown file for the digest (default: $PIPELINE_HOME/digest.md)."),
    strategy: str = typer.Option("auto", "--strategy", help="auto | free (model writes) | extractive (model picks sentences)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summaries and digest as JSON."),
    batch: bool = typer.Option(False, "--batch", help="Submit through the provider's batch API (half price, "
                               "results within 24h); `pipeline batch collect` writes summaries and digest."),
    wait: float = typer.Option(0.0, "--wait", help="Seconds to wait for another writer to finish."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Bypass the response cache: call the model again and store nothing."),
) -> None:
    """Summarize new articles and write a digest: winners, losers, what stays, disagreements."""
    from pipeline.llm import LLMError
    from pipeline.lock import LockHeld
    from pipeline.query.retrieve import RetrievalError
    from pipeline.corpus.store import StoreError
    from pipeline.summarize import summarize as run_summarize

    if new and since:
        fail("--new and --since are alternatives; give one")
    if strategy not in ("auto", "free", "extractive"):
        fail(f"--strategy must be auto, free or extractive, not {strategy!r}")
    if batch:  # pipeline.batch: submit now, `pipeline batch collect` writes the digest later
        from pipeline.cli.batch import submit_batch_command
        from pipeline.config import load_settings
        return submit_batch_command("summarize", model=load_settings().model_for("summarize", model),
                                    since=since, out=out, strategy=strategy, as_json=as_json)
    from pipeline.llm import run_options

    with run_options(use_cache=False) if no_cache else nullcontext():
        try:
            store = _store()
            with Progress(TextColumn("[bold]Summarize"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[note]}", markup=False), TimeElapsedColumn(),
                          console=console, transient=True) as progress:
                task = progress.add_task("", total=None, note="")

                def on_progress(n: int, total: int, article_id: str) -> None:
                    progress.update(task, completed=n - 1, total=total, note=article_id)

                result = run_summarize(since=since, model=model, out=out, strategy=strategy,  # type: ignore[arg-type]
                                       store=store, on_progress=on_progress, wait=wait)
        except (LockHeld, RetrievalError, LLMError, StoreError, FileNotFoundError, ValueError) as exc:
            fail(str(exc))
    if as_json:
        emit_json(result.to_json())
        console.print(result.message, highlight=False, markup=False)
        return
    console.print(result.message, highlight=False, markup=False)
    if result.digest is not None and result.out:
        console.print(Markdown(open(result.out, encoding="utf-8").read()))


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    k: int = typer.Option(6, "--k", "-k", min=1, max=50, help="Passages to retrieve."),
    source: Optional[str] = typer.Option(None, "--source", help="Only articles from this source (publication)."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only articles published on or after DATE."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="PROVIDER:MODEL (default: config, then `local`)."),
    strategy: str = typer.Option("auto", "--strategy", help="auto | free (model writes, cites) | extractive (model picks sentences)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"answer", "citations", "retrieved"} as JSON.'),
    no_cache: bool = typer.Option(False, "--no-cache", help="Bypass the response cache: call the model again and store nothing."),
) -> None:
    """Answer a question from the corpus with checked \\[article_id#chunk] citations."""
    from pipeline.query.ask import ask as run_ask
    from pipeline.query.ask import render_markdown
    from pipeline.llm import LLMError
    from pipeline.query.retrieve import RetrievalError, Retriever
    from pipeline.corpus.store import StoreError

    if strategy not in ("auto", "free", "extractive"):
        fail(f"--strategy must be auto, free or extractive, not {strategy!r}")
    from pipeline.llm import run_options

    with run_options(use_cache=False) if no_cache else nullcontext():
        try:
            store = _store()
            if not store.list_articles():
                fail("the corpus is empty: run `pipeline ingest PATH` first")
            with console.status("retrieving and answering…"):
                result = run_ask(question, k=k, source=source, since=since, model=model,
                                 strategy=strategy, retriever=Retriever(store))  # type: ignore[arg-type]
        except (RetrievalError, LLMError, StoreError, FileNotFoundError, ValueError) as exc:
            fail(str(exc))
    if as_json:
        emit_json(result.to_json())
        return
    typer.echo(render_markdown(result), nl=False)
