"""Where state lives and which model serves each stage; the one reader of `PIPELINE_*` variables.

Precedence, lowest first: built-in defaults, `pipeline.toml` in `$PIPELINE_HOME`, `pipeline.toml`
in the working directory, environment variables, command-line flags (passed in by the caller).
Deep modules read the environment through `read_env()` so every variable is listed here once.
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

from pipeline.errors import UsageError

DEFAULT_MODEL = "local"
STAGES = ("extract", "summarize", "ask", "eval")


@dataclass(frozen=True)
class Env:
    """Every `PIPELINE_*` (and Chroma) variable, raw: each consumer parses its own as before."""

    home: str | None = None  # PIPELINE_HOME: the state directory
    model: str | None = None  # PIPELINE_MODEL: the model for every stage, beats pipeline.toml
    max_file_mb: str | None = None  # PIPELINE_MAX_FILE_MB: ingest skips larger files
    embed_model_path: str | None = None  # PIPELINE_EMBED_MODEL_PATH: a local embedding model folder
    embed_dtype: str | None = None  # PIPELINE_EMBED_DTYPE: auto | float32 | ...
    prompts: str | None = None  # PIPELINE_PROMPTS: a folder of prompt files overriding the built-ins
    small_mode: str | None = None  # PIPELINE_SMALL_MODE: the small strategy's mode
    recall_pass: str | None = None  # PIPELINE_RECALL_PASS: the single strategy's recall pass
    llm_timeout: str | None = None  # PIPELINE_LLM_TIMEOUT: seconds per remote call
    llama_threads: str | None = None  # PIPELINE_LLAMA_THREADS: llama.cpp threads
    local_ctx: str | None = None  # PIPELINE_LOCAL_CTX: llama.cpp context size
    local_mode: str | None = None  # PIPELINE_LOCAL_MODE: structured-output mode of the local model
    models_dir: str | None = None  # PIPELINE_MODELS_DIR: where GGUF models are assembled
    chroma_host: str | None = None  # CHROMA_HOST: a Chroma server instead of the local store
    chroma_port: str | None = None  # CHROMA_PORT


_ENV_NAMES = {name: ("CHROMA_" if name.startswith("chroma_") else "PIPELINE_")
              + name.removeprefix("chroma_").upper() for name in Env.__dataclass_fields__}


def read_env() -> Env:
    """The environment now (never cached: tests and long-lived callers change it)."""
    return Env(**{name: os.environ.get(var) for name, var in _ENV_NAMES.items()})


def env_var(field_name: str) -> str:
    """The documented variable behind an `Env` field, for messages."""
    return _ENV_NAMES[field_name]


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


class ConfigError(UsageError, ValueError):
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
        env = read_env().model
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
    env = read_env()
    if env.chroma_host:
        s.chroma_url = f"http://{env.chroma_host}:{env.chroma_port or '8000'}"
    elif data.get("chroma_url"):
        s.chroma_url = str(data["chroma_url"])
    return s
