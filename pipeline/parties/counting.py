"""Count questions answered by counting resolved claims, each counted article cited.

`answer_count` answers what `pipeline.parties.question_parse` read from a question (routed here by
`pipeline.parties.questions.ask_routed`). The answer is deterministic: sentences built from the
counts, each ending with `[article_id#chunk]` citations (the shape `ask` uses) of the articles
counted.

A claim is counted only when its quote is found in its article's stored text and the chunk that
holds it is known, so every citation names an article that was counted, a chunk of it, and a quote
inside that chunk's article. Counts are of articles (`pipeline.parties.query`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from pydantic import BaseModel, Field

from pipeline.parties.model import CanonicalParty, Role
from pipeline.parties.query import Entry, Window, disagreements, find_party, party_rows, timeline
from pipeline.parties.question_parse import CountQuestion
from pipeline.parties.resolve import Resolution
from pipeline.query.ask import AskResult, Citation
from pipeline.text.ground import locate
from pipeline.types import Article, Chunk

MAX_LISTED = 5  # parties a list answer ("who is called both", a many-way tie) names and cites
NO_SOURCE = "(no source)"  # how an article without a publication is counted among sources


class Counted(BaseModel):
    """One article counted for the answer, with the claim that was counted and where its quote is."""

    article_id: str
    chunk_id: str
    party: str
    party_id: str
    role: Role
    published_at: str | None = None
    source: str | None = None
    title: str = ""
    quote: str
    quote_start: int
    quote_end: int


class CountResult(AskResult):
    """An `ask` result answered by counting: `ask --json`'s keys plus `route`, `count`, `counted`."""

    route: str = "count"
    count: dict[str, Any] = Field(default_factory=dict)  # kind, party, role, window, counts, ranking
    counted: list[Counted] = Field(default_factory=list)
    skipped: int = 0  # claims left out: quote not in the article, or the article not stored

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "route": self.route, "count": self.count,
                "counted": [c.model_dump() for c in self.counted], "skipped": self.skipped}


# ---------------------------------------------------------------- pinning claims to chunks

@dataclass(frozen=True)
class _Pin:
    chunk: Chunk
    quote: str
    start: int
    end: int


def _key(article_id: str, role: str, name: str, quote: str) -> tuple[str, str, str, str]:
    return (article_id, role, name, quote)


def pin_claims(res: Resolution, articles: Mapping[str, Article],
               chunks_of: Callable[[str], Sequence[Chunk]]) -> tuple[Resolution, dict[tuple[str, str, str, str], _Pin], int]:
    """The resolution restricted to claims whose quote is in their stored article, with where."""
    pins: dict[tuple[str, str, str, str], _Pin] = {}
    chunks: dict[str, Sequence[Chunk]] = {}
    kept, skipped = [], 0
    for m, p in res.mentions:
        art = articles.get(m.article_id)
        k = _key(m.article_id, m.role, m.name, m.quote)
        if k not in pins and art is not None and m.quote.strip():
            if m.start is not None and m.end is not None and art.text[m.start:m.end] == m.quote:
                s, e, quote = m.start, m.end, m.quote
            else:
                ev = locate(m.quote, art.text)
                s, e, quote = (ev.start or 0), (ev.end or 0), ev.quote
                if ev.status == "unverified" or ev.start is None:
                    s = e = -1
            if s >= 0:
                if m.article_id not in chunks:
                    chunks[m.article_id] = chunks_of(m.article_id)
                ch = next((c for c in chunks[m.article_id] if c.start <= s < c.end), None)
                if ch is not None:
                    pins[k] = _Pin(ch, quote, s, e)
        if k in pins:
            kept.append((m, p))
        else:
            skipped += 1
    return Resolution(index=res.index, mentions=kept, new_links=res.new_links), pins, skipped


# ---------------------------------------------------------------- the answer

def lookup(res: Resolution, name: str) -> CanonicalParty | None:
    """A party by id, name or alias; else the longest name of a party said inside `name`."""
    for cand in (name, re.sub(r"^the\s+", "", name, flags=re.I)):
        if (p := find_party(res, cand)) is not None:
            return p
    names = sorted(((a, p) for p in res.index.parties.values() for a in [p.name, *p.aliases, *p.acronyms]
                    if len(a) >= 2), key=lambda ap: -len(ap[0]))
    return next((p for a, p in names if re.search(r"(?<!\w)" + re.escape(a) + r"(?!\w)", name, re.I)), None)


class _Writer:
    """Builds the answer sentence by sentence, each with the citations of the entries it rests on."""

    def __init__(self, pins: Mapping[tuple[str, str, str, str], _Pin]) -> None:
        self.pins = pins  # (article, role, name as written, quote) → where the quote is
        self.sentences: list[str] = []
        self.citations: list[Citation] = []
        self.counted: dict[tuple[str, str, str], Counted] = {}

    def say(self, text: str, entries: Sequence[Entry] = (), party: CanonicalParty | None = None) -> None:
        by_article: dict[str, Entry] = {}
        for e in entries:
            by_article.setdefault(e.article_id, e)
        cites = []
        for e in by_article.values():
            pin = self.pins[_key(e.article_id, e.role, e.name, e.quote)]
            cites.append(f"[{pin.chunk.id}]")
            self.citations.append(Citation(
                article_id=e.article_id, chunk_id=pin.chunk.id, start=pin.chunk.start, end=pin.chunk.end,
                text=pin.chunk.text, supported=True, sentence=text + ".", quote=pin.quote,
                quote_start=pin.start, quote_end=pin.end))
            if party is not None:
                self.counted.setdefault((e.article_id, party.id, e.role), Counted(
                    article_id=e.article_id, chunk_id=pin.chunk.id, party=party.name, party_id=party.id,
                    role=e.role, published_at=e.published_at, source=e.source, title=e.article_title,
                    quote=pin.quote, quote_start=pin.start, quote_end=pin.end))
        self.sentences.append(text + (" " + " ".join(cites) if cites else "") + ".")

    @property
    def answer(self) -> str:
        return " ".join(self.sentences)


def _n(k: int, noun: str = "article") -> str:
    return f"{k} {noun}" if k == 1 else f"{k} " + (noun[:-1] + "ies" if noun.endswith("y") else noun + "s")


def _a(role: str) -> str:
    return "unchanged" if role == "unchanged" else f"a {role}"


def _with(window: str) -> str:
    return f" {window}" if window else ""


def _dated(entries: Sequence[Entry]) -> list[tuple[str, set[str], list[Entry]]]:
    """(day, roles, entries) per dated article, oldest first (winner/loser claims only)."""
    by: dict[str, tuple[str, set[str], list[Entry]]] = {}
    for e in entries:
        if e.published_at and e.role in ("winner", "loser"):
            row = by.setdefault(e.article_id, (e.published_at, set(), []))
            row[1].add(e.role)
            row[2].append(e)
    return sorted(by.values(), key=lambda r: (r[0], r[2][0].article_id))


def _top(w: _Writer, cq: CountQuestion, res: Resolution, window: Window) -> tuple[bool, str, dict[str, Any]]:
    role: Role = cq.role or "loser"
    rows = [r for r in party_rows(res, window) if getattr(r, role) > 0]
    rows.sort(key=lambda r: (-getattr(r, role), r.name.casefold()))
    ranking = [{"party": r.name, "id": r.id, role: getattr(r, role)} for r in rows[:10]]
    if not rows:
        return False, f"no article in the records names {_a(role)}{_with(cq.window)}", {"ranking": []}
    best = getattr(rows[0], role)
    chosen = rows[:cq.limit] if cq.limit else [r for r in rows if getattr(r, role) == best]
    if cq.limit:
        w.say(f"The top {len(chosen)} {role}s{_with(cq.window)} are " + ", ".join(r.name for r in chosen))
    elif len(chosen) > 1:
        w.say(f"{len(chosen)} parties tie as {_a(role)} most often{_with(cq.window)}, in {_n(best)} each"
              + (f"; the first {MAX_LISTED} by name" if len(chosen) > MAX_LISTED else "") + ": "
              + ", ".join(r.name for r in chosen[:MAX_LISTED]))
    for r in chosen[:MAX_LISTED] if not cq.limit else chosen:
        p = res.index.parties[r.id]
        es = [e for e in timeline(res, p, window) if e.role == role]
        lead = f"{r.name} was named {_a(role)} most often{_with(cq.window)}, in" if len(chosen) == 1 else \
            f"{r.name} was named {_a(role)} in"
        w.say(f"{lead} {_n(getattr(r, role))}", es, p)
    return True, "", {"ranking": ranking, "parties": [r.name for r in chosen]}


def _times(w: _Writer, cq: CountQuestion, res: Resolution, p: CanonicalParty, window: Window
           ) -> tuple[bool, str, dict[str, Any]]:
    role: Role = cq.role or "winner"
    es = timeline(res, p, window)
    counts = {r: len({e.article_id for e in es if e.role == r}) for r in ("winner", "loser", "unchanged")}
    if not counts[role]:
        return False, f"no article in the records names {p.name} {_a(role)}{_with(cq.window)}", {"counts": counts}
    w.say(f"{p.name} was named {_a(role)} in {_n(counts[role])}{_with(cq.window)}",
          [e for e in es if e.role == role], p)
    return True, "", {"counts": counts}


def _record(w: _Writer, cq: CountQuestion, res: Resolution, p: CanonicalParty, window: Window
            ) -> tuple[bool, str, dict[str, Any]]:
    es = timeline(res, p, window)
    counts = {r: len({e.article_id for e in es if e.role == r}) for r in ("winner", "loser", "unchanged")}
    if not es:
        return False, f"no article in the records names {p.name}{_with(cq.window)}", {"counts": counts}
    total = len({e.article_id for e in es})
    w.say(f"{p.name}'s record{_with(cq.window)}: named a winner in {_n(counts['winner'])} and a loser in "
          f"{_n(counts['loser'])}, out of {_n(total)} that name it")
    for role in ("winner", "loser", "unchanged"):
        mine = [e for e in es if e.role == role]
        if mine:
            days = ", ".join(dict.fromkeys(e.published_at or "undated" for e in mine))
            w.say(f"Named {_a(role)}: {days}", mine, p)
    return True, "", {"counts": counts, "articles": total}


def _sides(w: _Writer, p: CanonicalParty, winner_in: list[Entry], loser_in: list[Entry]) -> None:
    sources = sorted({e.source or NO_SOURCE for e in winner_in + loser_in})
    for src in sources:
        for role, side in (("winner", winner_in), ("loser", loser_in)):
            mine = [e for e in side if (e.source or NO_SOURCE) == src]
            if mine:
                n = len({e.article_id for e in mine})
                who = "Articles with no source" if src == NO_SOURCE else src
                w.say(f"{who} {'name' if src == NO_SOURCE else 'names'} {p.name} {_a(role)} in {_n(n)}", mine, p)


def _disagree(w: _Writer, cq: CountQuestion, res: Resolution, p: CanonicalParty | None, window: Window
              ) -> tuple[bool, str, dict[str, Any]]:
    ds = disagreements(res, window)
    if p is None:
        if not ds:
            return False, f"no party is named both a winner and a loser{_with(cq.window)}", {"parties": []}
        shown = ds[:MAX_LISTED]
        w.say(f"{_n(len(ds), 'party')} {'is' if len(ds) == 1 else 'are'} named both a winner and a loser"
              f"{_with(cq.window)}" + (f"; the {len(shown)} most named" if len(ds) > len(shown) else "") + ": "
              + ", ".join(d.name for d in shown))
        for d in shown:
            party = res.index.parties[d.id]
            w.say(f"{d.name} is named a winner in {_n(len({e.article_id for e in d.winner_in}))}",
                  d.winner_in, party)
            w.say(f"{d.name} is named a loser in {_n(len({e.article_id for e in d.loser_in}))}",
                  d.loser_in, party)
        return True, "", {"parties": [d.name for d in ds]}
    mine = next((d for d in ds if d.id == p.id), None)
    if mine is None:
        es = [e for e in timeline(res, p, window) if e.role in ("winner", "loser")]
        if not es:
            return False, f"no article in the records names {p.name} a winner or a loser{_with(cq.window)}", {}
        role = es[0].role
        w.say(f"The records do not disagree about {p.name}{_with(cq.window)}: every article that names a side "
              f"names it {_a(role)} ({_n(len({e.article_id for e in es}))})", es, p)
        return True, "", {"disagree": False, "sources": []}
    srcs = sorted({e.source or NO_SOURCE for e in mine.winner_in + mine.loser_in})
    who = "Sources" if mine.sources_disagree else f"Articles from {srcs[0]}"
    w.say(f"{who} disagree about {p.name}{_with(cq.window)}: it is named a winner in "
          f"{_n(len({e.article_id for e in mine.winner_in}))} and a loser in "
          f"{_n(len({e.article_id for e in mine.loser_in}))}")
    _sides(w, p, mine.winner_in, mine.loser_in)
    return True, "", {"disagree": True, "sources": srcs, "sources_disagree": mine.sources_disagree}


def _when(w: _Writer, cq: CountQuestion, res: Resolution, p: CanonicalParty, window: Window
          ) -> tuple[bool, str, dict[str, Any]]:
    role: Role = cq.role or "winner"
    other = "loser" if role == "winner" else "winner"
    verb = "winning" if role == "winner" else "losing"
    rows = _dated(timeline(res, p, window))
    undated = len({e.article_id for e in timeline(res, p, window) if not e.published_at})
    info: dict[str, Any] = {"undated_left_out": undated}
    mine = [i for i, r in enumerate(rows) if role in r[1]]
    if not mine:
        return False, f"no dated article in the records names {p.name} {_a(role)}{_with(cq.window)}", info
    ev = cq.event or "last"
    if ev in ("first", "last"):
        i = mine[0] if ev == "first" else mine[-1]
        d, _, es = rows[i]
        info["date"] = d
        w.say(f"{p.name} was {'first' if ev == 'first' else 'last'} named {_a(role)}{_with(cq.window)} on {d}",
              [e for e in es if e.role == role], p)
        return True, "", info
    if ev == "stop":
        last = mine[-1]
        after = next((j for j in range(last + 1, len(rows)) if role not in rows[j][1]), None)
        d, _, es = rows[last]
        if after is None:
            info["date"] = None
            w.say(f"{p.name} has not stopped {verb}{_with(cq.window)}: the latest article that names it, on {d}, "
                  f"names it {_a(role)}", [e for e in es if e.role == role], p)
            return True, "", info
        d2, _, es2 = rows[after]
        info["date"], info["last_" + role] = d2, d
        w.say(f"{p.name} was last named {_a(role)} on {d}", [e for e in es if e.role == role], p)
        w.say(f"It was named {_a(other)} next, on {d2}", [e for e in es2 if e.role == other], p)
        return True, "", info
    last = mine[-1]  # start: the first article of the latest run of `role`
    before = next((j for j in range(last, -1, -1) if role not in rows[j][1]), None)
    first = next(i for i in mine if before is None or i > before)
    d, _, es = rows[first]
    info["date"] = d
    if before is None:
        w.say(f"{p.name} has been named {_a(role)} from its first dated article{_with(cq.window)}, on {d}",
              [e for e in es if e.role == role], p)
    else:
        d0, _, es0 = rows[before]
        w.say(f"{p.name} was named {_a(other)} on {d0}", [e for e in es0 if e.role == other], p)
        w.say(f"It started {verb} on {d}, when it was named {_a(role)}", [e for e in es if e.role == role], p)
    return True, "", info


def answer_count(question: str, cq: CountQuestion, res: Resolution, articles: Mapping[str, Article],
                 chunks_of: Callable[[str], Sequence[Chunk]]) -> CountResult:
    """Answer a parsed count question from the resolved claims, citing every article counted."""
    window = Window(since=cq.since, until=cq.until, source=cq.source)
    pinned, pins, skipped = pin_claims(res, articles, chunks_of)
    out = CountResult(question=question, answer="", found=False, strategy="count", skipped=skipped,
                      count={"kind": cq.kind, "role": cq.role, "event": cq.event, "party": None,
                             "asked_party": cq.party, "since": cq.since, "until": cq.until,
                             "source": cq.source, "window": cq.window})
    party = None
    if cq.party is not None:
        party = lookup(res, cq.party)
        if party is None:
            out.reason = f"no party called {cq.party!r} in the records (`pipeline parties` lists them)"
            out.answer = f"The records name no party called \u201c{cq.party}\u201d."
            return out
        out.count["party"] = party.name
    w = _Writer(pins)
    extra: dict[str, Any] = {}
    if not pinned.mentions:
        found, why = False, ("no winner or loser claims in the records (run `pipeline extract` first)"
                             if not res.mentions else "no claim's quote was found in its stored article")
    elif cq.kind == "top":
        found, why, extra = _top(w, cq, pinned, window)
    elif cq.kind == "disagree":
        found, why, extra = _disagree(w, cq, pinned, party, window)
    elif party is None:
        found, why = False, "the question names no party"
    elif cq.kind == "times":
        found, why, extra = _times(w, cq, pinned, party, window)
    elif cq.kind == "record":
        found, why, extra = _record(w, cq, pinned, party, window)
    else:
        found, why, extra = _when(w, cq, pinned, party, window)
    out.count.update(extra)
    out.found, out.reason = found, why
    if found:
        out.answer, out.citations, out.counted = w.answer, w.citations, list(w.counted.values())
    else:
        out.answer = why[0].upper() + why[1:] + "."
    return out


__all__ = ["CountResult", "Counted", "answer_count", "lookup", "pin_claims"]
