"""What the text says about names `coref` leaves open: pairs it writes side by side, and the
antecedent of a descriptor.

* paired: two names of the article's claims written as "A (B)" are one party, whichever is the
  long form and whether or not B's letters are A's initials ("Kurdistan Workers Party (PKK)",
  "CEI (Italian Episcopal Conference)", "the RMT union (National Union of Rail, ...)");
* apposed: a descriptor set beside one name ("France's largest bank, BNP Paribas SA",
  "Sunwave Semiconductor, China's largest foundry") is that name;
* head: "the authority" is the one name with that word ("Panama Canal Authority"); a modifier
  says the kind ("the auto firm" → a name with "Motors");
* nearest: otherwise a descriptor that opens a statement ("The company said", "The commissioner
  said") stands for the nearest fitting name written before it, within the two sentences before
  (a person for a title, an organization for an organization noun).

Pure text work like `coref`; spaCy only tells a person or a place from an organization.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.forms import GOVERNMENT_HEADS

# descriptor heads beyond `names.DESCRIPTORS`: public bodies and titles ("the authority",
# "the commissioner"); a title stands for a person
INSTITUTION_HEADS = {"authority", "council", "department", "commission", "ministry", "union", "city",
                     "town", "municipality", "court", "publication", "newspaper", "magazine", "broadcaster",
                     "committee", "board", "bureau", "office", "tribunal", "legislature", "parliament",
                     "watchdog", "organization", "organisation", "association", "federation", "party"}
TITLE_HEADS = {"commissioner", "minister", "president", "chairman", "chairwoman", "chief", "governor",
               "mayor", "senator", "spokesman", "spokeswoman", "spokesperson", "secretary", "ambassador",
               "executive", "founder", "director", "premier", "prime minister", "chancellor", "analyst"}
# what the head (or a modifier: "the auto firm") says the name holds
HEAD_WORDS = {
    "city": {"city", "municipality", "town", "commune", "borough"},
    "town": {"city", "municipality", "town", "commune", "borough"},
    "municipality": {"city", "municipality", "town", "commune", "borough"},
    "union": {"union", "workers", "teamsters", "guild", "federation"},
    "publication": {"herald", "times", "post", "journal", "news", "gazette", "tribune", "review", "magazine"},
    "newspaper": {"herald", "times", "post", "journal", "news", "gazette", "tribune"},
    "auto": {"motors", "motor", "auto", "automotive", "cars"},
    "network": {"network", "broadcasting", "tv", "television"},
    "broadcaster": {"network", "broadcasting", "tv", "television", "radio"},
    "court": {"court", "tribunal"},
}
# what a descriptor's head says about the party, and the name words that show it
KIND_WORDS = {
    "airline": {"air", "airways", "airlines", "aviation", "airline"},
    "carrier": {"air", "airways", "airlines", "aviation", "airline", "wireless", "mobile", "telecom"},
    "automaker": {"motors", "motor", "auto", "automotive", "cars"},
    "carmaker": {"motors", "motor", "auto", "automotive", "cars"},
    "bank": {"bank", "bancorp", "banking"}, "lender": {"bank", "bancorp", "financial", "lending", "credit"},
    "insurer": {"insurance", "assurance", "life"}, "chipmaker": {"semiconductor", "semiconductors", "chips"},
    "utility": {"power", "energy", "electric", "utilities", "light"}, "railroad": {"railroad", "railway", "rail"},
    "pharmacy": {"pharmacy", "rx", "drug"}, "foundry": {"foundry"}, "lab": {"labs", "lab"},
    "airport": {"airport"}, "exchange": {"exchange"}, "fund": {"fund", "capital"},
    # a market index: its own word, or the first word of a well-known index family
    "index": {"index", "average", "composite", "dow", "djia", "nikkei", "ftse", "nasdaq", "dax", "cac", "hang",
              "kospi", "sensex", "s&p", "stoxx", "tsx", "asx", "ibex", "topix", "bovespa", "russell",
              "20", "30", "40", "50", "100", "225", "500"},  # "CAC 40", "FTSE 100", "Nikkei 225"
}
ORG_HEADS = {"company", "firm", "group", "business", "giant", "conglomerate", "maker", "manufacturer",
             "provider", "operator", "developer", "startup", "start-up", "brand", "supplier", "vendor",
             "producer", "platform", "network", "retailer", "chain", "grocer", "publisher", "studio",
             "distributor", "broker", "refiner", "miner", "partner"}
UNIT_HEADS = {"unit", "division", "subsidiary", "arm"}
_SUBJECT = re.compile(r"(?:['’]s)?\s+(?!(?:of|and|or|nor|to)\b)[a-z]|,\s+(?:the|a|an|its)\s")  # ", the largest ..."
_SENT_END = re.compile(r"[.!?][\"”']?\s+(?=[\"“']?[A-Z])")


def heads() -> set[str]:
    return INSTITUTION_HEADS | TITLE_HEADS


def paired(named: list[str], text: str) -> dict[str, str]:
    """Short name → long name for every "A (B)" the text writes with A and B both claim names
    (the longer one, in words then letters, is the lead)."""
    out: dict[str, str] = {}
    if not text:
        return out
    flat = re.sub(r"\s+", " ", text)
    for a in named:
        for m in re.finditer(r"(?<![\w-])" + re.escape(a) + r"\s*\(\s*(?:the\s+)?[\"“']?([^()\"”']{2,90}?)[\"”']?\s*\)", flat):
            before = flat[:m.start()].split()[-1:]
            if before and before[0][:1].isupper() and before[0] not in ("The", "A", "An") \
                    and not re.search(r"[.!?:;,\"”]$", before[0]):
                continue  # "Court of Justice" inside "Supreme Court of Justice (...)": not this name
            inner = m.group(1).strip()
            b = next((o for o in named if o != a and nm.name_key(o) == nm.name_key(inner)), None)
            if b is None:
                continue
            long, short = (a, b) if (len(nm.words(a)), len(a)) > (len(nm.words(b)), len(b)) else (b, a)
            out.setdefault(short, long)
    return out


def _positions(name: str, text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text)]


def apposed(desc: str, named: list[str], text: str) -> str | None:
    """The one name the text sets right beside the descriptor as written: "X, desc" or "desc, X"."""
    core = re.sub(r"^(?:the|a|an)\s+", "", desc.strip(), flags=re.I)
    if len(core) < 4:
        return None
    d = re.escape(core)
    hits = {c for c in named if re.search(rf"(?<![\w-]){re.escape(c)},\s+(?:the\s+|a\s+|an\s+)?{d}(?![\w-])", text, re.I)
            or re.search(rf"(?<![\w-]){d},?\s+(?:the\s+)?{re.escape(c)}(?![\w-])", text, re.I)}
    return next(iter(hits)) if len(hits) == 1 else None


def by_head(desc: str, head: str, named: list[str]) -> str | None:
    """The one name holding the head or a word the head or a modifier implies."""
    mods = [w.casefold() for w in nm.words(desc)][:-1]
    want = {head} | HEAD_WORDS.get(head, set())
    for w in mods:
        want |= HEAD_WORDS.get(w, set())
    hits = {c for c in named if want & {w.casefold() for w in nm.words(c)}}
    by_key = {nm.name_key(c): c for c in hits}
    return next(iter(by_key.values())) if len(by_key) == 1 else None


def nearest(desc: str, named: list[str], text: str, person: bool,
            is_person: Callable[[str], bool], is_place: Callable[[str], bool]) -> str | None:
    """The fitting name written last as a subject ("Lattice Compute cut", "Mahan's director": a
    lower-case word that is no preposition follows) before the descriptor's first use as a
    sentence's subject, within the two sentences before it."""
    flat = re.sub(r"\s+", " ", text)
    core = re.sub(r"^(?:the|a|an)\s+", "", desc.strip(), flags=re.I)
    m = re.search(r"(?:^|[.!?][\"”']?\s+|\bthat\s+|,\s+)(?:the|The)\s+" + re.escape(core) + r"\s+[a-z]", flat)
    if m is None:
        return None
    at = m.start() + 1
    starts = [s.end() for s in _SENT_END.finditer(flat, 0, at)]
    window = starts[-2] if len(starts) >= 2 else 0
    best: tuple[int, str] | None = None
    for c in named:
        if is_person(c) != person or (not person and is_place(c)):
            continue
        pos = [p for p in _positions(c, flat) if window <= p < at and _SUBJECT.match(flat, p + len(c))]
        if pos and (best is None or pos[-1] > best[0]):
            best = (pos[-1], c)
    return best[1] if best else None


def unique(cands: set[str]) -> str | None:
    by_key = {nm.name_key(c): c for c in cands}
    return next(iter(by_key.values())) if len(by_key) == 1 else None


def lowercase_head(name: str, named: list[str]) -> str | None:
    """"the canal authority" → the one named party whose last words these are ("Panama Canal
    Authority"): a lower-case name that repeats the end of a capitalized one."""
    ws = [w for w in nm.words(name) if w.casefold() not in ("the", "a", "an")]
    if not ws or any(nm.capitalized(w) for w in ws) or len(ws) < 2:
        return None
    low = [w.casefold() for w in ws]
    return unique({c for c in named if len(nm.words(c)) > len(ws)
                    and [w.casefold() for w in nm.words(c)][-len(ws):] == low
                    and all(nm.capitalized(w) for w in nm.words(c)[-len(ws):])})


def apposition(name: str, cands: list[str], text: str) -> str | None:
    """"UOKiK, the Polish anti-monopoly agency": the one name the text sets `name` beside (a
    description: a lower-case word or a title; ", the Bank of Japan" is the next item of a list)."""
    core = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I)
    ws = nm.words(core)
    if not text or len(core) < 3 or (all(w[:1].isupper() or w.casefold() in nm.FUNCTION_WORDS for w in ws)
                                     and not (ws and ws[0].casefold() in nm._TITLE_WORDS)):
        return None  # "Elaine Chao, the Secretary of Transportation" is still a description
    hits = set()
    for m in re.finditer(r",\s+(?:the|an?)\s+" + re.escape(core) + r"(?![\w-])", text, re.I):
        before = text[max(0, m.start() - 100):m.start()]
        hits |= {c for c in cands if re.search(r"(?<![\w-])" + re.escape(c) + r"$", before)}
    return unique(hits)


def _apposed(name: str, head: str, text: str) -> bool:
    """The text calls `name` a `head`: "Juniper Airways, the low-cost carrier", "carrier Juniper"."""
    n, h = re.escape(name), re.escape(head)
    return re.search(rf"{n},?\s+(?:is\s+)?(?:the|a|an)\s+(?:[\w-]+\s+){{0,3}}{h}\b|\b{h}\s+{n}\b", text) is not None


def salient(cands: set[str], forms: Mapping[str, Sequence[str]], text: str) -> str | None:
    """The candidate the text names most (any of its forms, counted once per place), when at least
    twice and twice as often as any other: the Dow of a story about the Dow that also quotes the
    FTSE and the Nikkei."""
    counts = {c: len({p for f in {c, *forms.get(c, ())} for p in _positions(f, text)}) for c in cands}
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or ranked[0] < 2 or (len(ranked) > 1 and ranked[0] < 2 * ranked[1]):
        return None
    return next(c for c, n in counts.items() if n == ranked[0])


def _descriptor(desc: tuple[str | None, str], named: list[str], text: str,
                is_person: Callable[[str], bool], is_place: Callable[[str], bool],
                forms: Mapping[str, Sequence[str]]) -> str | None:
    """Rule 5 of `coref`: a unit of its owner, a name of the head's kind (the one, else the one the
    text is about), the one organization."""
    owner, head = desc
    if owner is not None:
        if head not in UNIT_HEADS:
            return None
        ow = [w.casefold() for w in nm.words(owner)]
        return unique({c for c in named if [w.casefold() for w in nm.words(c)][:len(ow)] == ow
                        and len(nm.words(c)) > len(ow)})
    kinds = KIND_WORDS.get(head, set())
    fits = {c for c in named if kinds & {w.casefold() for w in nm.words(c)} or _apposed(c, head, text)}
    if len(fits) > 1 and unique(fits) is None:
        return salient(fits, forms, text)
    if not fits and head in ORG_HEADS:
        fits = {c for c in named if not is_place(c) and not is_person(c)}
    return unique(fits)


def lead_of(n: str, desc: tuple[str | None, str], leads: list[str], named: list[str], text: str,
            is_person: Callable[[str], bool], is_place: Callable[[str], bool],
            forms: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """The party a descriptor stands for: the name the text sets beside it, then `_descriptor`,
    then (no owner) the one name with its head word, then the nearest fitting name before it."""
    company = desc[1] in ORG_HEADS and desc[1] not in TITLE_HEADS
    if company:  # "the company, CEO Jane Roe" is no Jane Roe; "The company" is no Treasury
        named = [c for c in named if not is_person(c) and not _public(c)]
        leads = [c for c in leads if not is_person(c) and not _public(c)]
    lead = apposed(n, named, text) if text else None
    if lead is not None:
        return lead
    lead = _descriptor(desc, leads, text, is_person, is_place, forms or {})
    if lead is not None or desc[0] is not None:
        return lead
    head = desc[1]
    if head in INSTITUTION_HEADS or head in HEAD_WORDS \
            or any(w.casefold() in HEAD_WORDS for w in nm.words(n)[:-1]):  # "the auto firm"
        lead = by_head(n, head, leads)
    if lead is None and text and (head in ORG_HEADS or head in heads() or head in KIND_WORDS):
        lead = nearest(n, named, text, head in TITLE_HEADS, is_person, is_place)
    if lead is None and text and (head in ORG_HEADS or head in TITLE_HEADS):
        lead = in_sentence(n, named, text, head in TITLE_HEADS, is_person, is_place)
    if lead is None and text and head == "company":  # the one company the article is about
        fs = forms or {}
        lead = salient({c for c in leads if not is_place(c) and _incorporated([c, *fs.get(c, ())], text)}, fs, text)
    return lead


def _incorporated(names: Sequence[str], text: str) -> bool:
    """A company by its own name: a legal suffix in one of its forms or after it in the text
    ("Apple Inc.", "Bear Stearns Cos."), not "the Fed" or "the FTSE"."""
    suffix = r"(?:Inc|Corp|Corporation|Co|Cos|Company|Ltd|LLC|plc|AG|SA|Group)\b"
    return any({w.casefold() for w in nm.words(n)} & nm.CORPORATE or
               re.search(r"(?<![\w-])" + re.escape(n) + r",?\s+" + suffix, text) for n in names)


def _public(name: str) -> bool:
    """A country or a public body ("US Treasury Department", "Senate"): never "the company"."""
    ws = nm.words(name)
    return bool(ws) and (ws[-1].casefold() in GOVERNMENT_HEADS | nm._BODIES or ctry.country_name(name) is not None
                         or ctry.qualified(name, "") is not None)


def in_sentence(desc: str, named: list[str], text: str, person: bool,
                is_person: Callable[[str], bool], is_place: Callable[[str], bool]) -> str | None:
    """The one fitting name written earlier in the sentence where the descriptor is first the
    subject of a verb ("Boeing did not comment, telling reporters the company "extends ...",
    "Bear Stearns fell, and the company announced ..."; not "the company's costs")."""
    flat = re.sub(r"\s+", " ", text)
    core = re.sub(r"^(?:the|a|an)\s+", "", desc.strip(), flags=re.I)
    m = re.search(r"(?<![\w-])(?:the|The)\s+" + re.escape(core) + r"(?:\s+[\"“]?(?!(?:of|and|or|nor|to|in)\b)[a-z]|[.;](?:\s|$))",
                  flat)  # its subject, or the object that ends a clause ("... as CEO of the company.")
    if m is None:
        return None
    starts = [s.end() for s in _SENT_END.finditer(flat, 0, m.start())]
    span = flat[starts[-1] if starts else 0:m.start()]
    fits = {c for c in named if is_person(c) == person and (person or not is_place(c)) and _positions(c, span)}
    return unique(fits)
