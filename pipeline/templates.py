"""Jinja2 templates for prompt files, compiled once per source text.

Compiling costs milliseconds and every article renders the same few templates, so both prompt
formats (extraction's `=== role ===` files and summarize's `<!-- role: -->` files) share this cache.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from pipeline.config import read_env

_env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=128)
def template(source: str) -> jinja2.Template:
    return _env.from_string(source)


PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"


@dataclass(frozen=True)
class Prompt:
    """A prompt file: `<!-- role: system -->` / `<!-- role: user -->` sections, Jinja2 templated."""

    name: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    def messages(self, **values: Any) -> list[dict[str, str]]:
        parts = re.split(r"<!--\s*role:\s*(system|user|assistant)\s*-->", self.text)
        if len(parts) == 1:
            return [{"role": "user", "content": template(self.text).render(**values).strip()}]
        return [{"role": role, "content": template(body).render(**values).strip()}
                for role, body in zip(parts[1::2], parts[2::2])]


def load_prompt(name: str) -> Prompt:
    path = Path(read_env().prompts or PROMPTS_DIR) / f"{name}.md"
    try:
        return Prompt(name, path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileNotFoundError(f"{path}: prompt file missing ({exc.strerror})") from exc
