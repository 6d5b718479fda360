"""The party index on disk: `$PIPELINE_HOME/parties/index.json`, replaced atomically."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from pipeline import config
from pipeline.errors import UsageError
from pipeline.parties.model import PartyIndex


class IndexError_(UsageError, ValueError):
    pass


def index_path(home: Path | None = None) -> Path:
    return (Path(home) if home is not None else config.home()) / "parties" / "index.json"


def load_index(path: Path | None = None) -> PartyIndex:
    path = Path(path) if path is not None else index_path()
    if not path.exists():
        return PartyIndex()
    try:
        return PartyIndex.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise IndexError_(f"{path}: not a party index ({str(exc).splitlines()[0]}); "
                          "move it away to resolve again from scratch") from exc


def save_index(index: PartyIndex, path: Path | None = None) -> Path:
    path = Path(path) if path is not None else index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(index.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path
