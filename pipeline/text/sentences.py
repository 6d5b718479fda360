"""The one sentence segmenter: spans with exact offsets into the original text.

Chunking packs sentences, grounding and injection flag them, ask cites them and summaries quote
them; one segmenter means a sentence is the same span at every stage. It is regex-fast (no
spaCy): a sentence ends at a run of terminators (and closing quotes or brackets) followed by
whitespace, never crosses a line break, and does not end after an abbreviation ("Mr.", "U.S."),
an initial ("J. Smith"), inside a number ("2.5") or before a lower-case continuation
("\u201cReally?\u201d she asked"). `text[s.start:s.end] == s.text` always holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no",
    "fig", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "gov", "gen", "rep", "sen", "a.m", "p.m"})

_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f]+[\"'\u201d\u2019)\]\u00bb]*(?=\s)")
_LINE = re.compile(r"[^\n]+")
_LAST_WORD = re.compile(r"([A-Za-z.]+)$")
_OPENERS = "\"'\u201c\u2018(\u00ab"  # not "[": a bracket after a full stop opens a new one
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text: `text == source[start:end]`; `paragraph` counts non-blank lines."""

    start: int
    end: int
    text: str
    paragraph: int = 0


def _ends_sentence(line: str, m: re.Match[str]) -> bool:
    """Whether the terminator run `m` (followed by whitespace) closes a sentence."""
    mark = m.group()
    term = mark.rstrip("\"'\u201d\u2019)]\u00bb")
    if term == ".":
        word = _LAST_WORD.search(line, max(0, m.start() - 32), m.start() + 1)
        tail = (word.group(1) if word else "").lower().rstrip(".")
        if tail in ABBREVIATIONS or (len(tail) == 1 and tail.isalpha()):
            return False  # "Mr. Smith", "U.S. officials", initials
    pos = m.end()
    while pos < len(line) and line[pos].isspace():
        pos += 1
    while pos < len(line) - 1 and line[pos] in _OPENERS:
        pos += 1
    if pos < len(line) and line[pos].islower():
        # a lower-case word goes on the sentence, except after a bare "?" or "!" ("Why? because")
        return term[-1] in "!?\uff01\uff1f" and term == mark
    return True


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentences(text: str) -> list[Sentence]:
    """Every sentence of `text`, in order, trimmed of whitespace; never across a line break."""
    out: list[Sentence] = []
    para = -1
    for line_m in _LINE.finditer(text):
        line, base = line_m.group(), line_m.start()
        if line.isspace():
            continue
        para += 1
        cursor = 0
        for m in _END.finditer(line):
            if not _ends_sentence(line, m):
                continue
            s, e = _trim(line, cursor, m.end())
            if e > s:
                out.append(Sentence(base + s, base + e, line[s:e], para))
            cursor = m.end()
        s, e = _trim(line, cursor, len(line))
        if e > s:
            out.append(Sentence(base + s, base + e, line[s:e], para))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence that holds a word (a lone "--" or "*" is no sentence)."""
    return [(s.start, s.end) for s in sentences(text) if _WORD.search(s.text)]

