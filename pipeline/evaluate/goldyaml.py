"""Reading the YAML gold of the scored evals (answers, digests, party pairs): which files a path
names, one file's mapping, and its items validated with their split, errors naming file and item."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import UsageError

M = TypeVar("M", bound=BaseModel)


def yaml_files(paths: Iterable[str | Path]) -> list[Path]:
    """A folder's `*.yaml`/`*.yml` files (sorted), a file as given (a missing one fails on reading)."""
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted([*p.glob("*.yaml"), *p.glob("*.yml")]) if p.is_dir() else [p]
    return files


def read_mapping(f: Path, section: str, error: type[UsageError], noun: str, hint: str = "") -> dict[str, Any]:
    """The file's top-level mapping, which must hold a `section` list."""
    try:
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(f"{f}: cannot read {noun}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get(section), list):
        raise error(f"{f}: expected a mapping with a '{section}' list{hint}")
    return data


def validate_items(f: Path, items: list[Any], model: type[M], split: str, error: type[UsageError],
                   what: str, label_key: str = "id", brief: bool = False) -> list[M]:
    """Each item as `model` with the file's split; a bad one names the file, its number and label
    (`brief`: pydantic's first problem only, not the whole report)."""
    out = []
    for i, item in enumerate(items, start=1):
        label = item.get(label_key, "?") if isinstance(item, dict) else "?"
        try:
            out.append(model.model_validate({**item, "split": split}))
        except (ValidationError, TypeError) as exc:
            lines = str(exc).splitlines()
            detail = "; ".join(lines[1:3]) if brief and len(lines) > 2 else str(exc)
            raise error(f"{f}: {what} {i} ({label}): {detail}") from exc
    return out
