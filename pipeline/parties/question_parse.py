"""Which questions are answered by counting, and what they ask: a kind, a party, a role, a window.

`parse_count_question` reads "who lost most often since June", "how many times was Tesco a
loser", "which sources disagree about AWS", "when did Bank of America stop losing", "Citigroup's
record in 2009"; it returns None for every other question, which keeps the retrieval path. The
patterns are deliberately narrow ("why did X lose its lawsuit", "how many jobs did X cut", "who
lost the most when the canal reopened" are not counts).

Relative dates ("since June", "this year", "last year") are read against an anchor day: the
newest publication date in the corpus (not the clock), so the same corpus gives the same answer
on any day, and a corpus of old news is asked about in its own time. Month names without a year
mean the latest such month on or before the anchor.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Iterable, Literal

from pipeline.parties.model import Role

Kind = Literal["top", "times", "record", "disagree", "when"]
Event = Literal["first", "last", "stop", "start"]

_MONTHS = {name.casefold(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.casefold(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# one date expression: 2026-06-01 | June 2, 2026 | 2 June 2026 | June 2026 | June 2 | June | 2026
_DATE = (rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
         rf"\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|"
         rf"{_MONTH}|(?:19|20)\d{{2}})")
_BETWEEN = re.compile(rf"\b(?:between|from)\s+(?:the\s+start\s+of\s+)?({_DATE})\s+(?:and|to|until|till|through)\s+"
                      rf"(?:the\s+end\s+of\s+)?({_DATE})(?!\w)", re.I)
_SINCE = re.compile(rf"\b(since|after|from|starting(?:\s+in)?|as\s+of)\s+({_DATE})(?!\w)", re.I)
_UNTIL = re.compile(rf"\b(until|till|through|up\s+to|by|before|prior\s+to)\s+(?:the\s+end\s+of\s+)?({_DATE})(?!\w)",
                    re.I)
_IN = re.compile(rf"\b(?:in|during|over|for)\s+({_DATE})(?!\w)", re.I)
_RELATIVE = re.compile(r"\b(?:in\s+|during\s+|over\s+)?(this|last|the\s+past|the\s+last)\s+(year|month)\b", re.I)

_WIN = r"(?:won|wins?|winning|winners?|gain(?:ed|s)?|benefit(?:t?ed|s)?|come\s+out\s+ahead|came\s+out\s+ahead)"
_LOSE = r"(?:lost|lose|loses|losing|losers?)"
_ROLE = rf"(?P<role>{_WIN}|{_LOSE})"
_AUX = r"(?:has|have|had|did|does|do|is|are|was|were)"
_PARTY = r"(?P<party>[^?]+?)"
_SOURCES = r"(?:sources|outlets|publications|papers|newspapers|articles|reports|stories|news\s+sources|media)"
# "often", "times", a window or "the corpus": what makes "who lost the most" a count, not one event
_TALLY = re.compile(r"\b(?:often|frequently|times|articles|stories|overall|corpus|records|all\s+the\s+news)\b", re.I)

_TOP = [
    re.compile(rf"\b(?:who|which(?:\s+\w+){{0,2}}?)\s+(?:{_AUX}\s+)?(?:been\s+)?(?:named\s+|called\s+)?"
               rf"(?:a\s+|the\s+)?{_ROLE}\s+(?:out\s+)?(?:the\s+)?most\b", re.I),
    re.compile(rf"\b(?:most\s+(?:frequent|common|often[-\s]named|often[-\s]cited|repeated)|biggest|top|main|"
               rf"leading|(?:top|biggest)\s+(?:\d+|two|three|four|five|ten))\s+{_ROLE}\b", re.I),
    re.compile(rf"\b(?:who|which\s+\w+)\s+{_AUX}\s+(?:named\s+|called\s+)?(?:a\s+|the\s+)?{_ROLE}\s+"
               rf"(?:the\s+)?most\s+(?:often|frequently|times)\b", re.I),
]
_STRONG_TOP = re.compile(r"\bmost\s+(?:frequent|common|often|repeated)|\bmost\s+(?:often|frequently|times)\b|"
                         r"\btop\s+(?:\d+|two|three|four|five|ten)\b", re.I)
_TIMES = [
    re.compile(rf"\bhow\s+(?:many\s+times|often)\s+{_AUX}\s+{_PARTY}\s+(?:been\s+)?(?:named\s+|called\s+|listed\s+|"
               rf"counted\s+|seen\s+|described\s+)?(?:as\s+)?(?:a\s+|the\s+)?{_ROLE}\b", re.I),
    re.compile(rf"\bhow\s+many\s+{_SOURCES}\s+(?:name|call|list|count|describe|see|say)\s+{_PARTY}\s+(?:as\s+)?"
               rf"(?:a\s+|the\s+)?{_ROLE}\b", re.I),
    re.compile(rf"\bhow\s+many\s+(?P<role>wins|losses)\s+(?:{_AUX}\s+)?{_PARTY}\s+(?:have|had|get|got|has)\b", re.I),
]
_RECORD = [
    re.compile(rf"^(?:what\s+(?:is|was|has\s+been)\s+|show\s+(?:me\s+)?|give\s+(?:me\s+)?|tell\s+me\s+)?{_PARTY}"
               rf"(?:'s|\u2019s|'|\u2019)\s+(?:(?:win|winning)[-/\s]+(?:loss|losing)\s+|track\s+|overall\s+)?record"
               rf"(?=\s*(?:$|[?.!,]|since|in|from|between|before|after|until|through|during|so\s+far|this|last|as|"
               rf"according))", re.I),
    re.compile(rf"\b(?:win[-/\s]+loss|track)\s+record\s+of\s+{_PARTY}(?=\s*(?:$|[?.!,]|since|in|from|between|"
               rf"before|after|until|through|during|so\s+far|this|last))", re.I),
    re.compile(rf"\bhow\s+(?:has|have|did)\s+{_PARTY}\s+(?:fared|fare|done|do|performed|perform)\b"
               rf"(?P<windowed>)", re.I),
]
_DISAGREE = [
    re.compile(rf"\b(?:which|what|do|did|does|where\s+do|how\s+do)\s+(?:the\s+)?{_SOURCES}\s+(?:\w+\s+){{0,2}}?"
               rf"disagree\b(?:\s+(?:about|on|over)\s+{_PARTY})?\s*[?.!]?\s*$", re.I),
    re.compile(rf"\b(?:who|which(?:\s+\w+){{0,2}}?)\s+{_AUX}\s+(?:been\s+)?(?:called\s+|named\s+|labell?ed\s+|"
               rf"seen\s+as\s+|listed\s+as\s+)?both\s+(?:a\s+|the\s+)?(?:winners?|losers?)\s+and\s+"
               rf"(?:a\s+|the\s+)?(?:winners?|losers?)\b", re.I),
    re.compile(rf"\b(?:disagreements?|disagree)\s+(?:about|on|over)\s+{_PARTY}\s*[?.!]?\s*$", re.I),
]
_WHEN = [
    re.compile(rf"\bwhen\s+{_AUX}\s+{_PARTY}\s+(?P<event>stop|cease|quit|start|begin|began)\s+"
               rf"(?:being\s+(?:a\s+|the\s+)?|to\s+)?{_ROLE}\b", re.I),
    re.compile(rf"\bwhen\s+{_AUX}\s+{_PARTY}\s+(?P<event>first|last)\s+(?:been\s+)?(?:named\s+|called\s+|"
               rf"listed\s+|seen\s+)?(?:as\s+)?(?:a\s+|the\s+)?{_ROLE}\b", re.I),
    re.compile(rf"\bwhen\s+{_AUX}\s+the\s+(?P<event>first|last)\s+time\s+{_PARTY}\s+(?:{_AUX}\s+)?(?:named\s+|"
               rf"called\s+)?(?:a\s+|the\s+)?{_ROLE}\b", re.I),
]


@dataclass(frozen=True)
class CountQuestion:
    """What a count question asks. `since`/`until` are ISO days; `window` says them in words."""

    kind: Kind
    role: Role | None = None  # winner/loser: what is counted (top, times, when)
    party: str | None = None  # the party as the question names it
    event: Event | None = None  # when-questions: first/last/stop/start
    since: str | None = None
    until: str | None = None
    source: str | None = None
    window: str = ""  # "since 2026-06-01", "in 2008", "from Wikinews"
    limit: int | None = None  # "top 3 losers"


def _role(word: str) -> Role:
    w = word.casefold()
    return "loser" if re.fullmatch(_LOSE, w) or w == "losses" else "winner"


def _year_bounds(y: int) -> tuple[dt.date, dt.date]:
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _month_bounds(y: int, m: int) -> tuple[dt.date, dt.date]:
    return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])


def date_span(text: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day a date expression covers ("June" → the latest June up to `anchor`)."""
    s = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text.strip().rstrip(".").replace(",", " "))
    words = [w.rstrip(".").casefold() for w in s.split()]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        d = dt.date.fromisoformat(s)
        return d, d
    if len(words) == 1 and words[0].isdigit():
        return _year_bounds(int(words[0]))
    month = next(_MONTHS[w] for w in words if w in _MONTHS)
    nums = [int(w) for w in words if w.isdigit()]
    year = next((n for n in nums if n > 31), None)
    day = next((n for n in nums if n <= 31), None)
    if year is None:  # the latest such month (or day) on or before the anchor
        year = anchor.year if (month, day or 1) <= (anchor.month, anchor.day if day else 31) else anchor.year - 1
    if day is not None:
        d = dt.date(year, month, day)
        return d, d
    return _month_bounds(year, month)


def parse_window(question: str, anchor: dt.date, sources: Iterable[str] = ()) -> tuple[
        str | None, str | None, str | None, str]:
    """(since, until, source, the window in words) of a question; None where it sets none."""
    q = question
    since = until = source = None
    said: list[str] = []
    for s in sorted({s for s in sources if s}, key=len, reverse=True):  # "from Wikinews", "according to X"
        m = re.search(rf"\b(?:from|in|by|according\s+to|per|at)\s+(?:the\s+)?{re.escape(s)}(?!\w)", q, re.I)
        if m:
            source = s
            said.append(f"from {s}")
            q = q[:m.start()] + " " + q[m.end():]
            break
    lo: dt.date | None = None
    hi: dt.date | None = None
    if (m := _BETWEEN.search(q)):
        lo, hi = date_span(m.group(1), anchor)[0], date_span(m.group(2), anchor)[1]
    elif (m := _RELATIVE.search(q)):
        which, unit = m.group(1).casefold(), m.group(2).casefold()
        if which.startswith("the"):  # the past/last year|month: a rolling window ending at the anchor
            lo, hi = anchor - dt.timedelta(days=365 if unit == "year" else 30), anchor
        elif unit == "year":
            lo, hi = _year_bounds(anchor.year - (which == "last"))
        else:
            y, mo = (anchor.year, anchor.month) if which == "this" else \
                ((anchor.year, anchor.month - 1) if anchor.month > 1 else (anchor.year - 1, 12))
            lo, hi = _month_bounds(y, mo)
    else:
        if (m := _SINCE.search(q)):
            a, b = date_span(m.group(2), anchor)
            lo = b + dt.timedelta(days=1) if m.group(1).casefold() == "after" else a
        if (m := _UNTIL.search(q)):
            a, b = date_span(m.group(2), anchor)
            hi = a - dt.timedelta(days=1) if m.group(1).casefold() in ("before", "prior to") else b
        if lo is None and hi is None and (m := _IN.search(q)):
            lo, hi = date_span(m.group(1), anchor)
    if lo is not None:
        since = lo.isoformat()
    if hi is not None:
        until = hi.isoformat()
    said.insert(0, _in_words(lo, hi))
    return since, until, source, " ".join(w for w in said if w)


def _in_words(lo: dt.date | None, hi: dt.date | None) -> str:
    """"in 2009", "in June 2026", "between 2008-09-01 and 2009-12-31", "since 2026-06-01", ""."""
    if lo is not None and hi is not None:
        if (lo.month, lo.day, hi.month, hi.day) == (1, 1, 12, 31) and lo.year == hi.year:
            return f"in {lo.year}"
        if lo.day == 1 and (lo.year, lo.month) == (hi.year, hi.month) and \
                hi.day == calendar.monthrange(hi.year, hi.month)[1]:
            return f"in {calendar.month_name[lo.month]} {lo.year}"
        return f"between {lo.isoformat()} and {hi.isoformat()}"
    if lo is not None:
        return f"since {lo.isoformat()}"
    return f"until {hi.isoformat()}" if hi is not None else ""


def _clean_party(text: str | None) -> str | None:
    if text is None:
        return None
    s = re.sub(r"\s+", " ", text).strip(" \t\"'\u201c\u201d?.,")
    s = re.sub(r"^(?:the\s+)(?=[a-z])", "", s)  # "the dow" (a capital "The" may be the name's)
    s = re.sub(r"(?:'s|\u2019s|'|\u2019)$", "", s)
    return s or None


def _strip_window(text: str) -> str:
    """A captured party without a trailing window ("Tesco since June" → "Tesco")."""
    for rx in (_BETWEEN, _SINCE, _UNTIL, _IN, _RELATIVE):
        text = rx.sub(" ", text)
    return text


_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}


def classify(question: str) -> tuple[Kind, dict[str, str | None]] | None:
    """The kind of count a question asks and its raw pieces (party, role, event), or None."""
    q = question.strip()
    for rx in _WHEN:
        if (m := rx.search(q)):
            return "when", {"party": m.group("party"), "role": m.group("role"), "event": m.group("event")}
    for rx in _DISAGREE:
        if (m := rx.search(q)):
            return "disagree", {"party": m.groupdict().get("party")}
    for rx in _TIMES:
        if (m := rx.search(q)):
            return "times", {"party": m.group("party"), "role": m.group("role")}
    for rx in _RECORD:
        if (m := rx.search(q)):
            return "record", {"party": m.group("party"), "windowed": m.groupdict().get("windowed")}
    for rx in _TOP:
        if (m := rx.search(q)):
            return "top", {"role": m.group("role")}
    return None


def parse_count_question(question: str, anchor: dt.date, sources: Iterable[str] = ()) -> CountQuestion | None:
    """The count a question asks for, or None for a question retrieval should answer."""
    found = classify(question)
    if found is None:
        return None
    kind, raw = found
    since, until, source, window = parse_window(question, anchor, sources)
    has_window = bool(since or until or source)
    if kind == "top" and not (has_window or _TALLY.search(question) or _STRONG_TOP.search(question)):
        return None  # "who lost the most when the canal reopened": one event, not a tally
    if kind == "record" and raw.get("windowed") is not None and not has_window:
        return None  # "how did X fare" is about one story; "how has X fared since 2009" is a count
    party = raw.get("party")
    if party is not None:
        party = _clean_party(_strip_window(party))
        if source:
            party = _clean_party(re.sub(rf"\b(?:from|in|by|according\s+to|per|at)\s+(?:the\s+)?{re.escape(source)}"
                                        r"(?!\w)", " ", party or "", flags=re.I))
    cq = CountQuestion(kind=kind, party=party, since=since, until=until, source=source, window=window)
    if raw.get("role"):
        cq = replace(cq, role=_role(raw["role"] or ""))
    ev = (raw.get("event") or "").casefold()
    if ev:
        event: Event = "stop" if ev in ("stop", "cease", "quit") else "start" if ev in ("start", "begin", "began") \
            else "first" if ev == "first" else "last"
        cq = replace(cq, event=event)
    if kind == "top" and (m := re.search(r"\btop\s+(\d+|two|three|four|five|ten)\b", question, re.I)):
        n = m.group(1).casefold()
        cq = replace(cq, limit=int(n) if n.isdigit() else _NUMBERS[n])
    return cq


__all__ = ["CountQuestion", "Event", "Kind", "classify", "date_span", "parse_count_question", "parse_window"]
