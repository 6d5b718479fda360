"""What a question is about: the parties it names, the parts it asks, the words of each part.

A small model that picks answer sentences by similarity cites whatever reads alike: another
airline's "the carrier reported a drop in quarterly profit" reads exactly like the right one's.
The question's names decide instead: a sentence is offered only when its article mentions a party
the question names ("the carrier" in an article about another airline is not about it), a
question whose parties no retrieved article mentions is not answered, and each part of a
"why ..., and what did it do about it" question is answered on its own or said to be unanswered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.query.answertype import (CALENDAR_NAMES, Kind, asked_kinds, asked_places, asked_verbs, instance_labels,
                                       manner_subject, manner_verbs)
from pipeline.query.bm25 import tokenize
from pipeline.query.scope import without_occasion
from pipeline.text.parties import party_key

# Words that start a question or join its parts; capitalized only because they open a sentence.
_QUESTION_WORDS = frozenset(
    "what why how when where which who whom whose did does do is are was were has have had can could "
    "will would should shall may might in on at by for after before since during as of to and or the a an "
    "according tell name list give describe explain".split())
# "on Thursday", "the March 2009 rally": when, not who; never a party an article must mention.
_CALENDAR = re.compile(rf"(?:(?:{CALENDAR_NAMES}|[0-9]{{1,4}})\s*)+", re.I)
_NAME = re.compile(r"(?:[A-Z][\w&'\u2019.-]*|[0-9]+[A-Za-z][\w-]*)"
                   r"(?:\s+(?:of|de|du|von|van|and|&|for)\s+[A-Z][\w&'\u2019.-]*|\s+[A-Z][\w&'\u2019.-]*)*")
# Parts: "..., and what ...", "... and why ...", "; how ..." (a question word after the joint).
# A preposition may lead the new question word: "..., and by when does it think ...", "..., until when".
# (after "and": ", from which customers" only narrows the part before it).
_PART = re.compile(r"(?:(?:,\s*|\s+)and\s+|;\s*)(?=(?:by|until|till|from|to|since|for|with|in|at|on)\s+"
                   r"(?:what|when|where|which|who|whom|how)\b)|"
                   r"(?:,\s*(?:and\s+)?|\s+and\s+|;\s*)(?=(?:what|why|how|when|where|which|who|whom|whose|did|does|"
                   r"do|can|could|will|is|are|was|were|has|have)\b)", re.I)
_WH_WORD = re.compile(r"\b(?:what|which|who|whom|whose|how|why)\b", re.I)
_AUX = ("did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|shall|may|might|must")
# A part that asks: a question word that is not a subordinator ("when Jobs took leave, ..." is not a
# question; "when did he", "how much", "by when" are), or an inverted auxiliary.
_ASKS = re.compile(rf"^(?:(?:by|until|till|from|to|since|for|with|in|at|on)\s+)?(?:(?:what|which|who|whom|whose)\b|"
                   rf"(?:when|where|why)\s+(?:{_AUX})\b|how\s+(?:{_AUX}|much|many|large|big|long|high|far|soon|often|"
                   rf"old|[a-z]+ly)\b|(?:{_AUX})\b)", re.I)
# Words every question has: not what it asks about.
_GENERIC = frozenset(tokenize(["what why how when where which who happen happened said say says about "
                               "did does do done its their it they them this that there after before because "
                               "the article report reported according has have had were was been can could "
                               "much many up from over"])[0])
# "How many jobs did ...", "What toilet paper limits did ...", "How large a fine ...": the thing asked
# for, which an answer must name (a sentence about the loss does not say how many jobs went).
_WANTS = re.compile(r"\b(?:how\s+(?:many|much|large|big|long|high|far)(?:\s+an?)?|what(?:\s+kind\s+of)?|which)\s+"
                    r"((?:(?!(?:did|does|do|is|are|was|were|has|have|had|will|can|could|would|should|the|a|an|its|"
                    r"their)\b)(?:[a-z][\w-]*|\d[\w.-]*)\s+){1,4}?)(?:(?:in|at|on|from|for)\s+[A-Z][\w&'\u2019.-]*\s+){0,1}(?=(?:did|does|do|is|are|was|were|has|have|had|will|can|could|"
                    r"would|should)\b)", re.I)


@dataclass(frozen=True)
class Focus:
    """The names a question asks about, its parts, and each part's own content words (stemmed)."""

    names: tuple[str, ...]
    parts: tuple[str, ...]
    part_terms: tuple[frozenset[str], ...] = field(default=())
    part_wants: tuple[frozenset[str], ...] = field(default=())  # the asked-for noun's words, per part
    part_quantity: tuple[bool, ...] = field(default=())  # "how many/much ...": a number is asked for
    part_kinds: tuple[frozenset[Kind], ...] = field(default=())  # money / number / date asked for, per part
    part_verbs: tuple[frozenset[str], ...] = field(default=())  # the part's own verbs (stems), per part
    part_instance: tuple[frozenset[str], ...] = field(default=())  # "which companies": entity labels, per part
    part_places: tuple[frozenset[str], ...] = field(default=())  # "in Ohio": the place a part is asked for
    part_heads: tuple[str, ...] = field(default=())  # "how many measles vaccine doses": the asked noun's head (stem)
    part_ratio: tuple[bool, ...] = field(default=())  # "what share of the vote": a ratio is asked for


def question_names(question: str) -> list[str]:
    """Capitalized names in the question ("Bank of America", "PG&E", "Woolworths"), question words
    and sentence-initial capitals dropped; `X and Y` inside a name run is split into X and Y."""
    names: list[str] = []
    for m in _NAME.finditer(question):
        run = m.group(0).strip(" .'\u2019")
        for piece in re.split(r"\s+(?:and|&)\s+(?=[A-Z])", run) if " and " in run else [run]:
            words = piece.split()
            while words and words[0].casefold() in _QUESTION_WORDS:
                words = words[1:]
            name = " ".join(words).strip(" .'\u2019")
            if name and not (len(words) == 1 and name.casefold() in _QUESTION_WORDS) and not _CALENDAR.fullmatch(name):
                key = party_key(name)
                if key and key not in (party_key(n) for n in names):
                    names.append(name)
    return names


def question_parts(question: str) -> list[str]:
    """The question split where a new question word follows a joint; one part when there is none."""
    q = question.strip().rstrip("?").strip()
    parts = [p.strip(" ,;") for p in _PART.split(q) if p and p.strip(" ,;")]
    while len(parts) > 1 and not _ASKS.match(parts[0]) and not _WH_WORD.search(parts[0]) and _ASKS.match(parts[1]):
        parts = parts[1:]  # "When Jobs took leave in January 2011, did he stay CEO": a setting, not a part
    return parts or [q]


def focus(question: str) -> Focus:
    names = question_names(question)
    name_terms = set(tokenize([" ".join(names)])[0]) if names else set()
    shown = question_parts(question)
    parts = [without_occasion(p) for p in shown]  # "on the day X said ...": checked per article (scope)
    terms = tuple(frozenset(t for t in tokenize([p])[0] if t not in name_terms and t not in _GENERIC)
                  for p in parts)
    kinds = tuple(asked_kinds(p) for p in parts)
    return Focus(names=tuple(names), parts=tuple(shown), part_terms=terms,
                 part_wants=tuple(wanted(p, name_terms) | frozenset(tokenize([manner_subject(p)])[0]) for p in parts),
                 part_quantity=tuple(bool(_QUANTITY.search(p)) for p in parts),
                 part_kinds=kinds,
                 part_verbs=tuple(manner_verbs(p) if "manner" in k else asked_verbs(p) for p, k in zip(parts, kinds)),
                 part_instance=tuple(instance_labels(p) for p in parts),
                 part_places=tuple(asked_places(p) for p in parts),
                 part_heads=tuple(asked_head(p, name_terms) for p in parts),
                 part_ratio=tuple(bool(_RATIO.search(p)) for p in parts))


# "How large is the bridge loan that ...", "how much was the fine": the asked thing is the copula's
# subject, up to the clause or phrase that qualifies it.
_WANTS_SUBJECT = re.compile(r"\bhow\s+(?:many|much|large|big|long|high|far)\s+(?:is|was|are|were|will\s+be)\s+"
                            r"(?:(?:the|a|an|its|their|his|her)\s+)?((?:(?!(?:that|which|who|whom|of|from|to|for|in|on|at|by|"
                            r"with|now|then)\b)[a-z][\w-]*\s*){1,3})", re.I)


def wanted(part: str, name_terms: set[str] | frozenset[str] = frozenset()) -> frozenset[str]:
    """The stemmed words of what a part asks for ("how many jobs did" -> {job}; "how large is the
    bridge loan that ..." -> {bridg, loan}); empty when the question word is followed by a verb ("what
    did X earn": the asked thing is not a noun). A name inside the asked thing counts as its word when
    the rest is a bare noun ("how many iPhone 4 handsets": a sentence naming the iPhone 4 or handsets)."""
    m = _WANTS.search(part) or _WANTS_SUBJECT.search(part)
    if not m:
        return frozenset()
    words = [t for t in tokenize([m.group(1)])[0] if t not in _GENERIC]
    own = frozenset(t for t in words if t not in name_terms)
    named = frozenset(t for t in words if t in name_terms)
    return own | named if own and named and m.re is _WANTS and re.search(r"\d", m.group(1)) else own


def asked_head(part: str, name_terms: set[str] | frozenset[str] = frozenset()) -> str:
    """The head of the asked noun phrase (its last word, stemmed): "how many measles vaccine doses did"
    asks for doses, and a sentence about measles vaccination that counts no doses does not answer it.
    Empty when the phrase has no concrete head (an abstract, quantity or date word, or a name)."""
    m = _WANTS.search(part) or _WANTS_SUBJECT.search(part)
    if not m:
        return ""
    raw = re.split(r"\s+(?:per|of)\s+", m.group(1).strip(), maxsplit=1)[0].split()  # "fuel per passenger": fuel
    if not raw or re.search(r"\d", m.group(1)) or _RATIO.search(part) or raw[-1].lower().endswith("ing"):
        return ""  # a ratio's noun is its base ("share of commodities"); "is Chrysler getting": a verb
    words = tokenize([raw[-1]])[0]
    if not words:
        return ""
    head = words[-1]
    if head in _GENERIC or head in name_terms or head in _ABSTRACT | _QUANTITY_WORDS | _DATE_WORDS | _MEASURES:
        return ""
    return head


# A measure's name ("at what level did it close"): answers give the value, not the word.
_MEASURES = frozenset(tokenize(["level rate total size extent degree height length weight volume score"])[0])
# "what share of the vote", "what proportion of residents": a ratio, told as a percentage or a fraction.
_RATIO = re.compile(r"\b(?:what|which)\s+(?:share|proportion|percentage|fraction|portion|per\s*cent)\b", re.I)
# Not "a majority" nor "share" alone: "the seats needed for a majority" tells no share of the vote.
_GIVES_RATIO = re.compile(r"%|\bper\s*cent\b|\b(?:half|third|thirds|quarter|quarters|fifth|fifths)\b|"
                          r"\b\d+\s+(?:in|of|out\s+of)\s+(?:every\s+)?\d+\b", re.I)


def names_ratio(sentence: str) -> bool:
    """Does the sentence tell a ratio (a percentage, a fraction, "17 out of 18")?"""
    return _GIVES_RATIO.search(sentence) is not None


def _plain(text: str) -> str:
    """Case-folded words with in-word punctuation removed: "Wal-Mart" -> "walmart", "PG&E" -> "pge"."""
    return " ".join(re.sub(r"[^0-9a-z\s]", "", text.casefold().replace("\u2019", "'")).split())


def mentions(text: str, name: str) -> bool:
    """Does `text` name the party, as whole words and spelling-insensitively ("Wal-Mart" = "Walmart")?

    A name of three or more words also counts by its first two words ("Lion Air Flight 610" in a
    text saying "Lion Air"), and a run of names the question wrote side by side ("Microsoft OpenAI")
    when each of its capitalized words is there; never by one word of a longer name, which would
    match other parties ("Air", "Bank").
    """
    words = _plain(party_key(name) or name).split()
    if not words:
        return False
    plain = f" {_plain(text)} "
    for n in range(len(words), min(len(words), 2) - 1, -1):
        if f" {' '.join(words[:n])} " in plain:
            return True
    caps = [w for w in name.split() if w[:1].isupper()]
    return len(caps) > 1 and len(caps) == len(name.split()) and all(f" {_plain(w)} " in plain for w in caps)


def about(text: str, names: tuple[str, ...] | list[str]) -> bool:
    """True when there are no names to check, or `text` mentions at least one of them."""
    return not names or any(mentions(text, n) for n in names)


# "How much money", "how large a fine": the answer is a quantity, so it must hold a number; the
# quantity words themselves ("money", "amount") are not repeated by answers ("£11.2 million").
_QUANTITY = re.compile(r"\bhow\s+(?:many|much|large|big|long|high|far)\b", re.I)
_QUANTITY_WORDS = frozenset(tokenize(["money amount sum number figure cost price value percentage"])[0])
# Asked-for words an answer rarely repeats ("what reason did it give": "because ..."): not checked.
_ABSTRACT = frozenset(tokenize(["reason reasons term terms way ways kind type sort step steps action actions "
                                "role impact effect effects news thing things part parts"])[0])
_DATE_WORDS = frozenset(tokenize(["date dates day days month year years time"])[0])
_DATE = re.compile(r"\b(?:\d{1,4}|january|february|march|april|may|june|july|august|september|october|"
                   r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                   r"yesterday|today|tomorrow)\b", re.I)


def names_wanted(wants: frozenset[str], sentence: str, quantity: bool = False) -> bool:
    """Does the sentence name what the part asks for (a date for "what date", a number for "how
    much"; abstract asks pass)?"""
    if quantity and not re.search(r"\d", sentence):
        return False
    concrete = wants - _ABSTRACT - (_QUANTITY_WORDS if quantity else frozenset())
    if not concrete:
        return True
    if concrete <= _DATE_WORDS:
        return _DATE.search(sentence) is not None
    # "what delivery date": the date word is the kind (checked by `answertype`), "delivery" says
    # which date ("2,200 more orders to date" names a date word, not a delivery)
    return bool((concrete - _DATE_WORDS) & stems(sentence))


def overlap(terms: frozenset[str], sentence: str) -> int:
    """How many of a part's content words (stemmed) the sentence uses."""
    return len(terms & stems(sentence)) if terms else 0


@lru_cache(maxsize=1024)
def stems(sentence: str) -> frozenset[str]:
    """A sentence's stemmed words, once per sentence: answering a question in parts asks about the
    same candidate sentences for every part."""
    return frozenset(tokenize([sentence])[0])


__all__ = ["Focus", "about", "asked_head", "names_ratio", "focus", "mentions", "names_wanted", "overlap", "stems", "wanted", "question_names", "question_parts"]
