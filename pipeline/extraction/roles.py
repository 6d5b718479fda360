"""Parties an outcome reaches through roles other than the subject or object of its predicate.

Wire copy often states one outcome and lets a second party's follow from the grammar: the one an
exception singles out ("every stock, other than Wal-Mart, fell"), the opponent of a contest ("lost
its case against X", "lost market share to Y"), the taker of a sale ("acquired X", "sold it to Y"),
the payer of compensation ("compensated by Z"), the party bound to act ("was ordered to pay"),
the party a ruling goes for or against, the subject in a state ("filed for bankruptcy").
Each function returns (party, sign, trigger) findings for `pipeline.extraction.outcomes` to add;
the predicate has already been checked there for negation and conditions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.extraction import lexicon as lx
from pipeline.extraction.naming import Context, lem, name, pobjs, subjects, with_conjuncts

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

Finding = tuple[str | None, int, "Token"]

# who takes over a company or a stake in one gains it
ACQUIRE = {"acquire", "buy", "purchase"}
SELL = {"sell", "divest"}
# what one party loses another takes: "its market share was taken by X"
TAKE = {"take", "capture", "grab", "steal", "win", "seize"}
# what a sale hands over, when it is not a named organisation
ASSET = set("""stake share unit arm division subsidiary business operation asset brand plant
factory store chain stakes assets""".split())
# a payer of compensation loses what the other side gains
PAYER = {"compensate", "reimburse", "indemnify"}
# made to act by someone else: "was ordered to refund"; a rule that "requires" a whole class to
# act is left out: it states a general duty, not something done to a party
OBLIGE = {"order", "compel", "oblige", "obligate"}
# contests whose other side ends the opposite way: "lost its case against X", "won ... against Y"
CONTEST = {"win": 1, "lose": -1}


def _exception(t: Token) -> list[Token]:
    """The parties an exception phrase sets apart: 'except X', 'other than X', 'apart from X'."""
    head = t.head.lower_
    if not (t.lower_ in ("except", "excluding") or (t.lower_ == "than" and head == "other")
            or (t.lower_ == "from" and head in ("apart", "aside"))):
        return []
    found = [c for c in t.children if c.dep_ == "pobj"]
    for c in t.children:  # "except for X"
        if c.dep_ == "prep":
            found += [p for p in c.children if p.dep_ == "pobj"]
    return with_conjuncts(found)


def exceptions(doc: Doc, signs: dict[int, int], ctx: Context) -> list[Finding]:
    """'Every stock in the Dow, other than Wal-Mart, lost ground': the excepted party went the
    other way. Only an exception inside the subject counts (it restricts who the verb is about)."""
    out: list[Finding] = []
    for t in doc:
        excepted = _exception(t)
        if not excepted:
            continue
        cur = t
        while cur.dep_ not in ("nsubj", "nsubjpass") and cur.head.i != cur.i:
            cur = cur.head
        if cur.dep_ not in ("nsubj", "nsubjpass"):
            continue
        verbs = [cur.head] + [c for c in cur.head.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")]
        sign = next((signs[v.i] for v in verbs if signs.get(v.i)), 0)
        for x in excepted:
            out.append((name(x, ctx), -sign, cur.head))
    return out


def _to(v: Token) -> list[Token]:
    """The 'to' complement, whether parsed as a preposition or as a dative ("sold it to X")."""
    return with_conjuncts([p for c in v.children if c.dep_ in ("prep", "dative") and c.lower_ == "to"
                           for p in c.children if p.dep_ == "pobj"])


def _elided_subjects(t: Token) -> list[Token]:
    """'as did those of X' stands for X's; otherwise the subject itself."""
    out: list[Token] = []
    for s in (c for c in t.children if c.dep_ == "nsubj"):
        out += list(pobjs(s, ("of",))) if s.lower_ in ("those", "that") else [s]
    return out


def ellipsis(doc: Doc, signs: dict[int, int], ctx: Context) -> list[Finding]:
    """'Ford shares fell, as did GM', '..., and so did Y', 'Y did too': the predicate is repeated
    without being said, so its subject gets the outcome of the clause it leans on."""
    out: list[Finding] = []
    for t in doc:
        if lem(t) != "do" or t.dep_ not in ("advcl", "conj") or any(c.dep_ == "dobj" for c in t.children):
            continue
        if not any((c.dep_ == "mark" and c.lower_ == "as") or (c.dep_ == "advmod" and c.lower_ in ("so", "too", "likewise"))
                   for c in t.children):
            continue
        sign = signs.get(t.head.i, 0)
        out += [(name(s, ctx), sign, t.head) for s in with_conjuncts(_elided_subjects(t))]
    return out


def membership(doc: Doc, signs: dict[int, int], ctx: Context) -> list[Finding]:
    """'X was among the airlines affected', 'among the firms that benefited were X and Y': a member
    of a group shares what the group's own clause says happened to it."""
    out: list[Finding] = []
    for t in doc:
        if t.lower_ != "among" or lem(t.head) != "be":
            continue
        for group in (c for c in t.children if c.dep_ == "pobj"):
            clauses = [c for c in group.children if c.dep_ in ("acl", "relcl")]
            sign = next((signs[c.i] for c in clauses if signs.get(c.i)), 0)
            members = with_conjuncts([c for c in t.head.children if c.dep_ in ("nsubj", "nsubjpass")])
            out += [(name(m, ctx), sign, t.head) for m in members if m.i != group.i]
    return out


def contest(v: Token, objects: list[Token], ctx: Context) -> list[Finding]:
    """'X lost its lawsuit against Y', 'X lost market share to Y': the other side of the contest."""
    sign = CONTEST.get(lem(v), 0)
    if not sign:
        return []
    others = list(pobjs(v, ("against",))) + _to(v)
    for o in objects:
        others += list(pobjs(o, ("against",)))
    return [(name(p, ctx), -sign, v) for p in others]


def _taken(o: Token, ctx: Context) -> bool:
    """Whether an object is an organisation or a stake in one (not goods or shares of stock)."""
    return lem(o) in ASSET or (name(o, ctx) is not None and (o.pos_ in ("PROPN", "PRON") or o.ent_type_ == "ORG"))


def transfer(v: Token, objects: list[Token], passive: bool, ctx: Context) -> list[Finding]:
    """'X acquired Y', 'Y was bought by X', 'sold its arm to X', 'compensated by Z'."""
    lemma = lem(v)
    prt = {c.lower_ for c in v.children if c.dep_ == "prt"}
    if v.dep_ == "xcomp" or any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children):
        return []  # "plans to acquire", "a deal to sell": not yet a sale
    if lemma in ACQUIRE or (lemma == "take" and "over" in prt):
        if passive:
            return [(name(a, ctx), 1, v) for a in pobjs(v, ("by",))]
        if any(_taken(o, ctx) for o in objects):
            return [(name(s, ctx), 1, v) for s in subjects(v)]
    if lemma in TAKE and passive and any(lem(s) in lx.QUANTITY for s in subjects(v)):
        return [(name(a, ctx), 1, v) for a in pobjs(v, ("by",))]  # "market share taken by X"
    if lemma in SELL and any(_taken(o, ctx) for o in (subjects(v) if passive else objects)):
        return [(name(p, ctx), 1, v) for p in _to(v)]
    if lemma in PAYER:
        payers = list(pobjs(v, ("by",))) if passive else subjects(v)
        return [(name(p, ctx), -1, v) for p in payers]
    return []


def obliged(v: Token, objects: list[Token], passive: bool, ctx: Context) -> list[Finding]:
    """'X was ordered to refund', 'the court compelled X to pay'."""
    if lem(v) not in OBLIGE or not any(c.dep_ == "xcomp" for c in v.children):
        return []
    bound = [c for c in v.children if c.dep_ == "nsubjpass"] if passive else objects
    return [(name(b, ctx), -1, v) for b in with_conjuncts(bound)]


def quantity_of_subject(v: Token, objects: list[Token]) -> int:
    """'X lost market share', 'X gained customers': an unowned quantity the subject itself holds;
    the sign for the subject, 0 when this does not apply."""
    own = lx.EXPERIENCER.get(lem(v), 0)
    for o in objects:
        if own and lem(o) in lx.QUANTITY and not any(c.dep_ == "poss" for c in o.children):
            return own
    return 0


def state_prep(v: Token, subj: list[Token], ctx: Context) -> list[Finding]:
    """'X filed for bankruptcy', 'Turkey is under EU sanctions', 'customers were without power'."""
    out: list[Finding] = []
    for (verb, prep), sign in lx.STATE_PREP.items():
        if lem(v) != verb or not sign:
            continue
        for p in pobjs(v, (prep,)):
            if lem(p) in lx.STATE_OBJECT or prep == "without":
                out += [(name(s, ctx), sign, v) for s in subj]
    return out


def ruling(v: Token, ctx: Context) -> list[Finding]:
    """'ruled against X', 'sided with Y', 'found in favour of Z'."""
    lemma = lem(v)
    out: list[Finding] = [(name(p, ctx), sign, v) for (verb, prep), sign in lx.RULING_PREP.items()
                          if lemma == verb for p in pobjs(v, (prep,))]
    if lemma in ("rule", "decide", "find"):
        out += [(name(x, ctx), 1, v) for p in pobjs(v, ("in",)) if lem(p) in lx.IN_FAVOUR for x in pobjs(p, ("of",))]
    return out
