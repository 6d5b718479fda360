"""Prompt files in `prompts/`: one format, one loader, one renderer for every stage.

A prompt file holds its messages as sections, each opened by a line `=== system ===`,
`=== user ===` or `=== assistant ===`; the whole file is one Jinja2 template (so a loop may emit
several messages, e.g. few-shot turns). Section markers are swapped for a random token before
rendering, so text inside a variable (an article, a passage) can never open a message of its
own. Templates compile once per source text: every article renders the same few.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from pipeline.config import read_env
from pipeline.errors import UsageError

_env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
SECTION = re.compile(r"^=== (system|user|assistant) ===[ \t]*$", re.M)
_MARK = re.compile("\x00([0-9a-f]{16}):(system|user|assistant)\x00")


class PromptError(UsageError, ValueError):
    """A prompt file that is missing, has no sections or does not render; the message names it."""


@lru_cache(maxsize=128)
def template(source: str) -> jinja2.Template:
    return _env.from_string(source)


def prompts_dir() -> Path:
    env = read_env().prompts
    return Path(env) if env else PROMPTS_DIR


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> str:
    return path.read_text(encoding="utf-8")


def read_prompt(name: str) -> str:
    """The text of `prompts/<name>` (file name with extension), re-read when the file changes."""
    path = prompts_dir() / name
    try:
        return _read(path, path.stat().st_mtime_ns)
    except OSError as exc:
        raise PromptError(f"{path}: prompt file not found ({exc.strerror})") from exc


@lru_cache(maxsize=64)
def _compiled(src: str) -> jinja2.Template:
    """Compiled once per prompt text; the section token is a variable, drawn fresh per render."""
    marked = SECTION.sub(lambda m: "\x00{{ __section_token__ }}:" + m.group(1) + "\x00", src)
    return template(marked)


def render_messages(src: str, where: str = "prompt", **values: Any) -> list[dict[str, str]]:
    """Render a sectioned prompt text into chat messages ({"role", "content"} dicts).

    A missing variable is an error (StrictUndefined), never an empty string.
    """
    if not SECTION.search(src):
        raise PromptError(f"{where}: no '=== system ===' / '=== user ===' sections")
    token = secrets.token_hex(8)
    try:
        out = _compiled(src).render(**values, __section_token__=token)
    except jinja2.TemplateError as exc:
        raise PromptError(f"{where}: template error: {exc}") from exc
    marks = [m for m in _MARK.finditer(out) if m.group(1) == token]  # a forged token is just text
    msgs: list[dict[str, str]] = []
    for m, nxt in zip(marks, marks[1:] + [None]):
        body = out[m.end():nxt.start() if nxt is not None else len(out)]
        msgs.append({"role": m.group(2), "content": body.strip()})
    return msgs


@dataclass(frozen=True)
class Prompt:
    """A prompt file's text; `hash` goes into the records made with it."""

    name: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    def messages(self, **values: Any) -> list[dict[str, str]]:
        return render_messages(self.text, f"{self.name} prompt", **values)


def load_prompt(name: str) -> Prompt:
    """`prompts/<name>.md` (or under `$PIPELINE_PROMPTS`)."""
    return Prompt(name, read_prompt(f"{name}.md"))
