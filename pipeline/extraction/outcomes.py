"""Who an outcome happens to, read from the dependency parse of each sentence.

News states outcomes through predicates: "shares of X fell", "the ruling hits Y", "the court
rejected Z's appeal", "a welcome lift for W", "up to 800 jobs at V's plant could go". For each
predicate whose lemma is in `pipeline.extraction.lexicon`, the party is found by its role in the
clause (subject, object, possessor or "of" owner of a quantity, the complement of "for"/"to",
the holder of jobs), negated predicates are skipped (a denied favour is a loss), and "it",
"its", "the airline", "the firm" are resolved to the organisation the text is about
(`pipeline.extraction.naming`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.extraction import lexicon as lx
from pipeline.extraction import roles
from pipeline.extraction.assertion import hypothetical, in_past_comparison, negated, nobody
from pipeline.extraction.naming import (Context, is_index, lem, name, owner, owners, pobjs, subjects,
                                        with_conjuncts)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


@dataclass(frozen=True)
class Reading:
    """One outcome read from one sentence."""

    sentence: int  # index into the sentence list given to `read`
    party: str
    label: str  # winner | loser
    trigger: str  # the lemma that decided it
    reason: str


_NUMERIC_ENTS = ("PERCENT", "MONEY", "CARDINAL", "QUANTITY")


def _objects(v: Token) -> list[Token]:
    return with_conjuncts([c for c in v.children if c.dep_ in ("dobj", "dative")])


def _passive(v: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in v.children)


_UP_ADJ = set("higher increased rising record strong stronger bumper better improved larger bigger".split())
_DOWN_ADJ = set("lower reduced falling weak weaker disappointing poor smaller worse sluggish".split())


def _np_sign(n: Token) -> int:
    """+1 / -1 when a noun phrase is good or bad news for whoever has it, else 0."""
    lemma = lem(n)
    mods = {c.lower_ for c in n.children if c.dep_ in ("amod", "compound", "advmod")}
    direction = 1 if mods & _UP_ADJ else -1 if mods & _DOWN_ADJ else 0
    if lemma in lx.CHANGE_NOUN:
        inner = next((p for p in pobjs(n, ("in", "of")) if lem(p) in lx.QUANTITY), None)
        quantity = next((c for c in n.children if c.dep_ == "compound" and lem(c) in lx.QUANTITY), inner)
        return lx.CHANGE_NOUN[lemma] * (lx.QUANTITY[lem(quantity)] if quantity is not None else 1)
    if lemma in lx.QUANTITY and (direction or lemma not in lx.OUTCOME_OBJECT):
        return lx.QUANTITY[lemma] * direction
    if lemma in lx.OUTCOME_OBJECT:
        base = lx.OUTCOME_OBJECT[lemma]
        return -base if (direction == -1 and base > 0) else base
    return 0


def _clause(v: Token) -> str:
    toks = sorted(v.subtree, key=lambda t: t.i)
    text = v.doc[toks[0].i:toks[-1].i + 1].text if toks else v.text
    return text if len(text) <= 160 else text[:160].rsplit(" ", 1)[0] + "\u2026"


def _numeric(t: Token) -> bool:
    return t.like_num or t.ent_type_ in _NUMERIC_ENTS or lem(t) in ("point", "percent", "cent", "%")


class _Reader:
    def __init__(self, doc: Doc, ctx: Context, index: int) -> None:
        self.doc, self.ctx, self.index = doc, ctx, index
        self.out: list[Reading] = []
        self.signs: dict[int, int] = {}  # token index of a trigger -> the sign it gave, party named or not

    def name(self, t: Token) -> str | None:
        return name(t, self.ctx)

    def add(self, party: str | None, sign: int, trigger: Token, why: Token | None = None) -> None:
        if sign:
            self.signs.setdefault(trigger.i, sign)
        if not party or sign == 0 or is_index(party):
            return
        self.out.append(Reading(self.index, party, "winner" if sign > 0 else "loser",
                                lem(trigger), _clause(why or trigger)))

    def holder_of_jobs(self, jobs: Token, agent: Token | None) -> str | None:
        base = owner(jobs, self.ctx)
        if base is None and jobs.head.pos_ == "VERB":  # "cut 800 jobs at its unit, Trevik"
            base = next((n for p in pobjs(jobs.head, ("at",)) if (n := self.name(p))), None)
        if base is None and agent is not None:
            base = self.name(agent)
        if base is None:
            return None
        noun = jobs.text if lem(jobs) in lx.WORKER_NOUN else "workers"
        return f"{base} {noun}"

    def party_of(self, t: Token, sign: int) -> tuple[list[str], int]:
        """The parties behind an affected noun and the sign they get ("shares of X and Y" fell)."""
        lemma = lem(t)
        claim = lemma in lx.CLAIM_NOUN and t.tag_ == "NN"  # "X's complaint" is a claim, "complaints rose" a count
        if lemma in lx.QUANTITY and not claim:
            return owners(t, self.ctx), sign * lx.QUANTITY[lemma]
        if claim or lemma in lx.DATA_NOUN:
            return owners(t, self.ctx), sign
        n = self.name(t)
        return ([n] if n else []), sign

    def add_all(self, parties: tuple[list[str], int], trigger: Token, why: Token | None = None) -> None:
        if parties[1]:
            self.signs.setdefault(trigger.i, parties[1])
        for p in parties[0]:
            self.add(p, parties[1], trigger, why)

    # -- verbs ---------------------------------------------------------------------------------

    def verb(self, v: Token) -> None:
        lemma = lem(v)
        if in_past_comparison(v) or hypothetical(v):
            return
        if negated(v):
            if lemma in lx.SELECT or (lemma == "bail"):
                for p in (subjects(v) if _passive(v) else _objects(v)):
                    self.add_all(self.party_of(p, -1), v)
            return
        subj, objects, passive = subjects(v), _objects(v), _passive(v)
        prt = {c.lower_ for c in v.children if c.dep_ == "prt"}
        if self.jobs(v, lemma, subj, objects, passive, prt):
            return
        for party, sign, why in (roles.contest(v, objects, self.ctx) + roles.transfer(v, objects, passive, self.ctx)
                                 + roles.obliged(v, objects, passive, self.ctx)):
            self.add(party, sign, why)
        if lemma in lx.LEAK:
            for t in (subj if passive else objects):
                if lem(t) in lx.DATA_NOUN:
                    self.add(owner(t, self.ctx), -1, v)
            return
        if lemma in ("turn", "cut", "shut", "switch") and "off" in prt:
            for p in pobjs(v, ("for", "to")):
                self.add(self.name(p), -1, v)
            return
        amounts = objects + [c for c in v.children if c.dep_ == "npadvmod" and _numeric(c)]
        if lemma in lx.MOVE_WITH_AMOUNT and not passive and amounts and all(_numeric(o) for o in amounts):
            for s in subj:  # "Boeing added 3%", "the Nasdaq shed 40 points"
                self.add_all(self.party_of(s, lx.MOVE_WITH_AMOUNT[lemma]), v)
            return
        if lemma == "lead" and self.led_by(v):
            return
        category = any(c.dep_ == "prep" and c.lower_ in ("under", "within") for c in v.children)
        if lemma in lx.MOVE and not passive and not category and all(_numeric(o) for o in objects):
            priced = any(p.ent_type_ == "MONEY" for p in pobjs(v, ("to",)))
            for s in subj:
                described = any(c.dep_ == "amod" for c in s.children)  # "the compact Falcon"
                if priced and lem(s) not in lx.QUANTITY and (s.ent_type_ != "ORG" or described):
                    continue  # "the Ardent Dash drops to $27,400": a product's price, not a party
                self.add_all(self.party_of(s, lx.MOVE[lemma]), v)
            return
        if self.direction(v, lemma, subj) or self.manner(v, lemma, subj):
            return
        extreme = [o for o in objects if lem(o) in ("low", "high")]
        if extreme and lemma in ("hit", "reach", "touch", "set", "record", "post", "mark"):
            for s in subj:  # "Nokia shares hit a record low"
                self.add_all(self.party_of(s, 1 if lem(extreme[0]) == "high" else -1), v)
            return
        if lemma in lx.ADJUST and passive and any(lem(s) in lx.QUANTITY for s in subj):
            for s in subj:  # "the company's market value was cut in half"
                self.add_all(self.party_of(s, lx.ADJUST[lemma]), v)
            return
        if lemma in lx.ADJUST and not passive and any(lem(o) in lx.QUANTITY for o in objects):
            for o in objects:
                if lem(o) in lx.QUANTITY:
                    self.add_all(self.party_of(o, lx.ADJUST[lemma]), v)
            if (own := roles.quantity_of_subject(v, objects)) and not any(
                    owners(o, self.ctx) for o in objects if lem(o) in lx.QUANTITY):
                for s in subj:  # "X lost market share to Y": the share is X's own
                    self.add(self.name(s), own, v)
            return
        if self.patient(v, lemma, subj, objects, passive, prt):
            return
        if lemma in lx.TRANSFER:
            for p in pobjs(v, ("to",)):
                self.add(self.name(p), 1, v)
        if lemma in lx.EXPERIENCER and not passive:
            sign = lx.EXPERIENCER[lemma]
            if sign == 0:
                objs = objects + list(pobjs(v, ("of",)))
                if lemma in lx.REPORTING:  # "reported a loss", not "announced a ban"
                    objs = [o for o in objs if lem(o) in lx.RESULT | set(lx.QUANTITY) | set(lx.CHANGE_NOUN)]
                sign = next((s for s in (_np_sign(o) for o in objs) if s), lx.EXPERIENCER_DEFAULT.get(lemma, 0))
            for s in subj:
                if lem(s) not in lx.SOURCE_NOUN:
                    self.add_all(self.party_of(s, sign), v)
            return
        for party, sign, why in roles.state_prep(v, subj, self.ctx) + roles.ruling(v, self.ctx):
            self.add(party, sign, why)

    def led_by(self, v: Token) -> bool:
        """'gains were led by Boeing', 'the Dow rose 2%, led by Boeing': who drove the move."""
        agents = list(pobjs(v, ("by",)))
        if not agents:
            return False
        sign = 0
        subj = [c for c in v.children if c.dep_ == "nsubjpass"]
        if subj and lem(subj[0]) in lx.CHANGE_NOUN:
            sign = lx.CHANGE_NOUN[lem(subj[0])]
        elif v.dep_ in ("advcl", "acl", "conj") and lem(v.head) in lx.MOVE:
            sign = lx.MOVE[lem(v.head)]
        for a in agents:
            self.add_all(self.party_of(a, sign), v)
        return bool(sign)

    def jobs(self, v: Token, lemma: str, subjects: list[Token], objects: list[Token], passive: bool,
             prt: set[str]) -> bool:
        """'jobs at X could go', '800 jobs will be cut', 'X will cut 800 jobs', 'X laid off staff'."""
        losing = lx.ADJUST.get(lemma, 0) < 0 or lx.PATIENT.get(lemma, 0) < 0 or lemma in ("lose", "shed")
        job_subj = [s for s in subjects if lem(s) in lx.JOB_NOUN | lx.WORKER_NOUN]
        if job_subj and (lemma in lx.JOB_GO_VERB or (passive and losing)):
            for j in job_subj:
                self.add(self.holder_of_jobs(j, None), -1, v)
            return True
        job_obj = [o for o in objects if lem(o) in lx.JOB_NOUN]
        if job_obj and losing and not passive:
            for j in job_obj:
                self.add(self.holder_of_jobs(j, subjects[0] if subjects else None), -1, v)
            return True
        if lemma == "lay":
            if "off" in prt:
                agent = None if passive else (subjects[0] if subjects else None)
                for o in (subjects if passive else objects):
                    n = (self.holder_of_jobs(o, agent) if lem(o) in lx.WORKER_NOUN | lx.JOB_NOUN
                         else self.name(o))
                    self.add(n, -1, v)
            return True
        return False

    def direction(self, v: Token, lemma: str, subjects: list[Token]) -> bool:
        """'shares closed higher', 'X was down 5%', 'X ended up 1.2%'."""
        if lemma not in lx.DIRECTION_VERBS:
            return False
        words = [c for c in v.children if c.dep_ in ("advmod", "acomp", "prt", "npadvmod", "oprd")
                 and c.lower_ in lx.DIRECTION]
        if not words:
            return False
        w = words[0]
        if w.lower_ in ("up", "down") and not any(_numeric(t) for t in [*w.subtree, *v.children]):
            return False  # "end up before a court"
        for s in subjects:
            self.add_all(self.party_of(s, lx.DIRECTION[w.lower_]), v)
        return True

    def manner(self, v: Token, lemma: str, subjects: list[Token]) -> bool:
        """'X successfully docked', 'Bank of America fared worse'."""
        adv = next((c for c in v.children if c.dep_ in ("advmod", "acomp") and c.lower_ in lx.MANNER), None)
        if adv is None or (adv.lower_ in ("well", "better", "worse", "poorly", "badly")
                           and lemma not in lx.MANNER_VERBS):
            return False
        for s in subjects:  # "the SpaceX capsule successfully docked": its maker
            self.add(self.name(s) or owner(s, self.ctx), lx.MANNER[adv.lower_], v)
        return True

    def patient(self, v: Token, lemma: str, subjects: list[Token], objects: list[Token], passive: bool,
                prt: set[str]) -> bool:
        if lemma not in lx.PATIENT or (lemma == "bail" and "out" not in prt):
            return False
        sign = lx.PATIENT[lemma]
        patients = subjects if passive else list(objects)
        if v.dep_ == "acl" and v.tag_ == "VBN" and not objects:
            patients = [v.head]  # a reduced passive: "the airlines affected by the strike"
        if not passive and not objects and lemma in ("shut", "close") and "down" in prt:
            patients = subjects  # "the network shut down"
        for c in v.children:  # "awarded the contract to X"
            if c.dep_ == "prep" and c.lower_ == "to" and sign > 0 and lemma in lx.TRANSFER | lx.SELECT:
                patients += [p for p in c.children if p.dep_ == "pobj"]
        for p in patients:
            self.add_all(self.party_of(p, sign), v)
        return bool(patients)

    # -- copulas and nouns ---------------------------------------------------------------------

    def copula(self, v: Token) -> None:
        """'X is better off', 'X is the biggest faller', 'the biggest loser was X'."""
        if negated(v):
            return
        subjects = with_conjuncts([c for c in v.children if c.dep_ == "nsubj"])
        for c in v.children:
            lemma = lem(c)
            if c.dep_ == "acomp" and lemma in lx.STATE_ADJ:
                for s in subjects:
                    self.add(self.name(s), lx.STATE_ADJ[lemma], v)
            if c.dep_ == "attr" and lemma in lx.ROLE_NOUN:
                for s in subjects:
                    self.add(self.name(s), lx.ROLE_NOUN[lemma], v)
            rank = {m.lower_ for m in c.children if m.dep_ == "amod"}
            if c.dep_ == "attr" and lemma == "performer" and rank & {"best", "worst", "top"}:
                for s in subjects:  # "Citigroup was the worst performer"
                    self.add(self.name(s), -1 if "worst" in rank else 1, v)
            role = next((s for s in subjects if lem(s) in lx.ROLE_NOUN), None)
            if c.dep_ == "attr" and role is not None:
                for a in with_conjuncts([c]):
                    self.add(self.name(a), lx.ROLE_NOUN[lem(role)], v)
            if c.dep_ == "prep" and c.lower_ == "among":
                for p in c.children:
                    if p.dep_ == "pobj" and lem(p) in lx.ROLE_NOUN:
                        for s in subjects:
                            self.add(self.name(s), lx.ROLE_NOUN[lem(p)], v)

    def noun(self, n: Token) -> None:
        """'a lift for X', 'a blow to Y', 'good news for Z', 'the bailout of W', 'school closures'."""
        self.noun_direction(n)
        lemma = lem(n)
        sign = lx.OUTCOME_NOUN.get(lemma, 0)
        if lemma == "news":
            sign = next((lx.NEWS_ADJ[c.lower_] for c in n.children if c.dep_ == "amod" and c.lower_ in lx.NEWS_ADJ), 0)
        if any(c.dep_ == "neg" for c in n.head.children) or (n.head.pos_ in ("VERB", "AUX") and nobody(n.head)):
            return
        why = n.head if n.head.pos_ in ("VERB", "AUX") else n
        if sign:
            for p in pobjs(n, ("for", "to")):
                self.add(self.name(p), sign, n, why)
        nominal = lx.NOMINAL.get(lemma, 0)
        if nominal and not (n.dep_ == "dobj" and lem(n.head) in roles.CONTEST):  # "lost its lawsuit against X
            for p in pobjs(n, lx.NOMINAL_PREPS):
                parties, sign = self.party_of(p, nominal)
                # "an investigation of Ford's testing practices": whose practices
                self.add_all((parties or owners(p, self.ctx), sign), n, why)
            for c in n.children:  # "school closures", "US sanctions" name the agent: only plural groups
                if c.dep_ == "compound" and lem(c) in lx.GROUP_NOUN | {"school", "plant", "factory", "store"}:
                    self.add(c.text.capitalize() + ("" if c.text.endswith("s") else "s"), nominal, n, why)
        if lemma in lx.CHANGE_NOUN or lemma == "loss":
            # "YRC ..., with its loss of 27.3%", "Bank of America fared worse, with a fall of 17%"
            poss = next((c for c in n.children if c.dep_ == "poss"), None)
            change = lx.CHANGE_NOUN.get(lemma, -1)
            if poss is not None and not any(lem(p) in lx.QUANTITY for p in pobjs(n, ("in", "of"))):
                self.add(self.name(poss), change, n, why)
            elif n.dep_ == "pobj" and n.head.lower_ == "with" and n.head.head.pos_ in ("VERB", "AUX"):
                if not any(lem(p) in lx.QUANTITY for p in pobjs(n, ("in",))):
                    for s in subjects(n.head.head):
                        self.add(self.name(s), change, n, n.head.head)

    def noun_direction(self, n: Token) -> None:
        """'with Lloyds down 12%', 'Citigroup, down 10%, ...': a name with its own move."""
        for c in n.children:
            if c.dep_ == "advmod" and c.lower_ in lx.DIRECTION and (
                    any(_numeric(t) for t in c.subtree) or any(_numeric(x) for x in n.children)):
                self.add_all(self.party_of(n, lx.DIRECTION[c.lower_]), c, n)
                return

    def run(self) -> list[Reading]:
        for t in self.doc:
            if t.pos_ in ("VERB", "AUX"):
                if t.lemma_ == "be":
                    self.copula(t)
                self.verb(t)
            elif t.pos_ == "NOUN":
                self.noun(t)
            elif t.pos_ == "PROPN":
                self.noun_direction(t)
        for party, sign, why in (roles.exceptions(self.doc, self.signs, self.ctx)
                                 + roles.ellipsis(self.doc, self.signs, self.ctx)
                                 + roles.membership(self.doc, self.signs, self.ctx)):
            self.add(party, sign, why)
        seen: set[tuple[str, str]] = set()
        out = []
        for r in self.out:
            key = (r.party.casefold(), r.label)
            if key not in seen:
                seen.add(key)
                out.append(r)
        return out


def read_sentence(doc: Doc, ctx: Context, index: int) -> list[Reading]:
    """Readings of one parsed sentence; `ctx` has noted the sentences before it."""
    return _Reader(doc, ctx, index).run()


def read(docs: list[Doc]) -> list[Reading]:
    """Readings for a list of parsed sentences, in order (context carries across them)."""
    ctx = Context(docs)
    out: list[Reading] = []
    for i, doc in enumerate(docs):
        out.extend(read_sentence(doc, ctx, i))
        ctx.note(doc)
    return out
