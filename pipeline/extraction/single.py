"""The one-call strategy for capable models: the whole analysis as one JSON object per
section, then grounding with one targeted re-ask for quotes that cannot be aligned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, Field

from pipeline.extraction.parties import merge_analyses
from pipeline.extraction.prompts import fence, render
from pipeline.ground import locate, sentences
from pipeline.llm import generate
from pipeline.llm.base import Message, Provider
from pipeline.types import (ArticleAnalysis, Article, Evidence, PartyClaim, UnchangedClaim, Usage)

PROMPT = "extract.md"
REASK_PROMPT = "extract_reask.md"
FILES = [PROMPT, REASK_PROMPT]
ALGO_VERSION = "single-1"
OUTPUT_TOKENS = 1500


# Bounded fields: a JSON-schema grammar then forces a small model to close every string and
# list, so it cannot run on until the token limit (measured: SmolLM2-135M never closed the
# summary string within 1500 tokens without these bounds). Generous for capable models.
# (llama.cpp refuses grammars with string bounds much above ~1000 characters.)
Party = Annotated[str, Field(max_length=100)]
Short = Annotated[str, Field(max_length=300)]
Quote = Annotated[str, Field(max_length=500)]


class RawPartyClaim(BaseModel):
    party: Party
    reason: Short = ""
    quote: Quote = ""


class RawUnchanged(BaseModel):
    statement: Short
    quote: Quote = ""


class RawAnalysis(BaseModel):
    """What the model writes: quotes as strings; offsets come from grounding, not the model."""

    summary: Annotated[str, Field(max_length=800)] = ""
    winners: list[RawPartyClaim] = Field(default_factory=list, max_length=15)
    losers: list[RawPartyClaim] = Field(default_factory=list, max_length=15)
    unchanged: list[RawUnchanged] = Field(default_factory=list, max_length=15)


class QuoteFix(BaseModel):
    index: int
    quote: str | None = None


class Reask(BaseModel):
    fixes: list[QuoteFix] = Field(default_factory=list)


@dataclass
class Section:
    start: int
    end: int


@dataclass
class Outcome:
    analysis: ArticleAnalysis
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    reasks: int = 0
    sections: int = 1
    repaired: int = 0
    calls: int = 0  # set by the small strategy, which may answer with no model call
    mode: str = ""


def sections_for(text: str, provider: Provider, overhead_tokens: int) -> list[Section]:
    """Split on paragraph (then sentence) boundaries so each section fits the context window."""
    budget = provider.context_window - overhead_tokens - OUTPUT_TOKENS
    budget = max(budget, 64)
    if len(text.encode("utf-8")) + 2 <= budget or provider.count_tokens(text) <= budget:
        return [Section(0, len(text))]  # a token covers at least a byte: most articles skip counting
    units: list[tuple[int, int]] = []
    for s in sentences(text):
        if provider.count_tokens(s.text) <= budget:
            units.append((s.start, s.end))
        else:  # one enormous "sentence": cut by characters
            step = max(1, budget * 3)
            units.extend((a, min(a + step, s.end)) for a in range(s.start, s.end, step))
    out: list[Section] = []
    cur_start, cur_end, cur_tokens = units[0][0], units[0][0], 0
    for a, b in units:
        t = provider.count_tokens(text[a:b]) + 1
        if cur_tokens and cur_tokens + t > budget:
            out.append(Section(cur_start, cur_end))
            cur_start, cur_tokens = a, 0
        cur_end, cur_tokens = b, cur_tokens + t
    out.append(Section(cur_start, cur_end))
    return out


SECTION_NOTE = "The article is long; you see one part of it. Report only what this part supports."


def _messages(article_text: str, note: str | None) -> list[Message]:
    return render(PROMPT, fence=fence(article_text, "extract"), article=article_text, section_note=note)


def section_messages(section_text: str, n_sections: int) -> list[Message]:
    """The exact messages of one section's call (also used to plan provider batch jobs)."""
    return _messages(section_text, SECTION_NOTE if n_sections > 1 else None)


def _ground(raw: RawAnalysis, text: str, sec: Section) -> ArticleAnalysis:
    def ev(q: str) -> Evidence:
        return locate(q, text, within=(sec.start, sec.end))

    return ArticleAnalysis(
        summary=raw.summary.strip(),
        winners=[PartyClaim(party=c.party.strip(), reason=c.reason, evidence=ev(c.quote))
                 for c in raw.winners if c.party.strip()],
        losers=[PartyClaim(party=c.party.strip(), reason=c.reason, evidence=ev(c.quote))
                for c in raw.losers if c.party.strip()],
        unchanged=[UnchangedClaim(statement=c.statement.strip(), evidence=ev(c.quote))
                   for c in raw.unchanged if c.statement.strip()],
    )


def _claims(a: ArticleAnalysis) -> list[tuple[str, str, PartyClaim | UnchangedClaim]]:
    out: list[tuple[str, str, PartyClaim | UnchangedClaim]] = []
    out += [("winner", c.party, c) for c in a.winners]
    out += [("loser", c.party, c) for c in a.losers]
    out += [("unchanged", c.statement, c) for c in a.unchanged]
    return out


def extract_section(provider: Provider, text: str, sec: Section, n_sections: int) -> Outcome:
    body = text[sec.start:sec.end]
    msgs = section_messages(body, n_sections)
    res = generate(provider, msgs, RawAnalysis, max_tokens=OUTPUT_TOKENS)
    raw: RawAnalysis = res.output  # type: ignore[assignment]
    usage, reasks, repaired = res.usage, 0, 0
    analysis = _ground(raw, text, sec)
    bad = [(i, kind, label, c) for i, (kind, label, c) in enumerate(_claims(analysis), 1)
           if c.evidence.status == "unverified"]
    if bad:
        reasks = 1
        items = [{"index": i, "field": kind, "label": label, "quote": c.evidence.quote}
                 for i, kind, label, c in bad]
        follow = msgs + [Message(role="assistant", content=res.text or raw.model_dump_json())]
        follow += render(REASK_PROMPT, fence=fence(body, "extract"), items=items)
        try:
            fix = generate(provider, follow, Reask, max_tokens=600)
            usage = usage.add(fix.usage)
            by_index = {f.index: f.quote for f in fix.output.fixes if f.quote}  # type: ignore[union-attr]
        except Exception:  # a failed re-ask leaves the quotes unverified, never loses the claims
            by_index = {}
        for i, _kind, _label, c in bad:
            q = by_index.get(i)
            if q:
                ev = locate(q, text, within=(sec.start, sec.end))
                if ev.status != "unverified":
                    c.evidence = ev
                    repaired += 1
    return Outcome(analysis=analysis, usage=usage, model=res.model, reasks=reasks, repaired=repaired)


_overheads: dict[tuple[str, tuple[str, ...]], int] = {}


def _overhead_tokens(provider: Provider, contents: tuple[str, ...]) -> int:
    """Tokens of the prompt around the article (counted once per prompt text and model)."""
    key = (provider.model_string, contents)
    if key not in _overheads:
        _overheads[key] = sum(provider.count_tokens(c) for c in contents) + 64
    return _overheads[key]


def extract(article: Article, provider: Provider) -> Outcome:
    text = article.text
    overhead = _overhead_tokens(provider, tuple(m.content for m in _messages("", None)))
    secs = sections_for(text, provider, overhead)
    outcomes = [extract_section(provider, text, s, len(secs)) for s in secs]
    if len(outcomes) == 1:
        out = outcomes[0]
        out.sections = 1
        return out
    usage = Usage()
    for o in outcomes:
        usage = usage.add(o.usage)
    summary = " ".join(o.analysis.summary for o in outcomes[:1] if o.analysis.summary)
    merged = merge_analyses([o.analysis for o in outcomes], summary=summary)
    return Outcome(analysis=merged, usage=usage, model=outcomes[-1].model,
                   reasks=sum(o.reasks for o in outcomes), sections=len(outcomes),
                   repaired=sum(o.repaired for o in outcomes))
