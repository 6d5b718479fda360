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
A right-typed value about the thing next door does not answer either: the value must sit in a
clause that says the asked event ("now that we're in 2011, it's time to say goodbye" is not the
date support ends), and a part asked for a place ("deaths in Ohio") needs a sentence naming it.
"Which companies/investors/countries" parts want a named instance the question does not name, as
an argument of a clause that says the asked verb; "how was X decided" wants X and the decision.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.query.bm25 import tokenize

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from pipeline.corpus.protocols import TextEmbedder

Kind = Literal["money", "number", "date", "agent", "place", "instance", "manner"]

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
_WHAT_MONEY = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?(?:fine|penalty|price|cost|fee|salary|compensation|revenue|profit|"
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
_IN_NAME = re.compile(r"\b[A-Za-z][A-Za-z-]*\d[\w-]*")  # a word that starts with letters and holds digits: "A380", "G20"
_SCALE = re.compile(r"\b(?:hundred|thousand|million|billion|trillion|percent|half|dozen)\b", re.I)
_AMOUNTS = frozenset({"CARDINAL", "PERCENT", "QUANTITY", "MONEY"})
# Month and weekday names, one alternation for every regex of the query layer that reads dates.
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
CALENDAR_NAMES = "|".join((*MONTH_NAMES, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
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
    if instance_labels(part):
        kinds.add("instance")
    if not kinds and _MANNER.search(part) and manner_verbs(part):
        kinds.add("manner")
    return frozenset(kinds)


# "How was the petition decided", "how were the purchases paid for": the outcome of an event.
_MANNER = re.compile(r"^\s*how\s+(?:was|were|is|are|has|have|had|will\s+be)\s+", re.I)


def manner_verbs(part: str) -> frozenset[str]:
    """The event a "how was X <done>" part asks about: the participle its subject leads to ("decided"
    in "how was the petition that Calida filed decided"), not a verb of a clause inside the subject."""
    doc = _doc(part)
    if doc is None:
        return frozenset()
    verb = _manner_verb(doc)
    return frozenset({verb.lemma_.lower()}) if verb is not None else frozenset()


def manner_subject(part: str) -> str:
    """What a "how was X <done>" part asks about: the subject's head noun ("petition" in "how was the
    petition that Calida filed decided"); an answer names it ("his application is being decided upon"
    is another thing's decision). Empty for any other part."""
    doc = _doc(part)
    if doc is None or not _MANNER.search(part):
        return ""
    verb = _manner_verb(doc)
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "NOUN"] if verb else []
    return subjects[0].lemma_ if subjects else ""


def _manner_verb(doc: Doc) -> Token | None:
    verbs = [t for t in doc if t.pos_ == "VERB" and t.dep_ not in ("relcl", "acl", "amod")]
    return verbs[-1] if verbs else None


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


def _asked_name(text: str, names: tuple[str, ...]) -> bool:
    """Is an entity of the sentence one the question itself names ("Lam" for "Carrie Lam")? The
    answer to "who" is another party: the asked one does not answer it."""
    words = set(re.sub(r"['\u2019]s\b", "", text).casefold().split())
    return bool(words) and any(words <= set(re.sub(r"['\u2019]s\b", "", n).casefold().split()) for n in names)


def carries(kind: Kind, sentence: str, counted: frozenset[str] = frozenset(), names: tuple[str, ...] = ()) -> bool:
    """Does the sentence hold a value of the kind (a sum of money, a number that is not a date, a date)?
    A number in words counts when it counts one of `counted` (stems: "two people" for "how many people")."""
    ents = _entities(sentence)
    labels = {label for text, label in ents if not (kind == "agent" and _asked_name(text, names))}
    if kind == "money":
        return "MONEY" in labels or _CURRENCY.search(sentence) is not None
    if kind == "date":
        return bool(labels & {"DATE", "TIME"}) or _MONTH_OR_DAY.search(sentence) is not None
    if kind in ("agent", "place"):  # named, or a noun in the role ("defence agencies", "on any cloud")
        if labels & ({"PERSON", "ORG", "NORP", "GPE"} if kind == "agent" else {"GPE", "LOC", "FAC", "ORG"}):
            return True
        return _has_role(sentence, kind, names)
    if any(label in _AMOUNTS and (_DIGIT.search(text) or _SCALE.search(text)) and not _IN_NAME.fullmatch(text)
           for text, label in ents):
        return True  # "41.54%", "nearly 800 thousand"; not "seven states" beside the figure asked for
    rest = _IN_NAME.sub(" ", sentence)  # "the A380", "COVID-19": a name's digits count nothing
    for text, label in ents:  # nor do a date's or a time's ("0700 UTC", "in 2021"), or a named thing's ("FTSE 100")
        if label in ("DATE", "TIME", "ORDINAL", "PRODUCT", "ORG", "FAC", "WORK_OF_ART", "LAW", "EVENT"):
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


def _value_clauses(kind: Kind, sentence: str) -> list[str]:
    """The clauses that hold a value of the kind: from each value (a spaCy entity of the kind, or
    what `carries`' patterns match), up to the nearest verb with a subject of its own, and that verb's words. "Now that we're
    in 2011, it's time to say goodbye" holds a year in a clause about being in 2011, not the end of
    anything. The whole sentence when the parser is not installed."""
    doc = _doc(sentence)
    if doc is None:
        return [sentence]
    labels = {"money": {"MONEY"}, "date": {"DATE", "TIME"}}.get(kind, _AMOUNTS)
    starts = [e.start_char for e in doc.ents if e.label_ in labels]
    pattern = {"money": _CURRENCY, "date": _MONTH_OR_DAY}.get(kind, _DIGIT)
    starts += [m.start() for m in pattern.finditer(sentence)]
    clauses: list[str] = []
    for start in starts:
        tok = next((t for t in doc if t.idx <= start < t.idx + max(len(t), 1)), None)
        if tok is None:
            continue
        tok = _clause_head(tok)  # a clause without a subject of its own ("ending down 12%") is its head's
        clauses.append(doc[tok.left_edge.i:tok.right_edge.i + 1].text)
    return clauses or [sentence]


def _has_subject(verb: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in verb.children)


def says_event_of_value(kind: Kind, verbs: frozenset[str], sentence: str,
                        similar: WordSimilarity | None = None) -> bool:
    """Does a clause that holds the value also say the asked event (the value is the event's, not a
    neighbouring clause's)? No verbs: it does."""
    if not verbs:
        return True
    return any(says_event(verbs, clause, similar) for clause in dict.fromkeys(_value_clauses(kind, sentence)))


# "Which companies ...", "what private investors ...": the answer names one (a company, an investor).
_AGENT_CLASS = ("compan(?:y|ies)|firms?|investors?|banks?|lenders?|insurers?|airlines?|carriers?|bidders?|buyers?|"
                "sellers?|retailers?|manufacturers?|makers?|suppliers?|partners?|rivals?|competitors?|"
                "shareholders?|owners?|sponsors?|donors?|businesses|organi[sz]ations?|institutions?|funds?|"
                "brands?|operators?|contractors?")
_PLACE_CLASS = "countr(?:y|ies)|nations?|cities|city|states?|provinces?|regions?"
_PERSON_CLASS = "officials?|executives?|ministers?|politicians?|leaders?|persons?|individuals?|directors?"
_CLASS = re.compile(rf"^\s*(?:[Ww]hich|[Ww]hat)\s+(?:(?!(?:did|does|do|is|are|was|were|has|have|had|will|can)\b)"
                    rf"[a-z0-9-]+\s+){{0,2}}(?:({_AGENT_CLASS})|({_PLACE_CLASS})|({_PERSON_CLASS}))\b")
# A named instance must be an argument of its clause (subject, object), not a modifier of another noun
# ("competition from (LNG) terminals" names no investor).
_ARGUMENT = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "attr", "appos", "conj", "poss", "ROOT", "dative",
                       "oprd", "agent"})


def instance_labels(part: str) -> frozenset[str]:
    """The entity labels of what a "which/what <class>" part asks for ({ORG, PERSON} for "which
    companies", {GPE} for "which country"); empty for any other part."""
    m = _CLASS.search(part)
    if not m:
        return frozenset()
    return frozenset(("ORG", "PERSON", "PRODUCT") if m.group(1) else ("GPE",) if m.group(2) else ("PERSON",))


def names_instance(labels: frozenset[str], sentence: str, names: tuple[str, ...] = (),
                   verbs: frozenset[str] = frozenset(), similar: WordSimilarity | None = None) -> bool:
    """Does the sentence name an instance of the asked class that the question does not already
    name ("which companies bid against HDT": not HDT), as an argument of a clause that itself says
    one of the part's verbs ("the Party underlined that construction is up to investors" names a
    party, but of underlining)?"""
    doc = _doc(sentence)
    if doc is None:
        return says_event(verbs, sentence, similar)
    own = [n.casefold() for n in names]
    for e in doc.ents:
        text = e.text.casefold()
        if e.root.dep_ == "appos" and e.root.head.pos_ != "PROPN":
            continue  # "liquefied gas (LNG)": a common noun's abbreviation, not a named party
        if e.label_ in labels and e.root.dep_ in _ARGUMENT and not any(n in text or text in n for n in own):
            if says_event(verbs, _own_clause(e.root), similar):
                return True
    return False


def _clause_head(tok: Token) -> Token:
    """The verb whose clause a token is in, a clause without a subject of its own being its head's."""
    while tok.head.i != tok.i and (tok.pos_ not in ("VERB", "AUX") or not _has_subject(tok)):
        tok = tok.head
    return tok


def _own_clause(tok: Token) -> str:
    """The words of the token's clause, without the clauses inside it that have subjects of their own
    ("X underlined [that the deal is ...], and [construction is ...]": "X underlined that, and")."""
    head = _clause_head(tok)
    inner = {t.i for c in head.children if c.pos_ in ("VERB", "AUX") and _has_subject(c)
             for t in c.subtree}
    return " ".join(t.text for t in head.subtree if t.i not in inner)


def asked_places(part: str) -> frozenset[str]:
    """The places that restrict what a part asks ("how many deaths in Ohio"): a place named after "in"."""
    doc = _doc(part)
    if doc is None:
        return frozenset()
    return frozenset(e.text for e in doc.ents if e.label_ in ("GPE", "LOC") and e.start > 0
                     and doc[e.start - 1].lower_ in ("in", "across", "within"))


def in_scope(places: frozenset[str], sentence: str) -> bool:
    """A part restricted to a place ("how many deaths in Ohio") is answered only by a sentence that
    names it: "16,000 deaths in the United States", or a national rate, is another place's figure."""
    if not places:  # none asked, or no parser to find them (`asked_places`)
        return True
    low = sentence.casefold()
    return any(p.casefold() in low for p in places)


def _has_role(sentence: str, kind: Kind, names: tuple[str, ...] = ()) -> bool:
    """A noun (not a pronoun) as a subject or agent ("who"), or as the object of a preposition ("where");
    for "who", not a name the question gives ("Lam agreed to add two members": who they are is not said)."""
    doc = _doc(sentence)
    if doc is None:
        return True
    deps = ("nsubj", "nsubjpass", "pobj") if kind == "agent" else ("pobj",)
    return any(t.dep_ in deps and t.pos_ in ("NOUN", "PROPN")
               and not (kind == "agent" and t.dep_ == "pobj" and t.head.dep_ != "agent")  # "by the union", not "to the council"
               and not (kind == "agent" and t.pos_ == "PROPN" and _asked_name(t.text, names)) for t in doc)


def gives(kinds: frozenset[Kind], verbs: frozenset[str], sentence: str,
          similar: WordSimilarity | None = None, counted: frozenset[str] = frozenset(),
          instance: frozenset[str] = frozenset(), names: tuple[str, ...] = (),
          places: frozenset[str] = frozenset()) -> bool:
    """Does the sentence answer a typed part: a value of an asked kind, in a clause that says one of
    the part's verbs (`says_event_of_value`) and for the asked place (`in_scope`); for a "which
    <class>" part, an instance of the class the question does not name (`names_instance`) and one
    of the part's verbs? Untyped parts always pass."""
    if not kinds:
        return True
    if "instance" in kinds:
        return names_instance(instance, sentence, names, verbs, similar)
    if "manner" in kinds:  # the event itself must be told, not only its subject ("the petition was filed")
        return says_event(verbs, sentence, similar)
    valued = [k for k in kinds if carries(k, sentence, counted, names)]
    if not valued:
        return False
    if not in_scope(places, sentence):
        return False
    if not any(k in ("money", "number", "date") for k in valued):
        return says_event(verbs, sentence, similar)
    return any(says_event_of_value(k, verbs, sentence, similar) for k in valued if k in ("money", "number", "date"))


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


__all__ = ["CALENDAR_NAMES", "MONEY_WORDS", "MONTH_NAMES", "SIMILAR_VERB", "Kind", "WordSimilarity", "asked_kinds", "asked_places",
           "asked_verbs", "carries", "gives", "in_scope", "instance_labels", "names_instance", "says_event",
           "says_event_of_value"]
