"""A person's other forms inside one article: the given name alone and a shorter given name.

English writes a person in full once and then shortens: "Timothy D. Cook" … "Tim Cook" … "Tim"
(a pet form that starts the full given name, the middle initial dropped), "Steve Jobs" … "Steve"
(the given name alone, in a quote or a letter). Both are the one person the article names in
full with that given name; where two people share it ("Steve Jobs and Steve Wozniak") the given
name alone is nobody in particular. The surname alone is `coref._surname`'s.

Used by `coref`; pure text work, spaCy only to tell a person from an organization.
"""

from __future__ import annotations

import re
from typing import Callable

from pipeline.parties import antecedent as ante
from pipeline.parties import names as nm


def _person_words(name: str) -> list[str] | None:
    """The words of a person-shaped name (two to four capitalized words, an initial allowed)."""
    ws = nm.words(name)
    if not 2 <= len(ws) <= 4 or not all(nm.capitalized(w) for w in ws) or any(nm.is_acronym(w) and len(w) > 1 for w in ws):
        return None
    return ws


def _given_fits(short: str, full: str) -> bool:
    """"Tim" starts "Timothy"; "T" is its initial; equal names fit."""
    a, b = short.casefold(), full.casefold()
    return a == b or (len(a) >= 3 and b.startswith(a)) or (len(a) == 1 and b[:1] == a)


def shorter_name(name: str, others: list[str], is_person: Callable[[str], bool]) -> str | None:
    """The one longer claim name of the same person: same surname, a fitting given name, more
    words or a longer given name ("Tim Cook" → "Timothy D. Cook")."""
    ws = _person_words(name)
    if ws is None:
        return None
    cands = set()
    for o in others:
        ow = _person_words(o)
        if ow is None or ow[-1] != ws[-1] or (len(ow), len(o)) <= (len(ws), len(name)):
            continue
        if _given_fits(ws[0], ow[0]) and (len(ws) == 2 or ws[1:-1] == ow[1:-1]) and is_person(o):
            cands.add(o)
    if not cands or not is_person(name):  # the parser only where a rule needs it
        return None
    most = max((len(nm.words(c)) for c in cands), default=0)  # "T. Brandt": the fullest form leads
    return ante.unique({c for c in cands if len(nm.words(c)) == most})


def given_name(name: str, others: list[str], text: str, is_person: Callable[[str], bool]) -> str | None:
    """The one person of the article's claims whose full name starts with the given name `name`
    ("Steve" → "Steve Jobs"), when the text writes no one else with that given name."""
    ws = nm.words(name)
    if len(ws) != 1 or not nm.capitalized(ws[0]) or nm.is_acronym(name) or len(ws[0]) < 3:
        return None
    full = {o for o in others if (ow := _person_words(o)) is not None and ow[0] == ws[0] and is_person(o)}
    lead = ante.unique(full)
    if lead is None or not text:
        return lead
    surnames = {" ".join(nm.words(m.group(1))) for m in re.finditer(rf"(?<![\w-]){re.escape(ws[0])}\s+(?:[A-Z]\.\s+)?([A-Z][\w'’-]+)", text)}
    return lead if surnames <= {nm.words(lead)[-1]} else None


__all__ = ["given_name", "shorter_name"]
