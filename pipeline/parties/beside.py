"""A description with no "the" that the text writes right beside a name is that name's.

News writes a description as a prefix or an apposition without a determiner: "United States
airframer Boeing", "Surinam carrier Blue Wing Airlines", "Boeing Executive Vice President Scott
Carson" (the description right before the name); "A third US car manufacturer, Ford Motor
Company," and "Another automaker, General Motors (GM)," (the name apposed after it: "another X"
alone never links, but an apposition names it); "Mark Papermaster, formerly an Apple Inc.
executive", "Singapore Airlines, its launch customer," and "Fritz Henderson, the current chief operating officer" (the name apposed before
it). A claim name is a description when its last word is a singular common noun ("airframer",
"carrier") or a role word ("Vice President", "officer").

`named_beside` returns the claim name the text names there (same key, or the one the text's name
starts with), else the name as the text writes it; None when the text sets no name beside it, or
sets two different ones.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.parties import names as nm

_NAME = r"(?P<name>[A-Z][\w&'’.-]*(?:\s+(?:(?:of|and|&|de)\s+)?[A-Z][\w&'’-]*){0,4})"
# what may stand between an apposed name and its description: "formerly an", "the current"
_LINK = r"(?:(?:formerly|currently|now|then|also|previously)\s+)?(?:(?:the|a|an|its|their|his|her)\s+)?" \
        r"(?:(?:current|former|new|acting|interim)\s+)?"
_ROLE_HEADS = nm.ROLE_WORDS | {"officer", "president", "director", "manager", "spokeswoman"}
_NOT_NAMES = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
              "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december", "i", "he", "she", "it", "they", "we", "the", "a", "an", "in", "on"}


def is_description(name: str) -> bool:
    """"United States airframer", "chief operating officer", "Boeing Executive Vice President";
    not "Industry analysts" (a class), "Blue Wing Airlines" (a name) or "the company" (one word)."""
    ws = [w for w in nm.words(name) if w.casefold() not in ("the", "a", "an")]
    if len(ws) < 2 or "'" in nm.clean(name):
        return False
    head = ws[-1]
    if head.casefold() in _ROLE_HEADS:
        return True
    return not nm.capitalized(head) and not nm.plural(head) and head.isalpha()


def _trim(found: str) -> str:
    ws = found.split()
    while ws and ws[-1].casefold() in _NOT_NAMES:
        ws = ws[:-1]
    return " ".join(ws).rstrip(".,")


@lru_cache(maxsize=4096)
def _beside(name: str, text: str) -> tuple[int, frozenset[str]]:
    desc = r"(?<![\w-])(?:(?:the|a|an|The|A|An)\s+)?" + re.escape(nm.clean(name).strip()) + r"(?![\w-])"
    flat = " ".join(text.replace("\u2019", "'").split())
    for i, pat in enumerate((desc + r"\s+" + _NAME,  # "United States airframer Boeing"
                desc + r",\s+" + _NAME + r"(?=\s*[,(.;]|\s+(?:has|had|is|was|said|says|announced))",
                _NAME + r",\s+" + _LINK + re.escape(nm.clean(name).strip()) + r"(?![\w-])")):
        out = {found for m in re.finditer(pat, flat)
               if (found := _trim(m.group("name"))) and found.split()[0].casefold() not in _NOT_NAMES}
        if out:  # the first way the text writes it decides ("the US, Boeing Executive Vice President
            return i, frozenset(out)  # Scott Carson": the name after it, not the list before)
    return 0, frozenset()


def named_beside(name: str, claims: list[str], text: str) -> str | None:
    """The party the text names beside the description `name` (module doc), else None."""
    if not text or not is_description(name):
        return None
    way, beside = _beside(name, text)
    found = {f for f in beside if nm.name_key(f) != nm.name_key(name)}
    keys = {nm.name_key(f) for f in found}
    if len(keys) != 1:
        return None
    written = sorted(found, key=len)[-1]
    key = keys.pop()
    same = [c for c in claims if c != name and nm.name_key(c) == key]
    if same:
        return same[0]
    low = [w.casefold() for w in nm.words(written)]
    parts = [c for c in claims if c != name and not is_description(c) and 0 < (n := len(nm.words(c))) < len(low)
             and [w.casefold() for w in nm.words(c)] in (low[:n], low[-n:])]  # "Blue Wing Airlines was"
    if len(parts) == 1:
        return parts[0]
    # only a name written right after it counts unclaimed ("Yesterday, the chief officer" is no name)
    return written if way == 0 else None


__all__ = ["is_description", "named_beside"]
