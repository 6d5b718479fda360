"""Prompt files in `prompts/`: loading, rendering and the content hash records carry.

A prompt file holds its messages as sections introduced by a line `=== system ===` or
`=== user ===` (jinja2 templates). The hash covers every file a strategy reads plus the
strategy's algorithm version, so any change to what the model is asked shows up in records
and evals.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from pipeline.errors import UsageError
from pipeline.llm.base import Message
from pipeline.templates import template
from pipeline.config import read_env

_SECTION = re.compile(r"^=== (system|user|assistant) ===[ \t]*$", re.M)
_MARK = re.compile("\x00([0-9a-f]{16}):(system|user|assistant)\x00")


class PromptError(UsageError, ValueError):
    pass


_REPO_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def prompts_dir() -> Path:
    env = read_env().prompts
    return Path(env) if env else _REPO_PROMPTS


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> str:
    return path.read_text(encoding="utf-8")


def read_prompt(name: str) -> str:
    path = prompts_dir() / name
    try:
        return _read(path, path.stat().st_mtime_ns)
    except FileNotFoundError as exc:
        raise PromptError(f"{path}: prompt file not found") from exc




@lru_cache(maxsize=64)
def _compiled(src: str) -> jinja2.Template:
    """Compiled once per prompt text; the section token is a variable, drawn fresh per render."""
    marked = _SECTION.sub(lambda m: "\x00{{ __section_token__ }}:" + m.group(1) + "\x00", src)
    return template(marked)


def render(name: str, **context: Any) -> list[Message]:
    """Render a sectioned prompt file into chat messages.

    The whole file is one jinja2 template (so a loop may emit several messages, e.g.
    few-shot turns); section markers are swapped for a random token before rendering, so
    text inside a variable (an article) can never open a message of its own.
    """
    src = read_prompt(name)
    if not _SECTION.search(src):
        raise PromptError(f"{prompts_dir() / name}: no '=== system ===' / '=== user ===' sections")
    token = secrets.token_hex(8)
    try:
        out = _compiled(src).render(**context, __section_token__=token)
    except jinja2.TemplateError as exc:
        raise PromptError(f"{prompts_dir() / name}: template error: {exc}") from exc
    marks = [m for m in _MARK.finditer(out) if m.group(1) == token]  # a forged token is just text
    msgs: list[Message] = []
    for m, nxt in zip(marks, marks[1:] + [None]):
        body = out[m.end():nxt.start() if nxt is not None else len(out)]
        msgs.append(Message(role=m.group(2), content=body.strip()))  # type: ignore[arg-type]
    return msgs


def content_hash(files: list[str], extra: str = "") -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode())
        h.update(b"\0")
        h.update(read_prompt(name).encode("utf-8"))
        h.update(b"\0")
    h.update(extra.encode())
    return h.hexdigest()[:16]


def fence(text: str, salt: str) -> str:
    """A delimiter tag the article cannot forge: derived from a hash of the article itself."""
    return "article-" + hashlib.sha256((salt + "\0" + text).encode("utf-8")).hexdigest()[:10]
