"""The one-call strategy for capable models: the whole analysis as one JSON object per
section, then grounding with one targeted re-ask for quotes that cannot be aligned.

The prompt carries few-shot examples (`prompts/extract_examples.yaml`: short excerpts of the
real-coverage DEV articles, each with the answer a careful reader gives). An optional recall
pass (`[extract] recall_pass = true` in pipeline.toml, or PIPELINE_RECALL_PASS=1) asks the
model once more, in the same conversation, for winners and losers its first answer missed;
its claims count only when their quote is found in the article, and merge with the first
pass by party (a party the first pass already placed keeps its first-pass claim).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, Field

from pipeline.extraction.parties import merge_analyses, merge_party_claims, party_key
from pipeline.extraction.prompts import PromptError, fence, prompts_dir, read_prompt, render
from pipeline.text.ground import locate
from pipeline.text.sentences import sentences
from pipeline.llm import generate
from pipeline.llm.base import LLMResult, Message, Provider
from pipeline.llm.calls import Answers, CallPlan, CallSpec, run_plan
from pipeline.types import (ArticleAnalysis, Article, Evidence, PartyClaim, UnchangedClaim, Usage)
from pipeline.config import Settings, read_env

PROMPT = "extract.md"
REASK_PROMPT = "extract_reask.md"
RECALL_PROMPT = "extract_recall.md"
EXAMPLES = "extract_examples.yaml"
FILES = [PROMPT, REASK_PROMPT, RECALL_PROMPT, EXAMPLES]
BASE_VERSION = "single-2"
OUTPUT_TOKENS = 1500
RECALL_TOKENS = 700
_TRUE = {"1", "true", "yes", "on"}


def recall_pass_enabled(settings: Settings | None = None) -> bool:
    """PIPELINE_RECALL_PASS (1/0), else `[extract] recall_pass` in `settings`; off by default."""
    env = read_env().recall_pass
    if env is not None and env.strip():
        return env.strip().lower() in _TRUE
    section = settings.raw.get("extract") if settings is not None else None
    value = section.get("recall_pass", False) if isinstance(section, dict) else False
    return value is True or str(value).strip().lower() in _TRUE


def algo_version(recall: bool) -> str:
    return BASE_VERSION + ("+recall" if recall else "")


def __getattr__(name: str) -> Any:
    # ALGO_VERSION feeds the records' prompt hash (pipeline.extraction.extract.prompt_hash): the recall
    # pass changes what is asked, so it changes the version, read when the hash is computed.
    if name == "ALGO_VERSION":
        return algo_version(recall_pass_enabled())  # the environment only; a run reads its plan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    recalled: int = 0  # claims the recall pass added


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


@lru_cache(maxsize=8)
def _parse_examples(src: str, where: str) -> tuple[dict[str, str], ...]:
    try:
        data = yaml.safe_load(src) or []
    except yaml.YAMLError as exc:
        raise PromptError(f"{where}: invalid YAML: {exc}") from exc
    if not isinstance(data, list):
        raise PromptError(f"{where}: expected a list of examples")
    out = []
    for i, ex in enumerate(data, 1):
        if not isinstance(ex, dict) or not isinstance(ex.get("excerpt"), str):
            raise PromptError(f"{where}: example {i} needs an 'excerpt' string")
        answer: dict[str, Any] = {}
        for key in ("winners", "losers"):
            answer[key] = [{"party": c["party"], "reason": c.get("reason", ""), "quote": c["quote"]}
                           for c in ex.get(key) or []]
        answer["unchanged"] = [{"statement": c["statement"], "quote": c["quote"]}
                               for c in ex.get("unchanged") or []]
        for key in ("winners", "losers", "unchanged"):
            for c in answer[key]:
                if c["quote"] not in ex["excerpt"]:
                    raise PromptError(f"{where}: example {i}: quote {c['quote']!r} is not in its excerpt")
        out.append({"excerpt": ex["excerpt"].strip(), "note": str(ex.get("note", "")).strip(),
                    "answer": json.dumps(answer, ensure_ascii=False)})
    return tuple(out)


def examples() -> tuple[dict[str, str], ...]:
    """The few-shot examples shown in the prompt (validated: every quote is in its excerpt)."""
    try:
        src = read_prompt(EXAMPLES)
    except PromptError:
        return ()
    return _parse_examples(src, str(prompts_dir() / EXAMPLES))


def _messages(article_text: str, note: str | None) -> list[Message]:
    return render(PROMPT, fence=fence(article_text, "extract"), article=article_text, section_note=note,
                  examples=examples())


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


_WORDS = re.compile(r"[^\W_]+")
_STOPWORDS = frozenset(
    "a an the of in on at by to for from with and or but as is are was were be been has have had "
    "its it their they this that these those which who will would could can s".split())
FALLBACK_MIN_OVERLAP = 0.6


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer, a dependency (BM25)

    return Stemmer.Stemmer("english")


def _content_words(text: str) -> set[str]:
    words = [w for w in _WORDS.findall(text.casefold()) if w not in _STOPWORDS]
    return set(_stemmer().stemWords(words))


def sentence_evidence(party: str, quote: str, text: str, sec: Section) -> Evidence | None:
    """A quote the model paraphrased, pinned to the article's own sentence: the one sentence of
    the section that names the party and holds the most (at least 60%) of the quote's content
    words, stemmed. The evidence is that sentence verbatim (status fuzzy, score = the share).
    None when no sentence qualifies or two tie (then the re-ask decides)."""
    want = _content_words(quote)
    names = {w for w in _content_words(party) if len(w) > 2}
    if len(want) < 2 or not names:
        return None
    scored = []
    for s in sentences(text[sec.start:sec.end]):
        have = _content_words(s.text)
        if not names & have:
            continue
        scored.append((len(want & have) / len(want), s))
    scored.sort(key=lambda t: -t[0])
    if not scored or scored[0][0] < FALLBACK_MIN_OVERLAP:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    share, s = scored[0]
    return Evidence(quote=s.text, start=sec.start + s.start, end=sec.start + s.end, status="fuzzy",
                    score=round(share * 100, 1))


def _pin_paraphrases(analysis: ArticleAnalysis, text: str, sec: Section) -> int:
    """Unverified party quotes -> their sentence where `sentence_evidence` finds one."""
    n = 0
    for c in [*analysis.winners, *analysis.losers]:
        if c.evidence.status == "unverified":
            ev = sentence_evidence(c.party, c.evidence.quote, text, sec)
            if ev is not None:
                c.evidence = ev
                n += 1
    return n


def _claims(a: ArticleAnalysis) -> list[tuple[str, str, PartyClaim | UnchangedClaim]]:
    out: list[tuple[str, str, PartyClaim | UnchangedClaim]] = []
    out += [("winner", c.party, c) for c in a.winners]
    out += [("loser", c.party, c) for c in a.losers]
    out += [("unchanged", c.statement, c) for c in a.unchanged]
    return out


def recall(provider: Provider, msgs: list[Message], first_answer: str, analysis: ArticleAnalysis,
           text: str, sec: Section) -> tuple[ArticleAnalysis, Usage, int]:
    """The recall pass: ask for parties the first answer missed; keep those whose quote is in
    the article and whose party is new; merge them into the first answer by party."""
    body = text[sec.start:sec.end]
    listed = [c.party for c in [*analysis.winners, *analysis.losers]]
    follow = msgs + [Message(role="assistant", content=first_answer)]
    follow += render(RECALL_PROMPT, fence=fence(body, "extract"), winners=[c.party for c in analysis.winners],
                     losers=[c.party for c in analysis.losers])
    try:
        # the first pass's output type, so a local model's prompt (whose tool or schema block
        # sits in the system turn) keeps the same prefix and llama.cpp reuses its evaluation
        res = generate(provider, follow, RawAnalysis, max_tokens=RECALL_TOKENS, max_reasks=0)
    except Exception:  # noqa: BLE001 - the recall pass only adds; a failure keeps the first answer
        return analysis, Usage(), 0
    out: RawAnalysis = res.output  # type: ignore[assignment]
    known = {party_key(p) or p.casefold() for p in listed}
    added: dict[str, list[PartyClaim]] = {"winners": [], "losers": []}
    for field_name in ("winners", "losers"):
        for c in getattr(out, field_name):
            name = c.party.strip()
            key = party_key(name) or name.casefold()
            if not name or key in known:
                continue
            ev = locate(c.quote, text, within=(sec.start, sec.end))
            if ev.status == "unverified":
                ev = sentence_evidence(name, c.quote, text, sec) or ev
            if ev.status == "unverified":
                continue  # no quote, no claim: an unsupported extra party costs precision
            known.add(key)
            added[field_name].append(PartyClaim(party=name, reason=c.reason, evidence=ev))
    n = len(added["winners"]) + len(added["losers"])
    merged = analysis.model_copy(update={
        "winners": merge_party_claims(analysis.winners + added["winners"]),
        "losers": merge_party_claims(analysis.losers + added["losers"])})
    return merged, res.usage, n


def finish_section(provider: Provider, text: str, sec: Section, msgs: list[Message],
                   res: LLMResult[Any], with_recall: bool = False) -> Outcome:
    """One section's answer, grounded: a re-ask for quotes that cannot be aligned, then the
    optional recall pass (both synchronous: they depend on the answer)."""
    body = text[sec.start:sec.end]
    raw: RawAnalysis = res.output  # type: ignore[assignment]
    usage, reasks, repaired = res.usage, 0, 0
    # one claim per party (small models repeat a party with several quotes): the best-grounded
    # one stays, so a duplicate with a bad quote costs neither a re-ask nor precision
    analysis = merge_analyses([_ground(raw, text, sec)], summary=raw.summary.strip())
    repaired += _pin_paraphrases(analysis, text, sec)
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
    recalled = 0
    if with_recall:
        analysis, more, recalled = recall(provider, msgs, res.text or raw.model_dump_json(), analysis,
                                          text, sec)
        usage = usage.add(more)
    return Outcome(analysis=analysis, usage=usage, model=res.model, reasks=reasks, repaired=repaired,
                   recalled=recalled)


_overheads: dict[tuple[str, tuple[str, ...]], int] = {}


def _overhead_tokens(provider: Provider, contents: tuple[str, ...]) -> int:
    """Tokens of the prompt around the article (counted once per prompt text and model),
    the output schema included: every structured mode sends it in some form."""
    key = (provider.model_string, contents)
    if key not in _overheads:
        schema = json.dumps(RawAnalysis.model_json_schema(), separators=(",", ":"))
        _overheads[key] = sum(provider.count_tokens(c) for c in contents + (schema,)) + 64
    return _overheads[key]


def plan(article: Article, provider: Provider, recall: bool | None = None) -> CallPlan[Outcome]:
    """One call per section (what a provider batch carries); `assemble` finishes each section
    (`finish_section`) and merges them. `extract` runs this same plan synchronously."""
    text = article.text
    overhead = _overhead_tokens(provider, tuple(m.content for m in _messages("", None)))
    secs = sections_for(text, provider, overhead)
    calls = [CallSpec(f"section-{i}", tuple(section_messages(text[s.start:s.end], len(secs))),
                      RawAnalysis, OUTPUT_TOKENS) for i, s in enumerate(secs)]
    with_recall = recall_pass_enabled() if recall is None else recall  # the run plan's, read once

    def assemble(answers: Answers) -> Outcome:
        return _merge([finish_section(provider, text, s, list(c.messages), answers[c.key], with_recall)
                       for s, c in zip(secs, calls)])

    return CallPlan(calls, assemble)


def extract(article: Article, provider: Provider, recall: bool | None = None) -> Outcome:
    return run_plan(provider, plan(article, provider, recall))


def _merge(outcomes: list[Outcome]) -> Outcome:
    """Sections' outcomes as one: claims merged by party, the first section's summary."""
    if len(outcomes) == 1:
        return outcomes[0]  # sections = 1, the default
    usage = sum((o.usage for o in outcomes[1:]), outcomes[0].usage)
    summary = " ".join(o.analysis.summary for o in outcomes[:1] if o.analysis.summary)
    merged = merge_analyses([o.analysis for o in outcomes], summary=summary)
    return Outcome(analysis=merged, usage=usage, model=outcomes[-1].model,
                   reasks=sum(o.reasks for o in outcomes), sections=len(outcomes),
                   repaired=sum(o.repaired for o in outcomes),
                   recalled=sum(o.recalled for o in outcomes))
