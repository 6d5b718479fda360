"""Thin CLI: each module registers its commands on the shared app; none holds logic."""

from __future__ import annotations

from pipeline.cli.app import app

# Importing registers the commands. One module per area so they can grow independently.
from pipeline.cli import corpus as _corpus  # noqa: F401,E402  ingest, show, status
from pipeline.cli import evals as _evals  # noqa: F401,E402  eval
from pipeline.cli import models as _models  # noqa: F401,E402  models


def main() -> None:
    app()


__all__ = ["app", "main"]
