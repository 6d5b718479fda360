"""Cut an article's text into runs so each claim's quote can be marked at its exact offsets.

Claims may overlap (two parties quoting one sentence), so the text is split at every span
boundary and each run carries the set of claims covering it. Concatenating the runs of one
claim gives back `text[start:end]` exactly, which is what the browser test checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A stretch of the article to mark: a claim's evidence or a flagged injection passage."""

    start: int
    end: int
    key: str  # claim id, or "inj-N" for an injection passage
    kind: str  # winner | loser | unchanged | injection
    status: str = "exact"  # exact | fuzzy | unverified (claims only)
    label: str = ""  # tooltip text


@dataclass
class Run:
    """A maximal piece of text covered by the same set of spans."""

    text: str
    start: int
    end: int
    spans: list[Span] = field(default_factory=list)
    opens: list[str] = field(default_factory=list)  # claim ids whose span starts here

    @property
    def is_break(self) -> bool:
        """Only line breaks: drawn as a paragraph gap, still in the text for copy and offsets."""
        return bool(self.text) and not self.text.strip("\n")

    @property
    def claims(self) -> list[Span]:
        return [s for s in self.spans if s.kind != "injection"]

    @property
    def injection(self) -> list[Span]:
        return [s for s in self.spans if s.kind == "injection"]

    @property
    def injection_starts(self) -> bool:
        return any(s.start == self.start for s in self.injection)

    @property
    def claim_ids(self) -> str:
        return " ".join(s.key for s in self.claims)

    @property
    def css_class(self) -> str:
        kinds = {s.kind for s in self.claims}
        classes = ["hl"]
        classes.append(f"hl-{kinds.pop()}" if len(kinds) == 1 else "hl-mixed")
        statuses = {s.status for s in self.claims}
        if "unverified" in statuses:
            classes.append("hl-unverified")
        elif "fuzzy" in statuses:
            classes.append("hl-fuzzy")
        return " ".join(classes)

    @property
    def title(self) -> str:
        return "\n".join(s.label for s in self.claims if s.label)


def valid_span(text: str, start: int | None, end: int | None) -> bool:
    """True when `start:end` is a non-empty range inside `text`."""
    return (isinstance(start, int) and isinstance(end, int)
            and 0 <= start < end <= len(text))


def split_runs(text: str, spans: list[Span]) -> list[Run]:
    """Split `text` at every span boundary; spans with invalid offsets are ignored."""
    good = [s for s in spans if valid_span(text, s.start, s.end)]
    breaks = [b for m in re.finditer(r"\n+", text) for b in m.span()]
    cuts = sorted({0, len(text), *breaks, *(s.start for s in good), *(s.end for s in good)})
    runs: list[Run] = []
    for a, b in zip(cuts, cuts[1:]):
        if a == b:
            continue
        covering = [s for s in good if s.start <= a and b <= s.end]
        opens = [s.key for s in covering if s.start == a and s.kind != "injection"]
        runs.append(Run(text=text[a:b], start=a, end=b, spans=covering, opens=opens))
    if not runs and text:
        runs.append(Run(text=text, start=0, end=len(text)))
    return runs
