"""The decomposed strategy for small models (the embedded SmolLM2-135M is the default).

A 135M model asked for the whole analysis in one JSON call returns schema-valid nonsense, so
the job is cut into pieces it can do, and everything else is done deterministically:

1. the article is split into sentences with exact offsets (`pipeline.text.ground.sentences`), and
   headings ("Who wins", "What stays the same") give each sentence a section; each sentence is
   parsed once by spaCy's small English pipeline (`pipeline.text.nlp`);
2. outcomes told through predicates ("shares of X fell", "the court rejected Y's appeal", "a
   lift for Z", "jobs at W could go") are read from the parse (`pipeline.extraction.outcomes`):
   the party is who the predicate happens to, negated, conditional and past-baseline clauses
   are skipped, "it"/"the airline" resolve to the organisation the text is about;
3. sentences that label outcomes themselves are found by cue phrases ("wins", "loses", "still",
   "remains", "unchanged", ...) right after the subject, and by section (the lead sentence of
   each paragraph under "Who loses" is about a loser); their party is the parsed subject,
   named by `pipeline.extraction.naming` (generic non-parties such as "companies" dropped);
4. the label of a cue sentence: in `hybrid` mode (`confirm`: cue-only readings only) the model answers one tiny question per
   (sentence, party), a label from an enum (JSON-schema grammar) with few-shot examples from
   `prompts/`, limited to the labels the cues allow plus "none" (it can veto a cue, never
   invent one); in `rules` mode the cues decide. `rules` is the default for the embedded
   SmolLM2-135M because it scored better: the 135M model's constrained answers follow the
   order of the options, not the sentence (see `mode_for`);
5. evidence is the sentence itself, so every claim is grounded by construction (`exact`);
6. a party read on both sides keeps the side more sentences support, and short names that
   begin a longer one ("Calder", "Calder Therapeutics") are one party (`settle_sides`).

Sentences flagged as prompt injection are never used as evidence, nor in the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Literal

import yaml
from pydantic import BaseModel, create_model

from pipeline.extraction import continuity, naming, outcomes
from pipeline.extraction.assertion import asserted
from pipeline.extraction.cues import cue_labels, heading_label, strip_markup
from pipeline.extraction.parties import merge_party_claims, settle_sides
from pipeline.extraction.prompts import read_prompt, render
from pipeline.extraction.single import Outcome
from pipeline.text.headings import is_heading
from pipeline.text.sentences import Sentence, sentences
from pipeline.text.injection import detect_injection
from pipeline.llm.base import LLMResult, Message, Provider
from pipeline.llm.calls import Answers, CallPlan, CallSpec, run_plan
from pipeline.llm.profiles import SMALL_MODES
from pipeline.text.nlp import parse_many
from pipeline.types import ArticleAnalysis, Article, Evidence, PartyClaim, UnchangedClaim, Usage
from pipeline.config import Settings, read_env

if TYPE_CHECKING:
    from spacy.tokens import Doc

PROMPT = "extract_small.md"
EXAMPLES = "extract_small_examples.yaml"
FILES = [PROMPT, EXAMPLES]
ALGO_VERSION = "small-4"  # 2: parse-based outcome reader and party naming; 3: roles (exceptions, contests, sales); 4: continuity from the clause structure, a workforce apart from its firm
LABELS = ("winner", "loser", "unchanged", "none")
# label modes whose question's grammar holds only the labels the reading or the cues allow
NARROW_MODES = ("hybrid", "confirm")
MAX_CALLS = 60  # per article: the cue filter keeps typical articles far below this


@dataclass
class Candidate:
    span: Sentence
    section: str | None  # winner | loser | unchanged | mixed | None
    lead: bool  # first sentence of its paragraph
    cues: set[str]  # labels whose cue phrases occur anywhere in the sentence
    near: set[str] = field(default_factory=set)  # ... in the predicate right after the subject
    parties: list[str] = field(default_factory=list)
    subject: str | None = None
    subject_head: str = ""  # lemma of the grammatical subject's head word


# ---------------------------------------------------------------------------------------------
# sections and candidate sentences

def candidates(text: str) -> list[Candidate]:
    """Sentences that may carry a claim, with their section and the parties they are about."""
    return _candidates(text)[0]


Visit = Callable[[int, "Doc", naming.Context], None]


def _candidates(text: str, visit: Visit | None = None) -> tuple[list[Candidate], list[outcomes.Reading]]:
    """Candidates, and the outcomes read from the same parse with the same reference context.
    `visit(i, doc, ctx)` sees each parsed sentence with the context of the ones before it (the
    learned reader collects its party mentions there, from the same parse)."""
    spans = sentences(text)
    flagged = detect_injection(text)
    per_para: dict[int, int] = {}
    for s in spans:
        per_para[s.paragraph] = per_para.get(s.paragraph, 0) + 1
    section: str | None = None
    out: list[Candidate] = []
    seen_para: set[int] = set()
    for s in spans:
        lead = s.paragraph not in seen_para
        seen_para.add(s.paragraph)
        if is_heading(s.text, per_para[s.paragraph] == 1):
            section = heading_label(s.text.lstrip("# "))
            continue
        if any(f.start <= s.start < f.end or s.start <= f.start < s.end for f in flagged):
            continue  # never evidence from a passage addressed to a model
        out.append(Candidate(span=s, section=section, lead=lead, cues=cue_labels(s.text)))
    docs = parse_many([strip_markup(c.span.text) for c in out])
    ctx = naming.Context(docs)
    readings: list[outcomes.Reading] = []
    for i, (c, doc) in enumerate(zip(out, docs)):
        names, end = naming.subject_names(doc, ctx)
        readings += outcomes.read_sentence(doc, ctx, i)
        if visit is not None:
            visit(i, doc, ctx)
        ctx.note(doc)
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        c.parties = names if root is None or asserted(root) else []
        if end:  # a grammatical subject, party or not ("Frequent-flyer balances will be honored")
            c.subject = doc.text[:end].strip()
            head = next((t for t in doc if t.dep_ in ("nsubj", "nsubjpass") and t.idx < end), None)
            c.subject_head = head.lemma_.lower() if head is not None else ""
            c.near = cue_labels(doc.text[end:end + 70])
            if continuity.continues(doc):  # "X say that the deal does not affect ...", "has continued to"
                c.near.add("unchanged")
                c.cues.add("unchanged")
    return out, readings


# subjects of sentences about the article itself ("Several things are not changing")
_META_HEADS = set("""thing things picture lot much little nothing everything few several some most
everyone anyone everybody lesson point question""".split())
_META = re.compile(r"^(?:it is|it's|what|this is|so this|that is|here is|there is|there are|some things|"
                   r"a lot|much|little|nothing|not everything)\b", re.I)


def allowed_labels(c: Candidate) -> list[str]:
    """Labels worth asking about for this sentence (empty: skip it without a call)."""
    labels = set(c.near) & {"winner", "loser"} if c.parties else set()
    if c.section in ("winner", "loser") and c.lead and c.parties:
        labels.add(c.section)
    if c.section == "mixed" and c.parties:
        labels |= c.cues & {"winner", "loser"}
    meta = bool(_META.match(strip_markup(c.span.text))) or c.subject_head in _META_HEADS
    if "unchanged" in c.cues and not meta:
        if c.subject and ("unchanged" in c.near or c.section == "unchanged"):
            labels.add("unchanged")
        elif not c.subject and c.section == "unchanged":
            labels.add("unchanged")
    if c.section == "unchanged" and c.lead and c.subject and not meta:
        labels.add("unchanged")
    return [lab for lab in LABELS if lab in labels]


# ---------------------------------------------------------------------------------------------
# the model's question

def _examples() -> list[dict]:
    return _parse_examples(read_prompt(EXAMPLES))


@lru_cache(maxsize=4)
def _parse_examples(src: str) -> list[dict]:
    data = yaml.safe_load(src) or []
    if not isinstance(data, list) or not all(isinstance(d, dict) and {"sentence", "label"} <= set(d) for d in data):
        from pipeline.extraction.prompts import PromptError, prompts_dir

        raise PromptError(f"{prompts_dir() / EXAMPLES}: expected a list of {{section, sentence, party, label}}")
    return data


def _answer_type(options: list[str]) -> type[BaseModel]:
    label: Any = Literal[tuple(options)]  # built at run time from options
    return create_model("Label", label=(label, ...))


def _question(c: Candidate, party: str | None) -> str:
    sec = {"winner": "who wins", "loser": "who loses", "unchanged": "what stays the same",
           "mixed": "who wins and who loses"}.get(c.section or "", "none")
    return (f"Section: {sec}\nSentence: {c.span.text}\nParty: {party or '-'}\n"
            "Answer: is the party a winner, a loser, unchanged, or none?")


def _messages(c: Candidate, party: str | None) -> list[Message]:
    return render(PROMPT, examples=_examples(), question=_question(c, party))


def question(key: str, c: Candidate, party: str | None, options: list[str] | None = None) -> CallSpec:
    """One label question as a planned call. The answer's grammar holds only `options` plus
    "none" (all labels when not given), so a model confirms or vetoes the reading it is asked
    about: unconstrained, Qwen2.5-1.5B answered "unchanged" for most wire-style gains ("the
    capsule docked successfully"), which vetoed 12 of 13 real-dev winners."""
    opts = [o for o in LABELS if options is None or o in options or o == "none"]
    return CallSpec(key, tuple(_messages(c, party)), _answer_type(opts), 12)


def answered_label(res: LLMResult[Any], options: list[str]) -> str:
    opts = [o for o in LABELS if o in options or o == "none"]
    label = res.output.label if res.output is not None else "none"
    return label if label in opts else "none"


MODES = SMALL_MODES  # declared with the model profiles that pick a default among them


def mode_for(provider: Provider | None, settings: Settings | None = None) -> str:
    """How labels are decided.

    `rules`: cue phrases and sections alone, no model call. `hybrid`: the model picks the label
    among those the cues allow, or "none" (it can veto a cue, not invent one). `confirm`: as
    hybrid, but a reading parsed from the sentence's structure stands and only cue-only readings
    are asked (local GGUF models: Qwen2.5-1.5B's vetoes of parsed readings cost more recall than
    they saved: real dev F1 0.62 hybrid, 0.70 confirm, same rules). `model`: the
    model labels every cue-filtered sentence on its own. `learned`: every party the article names
    is a candidate, kept or dropped by a logistic model trained on the gold
    (`pipeline.extraction.claim_model`; opt-in: leave-one-part-out it tied the rules, mean F1 0.57
    both). Set with PIPELINE_SMALL_MODE or
    `[extract] small_mode` in pipeline.toml (`settings`, read once by the run's entry point).
    Default: the model profile's `small_mode`
    (`pipeline.llm.profiles`): `rules` for the embedded SmolLM2-135M,
    whose constrained answers measured as position bias (it picks whichever label comes
    first; accuracy 0.22-0.25 against 0.47-0.63 for the cues on the same sentences), and
    `confirm` for a local GGUF model, `hybrid` for any other model given `--strategy small`.
    """
    env = read_env().small_mode
    if not env and settings is not None:
        section = settings.raw.get("extract")
        env = section.get("small_mode") if isinstance(section, dict) else None
    if env:
        if env not in MODES:
            raise ValueError(f"unknown small-strategy mode {env!r}; choose one of: {', '.join(MODES)}")
        return env
    return provider.profile.small_mode if provider is not None else "rules"


def rule_label(c: Candidate, options: list[str]) -> str:
    """The cue-only decision: the predicate's cue, else the section's, else the first allowed."""
    opts = [o for o in options if o != "none"]
    if len(opts) == 1:
        return opts[0]
    near = [o for o in opts if o in c.near]
    if len(near) == 1:
        return near[0]
    if c.section in opts:
        return c.section
    return opts[0] if opts else "none"


# ---------------------------------------------------------------------------------------------




def _summary(text: str) -> str:
    """Extractive: the first two sentences that are not headings (faithful by construction;
    a 135M model's own summary is not), never a passage flagged as prompt injection."""
    flagged = detect_injection(text)
    out = []
    for s in sentences(text):
        if is_heading(s.text, True) or len(s.text.split()) < 6:
            continue
        if any(f.start < s.end and s.start < f.end for f in flagged):
            continue
        out.append(s.text.strip())
        if len(out) == 2:
            break
    return " ".join(out)


def _reason(c: Candidate) -> str:
    """The predicate after the subject ("loses the most"), else the sentence, shortened."""
    plain = strip_markup(c.span.text)
    at = plain.find(c.subject or "\0")
    tail = plain[at + len(c.subject):].strip(" ,;:.") if c.subject and at == 0 else plain
    if len(tail) > 160:
        tail = tail[:160].rsplit(" ", 1)[0] + "\u2026"
    return tail


@dataclass
class _Decision:
    """One label to decide: by the cues (`rule`), or by the model when `call` is set."""

    cand: Candidate
    party: str | None
    options: list[str]
    rule: str
    call: CallSpec | None = None
    reason: str | None = None  # a parsed reading's own reason


def plan(article: Article, provider: Provider, mode: str | None = None,
         parsed: tuple[list[Candidate], list[outcomes.Reading]] | None = None) -> CallPlan[Outcome]:
    """The label questions (none in `rules` mode) as planned calls: which sentences and parties
    are asked about follows from the parse and the cues, never from an earlier answer, so every
    call is known up front. `extract` runs this plan; `assemble` builds the claims. `parsed`:
    `_candidates(article.text)` already computed by the caller."""
    text = article.text
    how = mode or mode_for(provider)  # the run plan's label mode, decided once per run
    cands, readings = parsed if parsed is not None else _candidates(text)
    todo: list[_Decision] = []
    calls: list[CallSpec] = []

    def decide(c: Candidate, party: str | None, options: list[str], asked: list[str], rule: str,
               reason: str | None = None) -> None:
        d = _Decision(c, party, options, rule, reason=reason)
        # hybrid: the model confirms or vetoes every reading; confirm: only the cue-only ones (a
        # parsed reading stands: Qwen2.5-1.5B's vetoes of them cost more recall than they saved)
        ask = how in ("hybrid", "model") or (how == "confirm" and reason is None)
        if ask and len(calls) < MAX_CALLS:
            d.options = asked
            d.call = question(f"label-{len(calls)}", c, party, asked)
            calls.append(d.call)
        todo.append(d)

    read_parties = {(r.sentence, r.party) for r in readings}
    for r in readings:
        decide(cands[r.sentence], r.party, [r.label], [r.label] if how in NARROW_MODES else list(LABELS),
               r.label, reason=r.reason)
    for i, c in enumerate(cands):
        options = allowed_labels(c)
        if how != "rules" and all((i, p) in read_parties for p in c.parties):  # asked already
            options = [o for o in options if o not in ("winner", "loser")]
        if options:
            decide(c, c.parties[0] if c.parties else None, options,
                   options if how in NARROW_MODES else list(LABELS), rule_label(c, options))

    def assemble(answers: Answers) -> Outcome:
        usage, model = Usage(), ""
        winners: list[PartyClaim] = []
        losers: list[PartyClaim] = []
        unchanged: list[UnchangedClaim] = []
        for d in todo:
            label = d.rule
            if d.call is not None:
                res = answers[d.call.key]
                label, usage, model = answered_label(res, d.options), usage.add(res.usage), res.model
            c = d.cand
            ev = Evidence(quote=c.span.text, start=c.span.start, end=c.span.end, status="exact", score=100.0)
            if d.reason is not None:  # a parsed reading: its party, its reason
                if label in ("winner", "loser"):
                    (winners if label == "winner" else losers).append(
                        PartyClaim(party=d.party or "", reason=d.reason, evidence=ev))
            elif label == "unchanged":
                unchanged.append(UnchangedClaim(statement=strip_markup(c.span.text), evidence=ev))
            elif label in ("winner", "loser") and c.parties:
                target = winners if label == "winner" else losers
                for n in c.parties:
                    target.append(PartyClaim(party=n, reason=_reason(c), evidence=ev.model_copy()))
        winners, losers = settle_sides(winners, losers)
        analysis = ArticleAnalysis(summary=_summary(text), winners=merge_party_claims(winners),
                                   losers=merge_party_claims(losers), unchanged=unchanged)
        return Outcome(analysis=analysis, usage=usage, model=model or provider.model_string,
                       calls=len(calls), mode=how)

    return CallPlan(calls, assemble)


def extract(article: Article, provider: Provider, mode: str | None = None) -> Outcome:
    """`mode`: the run plan's label mode (decided once per run); None reads it here."""
    return run_plan(provider, plan(article, provider, mode))
