"""Name and statement normalization shared by gold validation and matching.

"Google Cloud", "google cloud's" and "The Google Cloud, Inc." should compare equal before any
fuzzy step, so exact and alias matches stay exact.
"""

from __future__ import annotations

import re
import unicodedata

_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b")
_NON_WORD = re.compile(r"[^\w&+]+")
_LEADING = {"the"}
_SUFFIXES = {"inc", "corp", "corporation", "co", "ltd", "llc", "plc", "gmbh", "ag", "sa", "lp"}
STOPWORDS = {"the", "a", "an", "and", "or", "of", "other", "its", "their", "in", "on", "for", "to"}


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


def name_tokens(normalized: str) -> set[str]:
    """Content tokens of a normalized name (stopwords removed)."""
    return {w for w in normalized.split() if w not in STOPWORDS}


def normalize_statement(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", s).split())
