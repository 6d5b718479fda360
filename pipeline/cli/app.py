"""The typer app and what every command shares: JSON output, `fail`, the one error handler."""

from __future__ import annotations

import json
import sys
from contextlib import ContextDecorator
from types import TracebackType
from typing import Any, Literal, Mapping, NoReturn

import click
import typer
from pydantic import BaseModel
from rich.markup import escape

from pipeline.errors import PipelineError, message_of

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


# An error class, or its name (matched along the MRO) so a command module need not import the
# module that defines it before the command runs; None keeps the error's own exit code.
ErrorCodes = Mapping["type[BaseException] | str", "int | None"]


class cli_errors(ContextDecorator):
    """The one CLI error handler: an error becomes `error: <message>` on stderr and an exit code.

    Every `PipelineError` is handled with its own `exit_code`. `codes` adds this command's
    exceptions in the order they are checked (first match wins): a number there overrides the
    error's own code, so each command keeps the exit codes it always had; foreign errors that are
    not listed (bugs) still raise with their traceback. Use as a decorator or a `with` block.
    """

    def __init__(self, codes: ErrorCodes | None = None) -> None:
        self.codes = dict(codes or {})

    def __enter__(self) -> "cli_errors":
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:  # never swallows: `fail` exits instead
        if exc is None or isinstance(exc, (click.exceptions.Exit, click.exceptions.ClickException,
                                           click.exceptions.Abort)):
            return False
        code = self.exit_code(exc)
        if code is None:
            return False
        fail(escape(message_of(exc)), code)

    def exit_code(self, exc: BaseException) -> int | None:
        """The code `exc` exits with under this command, or None when it is not handled here."""
        for key, code in self.codes.items():
            if _matches(exc, key):
                return code if code is not None else getattr(exc, "exit_code", 1)
        return exc.exit_code if isinstance(exc, PipelineError) else None


def _matches(exc: BaseException, key: "type[BaseException] | str") -> bool:
    if isinstance(key, str):
        return any(cls.__name__ == key for cls in type(exc).__mro__)
    return isinstance(exc, key)
