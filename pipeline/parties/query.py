"""Questions over resolved parties, answered by counting: per-party tallies, a party's timeline,
and the parties that articles (or sources) call both a winner and a loser.

Counts are of articles, not claims: an article that names a party a winner twice counts once.
Dates are the articles' publication dates; with `since`/`until` an undated article is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from pydantic import BaseModel, Field

from pipeline.errors import UsageError
from pipeline.parties.names import name_key
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


@lru_cache(maxsize=65536)
def day(published_at: str | None) -> str | None:
    """The publication day (YYYY-MM-DD) of an article date, whatever its spelling (cached: a
    corpus has far fewer distinct dates than mentions)."""
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


def party_rows(res: Resolution, window: Window | None = None, groups: bool = True,
               top: int | None = None) -> list[PartyRow]:
    """Every party with a mention in the window, most-mentioned first (`groups=False`: named
    parties only, no `kind="group"` classes; `top`: the first N only, and rows are built for
    those alone, so a top 20 over 10,000 claims stays cheap)."""
    seen: dict[str, dict[Role, set[str]]] = {}
    by_source: dict[str, dict[str, dict[Role, set[str]]]] = {}
    days: dict[str, tuple[str, str]] = {}
    parties: dict[str, CanonicalParty] = {}
    w = window or Window()
    admits = None if w.since is None and w.until is None and not w.source else w.admits
    for m, p in res.mentions:
        if admits is not None and not admits(m):
            continue
        if not groups and p.kind == "group":
            continue
        pid = p.id
        roles = seen.get(pid)
        if roles is None:
            parties[pid] = p
            roles = seen[pid] = {r: set() for r in ROLES}
            by_source[pid] = {}
        roles[m.role].add(m.article_id)
        src = m.source or "(no source)"
        srcs = by_source[pid].get(src)
        if srcs is None:
            srcs = by_source[pid][src] = {r: set() for r in ROLES}
        srcs[m.role].add(m.article_id)
        if (d := day(m.published_at)):
            lo_hi = days.get(pid)
            days[pid] = (d, d) if lo_hi is None else (min(lo_hi[0], d), max(lo_hi[1], d))
    ranked = sorted(seen, key=lambda pid: (-sum(len(a) for a in seen[pid].values()), parties[pid].name.casefold()))
    rows = []
    for pid in ranked[:top] if top is not None else ranked:
        p, roles = parties[pid], seen[pid]
        first, last = days.get(pid, (None, None))
        rows.append(PartyRow(
            id=pid, name=p.name, aliases=list(p.aliases), kind=p.kind,
            winner=len(roles["winner"]), loser=len(roles["loser"]), unchanged=len(roles["unchanged"]),
            articles=len(set().union(*roles.values())), first_seen=first, last_seen=last,
            sources={s: RoleCounts(**{r: len(a) for r, a in rs.items()}) for s, rs in sorted(by_source[pid].items())}))
    return rows


def count_parties(res: Resolution, window: Window | None = None, groups: bool = True) -> int:
    """How many parties have a mention in the window (`groups=False`: named parties only)."""
    w = window or Window()
    return len({p.id for m, p in res.mentions if w.admits(m) and (groups or p.kind != "group")})


def find_party(res: Resolution, name: str) -> CanonicalParty | None:
    """A party by id, display name (exactly, then by the resolver's `name_key`, then `party_key`),
    a name its mentions use, or any alias, in that order. A party some mention belongs to wins over one none does (an
    id or alias left behind by an undone merge)."""
    parties = res.index.parties
    key = party_key(name)
    named: dict[str, int] = {}
    for m, p in res.mentions:
        if party_key(m.name) == key:
            named[p.id] = named.get(p.id, 0) + 1
    exact = name.strip().casefold()
    candidates = [parties[name]] if name in parties else []
    candidates += [p for p in parties.values() if p.name.casefold() == exact]  # as the user read it
    candidates += [p for p in parties.values() if name_key(p.name) == name_key(name)]  # the resolver's key
    candidates += [p for p in parties.values() if party_key(p.name) == key]
    candidates += [parties[pid] for pid in sorted(named, key=lambda pid: -named[pid])]
    candidates += [p for p in parties.values() if key in {party_key(a) for a in p.aliases}]
    live = {p.id for _, p in res.mentions}
    return next((p for p in candidates if p.id in live), candidates[0] if candidates else None)


def parties_named(res: Resolution, names: Iterable[str]) -> list[CanonicalParty]:
    """The parties that mentions under these names (by `party_key`) now belong to."""
    keys = {party_key(n) for n in names}
    found: dict[str, CanonicalParty] = {}
    for m, p in res.mentions:
        if m.role != "unchanged" and party_key(m.name) in keys:
            found.setdefault(p.id, p)
    return list(found.values())


def close_names(res: Resolution, name: str, n: int = 3) -> list[str]:
    """Display names of the parties whose name or an alias reads most like `name` (for "did you mean")."""
    from rapidfuzz import fuzz, process

    choices: dict[str, str] = {}
    for p in res.index.parties.values():
        for a in [p.name, *p.aliases]:
            choices.setdefault(a, p.name)
    out: list[str] = []
    for alias, score, _ in process.extract(name, list(choices), scorer=fuzz.WRatio, limit=n * 4):
        if score >= 60 and choices[alias] not in out:
            out.append(choices[alias])
    return out[:n]


class PartyNotFound(UsageError, KeyError):
    """`--party NAME` names no party; the message suggests close names."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        self.message = f"no party named {name!r}{hint} (`pipeline parties` lists them)"
        super().__init__(self.message)
        self.name = name
        self.suggestions = list(suggestions)

    def __str__(self) -> str:
        return self.message


def require_party(res: Resolution, name: str) -> CanonicalParty:
    """`find_party`, or PartyNotFound with close names."""
    party = find_party(res, name)
    if party is None:
        raise PartyNotFound(name, close_names(res, name))
    return party


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
