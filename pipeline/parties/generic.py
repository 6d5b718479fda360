"""Names that are not one named party.

Three cases, decided from the name (and the article text when there is one):

* generic: no reader could link it to anyone ("Companies", "it", "the market") → never a party;
* descriptor: a singular common noun that stands for a party the article names ("the airline",
  "the company", "Amazon's cloud unit") → linked to that party by `coref`, dropped when the
  article has no single such party;
* group: a common-noun phrase, not a name ("Lease companies", "larger established
  automakers", "FreshWay store workers") → a party of `kind="group"`, linked across articles only
  by its exact key, hidden by `pipeline parties` unless asked for. A one-word group ("Buyers",
  "lenders") is too wide to be anyone and is dropped like a generic name (`resolve`).

The group rule: strip "the"; the head (last word) is a common noun when it is lower-case, or, for
a one-word name written with a capital ("Buyers"), when the article writes that word in lower case
and never capitalized mid-sentence (without the text: when it looks plural). An acronym ("AWS")
or a capitalized head later in the name ("Lehman Brothers", "Port of New York") is a name.
"Ardent's" alone is Ardent (the possessive is dropped by the key).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.antecedent import heads as _extra_heads
from pipeline.text.parties import party_key

GENERIC = {
    "", "companies", "company", "community", "communities", "firms", "firm", "businesses", "business",
    "consumers", "customers", "people", "investors", "shareholders", "workers", "employees", "users",
    "industry", "the industry", "market", "markets", "the market", "government", "officials", "others",
    "some", "many", "everyone", "it", "its", "they", "them", "he", "she", "we", "you", "this", "that",
    "these", "those", "who", "which", "rivals", "competitors", "the public", "public", "economy", "media", "the media",
    "the company", "the firm", "the group", "sector", "the sector", "stocks", "shares", "overall",
    "matters", "both", "all", "none", "nobody", "anyone", "somebody", "everybody", "other", "us",
    # bare classes too wide to count as one party: every article has some
    "passengers", "travelers", "travellers", "banks", "residents", "citizens", "voters", "students",
    "families", "households", "taxpayers", "homeowners", "borrowers", "savers", "shoppers", "viewers",
    "readers", "analysts", "experts", "traders", "owners", "individuals", "humans", "humanity",
}

# technologies and product classes written as acronyms: a class of things, never one party
# ("GPU prices fell", "EV buyers", "an AI vendor")
TECH_ACRONYMS = {"ai", "gpu", "gpus", "cpu", "cpus", "ev", "evs", "llm", "llms", "api", "apis", "saas", "iot",
                 "5g", "4g", "lfp", "ssd", "ssds", "hbm", "asic", "asics", "lng", "suv", "suvs"}
# nationality adjectives the demonym ending misses ("the Dutch company")
# demonyms the country lexicon (`places.COUNTRIES`, read through `country_of_word`) does not hold
_NATIONALITIES = {"czech", "welsh"}
_PRONOUNS = {"us", "it", "we", "he", "she", "they", "them", "you", "its"}
DESCRIPTORS = nm.DESCRIPTORS  # singular heads that stand for one party ("the carrier")
_NOISE = nm.CORPORATE | {"stock", "stocks", "shares", "share", "business"}
_DETERMINERS = {"the", "a", "an", "its", "their", "this", "that"}


def is_generic(name: str) -> bool:
    """True for a name no reader could link to one party."""
    key = party_key(name)
    if nm.is_acronym(name.strip()) and key in _PRONOUNS:  # "US" is the United States, "us" a pronoun
        return False
    return key in GENERIC or key in TECH_ACRONYMS or not any(ch.isalnum() for ch in key) or _generic_phrase(name)


# words that only count or widen a generic class: "the two firms", "most people", "Other companies",
# "broader industry"; and the market words that only place it: "Wall Street experts", "Stock markets"
_QUANTIFIERS = {"the", "a", "an", "two", "three", "four", "five", "several", "both", "most", "other", "some",
                "many", "all", "few", "various", "numerous", "these", "those", "such", "broader", "wider",
                "whole", "entire", "overall"}
_PLACING = {"wall", "street", "industry", "stock", "market", "financial"}
_CLASS_HEADS = {"firms", "companies", "people", "experts", "analysts", "markets", "industry", "media",
                "investors", "consumers", "customers", "businesses", "observers", "commentators"}


def _generic_phrase(name: str) -> bool:
    """A generic class with only counting or placing words before it (see the sets above); a
    name or any other modifier ("Mining companies", "FreshWay store workers") keeps it a group."""
    ws = [w.casefold() for w in nm.words(name)]
    if len(ws) < 2 or ws[-1] not in _CLASS_HEADS or "'s" in nm.clean(name):
        return False
    return all(w in _QUANTIFIERS or w in _PLACING for w in ws[:-1])


def _core(name: str) -> list[str]:
    ws = nm.words(name)
    while ws and ws[0].casefold() in _DETERMINERS:
        ws = ws[1:]
    return ws


def descriptor(name: str) -> tuple[str | None, str] | None:
    """(owner, head) for a descriptor: (None, "airline") for "the airline", ("Amazon", "unit") for
    "Amazon's cloud unit"; None for a name or a group."""
    pos = nm.possessive(name)
    if pos is not None:
        ws = _core(pos[1])
        if ws and ws[-1].casefold() in DESCRIPTORS and not any(nm.capitalized(w) for w in ws[1:]):
            return (pos[0], ws[-1].casefold())
        return None
    ws = _core(name)
    head = ws[-1].casefold() if ws else ""
    if not ws or len(ws) > 4 or not (head in DESCRIPTORS or (head in _extra_heads() and not nm.capitalized(ws[-1]))):
        return None  # "the authority" stands for a party; "Parliament" is a name
    first = ws[0].casefold()
    adjective = first in TECH_ACRONYMS or first.endswith("-based") or (  # "AI vendor", "Arizona-based maker"
        ws[0] != nm.clean(name).split()[0] and (first in _NATIONALITIES or nm._DEMONYM.search(first) is not None)) \
        or (ctry.country_of_word(first) is not None and ctry.country_name(first) is None)  # "Japanese index"
    if any(nm.capitalized(w) and ctry.country_of_word(w) is None for w in ws[1:]) \
            or (nm.capitalized(ws[0]) and len(ws) > 1 and not adjective):  # "large Korean battery maker" is one
        return None  # "Kaupthing bank": a name comes first
    return (None, ws[-1].casefold())


def _lower_in(word: str, text: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(word.casefold()) + r"(?![\w-])", text) is not None


def _capital_mid_sentence(word: str, text: str) -> bool:
    """Written with a capital after a word that ends no sentence ("... shares of Target rose")."""
    pat = r"(?<=[a-z,;:] )" + re.escape(word[:1].upper() + word[1:]) + r"(?![\w-])"
    return re.search(pat, text) is not None


def is_group(name: str, text: str | None = None) -> bool:
    """A common-noun phrase (a class of parties, or an unnamed one), not a name. See the module
    docstring for the rule."""
    pos = nm.possessive(name)
    if pos is not None:  # "Ardent's licensing partner" is one party, "Ardent's suppliers" a group
        ws = _core(pos[1])
        return bool(ws) and nm.plural(ws[-1])
    if "'s " in nm.clean(name):  # "Russia's economy" is Russia: the owner decides
        return is_group(nm.clean(name).split("'s ", 1)[0], text)
    ws = _core(name)
    while len(ws) > 1 and ws[-1].casefold() in _NOISE:  # "Procter & Gamble company"
        ws = ws[:-1]
    if not ws or nm.is_acronym(name.strip()):
        return False
    head = ws[-1]
    if len(ws) > 1:
        if nm.capitalized(head) or nm.is_acronym(head):
            return False
        if len(ws) > 2 and nm.capitalized(ws[-2]):
            return False  # "Amazon Web services": a name, whatever the case of its last word
        if nm.plural(head):
            return True  # "Lease companies", "FreshWay store workers"
        # singular: "Reuters news agency" names one party, "canal authority" does not
        first_named = nm.capitalized(ws[0]) and (not text or _capital_mid_sentence(ws[0], text))
        return not (first_named or any(nm.capitalized(w) or nm.is_acronym(w) for w in ws[1:]))
    if not nm.capitalized(head):
        return not _camel(head)
    if nm.is_acronym(head):
        return False
    if text:
        if _capital_mid_sentence(head, text):
            return False
        if _lower_in(head, text):
            return True
    return nm.plural(head) and not _named_entity(head)


def _camel(word: str) -> bool:
    """"iPhone", "eBay": a capital inside a lower-case word makes it a name."""
    return re.search(r"[a-z][A-Z]", word) is not None


def _named_entity(word: str) -> bool:
    """spaCy calls a capitalized word that looks plural an organization ("Reuters", "Sears"; not
    "Buyers")."""
    return entity_type(word) == "ORG"


@lru_cache(maxsize=4096)
def entity_type(name: str) -> str:
    """spaCy's entity label for a short name on its own ("GPE", "PERSON", "ORG"; "" when unsure or
    when spaCy is missing)."""
    try:
        from pipeline.text.nlp import parse_many
        doc = parse_many([name])[0]  # under the parser's lock
    except Exception:  # no parser: the rules that need it decline
        return "?"
    ents = [e for e in doc.ents if e.text.strip() == name.strip()]
    return ents[0].label_ if ents else ""

