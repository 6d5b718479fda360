"""Cue phrases for the `small` extraction strategy: sentences that label outcomes themselves.

Which phrases signal a winner, a loser or something unchanged, and which headings open such a
section. Who a sentence is about comes from the parse (`pipeline.extraction.naming`); outcomes
told through predicates are read by `pipeline.extraction.outcomes`.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------------
# cues

_W = r"(?:^|(?<=[^\w-]))(?=\w)"
WIN_CUES = re.compile(
    _W + r"(?:wins?|winners?|winning|won|benefit(?:s|ed|ing)?|beneficiar(?:y|ies)|gains?|gained|"
    r"come(?:s)? out (?:ahead|fine|on top)|stands? to gain|pleased|upside|boost(?:s|ed)?|better off|"
    r"an opening|tailwind|windfall|leverage to|advantage|big(?:ger|gest)? payday|profit(?:s|able)?|"
    r"thrive|fortunes? change|stronger|better position)\b(?!-)", re.I)
LOSE_CUES = re.compile(
    _W + r"(?:los(?:e|es|ers?|ing)|lost|hurt(?:s)?|hit|exposed|suffer(?:s|ed)?|wrong side|pay more|"
    r"squeez(?:e|ed)|in trouble|harder|nervous|awkward|worse off|threat(?:ened|s)?|the other side of|"
    r"take (?:a |an )?(?:\w+ )?hit|weaker|downside|obvious target|at risk|victims?|casualt(?:y|ies)|"
    r"most exposed|face (?:a |an )?(?:\w+ )?(?:problem|choice|squeeze)|next in line)\b(?!-)", re.I)
SAME_CUES = re.compile(
    _W + r"(?:still|remains?|remained|unchanged|stays?|stayed|staying|(?:is|are|was|were|looks?) (?:exactly |"
    r"largely |much )?the same|the same as|not (?:be |being )?affected|unaffected|untouched|continues? to|"
    r"will continue|keeps?|will keep|kept|do(?:es)? not change|not chang\w*|in place|honou?red|"
    r"not being revised|no change|has not (?:added|withdrawn|changed))\b(?!-)", re.I)

HEADING_WIN = re.compile(r"\bwin|\bwinners?\b|\bbenefit|\bprofit|\bgain|\bupside|\bbeneficiar", re.I)
HEADING_LOSE = re.compile(r"\blos(?:e|es|ers?|ing)\b|\bpays?\b|\bhurt|\bdownside|\bpain\b", re.I)
HEADING_SAME = re.compile(r"\bstays?\b|\bsame\b|\bunchanged\b|\bnot change|\bremains?\b|\bdoesn.t change", re.I)

def strip_markup(s: str) -> str:
    return re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", s).replace("**", "").replace("__", "").strip()


def heading_label(text: str) -> str | None:
    w, lo, s = bool(HEADING_WIN.search(text)), bool(HEADING_LOSE.search(text)), bool(HEADING_SAME.search(text))
    if s and not (w or lo):
        return "unchanged"
    if w and lo:
        return "mixed"
    if w:
        return "winner"
    if lo:
        return "loser"
    return None


def cue_labels(sentence: str) -> set[str]:
    out = set()
    if WIN_CUES.search(sentence):
        out.add("winner")
    if LOSE_CUES.search(sentence):
        out.add("loser")
    if SAME_CUES.search(sentence):
        out.add("unchanged")
    return out
