"""Dollar cost of tokens, from a price table versioned inside the package.

Unknown models get `None`, not a guess: the ledger still counts their tokens.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.config import ConfigError, home

VENDOR_PROVIDERS = ("openai", "azure", "anthropic", "bedrock", "vertex")


@dataclass(frozen=True)
class Price:
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens
    source: str = "package"

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000


@lru_cache(maxsize=1)
def _package_table() -> dict[str, Any]:
    text = resources.files("pipeline").joinpath("data/prices.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _user_table() -> dict[str, Any]:
    path = home() / "prices.toml"
    if not path.is_file():
        return {}
    return _read_user(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read_user(path: str, _mtime: int) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    for name, entry in (data.get("models") or {}).items():
        if not (isinstance(entry, dict) and {"input", "output"} <= set(entry)):
            raise ConfigError(f"{path}: [models].{name!r} needs numeric `input` and `output` "
                              "(USD per million tokens)")
    return data


def table_version() -> str:
    user = _user_table()
    base = str(_package_table().get("version", "unknown"))
    return f"{base}+user" if user.get("models") else base


def normalize_model_id(model: str) -> str:
    """Strip Bedrock region/vendor prefixes and version suffixes, Vertex `@date` suffixes."""
    m = model.strip().lower()
    m = m.split("@", 1)[0]
    m = re.sub(r"^(?:(?:us|eu|apac|global|us-gov|jp|au)\.)?(?:anthropic\.)", "", m)
    m = re.sub(r"-v\d+(?::\d+)?$", "", m)
    return m


def _lookup(models: dict[str, Any], provider: str, model: str, source: str) -> Price | None:
    exact = models.get(f"{provider}:{model}") or models.get(model)
    if isinstance(exact, dict):
        return Price(float(exact["input"]), float(exact["output"]), source)
    if provider not in VENDOR_PROVIDERS:
        return None
    norm = normalize_model_id(model)
    best = ""
    for name in models:
        if ":" in name:
            continue
        n = name.lower()
        if (norm == n or norm.startswith(n + "-")) and len(n) > len(best):
            best = name
    if best:
        entry = models[best]
        return Price(float(entry["input"]), float(entry["output"]), source)
    return None


def price_for(model_string: str) -> Price | None:
    """Price of `provider:model`, or None when unknown. Free providers cost zero."""
    provider, _, model = model_string.partition(":")
    user = _user_table()
    pkg = _package_table()
    found = _lookup(user.get("models") or {}, provider, model, "user")
    if found is None:
        found = _lookup(pkg.get("models") or {}, provider, model, "package")
    if found is None and provider in (user.get("free_providers") or pkg.get("free_providers") or []):
        found = Price(0.0, 0.0, "free")
    return found


def cost_of(model_string: str, input_tokens: int, output_tokens: int) -> float | None:
    price = price_for(model_string)
    return None if price is None else price.cost(input_tokens, output_tokens)
