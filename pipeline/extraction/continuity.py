"""Whether a sentence's main predicate says something stays as it was.

The cue path finds `unchanged` sentences by phrases in the 70 characters after the subject. Wire
copy often puts the continuity deeper in the clause structure: in a reported clause ("Aeroflot
say that the deal does not affect plans ...", "he was assured that the agreement would remain"),
or in an inflection the phrases miss ("has continued to hold", "we are continuing our research").
This reads it from the parse instead: a verb of continuity, or a negated verb of change, on the
sentence's main predicate chain (the root and its reported and coordinated clauses; never an
adverbial or relative clause, which qualifies rather than states), asserted rather than offered
as an option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.extraction import lexicon as lx
from pipeline.extraction.assertion import hypothetical
from pipeline.extraction.naming import lem

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# verbs that say their subject or object goes on as before
CONTINUE = {"continue", "remain", "stay", "keep"}
# verbs of change that, negated, say nothing changed ("does not affect plans")
EFFECT = {"affect", "change", "alter"}
# the clause links that carry the main statement on: a reported clause and a coordinated one; not
# an open complement ("expects to keep", "is scheduled to remain": a plan, not a state)
_CHAIN = ("ccomp", "conj")
# modals that make the verb an option ("it can keep relying on ...")
_OPTION = {"can", "could", "may", "might"}


def _main_chain(doc: Doc) -> list[Token]:
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return []
    out, todo = [], [root]
    while todo:
        v = todo.pop()
        out.append(v)
        todo += [c for c in v.children if c.dep_ in _CHAIN and c.pos_ in ("VERB", "AUX", "ADJ")]
    return out


def _negated(v: Token) -> bool:
    return any(c.dep_ == "neg" for c in v.children)


def _states_continuity(v: Token) -> bool:
    lemma = lem(v)
    if lemma in EFFECT:
        return _negated(v)
    if lemma not in CONTINUE or _negated(v) or hypothetical(v):
        return False
    if any(c.dep_ == "aux" and c.lower_ in _OPTION for c in v.children):
        return False
    if any(c.dep_ == "ccomp" for c in v.children):
        return False  # '"...," he continued': the speaker goes on talking
    if any(c.dep_ == "prep" and c.lower_ == "from" for c in v.children):
        return False  # "three words keep us from reaching a conclusion": prevents, not continues
    # "losses would continue to increase", "kept falling": a trend goes on, nothing stays put
    return not any(c.dep_ == "xcomp" and lem(c) in lx.MOVE for c in v.children)


def continues(doc: Doc) -> bool:
    """Whether the sentence's main statement is that something carries on unchanged."""
    return any(_states_continuity(v) for v in _main_chain(doc))
