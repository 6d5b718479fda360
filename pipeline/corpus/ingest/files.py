"""Paths → candidate articles: walk folders, check size and type, read, normalize.

Every problem becomes a `Failure` naming the file (and line) so one bad file never stops a run.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Any
from dataclasses import dataclass
from pathlib import Path

from pipeline import config
from pipeline.corpus.ingest.metadata import build_article
from pipeline.corpus.ingest.readers import FORMATS, READERS, RawDoc, ReadError, RecordError, supported_suffixes
from pipeline.types import Article

DEFAULT_MAX_FILE_MB = 10.0


@dataclass
class Failure:
    path: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "error": self.error}


@dataclass
class Candidate:
    article: Article
    source_key: str  # absolute path, plus '#record' for one article of a multi-article file


def max_file_bytes(override_mb: float | None = None, settings: config.Settings | None = None) -> int:
    """`--max-file-mb`, else `PIPELINE_MAX_FILE_MB`, else `[ingest] max_file_mb` of `settings`
    (the caller's, read once), else 10 MB."""
    mb: Any = override_mb  # a float, or whatever the env var / pipeline.toml hold
    if mb is None:
        mb = config.read_env().max_file_mb
    if mb is None and settings is not None:
        section = settings.raw.get("ingest", {})
        mb = section.get("max_file_mb") if isinstance(section, dict) else None
    try:
        value = float(mb) if mb is not None else DEFAULT_MAX_FILE_MB
    except (TypeError, ValueError):
        raise config.ConfigError(f"max file size must be a number of MB, got {mb!r}") from None
    return int(value * 1024 * 1024)


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


# A folder's own documentation (attribution tables, licences) is not coverage: skipped in a folder
# walk, ingested when named directly.
FOLDER_DOCS = re.compile(r"^(?:readme|sources|license|licence|copying|changelog|notice)(?:\.\w+)?$", re.I)


def discover(paths: list[Path | str]) -> tuple[list[Path], list[Failure]]:
    """Files named directly or found (recursively, sorted, hidden entries and folder docs such as
    SOURCES.md skipped) in folders."""
    files: list[Path] = []
    failures: list[Failure] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            files.append(p)

    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            found: list[Path] = []
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [Path(root) / n for n in names if not n.startswith(".") and not FOLDER_DOCS.match(n)]
            for f in sorted(found):
                # A FIFO, socket or device looks like a file to a walk; opening one can block forever.
                problem = _not_regular(f)
                if problem is None:
                    add(f)
                else:
                    failures.append(Failure(display_path(f), problem))
        elif p.is_file():
            add(p)
        elif p.exists():
            failures.append(Failure(display_path(p), "not a regular file or folder"))
        else:
            failures.append(Failure(str(raw), "no such file or folder"))
    return files, failures


def _not_regular(path: Path) -> str | None:
    """None for a regular file (or a link to one), else why it is skipped."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a folder" if stat.S_ISDIR(mode)
            else "a special file")
    return f"not a regular file: {kind}; skipped"


def read_file(path: Path, max_bytes: int) -> tuple[list[Candidate], list[Failure]]:
    """One file → its articles, or failures that say what is wrong with it."""
    shown = display_path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        kind = f"'{path.suffix}'" if path.suffix else "without an extension"
        return [], [Failure(shown, f"unsupported file type {kind} (supported: {supported_suffixes()})")]
    problem = _not_regular(path)
    if problem is not None:
        return [], [Failure(shown, problem)]
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return [], [Failure(shown, f"file is {size / 1048576:.1f} MB, over the "
                                       f"{max_bytes / 1048576:.3g} MB limit (raise it with --max-file-mb "
                                       "or PIPELINE_MAX_FILE_MB)")]
        data = path.read_bytes()
    except OSError as exc:
        return [], [Failure(shown, f"cannot read: {exc.strerror or exc}")]
    try:
        docs = READERS[fmt](data)
    except ReadError as exc:
        return [], [Failure(shown, str(exc))]
    except RecursionError:
        return [], [Failure(shown, f"cannot read as {fmt}: data is nested too deeply")]
    except MemoryError:
        return [], [Failure(shown, f"cannot read as {fmt}: out of memory while parsing")]
    except Exception as exc:  # a reader bug or parser quirk must stay one file's failure
        return [], [Failure(shown, f"cannot read as {fmt}: {type(exc).__name__}: {exc}")]
    key = str(path.resolve())
    candidates: list[Candidate] = []
    failures: list[Failure] = []
    used: set[str] = set()
    multi = len(docs) > 1 or fmt == "jsonl" or any(isinstance(d, RawDoc) and d.record for d in docs)
    for n, doc in enumerate(docs):
        if isinstance(doc, RecordError):
            failures.append(Failure(f"{shown}:{doc.where}", doc.error))
            continue
        record = doc.record or str(n)
        if record in used:
            record = f"{record}~{n}"
        used.add(record)
        try:
            article = build_article(doc, shown, path.stem)
        except RecursionError:
            failures.append(Failure(f"{shown} (record {record})" if multi else shown, "metadata is nested too deeply"))
            continue
        except ReadError as exc:
            where = f"{shown} (record {record})" if multi else shown
            failures.append(Failure(where, str(exc)))
            continue
        candidates.append(Candidate(article, f"{key}#{record}" if multi else key))
    return candidates, failures
