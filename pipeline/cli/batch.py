"""`pipeline batch status|collect`: follow provider batches submitted with `--batch`."""

from __future__ import annotations

from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from pipeline.cli.app import app, console, emit_json, fail

batch_app = typer.Typer(help="Provider batch jobs (submitted by `extract --batch` / `summarize --batch`).",
                        no_args_is_help=True)
app.add_typer(batch_app, name="batch")


def _job_json(job) -> dict:
    d = job.model_dump(mode="json", exclude={"items"})
    d["articles"] = job.article_ids
    d["requests"] = len(job.items)
    d["custom_ids"] = job.custom_id_map
    states: dict[str, int] = {}
    for it in job.items:
        states[it.state] = states.get(it.state, 0) + 1
    d["items"] = states
    return d


@batch_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
           offline: bool = typer.Option(False, "--offline",
                                        help="Show what is recorded without asking the vendors.")) -> None:
    """List batch jobs; open ones are refreshed from the vendor first."""
    from pipeline.batch import JobStore, refresh_all
    from pipeline.llm.base import LLMError

    try:
        jobs = JobStore().list() if offline else refresh_all()
    except (LLMError, OSError) as exc:
        fail(str(exc))
    if as_json:
        emit_json({"jobs": [_job_json(j) for j in jobs]})
        return
    if not jobs:
        console.print("No batch jobs. Submit one with `pipeline extract --batch` or "
                      "`pipeline summarize --batch`.")
        return
    table = Table(title="Batch jobs")
    for col in ("job", "vendor batch", "kind", "model", "status", "requests", "counts", "created"):
        table.add_column(col)
    for j in jobs:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(j.counts.items()) if v)
        table.add_row(j.job_id, j.batch_id or "-", j.kind, j.model,
                      j.status + (f" ({j.vendor_status})" if j.vendor_status else ""),
                      str(len(j.items)), counts or "-", j.created_at)
    console.print(table)
    for j in jobs:
        if j.error:
            console.print(f"[yellow]{j.job_id}[/]: {j.error}", highlight=False)


@batch_app.command("collect")
def collect(job: Optional[str] = typer.Argument(None, help="Job id or vendor batch id (default: all open)."),
            as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
            wait: bool = typer.Option(False, "--wait", help="Poll until each batch has ended."),
            poll_interval: float = typer.Option(30.0, "--poll-interval", min=0.0,
                                                help="Seconds between polls with --wait."),
            timeout: Optional[float] = typer.Option(None, "--timeout",
                                                    help="Stop waiting after this many seconds."),
            retry: bool = typer.Option(True, "--retry/--no-retry",
                                       help="Redo failed or expired requests synchronously "
                                            "(default) or only report them.")) -> None:
    """Store the results of ended batches exactly as synchronous runs would."""
    from pipeline.batch import collect as do_collect
    from pipeline.llm.base import LLMError

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=as_json) as progress:
        task = progress.add_task("collecting", total=None)

        def on_progress(n: int, total: int, aid: str) -> None:
            progress.update(task, completed=n, total=total, description=f"collecting {aid}")

        try:
            reports = do_collect(job, wait=wait, poll_interval=poll_interval, timeout=timeout,
                                 retry=retry, on_progress=on_progress)
        except KeyError as exc:
            fail(str(exc.args[0]) if exc.args else str(exc))
        except (LLMError, OSError, ValueError) as exc:
            fail(str(exc))
    if as_json:
        emit_json({"jobs": [r.model_dump(mode="json") for r in reports]})
    else:
        if not reports:
            console.print("No open batch jobs.")
        for r in reports:
            cost = f", ${r.usage.cost_usd:.4f}" if r.usage.cost_usd is not None else ""
            console.print(f"[bold]{r.job_id}[/] ({r.kind}, {r.model}, {r.batch_id or '-'}): "
                          f"{r.status}{cost}: {r.message}", highlight=False)
            for f in r.failed:
                console.print(f"  [red]failed[/] {f['article_id']} ({f['custom_id']}): "
                              f"{f['outcome']}: {f.get('error')}", highlight=False)
            for f in r.retried:
                console.print(f"  retried synchronously {f['article_id']} ({f['custom_id']}): "
                              f"{f['outcome']}", highlight=False)
    if any(r.failed for r in reports) or any(r.status == "failed" for r in reports):
        raise typer.Exit(1)
