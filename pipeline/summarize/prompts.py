"""Constrained picks for small models (prompt files themselves: `pipeline.templates`).

A small model cannot be trusted to write grounded prose, but it can choose among numbered items
when its output is constrained to those numbers; the items are ordered by our own ranking, and its
picks are topped up from that ranking when it chooses too few.
"""

from __future__ import annotations

from types import GenericAlias
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model

from pipeline.templates import Prompt
from pipeline.types import Usage

if TYPE_CHECKING:
    from pipeline.llm.base import Provider

def picks_type(n: int, most: int) -> type[BaseModel]:
    choice: Any = Literal[tuple(range(1, n + 1))]  # built at run time from n
    picks: Any = GenericAlias(list, choice)
    return create_model("Picks", picks=(picks, Field(default_factory=list, max_length=most)))


def pick_items(provider: Provider, prompt: Prompt, items: list[str], most: int, usage: list[Usage],
          **values: Any) -> list[int]:
    """Ask the model to choose up to `most` of the numbered items; 0-based, de-duplicated."""
    from pipeline.llm import generate

    listing = "\n".join(f"{i}. {t}" for i, t in enumerate(items, start=1))
    res = generate(provider, prompt.messages(items=listing, n=len(items), most=most, **values),
                   picks_type(len(items), most), max_tokens=64, temperature=0.0)
    usage.append(res.usage)
    picks = [p - 1 for p in dict.fromkeys(getattr(res.output, "picks", []) or []) if 1 <= p <= len(items)]
    return picks[:most]


def top_up(picks: list[int], ranked: list[int], n: int) -> list[int]:
    """The model's picks, topped up from our own ranking to at least n (when there are n)."""
    out = list(picks)
    for i in ranked:
        if len(out) >= n:
            break
        if i not in out:
            out.append(i)
    return out


def prompt_budget(provider: Provider, prompt: Prompt, max_tokens: int, **values: Any) -> int:
    overhead = sum(provider.count_tokens(m["content"]) for m in prompt.messages(**values))
    return max(64, int(provider.context_window * 0.9) - overhead - max_tokens)
