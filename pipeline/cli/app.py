"""The typer app and the small helpers every command module shares."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from pydantic import BaseModel

from pipeline.console import console  # progress and human output on stderr; stdout stays clean for --json

app = typer.Typer(
    name="pipeline",
    help="LLM-powered article analysis: ingest, extract who wins and loses, summarize, ask, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def _version(value: bool) -> None:
    if value:
        from pipeline import __version__

        print(f"pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """LLM-powered article analysis. State lives in $PIPELINE_HOME (default ./.pipeline)."""


def emit_json(obj: Any) -> None:
    """Print one JSON document on stdout (the `--json` contract)."""
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)
