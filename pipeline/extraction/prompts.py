"""Extraction's prompts: rendering as `Message`s, the content hash records carry, the fence.

The file format and loader are `pipeline.templates` (one for every stage). The hash covers every
file a strategy reads plus the strategy's algorithm version, so any change to what the model is
asked shows up in records and evals.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pipeline.llm.base import Message
from pipeline.templates import PromptError, prompts_dir, read_prompt, render_messages

__all__ = ["PromptError", "content_hash", "fence", "prompts_dir", "read_prompt", "render"]


def render(name: str, **context: Any) -> list[Message]:
    """Render `prompts/<name>` (a sectioned prompt file) into chat messages."""
    msgs = render_messages(read_prompt(name), str(prompts_dir() / name), **context)
    return [Message.model_validate(m) for m in msgs]


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
