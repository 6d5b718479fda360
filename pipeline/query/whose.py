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


@lru_cache(maxsize=256)
def doers(parts: tuple[str, ...], names: tuple[str, ...]) -> tuple[str, ...]:
    """The named parties a question asks about as the doer of its verb ("How many jets has Ryanair
    ordered": Ryanair, not Boeing): an article that never names one of them cannot tell their act,
    however much it says about the other names. Empty when no subject is named or there is no parser."""
    from pipeline.query.answertype import _doc

    from pipeline.query.scope import without_occasion

    out: list[str] = []
    for part in parts:
        doc = _doc(without_occasion(part))  # "on the day Washington said ...": not the asked act
        if doc is None:
            return ()
        for t in doc:
            passive = any(c.dep_ == "auxpass" for c in t.head.children)
            phrase = _phrase(t)
            if (t.dep_ != "nsubj" or passive or t.head.dep_ not in _MAIN
                    or any(w.lower_ in _WH for w in t.subtree)):
                continue  # "how many jets has ...": the fronted asked thing is not a doer
            span = _POSSESSIVE.sub("", " ".join(w.text for w in phrase))
            out += [n for n in names if about(span, (n,)) and n not in out]
    return tuple(out)


_OWNER_DEPS = ("amod", "compound", "poss", "nmod")
_OWNER_LABELS = ("ORG", "GPE", "NORP", "PERSON", "PRODUCT")


def _owners(doc: object) -> dict[tuple[str, str], set[str]]:
    """Each noun's lemma and kind of modifier with the named words that say whose it is: "the French
    government" -> {(government, mod): {french}}, "GM's Canadian sales" -> {(sale, poss): {gm},
    (sale, mod): {canadian}}."""
    out: dict[tuple[str, str], set[str]] = {}
    for t in doc:  # type: ignore[attr-defined]
        if t.pos_ != "NOUN":
            continue
        for c in t.children:
            if c.dep_ in _OWNER_DEPS and c.ent_type_ in _OWNER_LABELS:
                key = (t.lemma_.lower(), "poss" if c.dep_ == "poss" else "mod")  # "Mahan Air's": "mahan air"
                out.setdefault(key, set()).add(" ".join(w.text for w in c.subtree if w.dep_ != "case").casefold())
        out.setdefault((t.lemma_.lower(), ""), set())
    return out


def other_owner(part: str, sentence: str) -> bool:
    """Does the sentence tell the asked thing of another named owner: the question's noun has a named
    modifier ("the French government", "Chrysler's sales"), and the sentence has the same noun only
    with other modifiers of that kind ("the Belgian government", "GM's sales")? False without a parser."""
    from pipeline.query.answertype import _doc

    q, d = _doc(part), _doc(sentence)
    if q is None or d is None:
        return False
    mine = _owners(d)
    return any(key[1] and asked and mine.get(key) and not any(_same(a, m) for a in asked for m in mine[key])
               for key, asked in _owners(q).items())


def _same(a: str, b: str) -> bool:
    """One owner's two spellings: one inside the other ("Mahan" in "Mahan Air"), or one the initials
    of the other ("US" and "United States")."""
    def initials(x: str) -> str:
        return "".join(w[0] for w in x.replace(".", "").split() if w)

    a, b = a.replace(".", ""), b.replace(".", "")
    return a in b or b in a or (" " not in a and a == initials(b)) or (" " not in b and b == initials(a))


_MAIN = frozenset({"ROOT", "conj", "ccomp"})  # the part's own clause ("has Ryanair ordered": ccomp of has)
_WH = frozenset("how what which who whom whose".split())
_NOMINAL = frozenset({"compound", "amod", "poss", "nmod", "det", "nummod", "case", "conj", "cc", "flat"})


def _phrase(tok: Token) -> list[Token]:
    """A noun phrase without its prepositional and clausal modifiers ("Chrysler", not "Chrysler getting
    from the Canadian governments")."""
    out = [tok]
    for c in tok.children:
        if c.dep_ in _NOMINAL or (c.dep_ == "pobj" and tok.lower_ == "of") or (c.dep_ == "prep" and c.lower_ == "of"):
            out += _phrase(c)  # "Bank of America" is one name
    return sorted(out, key=lambda w: w.i)


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


__all__ = ["asks_as_agent", "doers", "other_owner", "others_event"]
