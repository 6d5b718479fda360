"""Whose "Senate": a bare public body ("Congress", "the Supreme Court", "Foreign Ministry") names one
party only together with its country, which the name ("U.S. Senate", "Philippine Senate") or else
its article says. `qualified` gives the key such a name is linked by across articles
("senate@philippines"); a name that is no bare body gets None and links by its plain key.

The country of an article is the one it names most (countries, demonyms, capitals counted as
whole words), when it names it at least twice and clearly more than any other. A general
lexicon, not a corpus list.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.parties import names as nm
from pipeline.parties.places import CAPITALS, COUNTRIES, FORM

# bodies every country has: the name alone does not say whose
BARE_BODIES = {
    "senate", "congress", "parliament", "house of representatives", "national assembly", "supreme court",
    "constitutional court", "high court", "cabinet", "central bank", "foreign ministry", "defence ministry",
    "defense ministry", "interior ministry", "finance ministry", "ministry of foreign affairs",
    "ministry of defence", "ministry of defense", "ministry of finance", "ministry of the interior",
    "justice department", "department of justice", "treasury", "army", "navy", "air force", "armed forces",
    "defence forces", "defence force", "military", "police", "coast guard", "election commission",
    "electoral commission", "competition authority", "foreign office", "legislature", "government",
}
# the level of a government names no other body: "the federal government" is the country's government
_LEVELS = ("federal ", "national ", "central ")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z.]*[A-Za-z]|[A-Z]")


def country_name(name: str) -> str | None:
    """"japan" for "Japan" or "the U.S." (a country's name, not a capital or a demonym)."""
    key = " ".join(w.casefold().replace(".", " ").strip() for w in nm.words(name) if w.casefold() != "the")
    key = " ".join(key.split())
    c = FORM.get(key)
    return c if c is not None and key not in CAPITALS and (key == c or key in _SHORT_NAMES) else None


def country_of_word(word: str) -> str | None:
    """The country a word names or describes ("Italian" → italy), else None."""
    return FORM.get(word.casefold().replace(".", " ").strip())


_SHORT_NAMES = {"us", "u s", "usa", "america", "uk", "u k", "britain"}
_MENTION = re.compile(r"(?<![\w.])(?:[A-Z][a-z]+(?: [A-Z][a-z]+)?|U\.S\.|U\.K\.|US|UK|USA)(?![\w])")


def _counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in _MENTION.finditer(text):
        c = FORM.get(m.group(0).casefold()) or FORM.get(m.group(0).split()[0].casefold())
        if c is not None:
            counts[c] = counts.get(c, 0) + 1
    return counts


def _clear(counts: dict[str, int], least: int, ahead: float = 1.5) -> str | None:
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked:
        return None
    top, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return top if n >= least and n >= ahead * second and n > second else None


@lru_cache(maxsize=1024)
def country_of(text: str) -> str | None:
    """The country the text is about, or None when it names none clearly (an article that names
    one country, even once, and no other is about that one)."""
    counts = _counts(" ".join(text.split()))
    return _clear(counts, 2) or (next(iter(counts)) if len(counts) == 1 else None)


@lru_cache(maxsize=4096)
def country_near(name: str, text: str) -> str | None:
    """The country of an article about one country (named twice, twice as often as any other);
    else the one the sentence that first writes `name` names, else that sentence and the one before
    it; else the article's ("Congress approved aid to Ukraine" in a US article is the US Congress)."""
    flat = " ".join(text.split())
    if (whole := _clear(_counts(flat), 2, 2.0)) is not None:  # an article about one country
        return whole
    m = re.search(r"(?<![\w-])" + re.escape(name.strip()) + r"(?![\w-])", flat)
    if m is not None:
        starts = [0, *(e.end() for e in re.finditer(r"[.!?][\"”']?\s+(?=[A-Z\"“])", flat[:m.start() + 1]))]
        ends = re.search(r"[.!?](?:\s|$)", flat[m.end():])
        end = m.end() + (ends.end() if ends else 0)
        for begin in (starts[-1], starts[-2] if len(starts) > 1 else 0):
            if (near := _clear(_counts(flat[begin:end]), 1)) is not None:
                return near
    return country_of(text)


@lru_cache(maxsize=65536)
def _split(name: str) -> tuple[str | None, str]:
    """("philippines", "senate") for "Philippine Senate"; (None, key) without a country word."""
    ws = re.sub(r"\s+", " ", " ".join(w.casefold().replace(".", " ").strip() for w in nm.words(name)
                                      if w.casefold() != "the")).split()
    if not ws or (ws[-1].rstrip("s") not in _LAST and "of" not in ws):  # no body: most names
        return None, " ".join(ws)
    for n in (2, 1):  # a country word before the body, or "of" a country after it
        if len(ws) > n and (c := FORM.get(" ".join(ws[:n]))) is not None:
            return c, _body(" ".join(ws[n:]))
        if len(ws) > n + 1 and ws[-n - 1] == "of" and (c := FORM.get(" ".join(ws[-n:]))) is not None:
            return c, _body(" ".join(ws[:-n - 1]))
    return None, _body(" ".join(ws))


def _body(key: str) -> str:
    """One spelling per body: "ministry of foreign affairs" → "foreign ministry", "department of
    justice" → "justice department", "defence forces" → "defence force"."""
    m = re.match(r"^(ministry|department|office) of (?:the )?(\w+?)(?: affairs)?$", key)
    if m:
        key = f"{m.group(2)} {m.group(1)}"
    if key.endswith(" government") and key.startswith(_LEVELS):
        key = key.split(" ", 1)[1]
    ws = key.split()
    if len(ws) > 1 and nm.plural(ws[-1]):
        key = " ".join([*ws[:-1], ws[-1][:-1]])
    return key


def qualified(name: str, text: str) -> str | None:
    """"senate@philippines" for a bare public body in an article about the Philippines (or named
    "Philippine Senate"); None for any other name, or where the country is unknown."""
    own, body = _split(name)
    if body not in _BARE:
        return None
    country = own or (country_near(name, text) if text else None)
    return f"{body}@{country}" if country else f"{body}@?"


def display(qkey: str) -> str:
    """The alias that keeps a qualified key across runs: "Senate (Philippines)"."""
    body, country = qkey.split("@", 1)
    return f"{body.title()} ({country.title()})"


def from_alias(alias: str) -> str | None:
    """The qualified key an alias written by `display` keeps, else None."""
    m = re.match(r"^(.+) \(([^()]+)\)$", alias)
    if m is None or m.group(2).casefold() not in COUNTRIES:
        return None
    body = _body(m.group(1).casefold())
    return f"{body}@{m.group(2).casefold()}" if body in _BARE else None


_BARE = {_body(b) for b in BARE_BODIES}
_LAST = {b.split()[-1].rstrip("s") for b in BARE_BODIES} | {"affair"}
