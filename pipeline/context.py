"""One context per invocation: where state lives, the settings, the run options, the progress reporter.

The CLI builds it once from its flags (`Context.from_env(model=..., no_cache=...)`); a library
caller does the same or passes its own reporter. Settings and the environment are read here (via
`pipeline.config`), so a command does not re-read them in every module it calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import config
from pipeline.progress import Progress, SilentProgress


@dataclass(frozen=True)
class RunOptions:
    """The flags a command passes down (None: not given, the settings decide)."""

    model: str | None = None  # PROVIDER:MODEL as typed; resolution per stage is the settings' job
    no_cache: bool = False
    max_cost: float | None = None
    concurrency: int | None = None
    strategy: str | None = None
    wait: float = 0.0
    as_json: bool = False


@dataclass
class Context:
    """State a command needs, resolved once: home, settings, environment, options, progress."""

    home: Path
    settings: config.Settings
    env: config.Env
    options: RunOptions = field(default_factory=RunOptions)
    progress: Progress = field(default_factory=SilentProgress)

    @classmethod
    def from_env(cls, *, progress: Progress | None = None, **options: Any) -> "Context":
        """Read `$PIPELINE_HOME`, `pipeline.toml` and `PIPELINE_*` now; `options` are `RunOptions` fields."""
        return cls(home=config.home(), settings=config.load_settings(), env=config.read_env(),
                   options=RunOptions(**options),
                   progress=progress or SilentProgress())

    def model_for(self, stage: str) -> str:
        """The model a stage uses: the flag, else PIPELINE_MODEL, else pipeline.toml, else `local`."""
        return self.settings.model_for(stage, self.options.model)

    @property
    def concurrency(self) -> int:
        """The flag, else `concurrency` in pipeline.toml (default 4)."""
        return self.options.concurrency or self.settings.concurrency
