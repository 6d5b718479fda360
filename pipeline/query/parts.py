"""Answering every part of a question with a sentence of its own.

"Why did X's profit fall, and what did it do about it?" has two parts; a small model picking the
sentences most like the whole question tends to return two that both say the profit fell. Each
part gets its own sentence here: one that names what the part asks for and shares its words, a
stated cause for a "why" part, and for a part with no words of its own ("what did it do about
it") a sentence that answers no other part. What nothing answers is reported, not papered over.
"""

from __future__ import annotations

import re

from pipeline.query.focus import Focus, about, names_wanted, overlap
from pipeline.query.retrieve import Hit

Cand = tuple[Hit, int, int, float]


def text_of(c: Cand) -> str:
    return c[0].chunk.text[c[1]:c[2]]


def _asks(f: Focus, i: int, c: Cand) -> bool:
    """Does the sentence name what part i asks for (the noun, a number for "how much", a date)?"""
    return names_wanted(f.part_wants[i], text_of(c), f.part_quantity[i])


def _fits(f: Focus, i: int, c: Cand) -> bool:
    """Does the sentence answer part i: it names what is asked and, when the question has several
    parts, shares a content word with this one (so one sentence does not stand in for every part)?
    A part with no words of its own ("and what did it do about it") takes a sentence that answers
    no other part."""
    if not _asks(f, i, c):
        return False
    if len(f.parts) == 1:
        return True
    if f.part_terms[i]:
        if f.parts[i].lower().startswith("why") and _causal(c) and about(text_of(c), f.names):
            return True  # "why did PG&E cut power": "PG&E scheduled the blackouts in response to ..."
        return overlap(f.part_terms[i], text_of(c)) > 0
    return not any(f.part_terms[j] and _fits(f, j, c) for j in range(len(f.parts)) if j != i)


def cover_parts(f: Focus, pool: list[Cand], chosen: list[Cand]) -> tuple[list[Cand], list[str]]:
    """The picks that name what some part asks for, then each part answered by a sentence of its
    own: a pick that fits it, else the best pooled sentence that does (from an article already
    cited when one fits; with a stated cause for a "why" part); and the parts nothing answers."""
    out = [c for c in chosen if any(_asks(f, i, c) for i in range(len(f.parts)))]
    unanswered: list[str] = []
    used: set[int] = set()
    for i, part in enumerate(f.parts):
        why = part.lower().startswith("why")
        mine = [c for c in out if _fits(f, i, c) and (id(c) not in used or len(f.parts) == 1)]
        if mine and (not why or any(_causal(c) for c in mine)):
            used.add(id(max(mine, key=_causal)))
            continue
        cited = {c[0].article_id for c in out}
        fitting = [c for c in pool if _fits(f, i, c) and id(c) not in used and c not in out
                   and (c[0].article_id in cited or not cited or f.part_terms[i])]
        if not fitting:
            if not mine:
                unanswered.append(part)
            continue
        best = max(fitting, key=lambda c: (why and _causal(c), c[0].article_id in cited, about(text_of(c), f.names),
                                           overlap(f.part_terms[i], text_of(c)), c[3]))
        if why and mine and not _causal(best):
            continue  # nothing in the pool says why better than the picks do
        out.append(best)
        used.add(id(best))
    return out, unanswered


_CAUSE = re.compile(r"\b(?:because|due to|owing to|as a result|reason|caused?|blamed?|after|amid|following|"
                    r"citing|since|so that|in response|led to|driven by|hit by|hurt by)\b", re.I)


def _causal(c: Cand) -> bool:
    return _CAUSE.search(text_of(c)) is not None
