"""A person's surname across articles: "Musk" in one article is the "Elon Musk" of another, and
"President Trump" the "Donald Trump" of another, when the corpus knows exactly one person by that
surname (a rule of `resolve`, before the matcher, which keeps "Musk" and "Elon Musk" apart as a
name inside a longer one).

* a surname form: one capitalized word, after any titles and country words ("Musk", "President
  Trump", "US President Trump", "Mr. Lewis"); untitled, it must not be a place or organization to
  spaCy ("Ford", "Houston" never);
* a full name: two to four capitalized words after titles, no company-type word, that spaCy does
  not call a place or an organization (or a titled one: "President Rodrigo Duterte").

A surname form links to the one person party whose full name ends with it, else (no full name
known) to the one party known by that surname alone; a full name links to the one party known by
its surname alone when no other person of that surname is known. Same-article surnames are
`coref`'s; an article that names two people of the surname decides nothing here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Sequence

from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.shortform import DESIGNATORS

_HONORIFICS = {"mr", "mrs", "ms", "dr", "sir", "dame", "sen", "gov", "rep", "madam"}
_NOT_PERSON = ("GPE", "LOC", "ORG", "FAC", "NORP", "PRODUCT", "?")


def title_word(word: str) -> bool:
    """A title or honorific before a name ("Senator", "Mr", "Prime", "CEO")."""
    w = word.casefold()
    return w in nm.ROLE_WORDS or w in _HONORIFICS or w in nm.TITLES or w in ("prime", "vice", "foreign", "state")


@lru_cache(maxsize=65536)
def surname_form(name: str) -> tuple[str, bool] | None:
    """("trump", True) for "US President Trump", ("musk", False) for "Musk"; None for other names."""
    ws = nm.words(name)
    titled, i = False, 0
    while i < len(ws) - 1 and (title_word(ws[i]) or ctry.country_of_word(ws[i]) or ws[i].casefold() == "the"):
        titled = titled or title_word(ws[i])
        i += 1
    rest = ws[i:]
    if len(rest) != 1 or (i and not titled):
        return None
    w = rest[0]
    if not nm.capitalized(w) or nm.is_acronym(w) or len(w) < 3 or not w.replace("-", "").replace("'", "").isalpha() \
            or title_word(w) or ctry.country_of_word(w):
        return None
    return w.casefold(), titled


@lru_cache(maxsize=65536)
def full_name(name: str) -> str | None:
    """The surname of a person-shaped full name ("elon musk" → "musk"), else None."""
    ws = nm.words(nm.strip_title(nm.clean(name)))
    while ws and (title_word(ws[0]) or ctry.country_of_word(ws[0])):
        ws = ws[1:]
    if not 2 <= len(ws) <= 4 or not all(nm.capitalized(w) for w in ws) or any(nm.is_acronym(w) for w in ws):
        return None
    if any(w.casefold() in DESIGNATORS or w.casefold() in nm.CORPORATE or ctry.country_of_word(w) for w in ws):
        return None
    return ws[-1].casefold()


class Surnames:
    """Which parties go by which surname, kept as aliases are added."""

    def __init__(self, entity_type: Callable[[str], str]) -> None:
        self.entity_type = entity_type
        self.full: dict[str, dict[str, str]] = {}  # surname → party id → a full-name alias
        self.bare: dict[str, set[str]] = {}  # surname → parties with a surname form

    def add(self, pid: str, name: str) -> None:
        if (s := surname_form(name)) is not None:
            self.bare.setdefault(s[0], set()).add(pid)
        elif (f := full_name(name)) is not None:
            self.full.setdefault(f, {}).setdefault(pid, name)

    def _person(self, name: str) -> bool:
        return any(title_word(w) for w in nm.words(name)) or self.entity_type(name) not in _NOT_PERSON

    def persons(self, surname: str) -> set[str]:
        return {pid for pid, alias in self.full.get(surname, {}).items() if self._person(alias)}

    def link(self, name: str, same_article: Sequence[str]) -> str | None:
        """The party `name` is by its surname, when exactly one fits (see the module docstring)."""
        if (s := surname_form(name)) is not None:
            surname, titled = s
            if not titled and self.entity_type(nm.words(name)[-1]) in _NOT_PERSON:
                return None  # "Ford", "Houston": a company or a place
            if any(full_name(o) == surname for o in same_article if o != name):
                return None  # the article's own full name decides (`coref`)
            persons = self.persons(surname)
            if persons:
                return next(iter(persons)) if len(persons) == 1 else None
            bare = self.bare.get(surname, set())
            return next(iter(bare)) if len(bare) == 1 else None
        if (f := full_name(name)) is None or not self._person(name) or self.persons(f):
            return None
        bare = self.bare.get(f, set())
        return next(iter(bare)) if len(bare) == 1 else None
