"""Where state lives and which model serves each stage.

Precedence, lowest first: built-in defaults, `pipeline.toml` in `$PIPELINE_HOME`, `pipeline.toml`
in the working directory, environment variables, command-line flags (passed in by the caller).
"""

from __future__ import annotations

import copy
import os
import stat
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "local"
STAGES = ("extract", "summarize", "ask", "eval")


def home() -> Path:
    """The state directory: `$PIPELINE_HOME`, default `./.pipeline`."""
    return _resolved(os.environ.get("PIPELINE_HOME") or ".pipeline", os.getcwd())


@lru_cache(maxsize=32)
def _resolved(path: str, cwd: str) -> Path:
    """`Path.resolve` walks every component (a syscall each); model calls ask for the home often."""
    return (Path(cwd) / path).resolve()


def ensure_home() -> Path:
    h = home()
    h.mkdir(parents=True, exist_ok=True)
    return h


class ConfigError(ValueError):
    pass


def _read_toml(path: Path) -> dict[str, Any]:
    """Parsed once per file version (settings are read on every model call)."""
    try:
        st = path.stat()
    except OSError:
        return {}
    if not stat.S_ISREG(st.st_mode):
        return {}
    return copy.deepcopy(_parse_toml(str(path), st.st_mtime_ns, st.st_size))


@lru_cache(maxsize=16)
def _parse_toml(path: str, _mtime_ns: int, _size: int) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


@dataclass
class Settings:
    """Resolved settings. `models[stage]` is a model string; `fallbacks` an ordered list."""

    model: str = DEFAULT_MODEL
    models: dict[str, str] = field(default_factory=dict)
    fallbacks: list[str] = field(default_factory=list)
    max_cost: float | None = None
    concurrency: int = 4
    chroma_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def model_for(self, stage: str, override: str | None = None) -> str:
        """Flag beats env beats per-stage config beats the global default."""
        if override:
            return override
        env = os.environ.get("PIPELINE_MODEL")
        if env:
            return env
        return self.models.get(stage) or self.model


def load_settings() -> Settings:
    data: dict[str, Any] = {}
    for path in (home() / "pipeline.toml", Path.cwd() / "pipeline.toml"):
        for key, value in _read_toml(path).items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
    models_section = data.get("models", {}) or {}
    if not isinstance(models_section, dict):
        raise ConfigError("pipeline.toml: [models] must be a table")
    s = Settings(raw=data)
    s.model = str(models_section.get("default", data.get("model", DEFAULT_MODEL)))
    s.models = {k: str(v) for k, v in models_section.items() if k in STAGES}
    fb = models_section.get("fallbacks", data.get("fallbacks", []))
    if not isinstance(fb, list):
        raise ConfigError("pipeline.toml: fallbacks must be a list of model strings")
    s.fallbacks = [str(x) for x in fb]
    if "max_cost" in data:
        s.max_cost = float(data["max_cost"])
    if "concurrency" in data:
        s.concurrency = int(data["concurrency"])
    host = os.environ.get("CHROMA_HOST")
    if host:
        s.chroma_url = f"http://{host}:{os.environ.get('CHROMA_PORT', '8000')}"
    elif data.get("chroma_url"):
        s.chroma_url = str(data["chroma_url"])
    return s
