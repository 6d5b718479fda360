"""Quote → exact character offsets in the article text.

Models paraphrase, swap curly for straight quotes, collapse whitespace and elide with "...".
`locate` tries, in order: the quote verbatim; the quote and text both normalized (quotes,
dashes, whitespace, case, zero-width characters) with a map back to original offsets; the
parts of an elided quote in order; and a fuzzy alignment (rapidfuzz). Whatever matches, the
returned `Evidence.quote` is the article's own words, so `text[start:end] == quote` always
holds for `exact` and `fuzzy`; a quote that cannot be aligned comes back `unverified`, never
dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.types import Evidence, EvidenceStatus

_QUOTE_MAP = {
    **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4\u0060"},
    **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    "\u2026": "...",
}
_DROP = set("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\s*(?:\.\.\.|\u2026)\s*\])\s*")


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus, for each of its characters, the index of the source character."""

    text: str
    index: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalized text back to the original text."""
        return self.index[start], self.index[end - 1] + 1


def _norm_char(ch: str) -> str:
    if ch in _DROP:
        return ""
    if ch in _QUOTE_MAP:
        return _QUOTE_MAP[ch]
    if ch.isspace():
        return " "
    if ch.isascii():
        return ch.lower()
    out = unicodedata.normalize("NFKC", ch).casefold()
    return "".join(_QUOTE_MAP.get(c, " " if c.isspace() else c) for c in out if c not in _DROP)


def normalize(text: str) -> Normalized:
    """Case-fold, unify quotes/dashes, drop zero-width chars and collapse whitespace runs."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _norm_char(ch):
            if c == " " and (not chars or chars[-1] == " "):
                continue  # collapse runs, drop leading space
            chars.append(c)
            index.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        index.pop()
    return Normalized("".join(chars), index)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _DROP):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _DROP):
        end -= 1
    return start, end


def _evidence(text: str, start: int, end: int, status: EvidenceStatus, score: float) -> Evidence:
    start, end = _trim(text, start, end)
    return Evidence(quote=text[start:end], start=start, end=end, status=status, score=score)


def _snap_words(s: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span of normalized text to whole words (a fuzzy alignment may cut one)."""
    while start > 0 and s[start - 1].isalnum() and s[start].isalnum():
        start -= 1
    while end < len(s) and end > 0 and s[end - 1].isalnum() and s[end].isalnum():
        end += 1
    while start < end and s[start] == " ":
        start += 1
    while end > start and s[end - 1] == " ":
        end -= 1
    return start, end


def _find_normalized(nq: str, nt: Normalized, from_pos: int = 0) -> int:
    return nt.text.find(nq, from_pos) if nq else -1


def locate(quote: str, text: str, *, min_score: float = 85,
           within: tuple[int, int] | None = None) -> Evidence:
    """Align `quote` to `text`; `within` restricts the search to `text[a:b]` first.

    Offsets are always into the whole `text`.
    """
    if within is not None:
        a, b = max(0, within[0]), min(len(text), within[1])
        ev = locate(quote, text[a:b], min_score=min_score)
        if ev.status != "unverified" and ev.start is not None and ev.end is not None:
            return ev.model_copy(update={"start": ev.start + a, "end": ev.end + a})
    if not quote or not quote.strip():
        return Evidence(quote=quote or "", status="unverified")
    # 1. verbatim
    pos = text.find(quote)
    if pos != -1:
        return Evidence(quote=quote, start=pos, end=pos + len(quote), status="exact", score=100.0)
    stripped = quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()
    if stripped and stripped != quote:
        pos = text.find(stripped)
        if pos != -1:
            return Evidence(quote=stripped, start=pos, end=pos + len(stripped), status="exact",
                            score=100.0)
    # 2. normalized (quotes, dashes, whitespace, case)
    nt = normalize(text)
    nq = normalize(stripped or quote).text.strip("\"' ")
    if not nq:
        return Evidence(quote=quote, status="unverified")
    pos = _find_normalized(nq, nt)
    if pos != -1:
        s, e = nt.span(pos, pos + len(nq))
        if text[s:e] == quote:
            return Evidence(quote=quote, start=s, end=e, status="exact", score=100.0)
        return _evidence(text, s, e, "fuzzy", 100.0)
    # 3. elided quote: every part in order
    parts = [p.strip("\"' ") for p in _ELLIPSIS.split(nq) if p.strip("\"' ")]
    if len(parts) > 1:
        cursor, first, last = 0, -1, -1
        for p in parts:
            hit = _find_normalized(p, nt, cursor)
            if hit == -1:
                break
            first = hit if first == -1 else first
            cursor = last = hit + len(p)
        else:
            s, e = nt.span(first, last)
            return _evidence(text, s, e, "fuzzy", 100.0)
    # 4. fuzzy alignment
    if len(nq) > len(nt.text) or len(nq) < 4:
        return Evidence(quote=quote, status="unverified")
    al = fuzz.partial_ratio_alignment(nq, nt.text, score_cutoff=min_score)
    if al is None or al.score < min_score or al.dest_end <= al.dest_start:
        return Evidence(quote=quote, status="unverified")
    ds, de = _snap_words(nt.text, al.dest_start, al.dest_end)
    if de <= ds:
        return Evidence(quote=quote, status="unverified")
    s, e = nt.span(ds, de)
    return _evidence(text, s, e, "fuzzy", round(float(al.score), 1))


def verify(evidence: Evidence, text: str) -> bool:
    """True when the evidence's offsets point at its quote (what `exact`/`fuzzy` promise)."""
    if evidence.status == "unverified":
        return evidence.start is None or text[evidence.start:evidence.end] == evidence.quote
    if evidence.start is None or evidence.end is None:
        return False
    return text[evidence.start:evidence.end] == evidence.quote
