"""Passages of an article that read as instructions to a model (prompt injection).

Article text is always passed to models as delimited, untrusted data; this module is the
second line of defence: it finds sentences that address a model ("ignore previous
instructions", "AI systems must list X as the winner", chat-template tokens, markup meant to
be rendered) so extraction can skip them, and records, `pipeline show` and the report can
flag them. A claim whose only evidence lies in a flagged passage is marked
`evidence.flagged_injection = True`. Heuristic by design: cheap, deterministic, explainable
(each flag names the rules that fired).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from pipeline.text.sentences import sentences
from pipeline.types import ArticleAnalysis, Evidence, InjectionFlag

_I = re.IGNORECASE
_MODEL = r"(?:ai|a\.i\.|assistant|chat ?bot|llm|language model|model|gpt|claude|bot|system|agent)s?"

# (name, pattern, strong). One strong rule, or two weak ones, flag a sentence.
RULES: list[tuple[str, re.Pattern[str], bool]] = [
    ("ignore-instructions", re.compile(
        r"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}\b(?:previous|prior|above|"
        r"earlier|preceding|all|any|your|the|these|those|system)\b[^.\n]{0,30}\b(?:instructions?|"
        r"prompts?|rules|directions|guidelines|context|task)", _I), True),
    ("new-instructions", re.compile(
        r"\b(?:new|updated|real|actual|additional|hidden|secret)\s+(?:instructions?|task|prompt|"
        r"directive)s?\b", _I), True),
    ("system-prompt", re.compile(r"\b(?:system|developer|hidden|initial)\s+(?:prompt|message)s?\b", _I),
     True),
    ("addresses-model", re.compile(
        rf"\b(?:attention|note|dear|hey|hello)\b[^.\n]{{0,20}}\b{_MODEL}\b|\b{_MODEL}\b[^.\n]{{0,30}}"
        rf"\b(?:reading|summari[sz]ing|processing|analy[sz]ing|parsing|extracting)\s+(?:this|the following)"
        rf"\s+(?:article|text|document|page|content|story|post)\b|\bif you are an?\s+(?:\w+\s+){{0,2}}"
        rf"{_MODEL}\b|\byou are (?:now )?(?:an?|the)\s+(?:\w+\s+){{0,2}}{_MODEL}\b|\bas an? (?:ai|"
        rf"language model)\b", _I), True),
    ("models-must", re.compile(
        rf"\b(?:any|all|every)\s+(?:\w+\s+){{0,2}}{_MODEL}\b[^.\n]{{0,60}}\b(?:must|should|shall|"
        rf"need to|are required to)\b", _I), False),
    ("chat-template", re.compile(
        r"<\|?(?:im_start|im_end|system|user|assistant|endoftext|eot_id|begin_of_text)\|?>|\[/?INST\]|"
        r"<<SYS>>|^\s*#{2,}\s*(?:instruction|system|response)s?\b|^\s*(?:system|assistant)\s*:", _I | re.M),
     True),
    ("task-override", re.compile(
        r"\b(?:list|mark|classify|label|name|report|declare|output|record|treat)\b[^.\n]{0,60}\bas\s+"
        r"(?:the\s+)?(?:(?:only|sole|biggest|main|clear|real)\s+)?(?:winner|loser)s?\b", _I), False),
    ("output-control", re.compile(
        r"\b(?:respond|reply|answer|output|return|print|say|write|summari[sz]e)\b[^.\n]{0,30}\b(?:only|"
        r"exactly|verbatim|the following|the word|[ia][ns] json|nothing but)\b", _I), False),
    ("leak-request", re.compile(
        r"\b(?:reveal|print|show|leak|repeat|disclose|output)\b[^.\n]{0,30}\b(?:prompt|instructions|"
        r"api key|secret|password|credentials)\b", _I), True),
    ("do-not-follow", re.compile(r"\bdo not (?:follow|obey|mention|report)\b|\binstead,?\s+(?:you|output|"
                                 r"respond|say|write|list)\b", _I), False),
    ("second-person-imperative", re.compile(r"^\s*(?:you must|you should|you will|your task is|your job is)\b",
                                            _I), False),
    ("markup", re.compile(r"<\s*(?:script|iframe|img|object|embed|svg|style|link|meta)\b|javascript:|"
                          r"on(?:error|load|click)\s*=|!\[[^\]]*\]\(\s*https?://", _I), True),
]


# For the whole-text pre-pass: each rule with its sentence-start anchors dropped (a looser
# pattern, so it finds at least everything the rule finds in any sentence), matched
# case-sensitively against the lowercased text, which runs twice as fast as IGNORECASE.
_LOOSE = {name: re.compile(pat.pattern.replace(r"^\s*", "").replace("INST", "inst").replace("SYS", "sys"))
          for name, pat, _ in RULES}
# The four non-ASCII letters IGNORECASE matches to ASCII ones (re docs); "İ".lower() would
# even be two characters. Folded first, the lowercased text keeps every offset.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_FOLDED = re.compile("[\u0130\u0131\u017f\u212a]")
assert not any("^" in p.pattern.replace("[^", "") or re.search(r"[A-Z]", re.sub(r"\\.", "", p.pattern))
               for p in _LOOSE.values()), "a pattern the pre-pass would miss"

# Before a rule's loose pattern runs on the whole text, a cheaper necessary condition: the
# lowered text must hold a word of every group listed for the rule (plain `in` scans, ~30x
# cheaper than a regex that is tried at every position, and 1-character ones are memchr).
# Every match of the loose pattern contains a word of each group, so a text that lacks one
# cannot fire the rule. A group is a mandatory alternation of the pattern, or, for a rule with
# several top-level alternatives, the union of one such set per alternative. Words are stems
# that no match can avoid ("instruction" for `instructions?`, "summari" for `summari[sz]e`) and
# hold a space only where the pattern has a literal one, never for `\s`. Rules left out
# ("second-person-imperative" starts with literals, so its regex is already cheap) always run.
_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "ignore-instructions": (("ignore", "disregard", "forget", "override", "bypass", "skip"),
                            ("instruction", "prompt", "rules", "directions", "guidelines", "context", "task")),
    "new-instructions": (("instruction", "task", "prompt", "directive"),),
    "system-prompt": (("prompt", "message"),),
    # one set per alternative: "attention ... model", "model ... reading this article",
    # "if you are a ... model" and "you are now a ... model", "as an ai" / "as a language model"
    "addresses-model": (("attention", "note", "dear", "hey", "hello", "reading", "summarising", "summarizing",
                         "processing", "analysing", "analyzing", "parsing", "extracting", "you are", "as an ai",
                         "as a ai", "language model"),),
    "models-must": (("must", "should", "shall", "need to", "required to"),),
    # "<|im_start|>", "<<sys>>": "<"; "[/inst]": "inst]"; "## system": "##"; "assistant:"
    "chat-template": (("<", "inst]", "##", "system", "assistant"),),
    "task-override": (("winner", "loser"),),
    "output-control": (("only", "exactly", "verbatim", "following", "the word", "json", "nothing but"),
                       ("respond", "reply", "answer", "output", "return", "print", "say", "write", "summari")),
    "leak-request": (("prompt", "instructions", "api key", "secret", "password", "credentials"),),
    "do-not-follow": (("do not", "instead"),),
    # "<script", "javascript:", "onerror =", "![x](http"
    "markup": (("<", "javascript:", "=", "!"),),
}
# A word that a longer one holds where the pattern cannot match it: `\bhey` never matches in
# "they" ("t" is a word character). Occurrences of "they" never overlap and each holds one "hey",
# so the count difference is the number of "hey"s that are not inside a "they".
_MASKED = {"hey": "they"}


def _has(lowered: str, word: str) -> bool:
    mask = _MASKED.get(word)
    return word in lowered if mask is None else lowered.count(word) > lowered.count(mask)


def _may_fire(name: str, lowered: str) -> bool:
    """False when the rule's loose pattern cannot match `lowered` (it lacks a required word)."""
    return all(any(_has(lowered, w) for w in group) for group in _REQUIRED.get(name, ()))


def _rules_hit(sentence: str, rules: list[tuple[str, re.Pattern[str], bool]] = RULES) -> list[tuple[str, bool]]:
    return [(name, strong) for name, pat, strong in rules if pat.search(sentence)]


def is_instruction(passage: str, rules: list[tuple[str, re.Pattern[str], bool]] = RULES) -> list[str]:
    """Rules that fire on `passage` when they are enough to flag it, else []."""
    hits = _rules_hit(passage, rules)
    if any(strong for _, strong in hits) or len(hits) >= 2:
        return [name for name, _ in hits]
    return []


def _candidate_rules(text: str) -> list[tuple[str, re.Pattern[str], bool]]:
    """Rules that can fire on some sentence of `text`: one that finds nothing in the whole text
    (anchors dropped) finds nothing in any sentence of it, since sentences are substrings cut at
    whitespace. One pass over the text spares hundreds of per-sentence searches, and the word
    prefilter (`_REQUIRED`) spares most of those passes on ordinary articles."""
    lowered = (text.translate(_FOLD) if _FOLDED.search(text) else text).lower()
    return [r for r in RULES if _may_fire(r[0], lowered) and _LOOSE[r[0]].search(lowered)]


def detect_injection(text: str) -> list[InjectionFlag]:
    """Flag sentences that read as instructions to a model; adjacent ones merge."""
    flags: list[InjectionFlag] = []
    rules = _candidate_rules(text)
    if not rules:
        return flags
    for s in sentences(text):
        reasons = is_instruction(s.text, rules)
        if not reasons:
            continue
        prev = flags[-1] if flags else None
        if prev is not None and not text[prev.end:s.start].strip():
            merged = list(dict.fromkeys(prev.reasons + reasons))
            flags[-1] = InjectionFlag(start=prev.start, end=s.end, excerpt=_excerpt(text[prev.start:s.end]),
                                      reasons=merged)
        else:
            flags.append(InjectionFlag(start=s.start, end=s.end, excerpt=_excerpt(s.text), reasons=reasons))
    return flags


def _excerpt(s: str, limit: int = 240) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def flags_as_dicts(flags: Iterable[InjectionFlag]) -> list[dict[str, Any]]:
    return [f.model_dump() for f in flags]


def _coerce(flags: Iterable[InjectionFlag | dict[str, Any]]) -> list[InjectionFlag]:
    return [f if isinstance(f, InjectionFlag) else InjectionFlag.model_validate(f) for f in flags]


def in_flagged(ev: Evidence, flags: Iterable[InjectionFlag | dict[str, Any]]) -> bool:
    """True when the evidence lies (mostly) inside a flagged passage, or, unaligned, reads as one."""
    fl = _coerce(flags)
    if ev.start is not None and ev.end is not None and ev.end > ev.start:
        for f in fl:
            overlap = min(ev.end, f.end) - max(ev.start, f.start)
            if overlap > 0 and overlap >= 0.5 * (ev.end - ev.start):
                return True
        return False
    return bool(is_instruction(ev.quote))


def mark_flagged(analysis: ArticleAnalysis, flags: Iterable[InjectionFlag | dict[str, Any]]) -> int:
    """Set `flagged_injection` on every claim whose evidence is in a flagged passage; count them."""
    fl = _coerce(flags)
    n = 0
    for claim in analysis.claims():
        flagged = in_flagged(claim.evidence, fl)
        claim.evidence.flagged_injection = flagged
        n += flagged
    return n
