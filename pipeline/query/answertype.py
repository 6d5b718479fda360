"""The kind of answer a question asks for, and whether a sentence gives one about the asked event.

"How large a fine did the regulator impose on Ford?" over an article that only reports the
investigation: every retrieved sentence is about Ford and reads like the question, and some hold
a number ("on February 21"), so a check for words or digits answers it. What the question asks
for is an amount of money, and the article holds none. So a part that asks for an amount, a sum
of money or a date is answered only by a sentence that carries one (spaCy's entities, a currency
next to a number, a date), and that says the asked event: it uses one of the part's own verbs
("approve" in "on what date did UOKiK approve the sale"; "they expect a decision this year" has
a date but not the approval). When no sentence does, the part is unanswered, and a question no
part of which is answered is refused. "Who" and "where" parts are typed loosely (a name, or a noun
in the role: "government ministries", "on any cloud platform"), so for them the asked verb is what
counts; "why" is left to `parts` (a stated cause), its answers being too varied to type.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.query.bm25 import tokenize

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from pipeline.corpus.protocols import TextEmbedder

Kind = Literal["money", "number", "date", "agent", "place"]

# "how much money", "how large a fine", "what penalty": the thing asked for is a sum of money.
MONEY_WORDS = frozenset(tokenize(["money cash compensation fine fines penalty penalties fee fees price prices "
                                   "cost costs salary wage wages pay paid payment payout spend spent worth charge "
                                   "charged earn earned damages settlement bonus budget funding loan bail bailout "
                                   "tax taxes bill dividend ransom bribe"])[0])
# A quantity that changes ("how much did profit fall") may be a percentage as well as a sum.
_CHANGE = frozenset(tokenize(["fall fell fallen drop dropped rise rose risen grow grew increase decrease cut "
                              "climb climbed jump jumped slip slipped gain gained lose lost shrink shrank decline "
                              "declined slide slid plunge plunged soar soared sink sank tumble tumbled"])[0])
_HOW_MUCH = re.compile(r"\bhow\s+(?:much|many|large|big|high|far|long|tall|heavy|deep|wide|old)\b|"
                       r"\b(?:what|which)\s+(?:share|percentage|percent|proportion|portion|fraction|number|"
                       r"amount|sum|figure|size|total)\b", re.I)
_WHAT_MONEY = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?(?:fine|penalty|price|cost|fee|salary|compensation|"
                         r"settlement|sum)\b", re.I)
_WHEN = re.compile(r"^\s*when\b|\b(?:from|since|until|till|by)\s+when\b|"
                   r"\b(?:what|which)\s+(?:\w+\s+)?(?:date|day|year|month|week|time)s?\b", re.I)
_WHO = re.compile(r"^\s*(?:who|whom)\b|\b(?:to|by|from|with|for)\s+whom\b", re.I)
_WHERE = re.compile(r"^\s*where\b|\b(?:from|to)\s+where\b", re.I)
_CURRENCY = re.compile(r"[$£€¥₹]\s?\d|\d[\d.,]*\s*(?:(?:thousand|million|billion|trillion|mn|bn|m|k)\s+)?"
                       r"(?:dollars?|euros?|pounds?|sterling|yen|yuan|renminbi|rupees?|francs?|z[łl]ot(?:y|ys|ies)|"
                       r"kron(?:a|or|er|e)|won|pesos?|r(?:o)?ubles?|reais|rand|lira|cents?|pence|USD|EUR|GBP|"
                       r"JPY|CNY|CHF|INR|AUD|CAD)\b", re.I)
_DIGIT = re.compile(r"\d")
_SCALE = re.compile(r"\b(?:hundred|thousand|million|billion|trillion|percent|half|dozen)\b", re.I)
_AMOUNTS = frozenset({"CARDINAL", "PERCENT", "QUANTITY", "MONEY"})
# Month and weekday names, one alternation for every regex of the query layer that reads dates.
CALENDAR_NAMES = ("january|february|march|april|may|june|july|august|september|october|november|december|"
                  "monday|tuesday|wednesday|thursday|friday|saturday|sunday")
_MONTH_OR_DAY = re.compile(rf"\b(?:{CALENDAR_NAMES}|yesterday|today|tomorrow|(?:1[89]|20)\d\d)\b", re.I)
SIMILAR_VERB = 0.55  # MiniLM cosine of two words that name the same event (die/kill 0.72, approve/decision 0.49)
# Verbs every question uses that do not name an event of their own.
_LIGHT = frozenset("be have do get make take say tell happen become go come".split())


def asked_kinds(part: str) -> frozenset[Kind]:
    """What kinds of answer a part asks for: a sum of money, a number, a date (none: untyped)."""
    kinds: set[Kind] = set()
    words = set(tokenize([part])[0])
    if _HOW_MUCH.search(part):
        money = bool(words & MONEY_WORDS) and not (words & _CHANGE)
        kinds.add("money" if money else "number")
        if re.search(r"\bhow\s+(?:long|old)\b", part, re.I):
            kinds.add("date")  # "how long will it last": "until Friday" answers it too
    elif _WHAT_MONEY.search(part):
        kinds.add("money")
    if _WHEN.search(part):
        kinds.add("date")
    if _WHO.search(part):
        kinds.add("agent")
    if _WHERE.search(part):
        kinds.add("place")
    return frozenset(kinds)


def asked_verbs(part: str) -> frozenset[str]:
    """The lemmas of the part's own verbs ("approve" in "on what date did UOKiK approve the sale"),
    light verbs and verbs used as adjectives left out; empty when the parser is not installed."""
    doc = _doc(part)
    if doc is None:
        return frozenset()
    return frozenset(t.lemma_.lower() for t in doc if t.pos_ == "VERB" and t.dep_ not in ("amod", "compound")
                     and t.lemma_.lower() not in _LIGHT)


@lru_cache(maxsize=4096)
def _doc(text: str) -> Doc | None:
    """The text's parse, once per text; None when spaCy's pipeline is not installed (each caller
    then falls back as its docstring says)."""
    from pipeline.text.nlp import ParserNotAvailable, parse_many

    try:
        return parse_many([text])[0]
    except ParserNotAvailable:
        return None


def _entities(sentence: str) -> tuple[tuple[str, str], ...]:
    doc = _doc(sentence)
    return () if doc is None else tuple((e.text, e.label_) for e in doc.ents)


def carries(kind: Kind, sentence: str, counted: frozenset[str] = frozenset()) -> bool:
    """Does the sentence hold a value of the kind (a sum of money, a number that is not a date, a date)?
    A number in words counts when it counts one of `counted` (stems: "two people" for "how many people")."""
    ents = _entities(sentence)
    labels = {label for _, label in ents}
    if kind == "money":
        return "MONEY" in labels or _CURRENCY.search(sentence) is not None
    if kind == "date":
        return bool(labels & {"DATE", "TIME"}) or _MONTH_OR_DAY.search(sentence) is not None
    if kind in ("agent", "place"):  # named, or a noun in the role ("defence agencies", "on any cloud")
        if labels & ({"PERSON", "ORG", "NORP", "GPE"} if kind == "agent" else {"GPE", "LOC", "FAC", "ORG"}):
            return True
        return _has_role(sentence, kind)
    if any(label in _AMOUNTS and (_DIGIT.search(text) or _SCALE.search(text)) for text, label in ents):
        return True  # "41.54%", "nearly 800 thousand"; not "seven states" beside the figure asked for
    rest = sentence  # digits that are not part of a date or a time ("0700 UTC", "in 2021") are numbers
    for text, label in ents:
        if label in ("DATE", "TIME", "ORDINAL"):
            rest = rest.replace(text, " ")
    return _DIGIT.search(rest) is not None or bool(counted and _counts(sentence, counted))


def _counts(sentence: str, counted: frozenset[str]) -> bool:
    """A number in words ("two", "seven") that counts a noun the part asks about."""
    doc = _doc(sentence)
    if doc is None:
        return False
    return any(t.ent_type_ == "CARDINAL" and t.head.pos_ in ("NOUN", "PROPN") and _stems(t.head.lemma_) & counted
               for t in doc)


class WordSimilarity:
    """The closest pair of words between two sets, by the retriever's embedder (cached per word):
    "killed" says "die", "dropped" says "fall" (MiniLM: 0.72, 0.59), while "expect a decision" does
    not say "approve" (0.30, 0.49)."""

    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder
        self._vecs: dict[str, np.ndarray] = {}

    def __call__(self, a: frozenset[str], b: frozenset[str]) -> float:
        words = list(a | b)
        missing = [w for w in words if w not in self._vecs]
        if missing:
            self._vecs.update(zip(missing, np.asarray(self.embedder.embed(missing))))
        if not a or not b:
            return 0.0
        return float(max(self._vecs[x] @ self._vecs[y] for x in a for y in b))


def says_event(verbs: frozenset[str], sentence: str, similar: WordSimilarity | None = None) -> bool:
    """Does the sentence say one of the part's verbs: the same stem ("approval" for "approve"), or,
    with `similar`, a verb or noun of it close in meaning (SIMILAR_VERB)? No verbs: it does."""
    if not verbs:
        return True
    if _stems(" ".join(verbs)) & (_stems(sentence) | _stems(" ".join(_lemmas(sentence)))):
        return True  # "falling" and, by its lemma, "fell" say "fall"
    return similar is not None and similar(verbs, _content_lemmas(sentence)) >= SIMILAR_VERB


def _has_role(sentence: str, kind: Kind) -> bool:
    """A noun (not a pronoun) as a subject or agent ("who"), or as the object of a preposition ("where")."""
    doc = _doc(sentence)
    if doc is None:
        return True
    deps = ("nsubj", "nsubjpass", "pobj") if kind == "agent" else ("pobj",)
    return any(t.dep_ in deps and t.pos_ in ("NOUN", "PROPN") for t in doc)


def gives(kinds: frozenset[Kind], verbs: frozenset[str], sentence: str,
          similar: WordSimilarity | None = None, counted: frozenset[str] = frozenset()) -> bool:
    """Does the sentence answer a typed part: a value of an asked kind, and one of the part's verbs
    (`says_event`)? Untyped parts always pass."""
    if not kinds:
        return True
    if not any(carries(k, sentence, counted) for k in kinds):
        return False
    return says_event(verbs, sentence, similar)


@lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    return frozenset(tokenize([text])[0])


@lru_cache(maxsize=4096)
def _lemmas(sentence: str) -> tuple[str, ...]:
    doc = _doc(sentence)
    return () if doc is None else tuple(t.lemma_.lower() for t in doc if t.lemma_.isalpha())


@lru_cache(maxsize=4096)
def _content_lemmas(sentence: str) -> frozenset[str]:
    doc = _doc(sentence)
    if doc is None:
        return frozenset()
    return frozenset(t.lemma_.lower() for t in doc if t.pos_ in ("VERB", "NOUN") and t.lemma_.isalpha()
                     and t.lemma_.lower() not in _LIGHT)


__all__ = ["CALENDAR_NAMES", "MONEY_WORDS", "SIMILAR_VERB", "Kind", "WordSimilarity", "asked_kinds", "asked_verbs", "carries",
           "gives", "says_event"]
