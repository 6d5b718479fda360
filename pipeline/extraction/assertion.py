"""Whether a predicate states an outcome: not negated, not a condition or its consequence, not
a counterfactual, not denied by its subject ("no one expects"), not a past baseline.

Shared by the outcome reader and by the cue path (which asks it of a sentence's main verb).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.extraction.naming import lem

if TYPE_CHECKING:
    from spacy.tokens import Token

_PAST_UNITS = {"year", "month", "quarter", "week", "decade"}


_COUNTERFACTUAL = {"should", "could", "would", "might"}


def negated(v: Token) -> bool:
    """'did not rise', 'no longer has', 'failed to win', 'the refusal to bail out', 'received no
    response', 'should have been selected' (it was not)."""
    if any(c.dep_ == "neg" or (c.lower_ == "longer" and c.dep_ in ("advmod", "npadvmod")) for c in v.children):
        return True
    if any(c.dep_ == "dobj" and any(d.lower_ == "no" and d.dep_ == "det" for d in c.children) for c in v.children):
        return True
    aux = [c.lower_ for c in v.children if c.dep_ in ("aux", "auxpass")]
    if "have" in aux and _COUNTERFACTUAL & set(aux):
        return True
    head = v.head
    if v.dep_ in ("xcomp", "acl") and lem(head) in ("fail", "refuse", "refusal", "avoid", "decline", "failure"):
        return True
    return v.dep_ in ("xcomp", "ccomp") and lem(head) != "say" and any(c.dep_ == "neg" for c in head.children)


def asserted(v: Token) -> bool:
    """Whether a predicate states something that happened or will happen to its parties: not
    negated, not a condition or its consequence, not a past baseline."""
    return not (negated(v) or hypothetical(v) or in_past_comparison(v) or nobody(v))


def nobody(v: Token) -> bool:
    return any(c.dep_ == "nsubj" and (c.lower_ in ("nobody", "none") or (
        c.lower_ == "one" and any(d.lower_ == "no" for d in c.children))) for c in v.children)


def hypothetical(v: Token) -> bool:
    """'If too many homeowners default, ...': a condition, not an outcome; and 'X would lose ...
    if Congress tightens the rules': its consequence."""
    cur = v
    while True:  # "the lender can end up defaulting if ...": the condition may sit on a governing verb
        aux = {c.lower_ for c in cur.children if c.dep_ == "aux"}
        if aux & {"would", "could", "might", "can", "may"} and any(
                c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless") for m in c.children)
                for c in cur.children):
            return True
        if cur.dep_ not in ("xcomp", "conj") or cur.head is cur:
            break
        cur = cur.head
    cur = v
    while cur.dep_ in ("conj", "xcomp") and cur.head is not cur:
        cur = cur.head
    return cur.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether")
                                       for c in cur.children)


def in_past_comparison(v: Token) -> bool:
    """'a year earlier, X had gained $704 million': a baseline, not this article's outcome."""
    for t in v.subtree:
        if t.lower_ in ("earlier", "ago", "previously") and t.head.i in {x.i for x in v.subtree}:
            if t.lower_ == "previously" or any(lem(c) in _PAST_UNITS for c in t.children):
                return True
        if t.lower_ == "until" and any(lem(p) in _PAST_UNITS and any(d.lower_ in ("last", "previous")
                                                                  for d in p.children) for p in t.children):
            return True  # "lost money on every car until last year"
    return False
