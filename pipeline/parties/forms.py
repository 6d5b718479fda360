"""Two spellings of one party across articles that keys and initials miss.

- *country forms* of a government: "US government", "U.S. government", "United States government"
  and "America's government" are one party; so are "government of Canada", "Canadian Government"
  and "Canada's government" (a country word before the body, "of" the country after it, or a
  possessive). The body must be a public body ("government", "administration", "treasury", ...):
  "Canadian Pacific" is no "Pacific of Canada".
- *index forms*: a market index written with its country or its index words is the same index:
  "Dax" / "German Dax" / "DAX index of Germany", "French Cac index" / "CAC 40", "British FTSE
  index" / "FTSE 100"; two different countries ("French Open" / "Australian Open") never are.
- *index acronyms*: "DJIA" is "Dow Jones" followed by the initials of index words ("Industrial
  Average").

Pure string work over the country lexicon (`places.py`): no model, microseconds per pair.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.places import CAPITALS, COUNTRIES, US_STATES

# the last word of a government body a country's name may be written three ways with
GOVERNMENT_HEADS = {"government", "administration", "treasury", "parliament", "congress", "senate", "army",
                    "navy", "military", "embassy", "cabinet", "ministry", "department", "police", "presidency"}
# the level of a government, which names no other body: "federal government", "national government"
_LEVELS = {"federal", "national", "central"}
# words that say "a market index" after its name; numbers are index sizes ("FTSE 100", "CAC 40")
INDEX_WORDS = {"index", "industrial", "average", "composite", "225", "500", "100", "50", "40", "30", "20"}
# the initials an index acronym adds to its name: "Industrial Average" (DJIA), "Composite Index"
_INDEX_TAILS = {"IA", "CI"}
# a country word that is an adjective ("German", "French"), not the country, a capital or a state
_ADJECTIVES = {f for c, forms in COUNTRIES.items() for f in forms
               if f not in CAPITALS and f.replace(".", "") not in {"us", "usa", "uk", "america", "britain",
                                                                        "england", "zealand"}
               and not f.endswith("s") and "." not in f}
# a word that is a kind of party or body, never an index's own name ("Canadian Government")
_COMMON = nm.DESCRIPTORS | GOVERNMENT_HEADS | nm.ROLE_NOUNS | {
    "airlines", "airways", "air", "motors", "bank", "open", "express", "post", "times", "news", "press",
    "court", "forces", "force", "navy", "people", "public", "media", "market", "markets", "economy"}


def _lower(name: str) -> list[str]:
    return [w.casefold().replace(".", " ").strip() for w in nm.words(name) if w.casefold() != "the"]


@lru_cache(maxsize=65536)
def country_form(name: str) -> str | None:
    """"united states|government" for "US government" / "United States Government" / "U.S.
    government" / "America's government"; "canada|government" for "government of Canada" /
    "Canadian Government"; None for any name that is not a country's public body."""
    raw = nm.clean(name).replace("'s ", " ").replace("’s ", " ")
    ws = " ".join(_lower(raw)).split()
    if len(ws) < 2:
        return None
    country, body = None, ws
    for n in (2, 1):  # a country word first ("US", "United States", "Canadian")
        if len(ws) > n and (c := _country_word(" ".join(ws[:n]))) is not None:
            country, body = c, ws[n:]
            break
        if len(ws) > n + 1 and ws[-n - 1] == "of" and (c := _country_word(" ".join(ws[-n:]))) is not None:
            country, body = c, ws[:-n - 1]  # "government of Canada"
            break
    if country is None or not body or body[-1] not in GOVERNMENT_HEADS or len(body) > 3:
        return None
    while len(body) > 1 and body[0] in _LEVELS:
        body = body[1:]  # "United States federal government" is the United States government
    if len(body) == 2 and body[-1] == "department" and body[0] in GOVERNMENT_HEADS:
        body = body[:1]  # "Treasury Department" is the Treasury
    return f"{country}|{' '.join(body)}"


def bare_government(name: str) -> str | None:
    """"government" for "the federal government", "the government", "national government": a
    country's government with no country said (its article says which); None for any other name."""
    ws = _lower(name)
    if not ws or ws[-1] not in ("government", "administration") or not all(w in _LEVELS for w in ws[:-1]):
        return None
    return ws[-1]


def _country_word(words: str) -> str | None:
    """The country a country's name, short name or adjective names; capitals and states do not."""
    c = ctry.country_of_word(words)
    if c is None or words in CAPITALS or words in US_STATES:
        return None
    return c


@lru_cache(maxsize=65536)
def index_form(name: str) -> tuple[str | None, str, bool]:
    """(country, core, marked): "German Dax" → ("germany", "dax", False), "DAX index of Germany" →
    ("germany", "dax", True), "CAC 40" → (None, "cac", True), "FTSE-100" → (None, "ftse", True).
    `marked`: index words were dropped."""
    ws = nm.words(re.sub(r"(?<=\w)-(?=\d)", " ", name))  # "FTSE-100" is "FTSE 100"
    low = [w.casefold() for w in ws]
    country, marked = None, False
    if len(ws) >= 3 and low[-2] == "of" and low[-3] == "index" and (c := _country_word(low[-1])) is not None:
        country, ws, low, marked = c, ws[:-2], low[:-2], True  # "DAX index of Germany"
    while len(ws) > 1 and low[-1] in INDEX_WORDS:
        ws, low, marked = ws[:-1], low[:-1], True
    if len(ws) > 1 and low[0] in _ADJECTIVES and country is None:
        country, ws, low = ctry.country_of_word(low[0]), ws[1:], low[1:]
    return country, " ".join(low), marked


def same_index(a: str, b: str) -> bool:
    """One market index written with or without its country and index words (module doc)."""
    ca, xa, ma = index_form(a)
    cb, xb, mb = index_form(b)
    if not xa or xa != xb or (ca and cb and ca != cb) or (xa, ca, ma) == (xb, cb, mb):
        return False
    if ctry.country_of_word(xa) is not None:
        return False  # "American Samoa" / "Samoa": a place, not an index with its country
    if any(w in _COMMON for w in xa.split()) or (nm.digits(a) and nm.digits(b) and nm.digits(a) != nm.digits(b)):
        return False
    if not (ma or mb):  # "German Dax" / "Dax": only a bare name and its country form
        return (ca is None) != (cb is None) and len(xa.split()) == 1 and _name_like(a) and _name_like(b)
    return _name_like(a) and _name_like(b)


def _name_like(name: str) -> bool:
    """Its index's own word is written capitalized ("Dax", "FTSE"), not "the stock index"."""
    ws = [w for w in nm.words(name) if w.casefold() not in INDEX_WORDS and w.casefold() not in ("of", "the")]
    return bool(ws) and all(nm.capitalized(w) or w.isdigit() for w in ws)


def index_acronym(acronym: str, name: str) -> bool:
    """"DJIA" for "Dow Jones": the name's initials, then those of "Industrial Average" or "Composite
    Index" ("GMAC" is not "General Motors")."""
    if not nm.is_acronym(acronym) or nm.is_acronym(name):
        return False
    acr = nm.acronym_of(acronym)
    ws = [w for w in nm.words(name) if w.casefold() not in nm.FUNCTION_WORDS]
    if len(ws) < 2 or not all(nm.capitalized(w) for w in ws):
        return False
    inits = "".join(w[0].upper() for w in ws)
    tail = acr[len(inits):]
    return acr.startswith(inits) and tail in _INDEX_TAILS


__all__ = ["GOVERNMENT_HEADS", "INDEX_WORDS", "bare_government", "country_form", "index_acronym", "index_form", "same_index"]
