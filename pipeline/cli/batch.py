"""`pipeline batch status|collect`: follow provider batches submitted with `--batch`."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Iterator, Optional

import typer
from rich.markup import escape

from pipeline.cli.app import app, cli_errors, console, emit_json, fail
from pipeline.cli.options import AsJson
from pipeline.config import Settings
from pipeline.progress import ConsoleProgress, Progress, SilentProgress

batch_app = typer.Typer(help="Provider batch jobs (submitted by `extract --batch` / `summarize --batch`).",
                        no_args_is_help=True)
app.add_typer(batch_app, name="batch")


@contextmanager
def _bar(stage: str, label: str, as_json: bool) -> Iterator[Progress]:
    """A transient bar for one stage on a terminal (not with --json); elsewhere nothing."""
    if as_json or not console.is_terminal:
        yield SilentProgress()
        return
    with ConsoleProgress({stage: label}, transient=True) as bar:
        bar.start(stage)
        yield bar


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
@cli_errors({"LLMError": 1, OSError: 1})
def status(as_json: AsJson = False,
           offline: bool = typer.Option(False, "--offline",
                                        help="Show what is recorded without asking the vendors.")) -> None:
    """List batch jobs; open ones are refreshed from the vendor first."""
    from pipeline.batch import JobStore, refresh_all

    jobs = JobStore().list() if offline else refresh_all()
    if as_json:
        emit_json({"jobs": [_job_json(j) for j in jobs]})
        return
    if not jobs:
        console.print("No batch jobs. Submit one with `pipeline extract --batch` or "
                      "`pipeline summarize --batch`.")
        return
    for j in jobs:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(j.counts.items()) if v)
        status = j.status + (f" ({j.vendor_status})" if j.vendor_status else "")
        line = (f"{j.job_id}  {j.kind}  {j.model}  {j.batch_id or '-'}  {status}  "
                f"{len(j.items)} request(s)" + (f" ({counts})" if counts else "")
                + f"  created {j.created_at}")
        console.print(escape(line), highlight=False, soft_wrap=True)
    for j in jobs:
        if j.error:
            console.print(f"[yellow]{j.job_id}[/]: {escape(j.error)}", highlight=False)


@batch_app.command("collect")
@cli_errors({KeyError: 1, "LockHeld": 2, "LLMError": 1, OSError: 1, ValueError: 1})
def collect(job: Optional[str] = typer.Argument(None, help="Job id or vendor batch id (default: all open)."),
            as_json: AsJson = False,
            wait: bool = typer.Option(False, "--wait", help="Poll until each batch has ended."),
            poll_interval: float = typer.Option(30.0, "--poll-interval", min=0.0,
                                                help="Seconds between polls with --wait."),
            timeout: Optional[float] = typer.Option(None, "--timeout",
                                                    help="Stop waiting after this many seconds."),
            retry: bool = typer.Option(True, "--retry/--no-retry",
                                       help="Redo failed or expired requests synchronously "
                                            "(default) or only report them."),
            lock_wait: float = typer.Option(0.0, "--lock-wait",
                                            help="Seconds to wait for another writer to finish.")) -> None:
    """Store the results of ended batches exactly as synchronous runs would."""
    from pipeline.batch import collect as do_collect

    with _bar("collect", "Collect", as_json) as progress:
        reports = do_collect(job, wait=wait, poll_interval=poll_interval, timeout=timeout,
                             retry=retry, lock_wait=lock_wait, on_progress=progress)
    if as_json:
        emit_json({"jobs": [r.model_dump(mode="json") for r in reports]})
    else:
        if not reports:
            console.print("No open batch jobs.")
        for r in reports:
            cost = f", ${r.usage.cost_usd:.4f}" if r.usage.cost_usd is not None else ""
            console.print(f"[bold]{r.job_id}[/] " + escape(
                f"({r.kind}, {r.model}, {r.batch_id or '-'}): {r.status}{cost}: {r.message}"),
                highlight=False, soft_wrap=True)
            for f in r.failed:
                console.print("  [red]failed[/] " + escape(
                    f"{f['article_id']} ({f['custom_id']}): {f['outcome']}: {f.get('error')}"),
                    highlight=False, soft_wrap=True)
            for f in r.retried:
                console.print(escape(f"  retried synchronously {f['article_id']} "
                                     f"({f['custom_id']}): {f['outcome']}"),
                              highlight=False, soft_wrap=True)
    if any(r.failed for r in reports) or any(r.status == "failed" for r in reports):
        raise typer.Exit(1)


# BatchUnsupported exits 2 and BudgetExceeded 3 (their own codes), a bad selection 2, the rest 1
_SUBMIT_ERRORS = cli_errors({"BatchUnsupported": None, "BudgetExceeded": None, "SelectionError": 2,
                             KeyError: 1, "LLMError": 1, ValueError: 1, OSError: 1})


def submit_batch_command(kind: str, *, model: str, ids: list[str] | None = None,
                         all: bool = False, new: bool = False,
                         since: str | None = None, out: str | None = None,
                         strategy: str | None = None, max_cost: float | None = None,
                         as_json: bool = False, settings: Settings | None = None) -> None:
    """What `pipeline extract --batch` and `pipeline summarize --batch` run instead of the
    synchronous work: submit, record in $PIPELINE_HOME, print the job (or `{"batch": ...}`)."""
    from pipeline.llm.options import run_options

    with _SUBMIT_ERRORS, run_options(max_cost=max_cost) if max_cost is not None else nullcontext():
        job = _submit(kind, model=model, ids=ids, all=all, new=new, since=since, out=out,
                      strategy=strategy, as_json=as_json, settings=settings)
    _print_submitted(kind, job, as_json)


def _submit(kind: str, *, model: str, ids: list[str] | None, all: bool, new: bool,
            since: str | None, out: str | None, strategy: str | None, as_json: bool,
            settings: Settings | None):
    from pipeline.batch import submit_extract_batch, submit_summarize_batch
    from pipeline.batch.submit import select_extract_ids

    if kind != "extract":
        if strategy not in (None, "auto", "free"):
            fail(f"--batch summarizes with the free strategy; --strategy {strategy} has no batch "
                 "form", code=2)
        return submit_summarize_batch(model, since=since, out=out)
    ids, fresh = select_extract_ids(ids, all=all, new=new, model=model,  # SelectionError: exit 2
                                    settings=settings)
    if not ids:
        msg = f"Nothing new to extract ({len(fresh)} article(s) up to date); no batch submitted."
        if as_json:
            emit_json({"batch": None, "nothing_new": True, "skipped": fresh, "message": msg})
        else:
            console.print(msg)
        raise typer.Exit(0)
    with _bar("plan", "Planning", as_json) as progress:
        return submit_extract_batch(ids, model, strategy=strategy, on_progress=progress, settings=settings)


def _print_submitted(kind: str, job, as_json: bool) -> None:
    if job is None:
        msg = "Nothing new to summarize; no batch submitted."
        if as_json:
            emit_json({"batch": None, "nothing_new": True, "message": msg})
        else:
            console.print(msg)
        return
    if as_json:
        emit_json({"batch": _job_json(job)})
        return
    console.print(escape(f"submitted {kind} batch {job.batch_id} ({job.provider}, {job.model}): "
                         f"{len(job.items)} request(s) for {len(job.article_ids)} article(s) as "
                         f"{job.job_id}"), highlight=False, soft_wrap=True)
    console.print("Results usually arrive within hours (at most 24); store them with "
                  "`pipeline batch collect` (add --wait to block until they are ready).",
                  soft_wrap=True)
