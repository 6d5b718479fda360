"""One party-name key for every stage: extraction merges, digest counts, report groups, claims.

"Microsoft's stock", "Microsoft Corp.", "The Microsoft Corporation" and "microsoft" all key to
`microsoft`; "Google Cloud" stays apart from "Google". The name as the article wrote it is kept
for display; only grouping uses the key.
"""

from __future__ import annotations

import re
import unicodedata

_SUFFIXES = {"inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
             "plc", "ag", "sa", "gmbh", "group", "holdings", "nv", "se"}
_TRAILING = {"stock", "stocks", "shares", "share", "shareholders", "investors", "stock price",
             "share price", "business", "unit", "division"}
_LEADING = {"the", "a", "an"}


def party_key(name: str) -> str:
    """Case-folded, punctuation-free, possessive/suffix-stripped key for grouping parties."""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = s.replace("\u2019", "'").replace("\u2018", "'")
    s = re.sub(r"\*\*|__|[`\"]", "", s)
    s = re.sub(r"'s\b.*$", "", s)  # "microsoft's stock" -> "microsoft"
    s = re.sub(r"s'(\s.*)?$", "s", s)
    s = re.sub(r"[^\w\s&+-]", " ", s)
    words = s.split()
    while words and words[0] in _LEADING:
        words = words[1:]
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    if len(words) > 1:
        tail2 = " ".join(words[-2:])
        if tail2 in _TRAILING and len(words) > 2:
            words = words[:-2]
        elif words[-1] in _TRAILING:
            words = words[:-1]
    return " ".join(words)


