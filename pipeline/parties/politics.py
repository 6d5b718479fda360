"""How English names political parties, titled people and courts in one article.

- *party forms*: "Liberal Party", "the Liberals", "United States Democratic Party", "Democrats",
  "Conservative Party", "Tories" are one party: the core word of "<country> X Party" and the
  capitalized plural of its members ("Liberals", "Democrats": "Democratic" less "ic"). The
  members' plural alone is no party form (it may be a class): it takes the party only beside a
  name that says "Party".
- *titled surname*: "Senator Warren", "Judge Miller", "District Attorney Vance", "Prime Minister
  Tuilaepa" is the one full name of the article ending (or, for a three-word name, starting) with
  that word; "Jr."/"Sr." do not count.
- *court*: "the appeals court", "the district court", "the Court", "this Court" is the one court
  the article names whose name holds every word before "court" ("Second Circuit Court of
  Appeals"); a bare "the court" with several courts is the one the text names most.

Pure string work plus the article's names; no model.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from pipeline.parties import antecedent as ante
from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.forms import bare_government
from pipeline.parties.generic import entity_type
from pipeline.parties.persons import full_name, surname_form
from pipeline.parties.persons import title_word

# nicknames news uses for a party by its core word
_NICKNAMES = {"tory": "conservative", "tories": "conservative", "grits": "liberal", "dems": "democrat"}
_PLACE_OR_ORG = ("GPE", "LOC", "ORG", "FAC", "NORP", "PRODUCT")
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_DETERMINERS = {"the", "this", "that"}
# office words before a surname beyond the titles `persons` knows ("District Attorney Vance")
_OFFICE_WORDS = {"district", "attorney", "justice", "chief", "deputy", "associate", "judge", "professor"}


def _core(word: str) -> str:
    w = word.casefold()
    return w[:-2] if w.endswith("ic") else w  # "Democratic" / "Democrat"


@lru_cache(maxsize=65536)
def party_form(name: str) -> tuple[str | None, str, bool] | None:
    """(country, core, says_party): "United States Democratic Party" → ("united states",
    "democrat", True), "Liberals" → (None, "liberal", False); None for any other name."""
    ws = [w for w in nm.words(name) if w.casefold() != "the"]
    if not ws or not all(nm.capitalized(w) for w in ws if w.casefold() != "of"):
        return None
    low = [w.casefold() for w in ws]
    if len(ws) == 1:
        if low[0] in _NICKNAMES:
            return None, _NICKNAMES[low[0]], False
        if len(low[0]) > 4 and low[0].endswith("s") and not nm.is_acronym(ws[0]) \
                and ctry.country_of_word(low[0]) is None:
            return None, _core(low[0][:-1]), False  # "Liberals", "Democrats"
        return None
    country = None
    if len(low) >= 4 and low[-2] == "of" and (c := ctry.country_of_word(low[-1])) is not None:
        country, low = c, low[:-2]  # "Democratic Party of Japan"
    for n in (2, 1):
        if len(low) > n + 1 and (c := ctry.country_of_word(" ".join(low[:n]))) is not None:
            country, low = c, low[n:]  # "United States Democratic Party"
            break
    if len(low) != 2 or low[1] != "party":
        return None
    return country, _core(low[0]), True


def same_party(a: str, b: str) -> bool:
    """One political party written two ways (module doc); one of them says "Party"."""
    pa, pb = party_form(a), party_form(b)
    if pa is None or pb is None or pa[1] != pb[1] or not (pa[2] or pb[2]):
        return False
    return pa[0] is None or pb[0] is None or pa[0] == pb[0]


def party_of(name: str, named: list[str]) -> str | None:
    """"Liberals" → the one "Liberal Party" the article names."""
    p = party_form(name)
    if p is None or p[2]:
        return None
    return ante.unique({o for o in named if o != name and (q := party_form(o)) is not None and q[2] and q[1] == p[1]})


def _name_words(name: str) -> list[str]:
    ws = nm.words(name)
    while ws and ws[-1].casefold().rstrip(",") in _SUFFIXES:
        ws = ws[:-1]
    return [w.rstrip(",") for w in ws]


def _titled_surname(name: str) -> str | None:
    """"warren" for "Senator Warren", "vance" for "District Attorney Vance"; None untitled."""
    ws = nm.words(name)
    if len(ws) < 2 or not all(_title(w) or ctry.country_of_word(w) or w.casefold() == "the" for w in ws[:-1]) \
            or not any(_title(w) for w in ws[:-1]):
        return None
    s = surname_form(ws[-1])
    return s[0] if s is not None else None


def _title(word: str) -> bool:
    w = word.casefold()
    return title_word(w) or w in _OFFICE_WORDS


def titled_person(name: str, named: list[str], is_person: Callable[[str], bool]) -> str | None:
    """"Senator Warren" → the one full name of the article with that surname (module doc)."""
    word = _titled_surname(name)
    if word is None:
        return None
    cands = set()
    for o in named:
        if o == name or _titled_surname(o) is not None:
            continue
        ws = _name_words(o)
        if full_name(" ".join(w for w in ws if len(w) > 1)) is None or not (is_person(o) or entity_type(o) not in _PLACE_OR_ORG):
            continue
        low = [w.casefold() for w in ws]
        if low[-1] == word or (len(low) >= 3 and low[0] == word):
            cands.add(o)
    return ante.unique(cands)


_POINTING = {"this", "that", "his", "her", "their", "its", "our"}


def pronoun_government(name: str) -> str | None:
    """"government" for "her government", "this government": a government its article's owner
    names, as a bare "the government" is."""
    ws = [w.casefold() for w in nm.words(name)]
    return "government" if len(ws) == 2 and ws[0] in _POINTING and ws[1] == "government" else None


def _owner_not_cabinet(gov: str) -> bool:
    """"Johnson's government" (a possessive) or "Hong Kong government" (a place) is the government
    of its day; "Monti government" names one cabinet, which "the government" of other years is not."""
    owner = nm.clean(gov).rsplit(" ", 1)[0]
    return owner.endswith(("'s", "’s")) or entity_type(owner) in ("GPE", "LOC")


def owned_government(name: str, named: list[str]) -> str | None:
    """The one government an article names by its owner when it names no country's: "the
    government" is "Johnson's government", "Hong Kong government" (else its one "her government")."""
    govs = {o for o in named if o != name and nm.words(o)[-1:] and nm.words(o)[-1].casefold() == "government"}
    owned = {o for o in govs if pronoun_government(o) is None and bare_government(o) is None and len(nm.words(o)) >= 2
             and all(nm.capitalized(w) for w in nm.words(o)[:-1]) and _owner_not_cabinet(o)}
    if owned:
        return ante.unique(owned)
    pointing = {o for o in govs if pronoun_government(o) is not None}
    return ante.unique(pointing) if pronoun_government(name) is None else None


def court_of(name: str, named: list[str], text: str,
             resolve: Callable[[str], str] | None = None) -> str | None:
    """"the appeals court" → "Second Circuit Court of Appeals" (module doc)."""
    ws = nm.words(name)
    if len(ws) < 2 or len(ws) > 4 or ws[0].casefold() not in _DETERMINERS or ws[-1].casefold() != "court":
        return None
    mods = [w.casefold().rstrip("s") for w in ws[1:-1]]
    if any(nm.capitalized(w) for w in ws[1:-1]):
        return None  # "the Scottish court": a place adjective, not a word of the name
    courts = {o for o in named if o != name and "court" in {w.casefold() for w in nm.words(o)}
              and nm.capitalized(nm.words(o)[0]) and nm.words(o)[0].casefold() not in _DETERMINERS}
    if len(courts) > 1 and resolve is not None:  # "Supreme Court" is the article's "Supreme Court of the UK"
        forms: dict[str, list[str]] = {}
        for c in courts:
            forms.setdefault(resolve(c), []).append(c)
        courts = {c for c in forms if "court" in {w.casefold() for w in nm.words(c)}}
        if not mods:
            return next(iter(courts)) if len(courts) == 1 else _first_named(name, courts, forms, text)
    if mods:
        fit = {o for o in courts if all(m in {w.casefold().rstrip("s") for w in nm.words(o)} for m in mods)}
        return ante.unique(fit)
    if len({nm.name_key(c) for c in courts}) == 1:
        return next(iter(courts))
    return _first_named(name, courts, {}, text) if courts else None


def _first_named(name: str, courts: set[str], forms: dict[str, list[str]], text: str) -> str | None:
    """"the court" of a story naming several courts is the one its lead names first (news opens
    with the ruling court); "this Court" (a judge's own words) is not decided so."""
    if nm.words(name)[0].casefold() != "the":
        return None
    first = {c: min((p for f in {c, *forms.get(c, ())} for p in _positions(f, text)), default=len(text))
             for c in courts}
    best = sorted(first.items(), key=lambda kv: kv[1])
    return best[0][0] if best[0][1] < len(text) and (len(best) == 1 or best[1][1] > best[0][1]) else None


def _positions(name: str, text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text)]


__all__ = ["court_of", "party_form", "party_of", "same_party", "titled_person"]
