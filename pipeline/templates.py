"""Jinja2 templates for prompt files, compiled once per source text.

Compiling costs milliseconds and every article renders the same few templates, so both prompt
formats (extraction's `=== role ===` files and summarize's `<!-- role: -->` files) share this cache.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2

_env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=128)
def template(source: str) -> jinja2.Template:
    return _env.from_string(source)
