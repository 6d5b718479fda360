"""Options several commands share, declared once so their flags and help cannot drift apart.

Use as a parameter's type: `as_json: AsJson = False`, `model: Model = None`.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
Model = Annotated[Optional[str], typer.Option("--model", "-m",
                                              help="PROVIDER:MODEL (default: config, then `local`).")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Bypass the response cache: call the model again "
                                                          "and store nothing.")]
Wait = Annotated[float, typer.Option("--wait", help="Seconds to wait for another writer to finish.")]
Since = Annotated[Optional[str], typer.Option("--since", metavar="DATE",
                                              help="Articles published on or after DATE (YYYY-MM-DD).")]
Concurrency = Annotated[Optional[int], typer.Option("--concurrency", min=1,
                                                    help="Parallel articles for remote models "
                                                         "(default: config, 4).")]
MaxCost = Annotated[Optional[float], typer.Option("--max-cost", min=0.0,
                                                  help="Stop before spending more (USD).")]
ExtractStrategy = Annotated[Optional[str], typer.Option(
    "--strategy", help="Extraction strategy: single (one JSON call) or small (decomposed; default for local).")]
ChromaUrl = Annotated[Optional[str], typer.Option(
    "--chroma-url", help="Chroma server URL (default: CHROMA_HOST/CHROMA_PORT, else local store)")]
