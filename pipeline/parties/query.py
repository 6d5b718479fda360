"""Questions over resolved parties, answered by counting: per-party tallies, a party's timeline,
and the parties that articles (or sources) call both a winner and a loser.

Counts are of articles, not claims: an article that names a party a winner twice counts once.
Dates are the articles' publication dates; with `since`/`until` an undated article is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pydantic import BaseModel, Field

from pipeline.parties.model import ROLES, CanonicalParty, PartyMention, Role
from pipeline.parties.resolve import Resolution
from pipeline.text.dates import parse_date, parse_since, published_ts
from pipeline.text.parties import party_key


@dataclass(frozen=True)
class Window:
    """Which mentions count: published in [since, until] (inclusive, dates or ISO times), from
    `source` (case-insensitive) when given."""

    since: str | None = None
    until: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lo", parse_since(self.since))
        hi = parse_since(self.until)
        if hi is not None and self.until and len(self.until.strip()) == 10:
            hi += 86399  # a bare date means the whole day
        object.__setattr__(self, "_hi", hi)

    def admits(self, m: PartyMention) -> bool:
        if self.source and (m.source or "").casefold() != self.source.casefold():
            return False
        lo, hi = getattr(self, "_lo"), getattr(self, "_hi")
        if lo is None and hi is None:
            return True
        ts = published_ts(m.published_at)
        return ts is not None and (lo is None or ts >= lo) and (hi is None or ts <= hi)


def day(published_at: str | None) -> str | None:
    """The publication day (YYYY-MM-DD) of an article date, whatever its spelling."""
    iso, _ = parse_date(published_at)
    return iso[:10] if iso else None


class Entry(BaseModel):
    """One dated, quoted claim about a party (a timeline row)."""

    article_id: str
    article_title: str = ""
    published_at: str | None = None
    source: str | None = None
    role: Role
    name: str
    quote: str
    start: int | None = None
    end: int | None = None
    status: str = "unverified"
    reason: str = ""

    @classmethod
    def of(cls, m: PartyMention) -> "Entry":
        return cls(article_id=m.article_id, article_title=m.article_title, published_at=day(m.published_at),
                   source=m.source, role=m.role, name=m.name, quote=m.quote, start=m.start, end=m.end,
                   status=m.status, reason=m.reason)


class RoleCounts(BaseModel):
    winner: int = 0
    loser: int = 0
    unchanged: int = 0


class PartyRow(BaseModel):
    """One canonical party's tally in the window."""

    id: str
    name: str
    aliases: list[str]
    kind: str = "party"  # "group": a common-noun class ("Buyers"), which a listing may hide
    winner: int = 0  # articles naming it a winner
    loser: int = 0
    unchanged: int = 0
    articles: int = 0  # distinct articles that name it at all
    first_seen: str | None = None  # earliest publication day among them
    last_seen: str | None = None
    sources: dict[str, RoleCounts] = Field(default_factory=dict)


def _sort_key(e: Entry) -> tuple[str, str, str]:
    return (e.published_at or "9999", e.article_id, e.role)


def selected(res: Resolution, window: Window | None = None) -> list[tuple[PartyMention, CanonicalParty]]:
    w = window or Window()
    return [(m, p) for m, p in res.mentions if w.admits(m)]


def party_rows(res: Resolution, window: Window | None = None, groups: bool = True) -> list[PartyRow]:
    """Every party with a mention in the window, most-mentioned first (`groups=False`: named
    parties only, no `kind="group"` classes)."""
    seen: dict[str, dict[Role, set[str]]] = {}
    by_source: dict[str, dict[str, dict[Role, set[str]]]] = {}
    days: dict[str, list[str]] = {}
    parties: dict[str, CanonicalParty] = {}
    for m, p in selected(res, window):
        if not groups and p.kind == "group":
            continue
        parties[p.id] = p
        seen.setdefault(p.id, {r: set() for r in ROLES})[m.role].add(m.article_id)
        src = m.source or "(no source)"
        by_source.setdefault(p.id, {}).setdefault(src, {r: set() for r in ROLES})[m.role].add(m.article_id)
        if (d := day(m.published_at)):
            days.setdefault(p.id, []).append(d)
    rows = []
    for pid, roles in seen.items():
        p = parties[pid]
        rows.append(PartyRow(
            id=pid, name=p.name, aliases=list(p.aliases), kind=p.kind,
            winner=len(roles["winner"]), loser=len(roles["loser"]), unchanged=len(roles["unchanged"]),
            articles=len(set().union(*roles.values())),
            first_seen=min(days[pid]) if pid in days else None, last_seen=max(days[pid]) if pid in days else None,
            sources={s: RoleCounts(**{r: len(a) for r, a in rs.items()}) for s, rs in sorted(by_source[pid].items())}))
    rows.sort(key=lambda r: (-(r.winner + r.loser + r.unchanged), r.name.casefold()))
    return rows


def find_party(res: Resolution, name: str) -> CanonicalParty | None:
    """A party by id, display name or any alias (compared by `party_key`)."""
    parties = res.index.parties
    if name in parties:
        return parties[name]
    key = party_key(name)
    for p in parties.values():
        if key in {party_key(a) for a in [p.name, *p.aliases]}:
            return p
    return None


def timeline(res: Resolution, party: CanonicalParty, window: Window | None = None) -> list[Entry]:
    """The party's claims by publication date (undated last), each with its quote."""
    return sorted((Entry.of(m) for m, p in selected(res, window) if p.id == party.id), key=_sort_key)


class Disagreement(BaseModel):
    """A party called a winner in some articles and a loser in others."""

    id: str
    name: str
    winner_in: list[Entry]
    loser_in: list[Entry]
    sources_disagree: bool  # the winner and loser sides include different publications


def disagreements(res: Resolution, window: Window | None = None) -> list[Disagreement]:
    """Parties with both sides in the window, from different articles."""
    sides: dict[str, dict[Role, list[Entry]]] = {}
    parties: dict[str, CanonicalParty] = {}
    for m, p in selected(res, window):
        if m.role in ("winner", "loser"):
            parties[p.id] = p
            sides.setdefault(p.id, {"winner": [], "loser": [], "unchanged": []})[m.role].append(Entry.of(m))
    out = []
    for pid, s in sides.items():
        w, lo = s["winner"], s["loser"]
        if not w or not lo or {e.article_id for e in w} == {e.article_id for e in lo} == {w[0].article_id}:
            continue
        srcs_w, srcs_l = {e.source for e in w}, {e.source for e in lo}
        out.append(Disagreement(id=pid, name=parties[pid].name, winner_in=sorted(w, key=_sort_key),
                                loser_in=sorted(lo, key=_sort_key),
                                sources_disagree=bool(srcs_w ^ srcs_l) or len(srcs_w | srcs_l) > 1))
    out.sort(key=lambda d: (-(len(d.winner_in) + len(d.loser_in)), d.name.casefold()))
    return out


def roles_of(entries: Iterable[Entry]) -> RoleCounts:
    rc = RoleCounts()
    for role in ROLES:
        setattr(rc, role, len({e.article_id for e in entries if e.role == role}))
    return rc
