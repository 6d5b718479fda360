"""Thin CLI: each module registers its commands on the shared app; none holds logic."""

from __future__ import annotations

from pipeline.cli.app import app

# Importing registers the commands. One module per area so they can grow independently.
from pipeline.cli import corpus as _corpus  # noqa: F401,E402  ingest, show, status
from pipeline.cli import extract as _extract  # noqa: F401,E402  extract, claims
from pipeline.cli import evals as _evals  # noqa: F401,E402  eval
from pipeline.cli import models as _models  # noqa: F401,E402  models
from pipeline.cli import batch as _batch  # noqa: F401,E402  batch status|collect
from pipeline.cli import run as _run  # noqa: F401,E402  run, report
from pipeline.cli import use as _use  # noqa: F401,E402  summarize, ask
from pipeline.cli import parties as _parties  # noqa: F401,E402  parties


def main() -> None:
    app()


__all__ = ["app", "main"]
