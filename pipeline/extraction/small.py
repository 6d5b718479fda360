"""The decomposed strategy for small models (the embedded SmolLM2-135M is the default).

A 135M model asked for the whole analysis in one JSON call returns schema-valid nonsense, so
the job is cut into pieces it can do, and everything else is done deterministically:

1. the article is split into sentences with exact offsets (`pipeline.ground.sentences`), and
   headings ("Who wins", "What stays the same") give each sentence a section;
2. candidate sentences are pre-filtered by cue phrases ("wins", "loses", "still", "remains",
   "unchanged", "no longer", ...) and by section (the lead sentence of each paragraph under
   "Who loses" is about a loser), so calls stay few;
3. each candidate sentence's party is found by a small heuristic NER (its subject noun phrase,
   bold text, coordinated proper names);
4. the model answers one tiny constrained question per (sentence, party): a label from an enum
   (JSON-schema grammar), with few-shot examples from `prompts/`; its choices are limited to
   the labels the cues allow, plus "none", so the model can veto a cue but not invent one;
5. evidence is the sentence itself, so every claim is grounded by construction (`exact`).

Sentences flagged as prompt injection are never used as evidence.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Literal

import yaml
from pydantic import BaseModel, create_model

from pipeline.extraction.parties import merge_party_claims, party_key
from pipeline.extraction.prompts import read_prompt, render
from pipeline.ground import Span, sentences
from pipeline.injection import detect_injection
from pipeline.llm import generate
from pipeline.llm.base import Message, Provider
from pipeline.types import ArticleAnalysis, Article, Evidence, PartyClaim, UnchangedClaim, Usage

PROMPT = "extract_small.md"
EXAMPLES = "extract_small_examples.yaml"
FILES = [PROMPT, EXAMPLES]
ALGO_VERSION = "small-1"
LABELS = ("winner", "loser", "unchanged", "none")
MAX_CALLS = 60  # per article: the cue filter keeps typical articles far below this

# ---------------------------------------------------------------------------------------------
# cues

_W = r"(?:^|(?<=[^\w-]))(?=\w)"
WIN_CUES = re.compile(
    _W + r"(?:wins?|winners?|winning|won|benefit(?:s|ed|ing)?|beneficiar(?:y|ies)|gains?|gained|"
    r"come(?:s)? out (?:ahead|fine|on top)|stands? to gain|pleased|upside|boost(?:s|ed)?|better off|"
    r"an opening|tailwind|windfall|leverage to|advantage|big(?:ger|gest)? payday|profit(?:s|able)?|"
    r"thrive|fortunes? change|stronger|better position)\b(?!-)", re.I)
LOSE_CUES = re.compile(
    _W + r"(?:los(?:e|es|ers?|ing)|lost|hurt(?:s)?|hit|exposed|suffer(?:s|ed)?|wrong side|pay more|"
    r"squeez(?:e|ed)|in trouble|harder|nervous|awkward|worse off|threat(?:ened|s)?|the other side of|"
    r"take (?:a |an )?(?:\w+ )?hit|weaker|downside|obvious target|at risk|victims?|casualt(?:y|ies)|"
    r"most exposed|face (?:a |an )?(?:\w+ )?(?:problem|choice|squeeze)|next in line)\b(?!-)", re.I)
SAME_CUES = re.compile(
    _W + r"(?:still|remains?|remained|unchanged|stays?|stayed|staying|(?:is|are|was|were|looks?) (?:exactly |"
    r"largely |much )?the same|the same as|not (?:be |being )?affected|unaffected|untouched|continues? to|"
    r"will continue|keeps?|will keep|kept|do(?:es)? not change|not chang\w*|in place|honou?red|"
    r"not being revised|no change|has not (?:added|withdrawn|changed))\b(?!-)", re.I)

HEADING_WIN = re.compile(r"\bwin|\bwinners?\b|\bbenefit|\bprofit|\bgain|\bupside|\bbeneficiar", re.I)
HEADING_LOSE = re.compile(r"\blos(?:e|es|ers?|ing)\b|\bpays?\b|\bhurt|\bdownside|\bpain\b", re.I)
HEADING_SAME = re.compile(r"\bstays?\b|\bsame\b|\bunchanged\b|\bnot change|\bremains?\b|\bdoesn.t change", re.I)

# ---------------------------------------------------------------------------------------------
# a small heuristic NER: the subject noun phrase, bold text, capitalized spans

_LEAD_WORDS = {"and", "but", "so", "also", "still", "meanwhile", "now", "then", "yet", "instead",
               "in practice", "for now", "first", "second", "third", "finally",
               "however", "even", "on paper", "at least", "against that"}
_VERBS = set("""is are was were be been being has have had will would can could may might must should
shall does do did win wins won lose loses lost gain gains benefit benefits face faces take takes
stand stands come comes see sees get gets keep keeps remain remains stay stays look looks emerge
emerges pay pays lead leads own owns ship ships need needs continue continues run runs hold holds
cleared clears said says expects expect argue argues make makes go goes travel travels depend
depends sit sits spend spent built build builds offer offers sell sells buy buys move moves face
become becomes feel feels carry carries bring brings cannot can't won't isn't aren't doesn't
don't didn't wasn't weren't hasn't haven't""".split())
_PRONOUNS = {"it", "they", "this", "that", "these", "those", "he", "she", "we", "i", "you", "nobody",
             "everyone", "everybody", "both", "each", "one", "two", "three", "there", "here", "what",
             "which", "who", "some", "many", "most", "all", "none", "anyone", "someone", "its",
             "their", "our", "his", "her", "such"}
_NP_STOP = {"that", "who", "which", "whose", "where", "when", "with", "in", "on", "at", "from",
            "by", "after", "before", "because", "since", "if", "than", "whether", "as", "to"}
_DETERMINERS = {"the", "a", "an"}
# subject heads that are not parties ("the message is", "the cheapest way", "a lot stays")
_GENERIC = set("""lot much things thing little nothing everything rest part picture question lesson
point message story result way objection amount workload credit cut cuts deal rule rules change
changes news announcement report decision move headline number idea problem issue case reason
answer effect impact attraction combination option settlement company pain trend shift price prices
plan plans terms amendment statement release results market sector industry business timing
catch difference goal aim hope risk bet""".split())
_PLURAL_VERBS = {"win", "lose", "are", "were", "have", "gain", "benefit", "face", "get", "take",
                 "stand", "come", "see", "keep", "remain", "stay", "look", "pay", "need"}
_TOKEN = re.compile(r"[\w&'\u2019.-]+|[,;:()\u2014\u2013]|\*\*")
_CAPSPAN = re.compile(r"\b(?:[A-Z][\w&'\u2019-]*|[A-Z]{2,})(?:\s+(?:of\s+|and\s+|&\s+)?(?:[A-Z][\w&'\u2019-]*))*")


@dataclass
class Candidate:
    span: Span
    section: str | None  # winner | loser | unchanged | mixed | None
    lead: bool  # first sentence of its paragraph
    cues: set[str]  # labels whose cue phrases occur anywhere in the sentence
    near: set[str] = field(default_factory=set)  # ... in the predicate right after the subject
    parties: list[str] = field(default_factory=list)
    subject: str | None = None


def _strip_markup(s: str) -> str:
    return re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", s).replace("**", "").replace("__", "").strip()


_ADVERBS = set("""still now also quietly already no not never only just really actually even clearly
somewhat likely probably certainly largely mostly generally often usually always suddenly finally
immediately obviously themselves itself alone too""".split())
_SUBORDINATORS = {"when", "if", "although", "though", "while", "as", "because", "after", "before",
                  "since", "until", "unless", "once", "whether", "adding", "with", "without", "per",
                  "for", "in", "on", "at", "by", "under", "over", "from", "to", "tucked", "against"}
_POSS = re.compile(r"['\u2019]s?$")


def _bare(w: str) -> str:
    return w.strip(",;:.!?()\"'\u201c\u201d\u2018").lower()


def _is_verb(w: str, np_words: list[str], nxt: str | None = None) -> bool:
    bare = _bare(w)
    if bare in _VERBS:
        return True
    if not np_words or w[:1].isupper() or "-" in bare or not bare.isalpha():
        return False
    if bare.endswith("ed") and len(bare) > 4:
        return True
    # "Microsoft retains some", "AWS competes harder": a lowercase -s word right after a
    # capitalized name is a verb unless a verb or relative clause follows ("Battery developers are")
    prev = np_words[-1]
    nb = _bare(nxt or "")
    return (bare.endswith("s") and not bare.endswith(("ss", "us", "is")) and prev[:1].isupper()
            and not prev.endswith(("'s", "\u2019s")) and len(bare) > 3
            and nb not in _VERBS and nb not in _NP_STOP and nb not in _ADVERBS and bool(nb))


def subject_phrase(sentence: str) -> tuple[str | None, str | None]:
    """(subject noun phrase, the verb that ends it), or (None, None) when none is clear."""
    bold = re.match(r"^\s*(?:[-*+]\s+)?\*\*([^*]{2,80})\*\*", sentence)
    s = _strip_markup(sentence)
    for_m = re.match(r"^For ((?:[\w'\u2019-]+\s?){1,4}),\s", s)
    for_np = for_m.group(1).strip() if for_m and for_m.group(1).split()[0].lower() not in _PRONOUNS else None
    if for_m:
        s = s[for_m.end():]
    head_colon = re.match(r"^([^:]{1,30}):\s+(.+)$", s)
    if head_colon and len(head_colon.group(1).split()) <= 3:
        s = head_colon.group(2)  # "The headline: Microsoft's license is ..."
    changed = True
    while changed:
        changed = False
        low = s.lower()
        for lead in sorted(_LEAD_WORDS | {"one", "two", "three"}, key=len, reverse=True):
            if low.startswith(lead + " ") or low.startswith(lead + ", "):
                s, changed = s[len(lead):].lstrip(" ,"), True
                break
    words = s.split()
    if words and _bare(words[0]) in _SUBORDINATORS:
        comma = s.find(", ")
        if comma == -1 or comma > 120:
            return (bold.group(1).strip() if bold else None), None
        words = s[comma + 2:].split()  # "When X happened, <subject> <verb> ..."
    np_words: list[str] = []
    verb = None
    ended = False
    for i, w in enumerate(words[:14]):
        bare = _bare(w)
        if _is_verb(w, np_words, words[i + 1] if i + 1 < len(words) else None):
            verb = bare
            break
        if bare in _ADVERBS and np_words:
            ended = True
            continue
        if (bare in _NP_STOP and np_words) or ended:
            ended = True
            continue
        np_words.append(w)
        if w.endswith((",", ";", ":")):
            ended = True
    if bold:
        return bold.group(1).strip(), verb
    if verb is None:
        return None, None
    head_words = [w.strip(",;:\"'\u201c\u201d") for w in np_words]
    while head_words and head_words[0].lower() in _DETERMINERS:
        head_words = head_words[1:]
    head = " ".join(head_words).strip(" ,;:")
    role = re.search(r"\b(?:winners?|losers?|beneficiar(?:y|ies)|targets?)$", head, re.I)
    if role and verb in ("is", "are", "was", "were"):
        # "The clearest winners are FreshWay's store workers and the union ..."
        after = re.split(rf"\b{re.escape(verb)}\b", s, maxsplit=1)[-1]
        comp = re.split(r",|;|\.|\s(?:and the|who|which|that|because|but)\s", after.strip(), maxsplit=1)[0]
        comp_words = [w for w in comp.split() if w.lower() not in _DETERMINERS]
        if 0 < len(comp_words) <= 6 and comp_words[0].lower() not in _PRONOUNS:
            return " ".join(comp_words).strip(" ,;:"), verb
        return None, verb
    if (not head or len(head_words) > 8 or head_words[0].lower() in _PRONOUNS
            or _bare(head_words[-1]) in _GENERIC):
        if for_np:
            return for_np, verb
        return None, verb
    return head, verb


def split_coordinated(np: str, verb: str | None) -> list[str]:
    """'Google Cloud and Oracle' + plural verb → both names, when every part is capitalized."""
    if verb not in _PLURAL_VERBS:
        return [np]
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s+", np) if p.strip()]
    if len(parts) > 1 and all(p[:1].isupper() for p in parts):
        return parts
    return [np]


def capitalized_names(sentence: str) -> list[str]:
    """Proper-name spans (not the sentence's first word unless it continues a name)."""
    s = _strip_markup(sentence)
    out = []
    for m in _CAPSPAN.finditer(s):
        name = m.group().strip()
        words = name.split()
        if m.start() == 0 and len(words) == 1 and name.lower() in _VERBS | _PRONOUNS | _DETERMINERS:
            continue
        while words and words[0].lower() in _DETERMINERS | _PRONOUNS | _LEAD_WORDS:
            words = words[1:]
        name = _POSS.sub("", " ".join(words)).strip()
        if len(name) >= 2 and name.lower() not in _VERBS:
            out.append(name)
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------
# sections and candidate sentences

def _is_heading(text: str, whole_paragraph: bool) -> bool:
    t = text.strip()
    if t.startswith("#"):
        return True
    if not whole_paragraph or len(t.split()) > 12:
        return False
    return not re.search(r"[.!?:;,]\W*$", t) and t[:1].isupper()


def heading_label(text: str) -> str | None:
    w, lo, s = bool(HEADING_WIN.search(text)), bool(HEADING_LOSE.search(text)), bool(HEADING_SAME.search(text))
    if s and not (w or lo):
        return "unchanged"
    if w and lo:
        return "mixed"
    if w:
        return "winner"
    if lo:
        return "loser"
    return None


def cue_labels(sentence: str) -> set[str]:
    out = set()
    if WIN_CUES.search(sentence):
        out.add("winner")
    if LOSE_CUES.search(sentence):
        out.add("loser")
    if SAME_CUES.search(sentence):
        out.add("unchanged")
    return out


def candidates(text: str) -> list[Candidate]:
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
        if _is_heading(s.text, per_para[s.paragraph] == 1):
            section = heading_label(s.text.lstrip("# "))
            continue
        if any(f.start <= s.start < f.end or s.start <= f.start < s.end for f in flagged):
            continue  # never evidence from a passage addressed to a model
        c = Candidate(span=s, section=section, lead=lead, cues=cue_labels(s.text))
        subj, verb = subject_phrase(s.text)
        c.subject = subj
        if subj:
            at = _strip_markup(s.text).find(subj)
            pred = _strip_markup(s.text)[at + len(subj):][:70] if at != -1 else ""
            c.near = cue_labels(pred)
        names = split_coordinated(subj, verb) if subj else []
        c.parties = list(dict.fromkeys(names + [n for n in capitalized_names(s.text)
                                                if party_key(n) not in {party_key(x) for x in names}]))
        out.append(c)
    return out


_META = re.compile(r"^(?:it is|it's|what|this is|so this|that is|here is|there is|there are|some things|"
                   r"a lot|much|little|nothing|not everything)\b", re.I)


def allowed_labels(c: Candidate) -> list[str]:
    """Labels worth asking about for this sentence (empty: skip it without a call)."""
    labels = set(c.near) & {"winner", "loser"} if c.subject else set()
    if c.section in ("winner", "loser") and c.lead and c.subject:
        labels.add(c.section)
    if c.section == "mixed" and c.subject:
        labels |= c.cues & {"winner", "loser"}
    meta = bool(_META.match(_strip_markup(c.span.text)))
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
    data = yaml.safe_load(read_prompt(EXAMPLES)) or []
    return list(data)


def _answer_type(options: list[str]) -> type[BaseModel]:
    return create_model("Label", label=(Literal[tuple(options)], ...))  # type: ignore[valid-type]


def _question(c: Candidate, party: str | None) -> str:
    sec = {"winner": "who wins", "loser": "who loses", "unchanged": "what stays the same",
           "mixed": "who wins and who loses"}.get(c.section or "", "none")
    return (f"Section: {sec}\nSentence: {c.span.text}\nParty: {party or '-'}\n"
            "Answer: is the party a winner, a loser, unchanged, or none?")


def _messages(c: Candidate, party: str | None) -> list[Message]:
    return render(PROMPT, examples=_examples(), question=_question(c, party))


def ask(provider: Provider, c: Candidate, party: str | None, options: list[str]) -> tuple[str, Usage, str]:
    opts = [o for o in LABELS if o in options or o == "none"]
    res = generate(provider, _messages(c, party), _answer_type(list(LABELS)), max_tokens=12)
    label = res.output.label if res.output is not None else "none"  # type: ignore[attr-defined]
    if label not in opts:
        label = "none"
    return label, res.usage, res.model


MODES = ("rules", "hybrid", "model")


def mode_for(provider: Provider | None) -> str:
    """How labels are decided.

    `rules`: cue phrases and sections alone, no model call. `hybrid`: the model picks the label
    among those the cues allow, or "none" (it can veto a cue, not invent one). `model`: the
    model labels every cue-filtered sentence on its own. Set with PIPELINE_SMALL_MODE or
    `[extract] small_mode` in pipeline.toml. Default: `rules` for the embedded SmolLM2-135M,
    whose constrained answers measured as position bias (it picks whichever label comes
    first; accuracy 0.22-0.25 against 0.47-0.63 for the cues on the same sentences), and
    `hybrid` for any other model given `--strategy small`.
    """
    env = os.environ.get("PIPELINE_SMALL_MODE")
    if not env:
        try:
            from pipeline.config import load_settings

            env = (load_settings().raw.get("extract") or {}).get("small_mode")
        except Exception:  # noqa: BLE001 - a broken pipeline.toml is reported where it is read for real
            env = None
    if env:
        if env not in MODES:
            raise ValueError(f"unknown small-strategy mode {env!r}; choose one of: {', '.join(MODES)}")
        return env
    if provider is None or (provider.provider == "local" and not provider.model):
        return "rules"
    return "hybrid"


def rule_label(c: Candidate, options: list[str]) -> str:
    """The cue-only decision: the predicate's cue, else the section's, else the first allowed."""
    opts = [o for o in options if o != "none"]
    if len(opts) == 1:
        return opts[0]
    near = [o for o in opts if o in c.near]
    if len(near) == 1:
        return near[0]
    if c.section in opts:
        return c.section  # type: ignore[return-value]
    return opts[0] if opts else "none"


# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    analysis: ArticleAnalysis
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    reasks: int = 0
    sections: int = 1
    repaired: int = 0
    calls: int = 0
    mode: str = ""


def _summary(text: str) -> str:
    """Extractive: the first two sentences that are not headings (faithful by construction;
    a 135M model's own summary is not), never a passage flagged as prompt injection."""
    flagged = detect_injection(text)
    out = []
    for s in sentences(text):
        if _is_heading(s.text, True) or len(s.text.split()) < 6:
            continue
        if any(f.start < s.end and s.start < f.end for f in flagged):
            continue
        out.append(s.text.strip())
        if len(out) == 2:
            break
    return " ".join(out)


def _reason(c: Candidate) -> str:
    """The predicate after the subject ("loses the most"), else the sentence, shortened."""
    plain = _strip_markup(c.span.text)
    at = plain.find(c.subject or "\0")
    tail = plain[at + len(c.subject):].strip(" ,;:.") if c.subject and at == 0 else plain
    if len(tail) > 160:
        tail = tail[:160].rsplit(" ", 1)[0] + "\u2026"
    return tail


def extract(article: Article, provider: Provider) -> Outcome:
    text = article.text
    how = mode_for(provider)
    usage, model, calls = Usage(), "", 0
    winners: list[PartyClaim] = []
    losers: list[PartyClaim] = []
    unchanged: list[UnchangedClaim] = []
    for c in candidates(text):
        options = allowed_labels(c)
        if not options:
            continue
        ev = Evidence(quote=c.span.text, start=c.span.start, end=c.span.end, status="exact", score=100.0)
        party = (c.parties[:1] or [None])[0] if c.subject else None
        if how == "rules" or calls >= MAX_CALLS:
            label = rule_label(c, options)
        else:
            label, u, model = ask(provider, c, party, options if how == "hybrid" else list(LABELS))
            usage, calls = usage.add(u), calls + 1
        if label == "unchanged":
            unchanged.append(UnchangedClaim(statement=_strip_markup(c.span.text), evidence=ev))
        elif label in ("winner", "loser") and c.subject:
            names = split_coordinated(c.subject, subject_phrase(c.span.text)[1])
            target = winners if label == "winner" else losers
            for n in names:
                target.append(PartyClaim(party=n, reason=_reason(c), evidence=ev.model_copy()))
    analysis = ArticleAnalysis(summary=_summary(text), winners=merge_party_claims(winners),
                               losers=merge_party_claims(losers), unchanged=unchanged)
    return Outcome(analysis=analysis, usage=usage, model=model or provider.model_string, calls=calls,
                   mode=how)
