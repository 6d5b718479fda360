"""Naming the party behind a token of a parsed sentence.

A party is a proper name (an organisation, place, people or person), a group that can win or
lose on its own ("farmers", "Ford workers", "oil companies"), or a reference the text resolves:
"it", "its", "the airline", "the firm" point at the organisation the article is about. Things
that cannot win or lose (prices, markets, indexes, "companies" with no modifier, a bare
possessive) get no name.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Iterator

from pipeline.extraction import lexicon as lx
from pipeline.extraction.parties import party_key

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

_FACILITY = set("""plant factory mill unit division subsidiary operation arm branch store site mine
refinery office outlet shop facility hub field terminal""".split())
_REF_PRONOUNS = {"it", "its", "they", "their", "them"}
_NO_PARTY = set("""i me we us you he him she her one someone anyone everyone nobody who what which that
this these those there here our my your""".split())
_NAME_TRIM = re.compile(r"^(?:the|a|an)\s+|['\u2019]s?$", re.I)  # names stay as written ("Acme Corp")
# plural nouns that are things, not groups of people or organisations
_NOT_GROUP = set("""price cost rate good product service item thing change term number year month day
week time hour minute level point percent figure result plan deal route flight seat fare fee tax
tariff rule law regulation measure step move effort project contract agreement talk negotiation
fund asset security bond loan mortgage payment transaction purchase package unit model vehicle car
truck aircraft plane jet ship tool chip device system network line field well pipeline plant site
store shelf stock share market index word statement comment concern fear worry question issue
problem risk reason way area region zone country state city town place home house building
product resource material supply order delivery sale fleet engine part component""".split())
# plural agent nouns name people or organisations: lessors, makers, residents, economists
_AGENT_SUFFIXES = ("er", "or", "ist", "ant", "ent", "ian", "eer", "ee")
_QUANTIFIER = {"lot", "many", "some", "most", "all", "several", "few", "number", "majority", "handful",
               "one", "two", "three", "each", "none", "dozen", "dozens"}
# market measures are not parties: an index moving is how the article reports, not who is hit
_INDEX = re.compile(r"\b(?:index|indices|indexes|average|composite|dow|nasdaq|s&p|ftse|dax|cac|nikkei|"
                    r"hang seng|kospi|sensex|stoxx|topix|bovespa|asx|tsx|ibex|smi|aex|mib|market|markets|"
                    r"bourse|stock exchange|stocks|shares|utc|gmt)\b", re.I)

_KNOWN = (set(lx.MOVE) | set(lx.EXPERIENCER) | set(lx.PATIENT) | set(lx.ADJUST) | set(lx.QUANTITY)
          | set(lx.CHANGE_NOUN) | set(lx.OUTCOME_OBJECT) | set(lx.OUTCOME_NOUN) | lx.DIRECTION_VERBS
          | lx.CLAIM_NOUN | lx.JOB_NOUN | lx.WORKER_NOUN | lx.JOB_GO_VERB | lx.GROUP_NOUN | set(lx.NOMINAL)
          | lx.TRANSFER | lx.LEAK | lx.DATA_NOUN | set(lx.ROLE_NOUN))


_INFLECTED = {"VBD", "VBN", "VBZ", "VBG", "VBP", "NNS"}
_SUFFIXES = (("ied", "y"), ("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""),
             ("es", ""), ("s", ""))


def lem(tok: Token) -> str:
    """spaCy's lemma, or the lexicon word an inflected form comes from ("fined" is lemmatized "fin")."""
    base = tok.lemma_.lower()
    if base in _KNOWN or tok.tag_ not in _INFLECTED:
        return base
    low = tok.lower_
    for suffix, add in _SUFFIXES:
        if low.endswith(suffix) and (cand := low[:-len(suffix)] + add) in _KNOWN:
            return cand
    return base


def clean(text: str) -> str:
    s = " ".join(text.split())
    prev = None
    while prev != s:
        prev, s = s, _NAME_TRIM.sub("", s).strip(" ,;:\"'\u201c\u201d")
    return s


def is_index(name: str) -> bool:
    return bool(_INDEX.search(name))


class Context:
    """What a reference can point back to: the article's organisations and recent subjects."""

    def __init__(self, docs: list[Doc]) -> None:
        # salience over the whole article: "the company" is the one the article keeps naming
        self.salience: Counter[str] = Counter(
            party_key(clean(e.text)) for d in docs for e in d.ents if e.label_ == "ORG")
        self.display: dict[str, str] = {}
        for d in docs:
            for e in d.ents:
                if e.label_ == "ORG":
                    self.display.setdefault(party_key(clean(e.text)), clean(e.text))
        self.text = " ".join(d.text for d in docs)
        self.recent: list[tuple[int, str]] = []  # (sentence, name) of organisations named
        self.subjects: list[str] = []  # proper-name subjects, latest last
        self.sentence = 0

    def note(self, doc: Doc) -> None:
        for ent in doc.ents:
            if ent.label_ == "ORG" and clean(ent.text):
                self.recent.append((self.sentence, clean(ent.text)))
        for t in doc:
            if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ == "PROPN":
                n = proper_name(t)
                if n:
                    self.subjects.append(n)
        self.sentence += 1

    def knows(self, name: str) -> bool:
        """Whether a name is an organisation the article names elsewhere ('New Century' when it
        also says 'New Century Financial Corporation')."""
        key = party_key(name)
        return bool(key) and any(k == key or k.startswith(key + " ") for k in self.display)

    def resolve(self, doc: Doc, tok: Token) -> str | None:
        here = [clean(e.text) for e in doc.ents if e.label_ == "ORG" and e.end <= tok.i]
        here = [h for h in here if h]
        if tok.lower_ in _REF_PRONOUNS:
            # an object pronoun never names the subject of its own verb ("NASA did not choose them")
            own = {c.i for c in tok.head.children if c.dep_ in ("nsubj", "nsubjpass")} if tok.dep_ != "poss" else set()
            last = next((t for t in reversed(doc[:tok.i]) if t.dep_ in ("nsubj", "nsubjpass")
                         and t.i not in own and t.pos_ in ("NOUN", "PROPN")), None)
            if (tok.lower_ in ("it", "its") and last is not None and last.pos_ == "NOUN"
                    and lem(last) not in lx.ORG_DESCRIPTION):
                return None  # "the amount of capacity did not fall; it rose": not an organisation
            if last is not None and last.pos_ == "PROPN":
                return proper_name(last)  # "Ford said its profit fell"
            if here:
                return here[-1]
        else:
            near = [clean(e.text) for e in doc.ents if e.label_ == "ORG" and tok.i - 10 <= e.start and e.end <= tok.i]
            if near:
                return near[-1]  # "..., forcing the company to file" right after naming it
        recent = [n for s, n in self.recent if self.sentence - s <= 3] + here
        if not recent:
            return None
        # the organisation the article keeps naming, among those named lately; ties: the latest
        order = {n: i for i, n in enumerate(recent)}
        best = max(order, key=lambda n: (self.mentions(n), order[n]))
        return self.display.get(party_key(best), best)

    def mentions(self, name: str) -> int:
        return self.text.count(name) if name else 0


def _entity(tok: Token) -> Span | None:
    for ent in tok.doc.ents:
        if ent.start <= tok.i < ent.end:
            return ent
    return None


def proper_name(tok: Token) -> str | None:
    """The whole proper name a PROPN token belongs to ("The Dow Jones Industrial Average")."""
    parts = {tok.i}
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ in ("compound", "flat", "nmod") and c.pos_ in ("PROPN", "NUM") or (
                    c.dep_ == "punct" and c.text == "-" and c.i > min(parts)):
                parts.add(c.i)
                stack.append(c)
            elif c.dep_ == "nummod" and c.i == t.i + 1:
                parts.add(c.i)
    ent = _entity(tok)
    if ent is not None and ent.label_ in lx.PARTY_ENTS:
        span = set(range(ent.start, ent.end))
        # "Skyline Regional and Cascadia Air" is two names; "Great Plains Power and Light" is one
        verb = ent.root.head
        plural = ent.root.dep_ == "nsubj" and (verb.tag_ == "VBP" or verb.lower_ in ("are", "were", "have"))
        for t in ent:
            if t.dep_ == "conj" and t.head.i in span and (len(list(t.subtree)) >= 2 or plural):
                cut = {x.i for x in t.subtree} | {c.i for c in t.head.children if c.dep_ == "cc"}
                span = span - cut if tok.i not in {x.i for x in t.subtree} else {x.i for x in t.subtree}
        parts |= span
    lo, hi = min(parts), max(parts)
    ent_span = set(range(ent.start, ent.end)) if ent is not None else set()
    for t in tok.doc[lo:hi + 1]:  # a name does not run across "and" unless the entity itself does
        if t.dep_ == "cc" and t.i not in ent_span:
            lo, hi = (t.i + 1, hi) if t.i < tok.i else (lo, t.i - 1)
    return clean(tok.doc[lo:hi + 1].text) or None


def possessor(tok: Token) -> Token | None:
    return next((c for c in tok.children if c.dep_ == "poss"), None)


def name(tok: Token, ctx: Context) -> str | None:
    """The party a noun token names, or None for things that cannot win or lose."""
    low, lemma = tok.lower_, lem(tok)
    if tok.pos_ == "PRON" or tok.tag_ in ("PRP", "PRP$"):
        return ctx.resolve(tok.doc, tok) if low in _REF_PRONOUNS else None
    if low in _NO_PARTY or tok.like_num:
        if lemma in _QUANTIFIER or tok.like_num:
            return _of_group(tok, ctx)
        return None
    if lemma in _QUANTIFIER:
        return _of_group(tok, ctx)  # "a lot of these lenders", "many of the banks"
    like = next(iter(pobjs(tok, ("like",))), None) or next(iter(_such_as(tok)), None)
    if like is not None:
        return name(like, ctx)  # "a company like Caterpillar"
    ent = _entity(tok)
    if ent is not None and (tok.pos_ == "PROPN" or ent.root.i == tok.i):
        if ent.label_ in lx.PARTY_ENTS:
            return proper_name(tok)
        n = proper_name(tok) if tok.pos_ == "PROPN" else None  # a tagging slip: "New Century" as an EVENT
        return n if n and ent.label_ in ("EVENT", "WORK_OF_ART", "FAC") and ctx.knows(n) else None
    if tok.pos_ == "PROPN":
        return proper_name(tok)
    if ent is not None and ent.label_ in ("DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "QUANTITY"):
        return None
    if lemma in lx.SOURCE_NOUN:
        return None
    appos = [c for c in tok.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
    if appos:
        return name(appos[0], ctx)
    det = any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children)
    mods = [c for c in tok.lefts if c.dep_ in ("compound", "amod", "nmod")]
    proper = [m for m in mods if m.pos_ == "PROPN" or m.ent_type_ in lx.PARTY_ENTS]
    poss = possessor(tok)
    if poss is not None and poss.lower_ in ("our", "my", "your"):
        return None  # the speaker's own ("our dynamic museum"): quoted, not resolvable
    if lemma in lx.ORG_DESCRIPTION and det and tok.tag_ == "NN" and not proper and poss is None:
        return ctx.resolve(tok.doc, tok)  # "the airline", "the auto firm"
    if lemma in _FACILITY:
        return owner(tok, ctx)  # "Ford's Geelong plant" stands for Ford here
    agent = lemma.endswith(_AGENT_SUFFIXES) and lemma not in _NOT_GROUP and lemma not in _KNOWN
    plural = tok.tag_ == "NNS"
    group = lemma in lx.GROUP_NOUN or (plural and (agent or lemma in lx.INSTITUTION))
    # "Ardent's licensing partner": one agent or institution, pinned to a named party
    nouns = [m for m in mods if m.dep_ == "compound" and m.pos_ in ("NOUN", "PROPN")]
    pinned = ((agent or lemma in lx.INSTITUTION) and (poss is not None or bool(proper))) or (
        lemma in lx.INSTITUTION and bool(nouns))  # "the canal authority"
    if group or pinned or (lemma in lx.GENERIC_HEAD and (mods or poss is not None)):
        whose = name(poss, ctx) if poss is not None else None
        words = _modifier_words(tok)
        if lemma in lx.GENERIC_HEAD and not (whose or proper or words):
            return None
        joiner = "'s " if whose and not plural else " "
        return clean(((whose + joiner) if whose else "") + " ".join([*words, tok.text])) or None
    return None


_SKIP_MOD = {"det", "poss", "predet", "nummod", "quantmod", "case", "punct"}


def _modifier_words(tok: Token) -> list[str]:
    """The words before a head noun that say which group it is: 'Gas peaker developers',
    'Cell and system suppliers', 'Self-insured employers' (no article, possessor or number)."""
    mods = [c for c in tok.lefts if c.dep_ in ("compound", "amod", "nmod", "npadvmod")]
    if not mods:
        return []
    start = min(m.left_edge.i for m in mods)
    words = [t for t in tok.doc[start:tok.i] if (t.dep_ not in _SKIP_MOD or t.text == "-") and not t.like_num
             and t.lower_ not in _QUANTIFIER and t.lower_ not in ("additional", "other", "more")]
    out: list[str] = []
    prev_end = -1
    for t in words:  # keep hyphenated words whole: "Used-equipment", "Self-insured"
        if out and (t.text == "-" or out[-1].endswith("-")) and t.idx == prev_end:
            out[-1] += t.text
        else:
            out.append(t.text)
        prev_end = t.idx + len(t.text)
    return [w for w in out if w.strip("-")]


def _of_group(tok: Token, ctx: Context) -> str | None:
    return next((n for p in pobjs(tok, ("of",)) if (n := name(p, ctx))), None)


def _such_as(tok: Token) -> Iterator[Token]:
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "as" and any(x.lower_ == "such" for x in c.children):
            yield from (p for p in c.children if p.dep_ == "pobj")


def pobjs(tok: Token, preps: tuple[str, ...]) -> Iterator[Token]:
    for c in tok.children:
        if c.dep_ in ("prep", "agent") and c.lower_ in preps:
            yield from with_conjuncts([p for p in c.children if p.dep_ == "pobj"])
        elif c.dep_ == "acl" and "by" in preps:  # "the lawsuit brought by X"
            yield from (p for a in c.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj")


def owner(q: Token, ctx: Context) -> str | None:
    """Who a quantity, claim or facility belongs to: X's q, q of/in/at X, X q."""
    return next(iter(owners(q, ctx)), None)


def owners(q: Token, ctx: Context) -> list[str]:
    """Every owner when several are coordinated ("shares of X and Y")."""
    poss = possessor(q)
    if poss is not None:
        return [n] if (n := name(poss, ctx)) else []
    for prep in ("of", "in", "at", "for", "by", "from"):
        found = [n for p in pobjs(q, (prep,)) if (n := name(p, ctx))]
        if found:
            return list(dict.fromkeys(found))
    return _compound_owners(q, ctx)


def _compound_owners(q: Token, ctx: Context) -> list[str]:
    """'the Castor Energy and Delmont Gas pipeline plan': every name coordinated before the noun."""
    for c in q.lefts:
        if c.dep_ in ("compound", "nmod") and (c.pos_ == "PROPN" or c.ent_type_ in lx.PARTY_ENTS):
            return list(dict.fromkeys(n for x in with_conjuncts([c]) if (n := name(x, ctx))))
        if c.dep_ == "compound" and lem(c) in lx.GROUP_NOUN | lx.ORG_DESCRIPTION:
            return [clean(c.text if c.text.endswith("s") else c.text + "s").capitalize()]
    return []


def subjects(v: Token) -> list[Token]:
    """Who does or undergoes a predicate, climbing through 'to'-clauses, conjoined verbs and
    relative clauses ("X, which lost ...", "with Bank of America losing 11.7%")."""
    subj = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass") and c.tag_ not in ("WDT", "WP")]
    cur = v
    while not subj and cur.dep_ in ("xcomp", "conj", "advcl") and cur.head is not cur:
        if cur.dep_ == "advcl" and not any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children):
            break
        controller = [c for c in cur.head.children if c.dep_ == "dobj"] if cur.dep_ == "xcomp" else []
        cur = cur.head
        # "ordered the network to shut down": the object of the governing verb does the shutting
        subj = controller or [c for c in cur.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subj and v.dep_ in ("relcl", "acl") and v.head.pos_ in ("NOUN", "PROPN"):
        subj = [v.head]  # "X, which lost ...", "with Bank of America losing 11.7%"
        attr = [c for c in v.head.head.children if c.dep_ == "attr"] if v.head.dep_ == "nsubj" else []
        if attr and v.head.head.lemma_ == "be" and v.head.pos_ == "NOUN":
            subj = attr  # "One corporation that posted a gain was Wal-Mart"
    if not subj and v.dep_ == "pcomp" and v.head.head.pos_ in ("NOUN", "PROPN"):
        subj = [v.head.head]
    return with_conjuncts(subj)


def _named(toks: list[Token], ctx: Context) -> list[str]:
    """Party names of subject tokens; a quantity stands for its owner ("Microsoft's stock")."""
    out = []
    for t in toks:
        n = name(t, ctx) or (owner(t, ctx) if lem(t) in lx.QUANTITY else None)
        if n and not is_index(n):
            out.append(n)
    return list(dict.fromkeys(out))


def subject_names(doc: Doc, ctx: Context) -> tuple[list[str], int]:
    """The parties a sentence is about (its main clause's subject, or the complement of a role
    noun: 'The clearest winners are X and Y'), and where the subject ends (a character offset)."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return [], 0
    subj = subjects(root) if root.pos_ in ("VERB", "AUX") else []
    if root.pos_ == "NOUN" and lem(root) in set(lx.EXPERIENCER) | set(lx.MOVE):  # "Google Cloud and Oracle win."
        subj = with_conjuncts([c for c in root.children if c.dep_ in ("nmod", "compound", "nsubj")
                               and c.pos_ in ("PROPN", "NOUN") and c.i < root.i])
    if root.lemma_ == "be" and any(lem(s) in lx.ROLE_NOUN for s in subj):
        subj = with_conjuncts([c for c in root.children if c.dep_ == "attr"])
    names = _named(subj, ctx)
    if not names:  # "For pharmacy benefit managers, the change is a blow"
        fors = [p for c in root.children if c.dep_ == "prep" and c.lower_ == "for" and c.i < root.i
                for p in with_conjuncts([x for x in c.children if x.dep_ == "pobj"])]
        if _named(fors, ctx):
            subj, names = fors, _named(fors, ctx)
    if not names:  # "Both airlines lost money, both are short of pilots": the first named subject
        first = next((t for t in doc if t.dep_ in ("nsubj", "nsubjpass") and t.i < root.i and name(t, ctx)), None)
        if first is None:  # a misparse ("Ratepayers win" read as a compound): the opening noun phrase
            chunk = next(iter(doc.noun_chunks), None)
            first = chunk.root if chunk is not None and chunk.start == 0 and name(chunk.root, ctx) else None
        if first is not None:
            subj = with_conjuncts([first])
            names = _named(subj, ctx)
            if names:
                return names, max(t.idx + len(t.text) for s in subj for t in s.subtree if t.i <= s.i)
    end = max((max(t.idx + len(t.text) for t in s.subtree) for s in subj if s.i < root.i), default=0)
    return names, end


def with_conjuncts(toks: list[Token]) -> list[Token]:
    """Tokens plus the names coordinated with them ("ExxonMobil and Chevron"), appositions of a
    common noun included ("energy companies ExxonMobil and Chevron")."""
    out: list[Token] = []
    for t in toks:
        appos = [c for c in t.children if c.dep_ == "appos" and c.pos_ == "PROPN"] if t.pos_ == "NOUN" else []
        for x in appos or [t]:
            out.append(x)
            out.extend(c for c in x.conjuncts if c.pos_ in ("NOUN", "PROPN", "PRON") and c not in out)
            # a misparse of "Brennan Oil and Castell Gas": the first name hangs off the second
            out.extend(c for c in x.lefts if c.dep_ in ("nmod", "compound") and c.pos_ == "PROPN"
                       and any(d.dep_ == "cc" for d in c.children) and c not in out)
    return out
