"""A written answer checked sentence by sentence before it is shown (`ask`'s `free` strategy).

A capable model writes fluent prose with citations and can still cite the wrong passage: "The
carrier reported a drop in quarterly profit" reads right, and its chunk supports it word for word,
but the carrier there is another airline. So every sentence of the written answer (split by
`pipeline.text.sentences`, the one segmenter) is kept only when one of its citations both
*supports* it (`SupportChecker`, the check every answer gets) and is *about* a party the question
names (focus's `mentions`): the cited sentence names one, or it names none ("the carrier", "it")
and its article leads with one, which is how focus decides that an article is about a party.
What fails is dropped and named with its reason. When anything was dropped the model is asked
once more, told which sentences went and why, and the new answer goes through the same check;
there is never a third call. The answer says what was dropped (`AskResult.dropped`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from pipeline.query.cite import SEMANTIC_SUPPORT, Citation, SupportChecker, parse_citations
from pipeline.query.focus import Focus, about
from pipeline.query.retrieve import Hit
from pipeline.templates import load_prompt
from pipeline.text.sentences import sentence_spans
from pipeline.types import Usage

if TYPE_CHECKING:
    from pipeline.llm.base import Provider

LEAD_SENTENCES = 2  # an article's party is one its title or first sentences name


class FreeAnswer(BaseModel):
    found: bool = Field(description="false when the passages do not answer the question")
    answer: str = Field(description="the answer; every sentence ends with its [article_id#chunk] citation(s)")


def passages(hits: list[Hit]) -> str:
    def attr(v: str) -> str:
        return v.replace('"', "'")

    return "\n\n".join(f'<passage id="{h.chunk_id}" title="{attr(h.title)}">\n{h.chunk.text}\n</passage>'
                       for h in hits)


class Dropped(BaseModel):
    """A sentence of the written answer left out (scope `sentence`), or a citation left off a kept
    sentence because it failed while another citation held (scope `citation`)."""

    sentence: str
    reason: str
    citations: list[str] = Field(default_factory=list)
    scope: Literal["sentence", "citation"] = "sentence"


@dataclass
class Vetted:
    """An answer after the check: the kept sentences with their good citations, and what went."""

    answer: str
    citations: list[Citation] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def lost(self) -> list[Dropped]:
        """Whole sentences dropped (what a re-ask is about)."""
        return [d for d in self.dropped if d.scope == "sentence"]


@dataclass
class Written:
    """The outcome of the free strategy, re-ask included (`answer` is empty when not found)."""

    answer: str
    found: bool
    usage: Usage
    reason: str = ""
    citations: list[Citation] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)  # what the shown answer lacks
    first_dropped: list[Dropped] = field(default_factory=list)  # the first answer's, when re-asked
    reasked: bool = False


def lead(title: str, text: str) -> str:
    """An article's title and first sentences: where it names the party it is about."""
    spans = sentence_spans(text)[:LEAD_SENTENCES]
    return " ".join([title, *(text[s:e] for s, e in spans)])


def off_topic(c: Citation, names: tuple[str, ...], article_lead: str) -> str:
    """Why a supporting citation is not about the question's parties; empty when it is."""
    if about(c.quote, names) or about(article_lead, names):
        return ""  # the cited sentence names one, or its "the carrier"/"it" is its article's party
    who = " or ".join(names)
    return f"{c.chunk_id} is not about {who}: the cited sentence does not name {who}, and its article is about another party"


UNCITED = "cites no passage, and no retrieved passage about the question supports it"


def source(sentence: str, hits: list[Hit], checker: SupportChecker, f: Focus,
           lead_of: Callable[[str], str]) -> Citation | None:
    """The retrieved passage that supports an uncited sentence and is about the question (the
    closest, when several do), as its citation; None when none does. The citation says so.
    Stricter than a cited sentence's check: a sentence of a chunk must also say nearly the same
    (MiniLM, SEMANTIC_SUPPORT), since two shared words pass the lexical check of a short sentence."""
    best: Citation | None = None
    for hit in hits:
        c = checker.check(sentence, hit)
        if c.supported and c.semantic >= SEMANTIC_SUPPORT and not off_topic(c, f.names, lead_of(hit.article_id)) and (
                best is None or (c.lexical, c.semantic) > (best.lexical, best.semantic)):
            best = c
    if best is not None:
        best.reason = "cited by the check: the sentence cited nothing and this passage supports it"
    return best


def vet(answer: str, hits: list[Hit], checker: SupportChecker, f: Focus,
        lead_of: Callable[[str], str]) -> Vetted:
    """Keep each sentence one of whose citations supports it and is about the question."""
    by_id = {h.chunk_id: h for h in hits}
    kept: list[str] = []
    out = Vetted(answer="")
    for sentence, ids in parse_citations(answer):
        if not ids:  # a model that writes the answer but not its citations (Qwen2.5-1.5B does)
            found = source(sentence, hits, checker, f, lead_of)
            if found is None:
                out.dropped.append(Dropped(sentence=sentence, reason=UNCITED))
            else:
                out.citations.append(found)
                kept.append(f"{sentence} [{found.chunk_id}]")
            continue
        good: list[Citation] = []
        bad: list[tuple[str, str]] = []
        for cid in ids:
            hit = by_id.get(cid)
            if hit is None:
                bad.append((cid, f"{cid} was not among the retrieved passages"))
                continue
            c = checker.check(sentence, hit)
            why = c.reason if not c.supported else off_topic(c, f.names, lead_of(hit.article_id))
            if why:
                bad.append((cid, why))
            else:
                good.append(c)
        if not good:
            out.dropped.append(Dropped(sentence=sentence, reason="; ".join(r for _, r in bad),
                                       citations=[cid for cid, _ in bad]))
            continue
        out.dropped += [Dropped(sentence=sentence, reason=r, citations=[cid], scope="citation") for cid, r in bad]
        out.citations += good
        kept.append(sentence + " " + "".join(f"[{c.chunk_id}]" for c in good))
    out.answer = " ".join(kept)
    return out


def write_answer(question: str, hits: list[Hit], provider: Provider, max_tokens: int, f: Focus,
                 checker: SupportChecker, lead_of: Callable[[str], str]) -> Written:
    """The model writes; the answer is vetted; when a sentence was dropped, one re-ask, vetted too."""
    from pipeline.llm import OutputValidationError, generate

    ids = ", ".join(h.chunk_id for h in hits)
    msgs = load_prompt("answer").messages(question=question, passages=passages(hits), ids=ids)
    res = generate(provider, msgs, FreeAnswer, max_tokens=max_tokens, temperature=0.0)
    out = res.output
    assert out is not None
    if not out.found or not out.answer.strip():
        return Written("", False, res.usage, "the model said the passages do not answer the question")
    first = vet(out.answer.strip(), hits, checker, f, lead_of)
    usage = res.usage
    final = first
    if first.lost:
        reask = load_prompt("answer_reask").messages(
            dropped=[{"sentence": d.sentence, "citations": " ".join(f"[{c}]" for c in d.citations) or "(none)",
                      "reason": d.reason} for d in first.lost],
            names=" or ".join(f.names), ids=ids)
        turn = [*msgs, {"role": "assistant", "content": json.dumps(out.model_dump())}, *reask]
        try:
            again = generate(provider, turn, FreeAnswer, max_tokens=max_tokens, temperature=0.0)
        except OutputValidationError:
            again = None  # the first answer's kept sentences stand
        if again is not None:
            usage = usage + again.usage
            if again.output is not None and again.output.found and again.output.answer.strip():
                second = vet(again.output.answer.strip(), hits, checker, f, lead_of)
                if second.answer:
                    final = second
    written = Written(final.answer, bool(final.answer), usage, citations=final.citations,
                      dropped=final.dropped, first_dropped=first.dropped if first.lost else [],
                      reasked=bool(first.lost))
    if not final.answer:
        written.reason = "every sentence of the written answer was dropped: " + "; ".join(
            f'"{d.sentence[:80]}" ({d.reason})' for d in final.lost)
    return written


def render_dropped(dropped: list[Dropped], reasked: bool) -> list[str]:
    """The Markdown "Dropped:" note: each sentence or citation left out and why."""
    if not dropped:
        return []
    lines = ["Dropped" + (" (after one re-ask)" if reasked else "") + ":"]
    for d in dropped:
        cites = " ".join(f"[{c}]" for c in d.citations)
        what = f'citation {cites} of "{d.sentence}"' if d.scope == "citation" else f'"{d.sentence}" {cites}'.rstrip()
        lines.append(f"- {what}: {d.reason}")
    return lines


__all__ = ["UNCITED", "Dropped", "FreeAnswer", "passages", "Vetted", "Written", "lead", "off_topic", "render_dropped", "vet", "write_answer"]
