"""Predictions to score: records from an extractions JSONL, and gold `article:` resolution.

Unlike `pipeline.records.read_records`, which skips lines that do not fit the schema, the eval
must *count* them (schema-valid rate), so it reads lines itself: a line with an `article_id`
whose record does not validate becomes an invalid prediction for that article.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from pydantic import ValidationError

from pipeline.errors import UsageError
from pipeline.evaluate.gold import GoldArticle
from pipeline.jsonl import iter_json_lines
from pipeline.types import ExtractionRecord

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore

PATH_KEYS = ("path", "article_path", "source_path")


class ResolveError(UsageError, ValueError):
    """Gold articles that cannot be found; the message lists each with its gold file and line."""


@dataclass
class Prediction:
    """One extraction attempt for one article: a valid record, or why there is none."""

    article_id: str
    record: ExtractionRecord | None = None
    error: str | None = None  # schema error, extraction failure, or "missing"
    line: int = 0
    paths: tuple[str, ...] = ()  # source paths the line recorded, if any
    model: str | None = None  # the line's `model`, even when the record is invalid

    @property
    def schema_valid(self) -> bool:
        return self.record is not None


def read_predictions(path: str | Path) -> tuple[list[Prediction], list[str]]:
    """Every record line of an extractions JSONL (file order) and warnings for skipped lines."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: predictions file not found")
    out: list[Prediction] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for lineno, data, problem in iter_json_lines(p):
        if problem:
            warnings.append(f"{p}:{lineno}: skipped {problem}")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("article_id"), str):
            warnings.append(f"{p}:{lineno}: skipped a line without a string `article_id`")
            continue
        key = json.dumps(data, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        paths = _recorded_paths(data)
        try:
            rec = ExtractionRecord.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first.get("loc", ()))
            model = data.get("model") if isinstance(data.get("model"), str) else None
            out.append(Prediction(data["article_id"], None, f"schema: {loc}: {first.get('msg')}", lineno,
                                  paths, model))
            continue
        out.append(Prediction(rec.article_id, rec, None, lineno, paths, rec.model))
    if not out and not warnings:
        warnings.append(f"{p}: no records")
    return out, warnings


def _recorded_paths(data: dict[str, Any]) -> tuple[str, ...]:
    found = [data.get(k) for k in PATH_KEYS]
    stats = data.get("stats")
    if isinstance(stats, dict):
        found += [stats.get(k) for k in PATH_KEYS]
    return tuple(x for x in found if isinstance(x, str) and x)


def model_matches(record_model: str, wanted: str) -> bool:
    """`--model local` selects records served by `local:<anything>` as well as `local`."""
    return record_model == wanted or record_model.startswith(wanted.rstrip(":") + ":")


def group_predictions(preds: Iterable[Prediction], *, model: str | None = None,
                      repeat: int = 1) -> dict[str, list[Prediction]]:
    """article_id → its last `repeat` predictions (file order), optionally for one model.

    An invalid line is filtered by its raw `model` when it has one; kept otherwise, it counts
    against the schema-valid rate.
    """
    grouped: dict[str, list[Prediction]] = {}
    for pr in preds:
        if model and pr.model is not None and not model_matches(pr.model, model):
            continue
        grouped.setdefault(pr.article_id, []).append(pr)
    return {aid: lst[-repeat:] for aid, lst in grouped.items()}


@dataclass
class ResolvedArticle:
    """A gold article tied to an article id (and its text when the store has it)."""

    gold: GoldArticle
    article_id: str
    via: str  # store | record-id | record-path
    text: str | None = None
    content_hash: str | None = None
    article: Any = None  # the store's Article, when found there
    notes: list[str] = field(default_factory=list)


def open_store(required: bool) -> ArticleStore | None:
    """The article store, or None when unavailable and not required.

    When not required (scoring a predictions file) an absent store is not created: scoring
    must not leave state behind in $PIPELINE_HOME.
    """
    from pipeline import config

    if not required and not (config.home() / "manifest.sqlite").exists():
        return None
    try:
        from pipeline.corpus.store import Store
    except ImportError as exc:
        if required:
            raise ResolveError(f"the article store is not available ({exc}); pass --predictions") from exc
        return None
    try:
        return Store()
    except Exception as exc:  # a broken or locked store should not stop scoring a file
        if required:
            raise ResolveError(f"cannot open the article store at {config.home()}: {exc}") from exc
        return None


def close_store(store: ArticleStore | None) -> None:
    close = getattr(store, "close", None)
    if callable(close):
        close()


def _same_path(a: str, b: str) -> bool:
    try:
        return os.path.normpath(Path(a).resolve()) == os.path.normpath(Path(b).resolve())
    except OSError:
        return a == b


def resolve_articles(gold: list[GoldArticle], *, store: ArticleStore | None = None,
                     predictions: dict[str, list[Prediction]] | None = None) -> list[ResolvedArticle]:
    """Map each gold `article:` (a source path or an id) to an article id.

    Order: the store (`find_article`, by id or source path); then, when scoring a predictions
    file, a record whose `article_id` equals the reference or whose recorded path is the same
    file. Raises `ResolveError` naming every gold file whose article was not found.
    """
    out: list[ResolvedArticle] = []
    problems: list[str] = []
    for g in gold:
        art = None
        if store is not None:
            try:
                art = store.find_article(g.ref)
            except Exception as exc:  # noqa: BLE001 - a lookup error is reported, not fatal
                problems.append(f"{g.file}:{g.line}: looking up {g.ref!r} in the store failed: {exc}")
                continue
        if art is not None:
            out.append(ResolvedArticle(g, art.id, "store", art.text, art.content_hash, art))
            continue
        if predictions is not None:
            if g.ref in predictions:
                out.append(ResolvedArticle(g, g.ref, "record-id"))
                continue
            hit = next((aid for aid, lst in predictions.items()
                        if any(_same_path(g.ref, p) for pr in lst for p in pr.paths)), None)
            if hit is not None:
                out.append(ResolvedArticle(g, hit, "record-path"))
                continue
        where = "the store" if store is not None else "no store"
        extra = " nor as an `article_id` or recorded path in the predictions" if predictions is not None else ""
        hint = ("ingest it first (`pipeline ingest PATH`) or set `article:` to the article id"
                if Path(g.ref).exists() else "check the path (relative to the current directory) or id")
        problems.append(f"{g.file}:{g.line}: article {g.ref!r} not found in {where}{extra}; {hint}")
    if problems:
        raise ResolveError("\n".join(problems))
    return out


def save_prediction(pred: Prediction, path: str | Path) -> None:
    """Append a valid record to a JSONL (`pipeline extract`'s format) to re-score it later."""
    from pipeline.records import append_record

    if pred.record is not None:
        append_record(pred.record, Path(path))
