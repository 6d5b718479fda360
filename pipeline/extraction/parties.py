"""Merging duplicate claims of one article, by party (`pipeline.text.parties.party_key`).

"Microsoft's stock", "Microsoft Corp." and "microsoft" all group under `microsoft`, while the
claim keeps the name as the article wrote it.
"""

from __future__ import annotations

import re

from pipeline.extraction.lexicon import WORKER_NOUN
from pipeline.text.parties import party_key
from pipeline.types import ArticleAnalysis, Evidence, PartyClaim, UnchangedClaim

__all__ = ["canonical_names", "merge_analyses", "merge_party_claims", "merge_unchanged", "party_key",
           "settle_sides"]

_STATUS_RANK = {"exact": 0, "fuzzy": 1, "unverified": 2}


def _better(a: Evidence, b: Evidence) -> bool:
    return _STATUS_RANK[a.status] < _STATUS_RANK[b.status]


def _same_head(short: str, long: str) -> bool:
    """'networks' names the same party as 'card networks' within one article."""
    a, b = short.split(), long.split()
    return 0 < len(a) < len(b) and b[-len(a):] == a


def merge_party_claims(claims: list[PartyClaim]) -> list[PartyClaim]:
    """One claim per party key, keeping first-seen order and the best-grounded evidence; a
    bare head noun ('networks') merges into the fuller name ('card networks') beside it."""
    out: dict[str, PartyClaim] = {}
    keys = [party_key(c.party) or c.party.casefold() for c in claims]
    for c, key in zip(claims, keys):
        fuller = [k for k in keys if _same_head(key, k)]
        if len(set(fuller)) == 1:
            key = fuller[0]
            c = c.model_copy(update={"party": next(x.party for x, k in zip(claims, keys) if k == key)})
        cur = out.get(key)
        if cur is None:
            out[key] = c
        elif _better(c.evidence, cur.evidence):
            out[key] = c.model_copy(update={"reason": cur.reason or c.reason})
    return list(out.values())


def _names_a_group(name: str) -> bool:
    """'GM employees', 'Ford Motor Company workers': a name followed by its workforce names the
    party's people (whose jobs go), a party of its own, not a fuller spelling of the name."""
    words = name.split()
    return len(words) > 1 and words[-1].islower() and words[-1].rstrip("s") in WORKER_NOUN


def canonical_names(names: list[str]) -> dict[str, str]:
    """Within one article, a short name that starts a longer one names the same party:
    'Calder' and 'Calder Therapeutics', 'Tanaka' and 'Tanaka Process Systems' (never 'GM' and 'GM
    employees'). Maps each name's key to the key of the longest such name."""
    keys = sorted({k for n in names if (k := party_key(n))}, key=lambda k: (-len(k.split()), k))  # no hash order
    group = {k for n in names if (k := party_key(n)) and _names_a_group(n)}
    out: dict[str, str] = {}
    for k in keys:
        words = k.split()
        longer = [o for o in keys if len(o.split()) > len(words) and o.split()[:len(words)] == words
                  and o not in group]
        out[k] = out.get(longer[0], longer[0]) if longer else k
    return out


def settle_sides(winners: list[PartyClaim], losers: list[PartyClaim]) -> tuple[list[PartyClaim], list[PartyClaim]]:
    """One party, one side, unless the article says both as often: a party read as a winner in
    three sentences and a loser in one is a winner (the odd reading is usually a detail or a
    past baseline). Names are first unified within the article (`canonical_names`)."""
    canon = canonical_names([c.party for c in [*winners, *losers]])

    def key(c: PartyClaim) -> str:
        return canon.get(party_key(c.party), party_key(c.party))

    display: dict[str, str] = {}
    for c in [*winners, *losers]:  # the longest spelling the article uses names the party
        if len(c.party) > len(display.get(key(c), "")):
            display[key(c)] = c.party

    def spans(claims: list[PartyClaim], k: str) -> int:
        return len({(c.evidence.start, c.evidence.quote) for c in claims if key(c) == k})

    win_keys, lose_keys = {key(c) for c in winners}, {key(c) for c in losers}
    drop_w = {k for k in win_keys & lose_keys if spans(winners, k) < spans(losers, k)}
    drop_l = {k for k in win_keys & lose_keys if spans(losers, k) < spans(winners, k)}

    def rename(c: PartyClaim) -> PartyClaim:
        name = display.get(key(c), c.party)
        return c if name == c.party else c.model_copy(update={"party": name})

    return ([rename(c) for c in winners if key(c) not in drop_w],
            [rename(c) for c in losers if key(c) not in drop_l])


def _statement_key(c: UnchangedClaim) -> tuple:
    if c.evidence.start is not None:
        return ("span", c.evidence.start, c.evidence.end)
    return ("text", re.sub(r"\W+", " ", c.statement.casefold()).strip())


def merge_unchanged(claims: list[UnchangedClaim]) -> list[UnchangedClaim]:
    seen: dict[tuple, UnchangedClaim] = {}
    for c in claims:
        seen.setdefault(_statement_key(c), c)
    # the same statement worded identically but grounded twice: keep one
    by_text: dict[str, UnchangedClaim] = {}
    for c in seen.values():
        k = re.sub(r"\W+", " ", c.statement.casefold()).strip()
        cur = by_text.get(k)
        if cur is None or _better(c.evidence, cur.evidence):
            by_text[k] = c
    return list(by_text.values())


def merge_analyses(parts: list[ArticleAnalysis], summary: str | None = None) -> ArticleAnalysis:
    """Merge per-section analyses (offsets already relative to the whole article)."""
    return ArticleAnalysis(
        summary=summary if summary is not None else " ".join(p.summary for p in parts if p.summary),
        winners=merge_party_claims([c for p in parts for c in p.winners]),
        losers=merge_party_claims([c for p in parts for c in p.losers]),
        unchanged=merge_unchanged([c for p in parts for c in p.unchanged]),
    )
