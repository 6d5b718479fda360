"""Name and statement normalization shared by gold validation and matching.

"Google Cloud", "google cloud's" and "The Google Cloud, Inc." should compare equal before any
fuzzy step, so exact and alias matches stay exact.

Relation to `pipeline.text.parties.party_key` (how extraction, claims, digest and report group
parties): spellings that differ in case, quotes, possessive "'s", a leading "the" or a corporate
suffix are one party for both. Eval is deliberately stricter where gold is: party_key folds
"X shareholders", "X stock" and "X's customers" into "X" for counting, but gold files label such
sub-parties separately (e.g. "Bank of America" and "Bank of America shareholders" as two losers),
so eval keeps them apart and leaves near misses to its fuzzy and alias steps.
"""

from __future__ import annotations

import re
import unicodedata

_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b")
_NON_WORD = re.compile(r"[^\w&+]+")
_LEADING = {"the"}
_SUFFIXES = {"inc", "corp", "corporation", "co", "ltd", "llc", "plc", "gmbh", "ag", "sa", "lp"}
STOPWORDS = {"the", "a", "an", "and", "or", "of", "other", "its", "their", "in", "on", "for", "to"}
# Words that do not identify a party on their own: "Large" must not match "Large enterprises",
# nor "Companies" match "Companies with exclusive deals", by token containment.
GENERIC = {
    "large", "small", "big", "major", "new", "old", "local", "global", "top", "all", "some", "many", "most",
    "company", "companies", "firm", "firms", "group", "groups", "user", "users", "customer", "customers",
    "people", "industry", "market", "markets", "team", "teams", "business", "businesses", "provider",
    "providers", "maker", "makers", "owner", "owners", "holder", "holders", "stock", "shares", "share",
    "investors", "rivals", "competitors", "government", "players", "buyers", "sellers", "workers",
    "employees", "consumers", "shoppers", "incumbents", "partners", "stakeholders", "everyone",
}


def normalize_name(name: str) -> str:
    """Case-fold, drop possessives, punctuation, a leading "the" and corporate suffixes."""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = _POSSESSIVE.sub("", s)
    words = [w for w in _NON_WORD.sub(" ", s).split() if w]
    while len(words) > 1 and words[0] in _LEADING:
        words.pop(0)
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


def distinctive(tokens: set[str]) -> bool:
    """True when some token can identify a party by itself (not generic, 3+ characters)."""
    return any(len(t) >= 3 and t not in GENERIC for t in tokens)


def name_tokens(normalized: str) -> set[str]:
    """Content tokens of a normalized name (stopwords removed)."""
    return {w for w in normalized.split() if w not in STOPWORDS}


def normalize_statement(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", s).split())
