"""What the text says about names `coref` leaves open: pairs it writes side by side, and the
antecedent of a descriptor.

* paired: two names of the article's claims written as "A (B)" are one party, whichever is the
  long form and whether or not B's letters are A's initials ("Kurdistan Workers Party (PKK)",
  "CEI (Italian Episcopal Conference)", "the RMT union (National Union of Rail, ...)");
* apposed: a descriptor set beside one name ("France's largest bank, BNP Paribas SA",
  "Sunwave Semiconductor, China's largest foundry") is that name;
* head: "the authority" is the one name with that word ("Panama Canal Authority"); a modifier
  says the kind ("the auto firm" → a name with "Motors");
* nearest: otherwise a descriptor that opens a statement ("The company said", "The commissioner
  said") stands for the nearest fitting name written before it, within the two sentences before
  (a person for a title, an organization for an organization noun).

Pure text work like `coref`; spaCy only tells a person or a place from an organization.
"""

from __future__ import annotations

import re
from typing import Callable

from pipeline.parties import names as nm

# descriptor heads beyond `names.DESCRIPTORS`: public bodies and titles ("the authority",
# "the commissioner"); a title stands for a person
INSTITUTION_HEADS = {"authority", "council", "department", "commission", "ministry", "union", "city",
                     "town", "municipality", "court", "publication", "newspaper", "magazine", "broadcaster",
                     "committee", "board", "bureau", "office", "tribunal", "legislature", "parliament",
                     "watchdog", "organization", "organisation", "association", "federation", "party"}
TITLE_HEADS = {"commissioner", "minister", "president", "chairman", "chairwoman", "chief", "governor",
               "mayor", "senator", "spokesman", "spokeswoman", "spokesperson", "secretary", "ambassador",
               "executive", "founder", "director", "premier", "prime minister", "chancellor", "analyst"}
# what the head (or a modifier: "the auto firm") says the name holds
HEAD_WORDS = {
    "city": {"city", "municipality", "town", "commune", "borough"},
    "town": {"city", "municipality", "town", "commune", "borough"},
    "municipality": {"city", "municipality", "town", "commune", "borough"},
    "union": {"union", "workers", "teamsters", "guild", "federation"},
    "publication": {"herald", "times", "post", "journal", "news", "gazette", "tribune", "review", "magazine"},
    "newspaper": {"herald", "times", "post", "journal", "news", "gazette", "tribune"},
    "auto": {"motors", "motor", "auto", "automotive", "cars"},
    "network": {"network", "broadcasting", "tv", "television"},
    "broadcaster": {"network", "broadcasting", "tv", "television", "radio"},
    "court": {"court", "tribunal"},
}
_SENT_END = re.compile(r"[.!?][\"”']?\s+(?=[\"“']?[A-Z])")


def heads() -> set[str]:
    return INSTITUTION_HEADS | TITLE_HEADS


def paired(named: list[str], text: str) -> dict[str, str]:
    """Short name → long name for every "A (B)" the text writes with A and B both claim names
    (the longer one, in words then letters, is the lead)."""
    out: dict[str, str] = {}
    if not text:
        return out
    flat = re.sub(r"\s+", " ", text)
    for a in named:
        for m in re.finditer(r"(?<![\w-])" + re.escape(a) + r"\s*\(\s*(?:the\s+)?[\"“']?([^()\"”']{2,90}?)[\"”']?\s*\)", flat):
            inner = m.group(1).strip()
            b = next((o for o in named if o != a and nm.name_key(o) == nm.name_key(inner)), None)
            if b is None:
                continue
            long, short = (a, b) if (len(nm.words(a)), len(a)) > (len(nm.words(b)), len(b)) else (b, a)
            out.setdefault(short, long)
    return out


def _positions(name: str, text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text)]


def apposed(desc: str, named: list[str], text: str) -> str | None:
    """The one name the text sets right beside the descriptor as written: "X, desc" or "desc, X"."""
    core = re.sub(r"^(?:the|a|an)\s+", "", desc.strip(), flags=re.I)
    if len(core) < 4:
        return None
    d = re.escape(core)
    hits = {c for c in named if re.search(rf"(?<![\w-]){re.escape(c)},\s+(?:the\s+|a\s+|an\s+)?{d}(?![\w-])", text, re.I)
            or re.search(rf"(?<![\w-]){d},\s+{re.escape(c)}(?![\w-])", text, re.I)}
    return next(iter(hits)) if len(hits) == 1 else None


def by_head(desc: str, head: str, named: list[str]) -> str | None:
    """The one name holding the head or a word the head or a modifier implies."""
    mods = [w.casefold() for w in nm.words(desc)][:-1]
    want = {head} | HEAD_WORDS.get(head, set())
    for w in mods:
        want |= HEAD_WORDS.get(w, set())
    hits = {c for c in named if want & {w.casefold() for w in nm.words(c)}}
    by_key = {nm.name_key(c): c for c in hits}
    return next(iter(by_key.values())) if len(by_key) == 1 else None


def nearest(desc: str, named: list[str], text: str, person: bool,
            is_person: Callable[[str], bool], is_place: Callable[[str], bool]) -> str | None:
    """The fitting name written last before the descriptor's first use as a sentence's subject,
    within the two sentences before it."""
    flat = re.sub(r"\s+", " ", text)
    core = re.sub(r"^(?:the|a|an)\s+", "", desc.strip(), flags=re.I)
    m = re.search(r"(?:^|[.!?][\"”']?\s+|\bthat\s+|,\s+)(?:the|The)\s+" + re.escape(core) + r"\s+[a-z]", flat)
    if m is None:
        return None
    at = m.start() + 1
    starts = [s.end() for s in _SENT_END.finditer(flat, 0, at)]
    window = starts[-2] if len(starts) >= 2 else 0
    best: tuple[int, str] | None = None
    for c in named:
        if is_person(c) != person or (not person and is_place(c)):
            continue
        pos = [p for p in _positions(c, flat) if window <= p < at]
        if pos and (best is None or pos[-1] > best[0]):
            best = (pos[-1], c)
    return best[1] if best else None
