"""Whose event a sentence tells: the asked party's, or another party's that mentions it in passing.

Asked how far Chrysler's Canadian sales fell and what announcement was blamed, `ask` cited "As a
result of Chrysler's restructuring announcement in Canada, GM's Canadian vehicle sales volume fell
17.3%": GM's fall, Chrysler only the cause's owner. Asked about Toyota's sales, it cited "Ford said
its sales rose 43%, as the automaker outsold rivals Toyota and General Motors". In both the subject
of the main clause is another named party, and the asked one is no clause's subject: the sentence
tells the other party's event. "Who" and "which <class>" parts are left alone: their answer is
the other party ("Henderson replaced Wagoner").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.query.focus import about

if TYPE_CHECKING:
    from spacy.tokens import Token

_POSSESSIVE = re.compile(r"['\u2019]s\b")
# A speaker is not the owner of the event it reports: the reported clause's subject is.
_SPEECH = frozenset("say announce report tell state claim add note confirm reveal warn".split())
_SUBJECT = ("nsubj", "nsubjpass", "csubj")
_NAMED = ("ORG", "GPE", "NORP", "PRODUCT", "FAC")  # not PERSON: "said Djamal" may be the party speaking


def _span(tok: Token) -> str:
    return tok.doc[tok.left_edge.i:tok.right_edge.i + 1].text


def _names(text: str, names: tuple[str, ...]) -> bool:
    """`about`, reading "Kestrel's" as "Kestrel"."""
    return about(_POSSESSIVE.sub("", text), names)


@lru_cache(maxsize=256)
def asks_as_agent(parts: tuple[str, ...], names: tuple[str, ...]) -> bool:
    """Does the question ask about a named party as the doer ("how far did Kestrel's sales fall"),
    so that the answer tells its event? Not when it asks about one as the done-to ("how much was
    Northgate fined": "the agency fined Northgate £2 million" answers it)."""
    from pipeline.query.answertype import _doc

    agent = False
    for part in parts:
        doc = _doc(part)
        if doc is None:
            return False
        for t in doc:
            if t.dep_ in _SUBJECT + ("nsubjpass",) and _names(_span(t), names):
                if t.dep_ == "nsubjpass" or any(c.dep_ == "auxpass" for c in t.head.children):  # "was X fined"
                    return False
                agent = True
    return agent


def others_event(sentence: str, names: tuple[str, ...]) -> bool:
    """Is the sentence's main subject another named party, with no asked party the subject of any
    clause? False when the question names no party or the parser is not installed."""
    if not names:
        return False
    from pipeline.query.answertype import _doc

    doc = _doc(sentence)
    if doc is None or not _names(sentence, names):
        return False
    subjects = [t for t in doc if t.dep_ in _SUBJECT]
    if any(_names(_span(t), names) for t in subjects):
        return False  # the asked party's own event, perhaps reported by someone else
    main = [t for t in subjects if t.head.dep_ == "ROOT"]
    if any(t.head.lemma_ in _SPEECH for t in main):  # "X announced (that) Y's recorder was recovered": Y's
        main = [t for t in subjects if t.head.dep_ == "ccomp" and t.head.head.dep_ == "ROOT"]
    # the subject itself or its owner ("Ford Motor Company", "GM's sales"), not a name deeper inside
    # it ("the case on which the Court ruled")
    heads = {t.i for t in main} | {c.i for t in main for c in t.children if c.dep_ in ("poss", "compound")}
    return any(e.label_ in _NAMED and not _names(e.text, names) and any(e.start <= i < e.end for i in heads)
               for e in doc.ents)


__all__ = ["asks_as_agent", "others_event"]
