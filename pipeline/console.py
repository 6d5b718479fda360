"""The one console for progress and human output: stderr, so stdout stays clean for --json."""

from __future__ import annotations

from rich.console import Console

console = Console(stderr=True)
