"""The parties view: one row per canonical party (`pipeline.parties`) with a small SVG timeline of
its claims, and the parties some articles call winners and others losers, side by side.

Plain data for the template (autoescape does the markup); the geometry is computed here so the
template only prints numbers. Each mark and each quote links back to its claim in the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

from pipeline.parties import CanonicalParty, Resolution, resolve
from pipeline.parties.mentions import mentions_of
from pipeline.parties.query import Entry, PartyRow, day, disagreements, party_rows, timeline
from pipeline.report.view import ArticleView, ClaimView, slug
from pipeline.text.parties import party_key
from pipeline.types import Article, ExtractionRecord

# timeline geometry (SVG user units): the dated lane, a gap, then the "undated" lane
TL_DATED_W, TL_GAP, TL_UNDATED_W, TL_H, TL_PAD = 300, 12, 54, 40, 8
TL_W = TL_DATED_W + TL_GAP + TL_UNDATED_W
BASE_Y = TL_H / 2
EXPAND_MIN_ARTICLES = 2  # parties named in fewer articles start collapsed
QUOTE_CHARS = 180  # a mark's tooltip quotes at most this much


@dataclass
class Mark:
    """One claim on a party's timeline."""

    role: str  # winner | loser | unchanged
    d: str  # SVG path
    href: str  # "" when the claim is not in the page
    title: str  # date · article title · role: “quote”
    claim_id: str
    dated: bool


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class SideEntry:
    """One article's quote on one side of a disagreement."""

    entry: Entry
    href: str
    article_href: str
    article_title: str


@dataclass
class PartyLine:
    """A canonical party's row: tallies, where and when it is named, its timeline."""

    id: str
    slug: str  # the row is #party-<slug>, its disagreement #dis-<slug>
    name: str
    aliases: list[str]  # spellings other than the display name
    kind: str  # "party", or "group" for generic groups (hidden behind a toggle)
    winner: int
    loser: int
    unchanged: int
    articles: int
    first_seen: str | None
    last_seen: str | None
    sources: list[str]
    sources_title: str
    marks: list[Mark]
    keys: str  # what the party filter matches: the id and every spelling's key
    filter: str  # what clicking the name puts in the filter box (the display name's key)
    disputed: bool = False

    # what `view.chart` draws
    @property
    def key(self) -> str:
        return self.keys

    @property
    def win_articles(self) -> int:
        return self.winner

    @property
    def loss_articles(self) -> int:
        return self.loser


@dataclass
class DisagreementView:
    id: str
    slug: str
    name: str
    keys: str
    winner_in: list[SideEntry]
    loser_in: list[SideEntry]
    sources_disagree: bool

    @property
    def win_articles(self) -> int:
        return len({s.entry.article_id for s in self.winner_in})

    @property
    def loss_articles(self) -> int:
        return len({s.entry.article_id for s in self.loser_in})


@dataclass
class PartiesView:
    rows: list[PartyLine]  # shown open: parties named in EXPAND_MIN_ARTICLES or more articles
    single: list[PartyLine]  # the rest, collapsed
    groups: list[PartyLine]  # generic groups, collapsed
    disagreements: list[DisagreementView]
    ticks: list[Tick]
    undated_x: float  # where the undated lane starts
    width: int = TL_W
    height: int = TL_H
    base_y: float = BASE_Y
    dated_w: int = TL_DATED_W
    undated_w: int = TL_UNDATED_W
    expand_min: int = EXPAND_MIN_ARTICLES
    chart_rows: list[PartyLine] = field(default_factory=list)  # by win + loss articles

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.single) + len(self.groups)


def resolve_inputs(articles: Iterable[Article], records: Iterable[ExtractionRecord]) -> Resolution:
    """A fresh resolution of what the report shows, for inputs that carry none (no saved index)."""
    return resolve(mentions_of(records, {a.id: a for a in articles}))


def _ordinal(iso_day: str) -> int:
    return dt.date.fromisoformat(iso_day).toordinal()


class _Scale:
    """Publication day → x across the corpus's date range."""

    def __init__(self, days: Iterable[str]) -> None:
        ords = sorted({_ordinal(d) for d in days})
        self.lo, self.hi = (ords[0], ords[-1]) if ords else (0, 0)

    def x(self, iso_day: str) -> float:
        if self.hi == self.lo:
            return TL_DATED_W / 2
        return TL_PAD + (TL_DATED_W - 2 * TL_PAD) * (_ordinal(iso_day) - self.lo) / (self.hi - self.lo)

    def ticks(self) -> list[Tick]:
        if not self.hi:
            return []
        if self.hi == self.lo:
            return [Tick(TL_DATED_W / 2, dt.date.fromordinal(self.lo).isoformat())]
        span = self.hi - self.lo
        out = []
        for f in (0, 0.5, 1):
            d = dt.date.fromordinal(self.lo + round(span * f))
            label = d.isoformat() if span <= 62 else (d.isoformat()[:7] if span <= 3 * 366 else str(d.year))
            out.append(Tick(round(self.x(d.isoformat()), 1), label))
        return out


def _path(role: str, x: float, y: float) -> str:
    if role == "winner":  # up, above the line
        return f"M{x:.1f} {y - 5:.1f}l5 9h-10z"
    if role == "loser":  # down, below it
        return f"M{x:.1f} {y + 5:.1f}l5-9h-10z"
    return f"M{x:.1f} {y - 5:.1f}l5 5-5 5-5-5z"  # unchanged: a diamond on the line


def _clip(text: str, n: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


class _Claims:
    """Finds the page's claim (and article) for a timeline entry."""

    def __init__(self, articles: list[ArticleView]) -> None:
        self.by_article = {av.article.id: av for av in articles}
        self.claims: dict[tuple[str, str, str, str], ClaimView] = {}
        for av in articles:
            for c in av.claims:
                self.claims.setdefault((av.article.id, c.kind, c.label.strip(), c.evidence.quote), c)

    def claim(self, e: Entry) -> ClaimView | None:
        label = e.reason if e.role == "unchanged" else e.name
        return self.claims.get((e.article_id, e.role, label.strip(), e.quote))

    def href(self, e: Entry) -> str:
        c = self.claim(e)
        if c is not None:
            return f"#hl-{c.id}" if c.located else f"#c-{c.id}"
        return self.article_href(e)

    def article_href(self, e: Entry) -> str:
        av = self.by_article.get(e.article_id)
        return f"#{av.anchor}" if av else ""

    def title(self, e: Entry) -> str:
        av = self.by_article.get(e.article_id)
        return e.article_title or (av.article.title if av else e.article_id)


def _marks(entries: list[Entry], scale: _Scale, claims: _Claims) -> list[Mark]:
    stacks: dict[tuple[int, str], int] = {}
    undated: dict[str, int] = {}
    out = []
    for e in entries:
        if e.published_at:
            x = scale.x(e.published_at)
            k = stacks[(round(x / 6), e.role)] = stacks.get((round(x / 6), e.role), -1) + 1
            dy = 7 + 4 * min(k, 2)
        else:  # the undated lane: side by side, five to a row
            k = undated[e.role] = undated.get(e.role, -1) + 1
            x = TL_DATED_W + TL_GAP + 8 + 9 * (k % 5)
            dy = 7 + 4 * min(k // 5, 2)
        y = BASE_Y - dy if e.role == "winner" else BASE_Y + dy if e.role == "loser" else BASE_Y
        c = claims.claim(e)
        out.append(Mark(role=e.role, d=_path(e.role, x, y), href=claims.href(e), claim_id=c.id if c else "",
                        dated=bool(e.published_at),
                        title=f"{e.published_at or 'undated'} · {claims.title(e)} · {e.role}: “{_clip(e.quote)}”"))
    return out


def _keys(p: CanonicalParty) -> str:
    keys = dict.fromkeys([p.id] + [party_key(a) for a in [p.name, *p.aliases]])
    return " ".join(k for k in keys if k)


def _line(row: PartyRow, party: CanonicalParty, marks: list[Mark]) -> PartyLine:
    def roles(rc: object) -> str:
        return ", ".join(f"{getattr(rc, r)} {r}" for r in ("winner", "loser", "unchanged") if getattr(rc, r))

    return PartyLine(
        id=row.id, slug=slug(row.id), name=row.name,
        aliases=[a for a in dict.fromkeys(row.aliases) if a != row.name],
        kind=str(getattr(party, "kind", "party") or "party"),
        winner=row.winner, loser=row.loser, unchanged=row.unchanged, articles=row.articles,
        first_seen=row.first_seen, last_seen=row.last_seen,
        sources=list(row.sources),
        sources_title="; ".join(f"{s}: {roles(rc)}" for s, rc in row.sources.items()),
        marks=marks, keys=_keys(party), filter=party_key(row.name) or row.id)


def _tag_claims(res: Resolution, claims: _Claims) -> None:
    """Give each claim the canonical party it resolved to, so the party filter finds it by the
    canonical name too ("amazon" finds the claim about "AWS")."""
    for m, p in res.mentions:
        c = claims.claim(Entry.of(m))
        if c is not None:
            extra = [k for k in _keys(p).split() if k not in c.canon.split() and k != c.party_key]
            c.canon = " ".join([c.canon, *extra]).strip()


def parties_view(res: Resolution, articles: list[ArticleView]) -> PartiesView:
    """Rows, timelines and disagreements for the articles in the page."""
    known = {av.article.id for av in articles}
    res = Resolution(index=res.index, mentions=[(m, p) for m, p in res.mentions if m.article_id in known])
    claims = _Claims(articles)
    _tag_claims(res, claims)
    scale = _Scale(d for d in (day(av.article.published_at) for av in articles) if d)
    parties = {p.id: p for _, p in res.mentions}
    lines = [_line(r, parties[r.id], _marks(timeline(res, parties[r.id]), scale, claims))
             for r in party_rows(res)]

    def side(entries: list[Entry]) -> list[SideEntry]:
        return [SideEntry(e, claims.href(e), claims.article_href(e), claims.title(e)) for e in entries]

    dis = []
    for d in disagreements(res):
        dis.append(DisagreementView(id=d.id, slug=slug(d.id), name=d.name, keys=_keys(parties[d.id]),
                                    winner_in=side(d.winner_in), loser_in=side(d.loser_in),
                                    sources_disagree=d.sources_disagree))
    disputed = {d.id for d in dis}
    for ln in lines:
        ln.disputed = ln.id in disputed
    groups = [ln for ln in lines if ln.kind == "group"]
    named = [ln for ln in lines if ln.kind != "group"]
    return PartiesView(
        rows=[ln for ln in named if ln.articles >= EXPAND_MIN_ARTICLES],
        single=[ln for ln in named if ln.articles < EXPAND_MIN_ARTICLES], groups=groups,
        disagreements=dis, ticks=scale.ticks(), undated_x=TL_DATED_W + TL_GAP,
        chart_rows=sorted((ln for ln in named if ln.winner or ln.loser),
                          key=lambda ln: (-(ln.winner + ln.loser), -len(ln.marks), ln.name.casefold())))
