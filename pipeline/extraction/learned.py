"""Candidate (party, role) claims and the features a learned model decides them on.

Three hand-written rule sets in a row raised the parts they were written on and moved no unseen
part, so this path lets labeled gold weigh the evidence instead. Every party the article names
(a proper name, a group such as "Ford workers", "it"/"the firm" resolved by
`pipeline.extraction.naming`) is a candidate winner and a candidate loser. Its features follow
how English states an outcome, not any article's phrases: whether the rule reader claimed it
(and on which side), the party's role under the word that governs it (subject, object,
possessor, complement) with that word's sign from `pipeline.extraction.lexicon`, negation and
hedges, how often and how early the article names it, its entity type and whether it is a
generic group. Features are role-relative ("agrees with the side asked about"), so one weight
vector serves both sides. `pipeline.extraction.claim_model` scores them.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.extraction import lexicon as lx
from pipeline.extraction import naming, small
from pipeline.extraction.assertion import hypothetical, in_past_comparison, negated
from pipeline.extraction.cues import strip_markup
from pipeline.extraction.parties import canonical_names, party_key
from pipeline.extraction.single import Outcome
from pipeline.llm.base import Provider
from pipeline.types import Article, Evidence, PartyClaim

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

ROLES = ("winner", "loser")
_ARG_DEPS = {"nsubj", "nsubjpass", "dobj", "dative", "pobj", "poss", "attr", "appos", "conj", "ROOT", "npadvmod",
             "oprd", "agent"}
_ROLE_OF_DEP = {"nsubj": "subj", "nsubjpass": "obj", "dobj": "obj", "dative": "obj", "poss": "poss",
                "pobj": "comp", "agent": "subj"}
_ENTS = ("ORG", "PERSON", "GPE", "NORP")
# words whose sign holds for whoever owns them ("X's profit", "shares of X", "X's appeal")
_OWNED = {**lx.QUANTITY, **dict.fromkeys(lx.CLAIM_NOUN | lx.JOB_NOUN | lx.WORKER_NOUN | lx.DATA_NOUN, 1)}
_SENTENCE_SIGNS = {**lx.MOVE, **{k: v for k, v in lx.EXPERIENCER.items() if v}, **lx.OUTCOME_NOUN,
                   **lx.STATE_ADJ, **lx.ROLE_NOUN, **lx.CHANGE_NOUN, **lx.OUTCOME_OBJECT}

FEATURES: tuple[str, ...] = (
    "rule_same", "rule_opp", "read_same", "read_opp", "cue_same",
    "subj_agree", "subj_disagree", "obj_agree", "obj_disagree", "poss_agree", "poss_disagree",
    "comp_agree", "comp_disagree", "blocked_polar", "sent_agree", "sent_disagree",
    "mentions", "sentence_share", "first_position", "in_title", "in_lead", "subjects", "most_named",
    "ent_org", "ent_person", "ent_gpe", "ent_norp", "ent_group", "generic", "workforce", "pronoun_share",
    "loser_side",
)


@dataclass(frozen=True)
class Mention:
    """One place a sentence names a party, with the sign the governing word gives it there."""

    sentence: int
    name: str
    role: str  # subj | obj | poss | comp | other
    sign: int  # +1 good for the party, -1 bad, 0 no lexicon word governs it
    blocked: bool  # the governing predicate is negated, a condition or a past baseline
    ent: str  # ORG | PERSON | GPE | NORP | group
    pronoun: bool


@dataclass
class ClaimCandidate:
    """One (party, role) the model keeps or drops, with the evidence it would be pinned to."""

    key: str
    party: str
    role: str  # winner | loser
    features: list[float]
    evidence: Evidence
    reason: str


@dataclass
class ArticleCandidates:
    rules: Outcome  # the rule reader's own result: its `unchanged` claims are kept as they are
    claims: list[ClaimCandidate] = field(default_factory=list)


def _first_conjunct(t: Token) -> Token:
    while t.dep_ in ("conj", "appos") and t.head is not t:
        t = t.head
    return t


def _verb_sign(v: Token, role: str) -> int:
    """The sign a predicate gives a party in `role` (subject or object)."""
    lemma = naming.lem(v)
    if role == "obj":
        return lx.PATIENT.get(lemma, 0) or lx.ADJUST.get(lemma, 0)
    sign = lx.MOVE.get(lemma, 0) or lx.EXPERIENCER.get(lemma, 0)
    for c in v.children:
        low = naming.lem(c)
        if c.dep_ in ("acomp", "attr"):
            sign = sign or lx.STATE_ADJ.get(low, 0) or lx.ROLE_NOUN.get(low, 0)
        elif c.dep_ in ("advmod", "npadvmod", "oprd") and lemma in lx.DIRECTION_VERBS:
            sign = sign or lx.DIRECTION.get(c.lower_, 0)
        elif c.dep_ == "dobj":
            sign = sign or lx.OUTCOME_OBJECT.get(low, 0)
        elif c.dep_ == "xcomp" and c.pos_ == "VERB":  # "X is expected to gain"
            sign = sign or _verb_sign(c, "subj")
    return sign


def _noun_sign(n: Token, depth: int = 0) -> int:
    """The sign a noun's own fate carries: 'profits fell' is bad for whoever owns the profits."""
    lemma = naming.lem(n)
    if lemma in lx.CHANGE_NOUN:
        return lx.CHANGE_NOUN[lemma]
    own = _OWNED.get(lemma, 0)
    if not own or depth > 2:
        return 0
    role, sign, _ = governing(n, depth + 1)
    return own * sign if role in ("subj", "obj", "poss") else 0


def governing(tok: Token, depth: int = 0) -> tuple[str, int, Token | None]:
    """(role, sign, predicate): where a mention sits and what the word it depends on says."""
    t = _first_conjunct(tok)
    dep, head = t.dep_, t.head
    if dep == "poss" or (dep == "pobj" and head.lower_ == "of" and head.head.pos_ in ("NOUN", "PROPN")):
        owned = head if dep == "poss" else head.head
        return "poss", _noun_sign(owned, depth), owned.head if owned.head is not owned else None
    if dep in ("nsubj", "agent", "nsubjpass", "dobj", "dative") and head.pos_ in ("VERB", "AUX"):
        role = _ROLE_OF_DEP[dep]
        return role, _verb_sign(head, role), head
    if dep == "pobj" and head.dep_ == "prep":
        word, prep = head.head, head.lower_
        lemma = naming.lem(word)
        sign = lx.OUTCOME_NOUN.get(lemma, 0) if prep in ("for", "to") else 0
        sign = sign or (lx.NOMINAL.get(lemma, 0) if prep in lx.NOMINAL_PREPS else 0)
        sign = sign or lx.RULING_PREP.get((lemma, prep), 0) or lx.STATE_PREP.get((lemma, prep), 0)
        if not sign and prep == "to" and lemma in lx.TRANSFER | lx.SELECT:
            sign = 1
        return "comp", sign, word if word.pos_ in ("VERB", "AUX") else None
    return "other", 0, None


def _sentence_sign(doc: Doc) -> int:
    total = 0
    for t in doc:
        s = _SENTENCE_SIGNS.get(naming.lem(t), 0)
        if s and not (t.pos_ in ("VERB", "AUX") and negated(t)):
            total += s
    return (total > 0) - (total < 0)


class _Collector:
    """Gathers mentions from each parsed sentence, with the reference context the rules use."""

    def __init__(self) -> None:
        self.mentions: list[Mention] = []
        self.sentence_signs: list[int] = []

    def __call__(self, i: int, doc: Doc, ctx: naming.Context) -> None:
        self.sentence_signs.append(_sentence_sign(doc))
        seen: set[tuple[str, str]] = set()
        for t in doc:
            if t.dep_ not in _ARG_DEPS or t.pos_ not in ("NOUN", "PROPN", "PRON"):
                continue
            n = naming.name(t, ctx)
            if not n or naming.is_index(n):
                continue
            role, sign, pred = governing(t)
            if (party_key(n), role) in seen:
                continue
            seen.add((party_key(n), role))
            blocked = pred is not None and (negated(pred) or hypothetical(pred) or in_past_comparison(pred))
            ent = t.ent_type_ if t.ent_type_ in _ENTS else "group"
            self.mentions.append(Mention(i, n, role, sign, blocked, ent, t.pos_ == "PRON"))


_INITIAL_SKIP = {"of", "and", "the", "&", "for", "de"}


def _initials(key: str) -> str:
    return "".join(w[0] for w in key.split() if w not in _INITIAL_SKIP)


def same_party(groups: dict[str, list[Mention]], extra: list[str]) -> dict[str, str]:
    """Keys that name one party within an article, mapped to the fuller key: an acronym and the
    words it abbreviates ("GM", "General Motors"), a person's surname and full name ("Cook",
    "Tim Cook"), a group in the singular and the plural ("union", "unions")."""
    keys = sorted(set(groups) | set(extra), key=lambda k: (-len(k.split()), k))
    person = {k for k, ms in groups.items() if ms and sum(m.ent == "PERSON" for m in ms) * 2 >= len(ms)}
    out: dict[str, str] = {}
    for k in keys:
        words = k.split()
        if len(words) != 1:
            continue
        longer = [o for o in keys if len(o.split()) > 1]
        acro = [o for o in longer if 2 <= len(k) <= 5 and _initials(o) == k]
        surname = [o for o in longer if o in person and o.split()[-1] == k]
        target = next(iter(acro or surname), None)
        if target is None and k.endswith("s") and k[:-1] in keys:
            out[k[:-1]] = k
        if target is not None:
            out[k] = target
    return out


def _log(n: float) -> float:
    return math.log1p(n)


def _display(names: list[str]) -> str:
    """The fullest spelling the article uses most ('General Motors' over 'GM' when both occur)."""
    counts = Counter(names)
    return max(counts, key=lambda n: (counts[n] >= 2 or len(counts) == 1, len(n.split()), counts[n], n))


def candidates(article: Article, provider: Provider) -> ArticleCandidates:
    """Every (party, role) candidate of an article with its features, and the rules' outcome
    (from the same parse: the rule path in `rules` mode makes no model call)."""
    collect = _Collector()
    cands, readings = small._candidates(article.text, collect)
    outcome = small.plan(article, provider, "rules", (cands, readings)).assemble({})
    rules = outcome.analysis
    names = ([m.name for m in collect.mentions] + [r.party for r in readings]
             + [c.party for c in [*rules.winners, *rules.losers]])
    canon = canonical_names(names)

    def key(n: str) -> str:
        k = party_key(n) or n.casefold()
        return canon.get(k, k)

    raw: dict[str, list[Mention]] = {}
    for m in collect.mentions:
        raw.setdefault(key(m.name), []).append(m)
    extra = [key(n) for n in [r.party for r in readings] + [c.party for c in [*rules.winners, *rules.losers]]]
    same = same_party(raw, extra)

    def final(n: str) -> str:
        k = key(n)
        return same.get(k, k)

    groups: dict[str, list[Mention]] = {}
    for m in collect.mentions:
        groups.setdefault(final(m.name), []).append(m)
    rule_claims = {(final(c.party), side): c for side, lst in (("winner", rules.winners), ("loser", rules.losers))
                   for c in lst}
    for k, _ in rule_claims:
        groups.setdefault(k, [])
    read_counts = Counter((final(r.party), r.label) for r in readings)
    per_group = Counter({k: len(ms) for k, ms in groups.items()})
    top = per_group.most_common(1)[0][0] if per_group else ""
    n_sent = max(1, len(cands))
    title_low = article.title.casefold()
    out = ArticleCandidates(rules=outcome)
    for k, ms in groups.items():
        party = next((c.party for (kk, _), c in rule_claims.items() if kk == k), None) or _display(
            [m.name for m in ms if not m.pronoun] or [m.name for m in ms])
        sents = sorted({m.sentence for m in ms})
        ents = Counter(m.ent for m in ms if not m.pronoun) or Counter(m.ent for m in ms)
        ent = ents.most_common(1)[0][0] if ents else "group"
        words = party.split()
        generic = party[:1].islower() or words[-1].lower().rstrip("s") in lx.GENERIC_HEAD
        names_low = {m.name.casefold() for m in ms} | {party.casefold()}
        for side in ROLES:
            sgn = 1 if side == "winner" else -1
            other = "loser" if side == "winner" else "winner"
            f: dict[str, float] = {
                "rule_same": float((k, side) in rule_claims), "rule_opp": float((k, other) in rule_claims),
                "read_same": _log(read_counts[(k, side)]), "read_opp": _log(read_counts[(k, other)]),
            }
            f["cue_same"] = float(f["rule_same"] and not read_counts[(k, side)])
            for role in ("subj", "obj", "poss", "comp"):
                f[f"{role}_agree"] = _log(sum(1 for m in ms if m.role == role and not m.blocked and m.sign == sgn))
                f[f"{role}_disagree"] = _log(sum(1 for m in ms if m.role == role and not m.blocked
                                                 and m.sign == -sgn))
            f["blocked_polar"] = _log(sum(1 for m in ms if m.blocked and m.sign))
            f["sent_agree"] = _log(sum(1 for s in sents if collect.sentence_signs[s] == sgn))
            f["sent_disagree"] = _log(sum(1 for s in sents if collect.sentence_signs[s] == -sgn))
            f["mentions"] = _log(len(ms))
            f["sentence_share"] = len(sents) / n_sent
            f["first_position"] = (sents[0] / n_sent) if sents else 1.0
            f["in_title"] = float(any(n and n in title_low for n in names_low))
            f["in_lead"] = float(bool(sents) and sents[0] == 0)
            f["subjects"] = _log(sum(1 for m in ms if m.role == "subj"))
            f["most_named"] = float(k == top)
            for e in ("ORG", "PERSON", "GPE", "NORP"):
                f[f"ent_{e.lower()}"] = float(ent == e)
            f["ent_group"] = float(ent == "group")
            f["generic"] = float(generic)
            f["workforce"] = float(words[-1].rstrip("s").lower() in lx.WORKER_NOUN)
            f["pronoun_share"] = (sum(m.pronoun for m in ms) / len(ms)) if ms else 0.0
            f["loser_side"] = float(side == "loser")
            ev, reason = _evidence(cands, ms, rule_claims.get((k, side)), sgn)
            if ev is None:
                continue
            out.claims.append(ClaimCandidate(k, party, side, [f[n] for n in FEATURES], ev, reason))
    return out


def _evidence(cands: list[small.Candidate], ms: list[Mention], rule: PartyClaim | None,
              sgn: int) -> tuple[Evidence | None, str]:
    """The rule's own evidence when it made the claim; else the sentence whose mention agrees best."""
    if rule is not None:
        return rule.evidence, rule.reason
    if not ms:
        return None, ""
    best = max(ms, key=lambda m: (m.sign == sgn and not m.blocked, m.role in ("subj", "obj", "poss"), -m.sentence))
    span = cands[best.sentence].span
    reason = strip_markup(span.text)
    if len(reason) > 160:
        reason = reason[:160].rsplit(" ", 1)[0] + "\u2026"
    return Evidence(quote=span.text, start=span.start, end=span.end, status="exact", score=100.0), reason
