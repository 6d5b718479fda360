"""Short forms of a name in one article: "Skyline" for "Skyline Regional", "Polaris" after
"Polaris Satcom", "Congress" for "Congress of the Philippines", "Chrome" after "Google Chrome"
(rule 3 of `coref`, which calls `short_form`).

Pure text work; spaCy only tells a place from a name (`is_place`).
"""

from __future__ import annotations

import re

from pipeline.parties import antecedent as ante
from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.generic import entity_type

_CAP = r"[A-Z][\w&'’.-]*"

# words that only say what kind of company a name is: dropping them leaves the same party
DESIGNATORS = {
    "motors", "motor", "regional", "air", "airways", "airlines", "aviation", "labs", "lab", "systems",
    "energy", "technologies", "technology", "tech", "pharma", "pharmaceuticals", "financial",
    "foundry", "semiconductor", "semiconductors", "equipment", "lithography", "industries",
    "international", "global", "holdings", "group", "corp", "corporation", "inc", "co", "company",
    "ltd", "plc", "ag", "sa", "gmbh", "llc", "enterprises", "networks", "communications", "telecom",
    "software", "therapeutics", "biosciences", "entertainment", "brands", "foods", "stores",
    "automotive", "auto", "petroleum", "oil", "mining", "steel", "chemicals", "logistics", "robotics",
    "capital markets", "bancorp", "insurance", "partners", "ventures", "orbit", "aerospace",
    "motor company", "worldwide", "health", "healthcare", "electric", "ai", "grocers", "wireless",
    "therapeutics", "bank", "compute", "airport", "grocers", "lines", "storage", "computer", "computers",
    "automobile", "automobiles", "party",
}


def is_place(name: str, text: str = "") -> bool:
    """spaCy calls the name a place and, given the text, the text uses it as one ("in Japan",
    "Japan's government"): spaCy alone calls "Mahan" or "Halden" places."""
    if entity_type(name) not in ("GPE", "LOC", "NORP", "FAC", "?"):
        return False
    if not text:
        return True
    n = re.escape(name.strip())
    return re.search(rf"\b(?:in|to|from|across|inside|outside|throughout|near|into|of|around)\s+{n}"
                     rf"(?![\w-])(?!\s+[A-Z])|(?<![\w-]){n}'s\s+(?:economy|government|capital|people|"
                     rf"president|prime minister|population|border|coast)", text) is not None


def designated(short: list[str], long: list[str]) -> bool:
    """`long` is `short` plus company-type words only."""
    if len(long) <= len(short) or [w.casefold() for w in long[:len(short)]] != [w.casefold() for w in short]:
        return False
    extra = [w.casefold() for w in long[len(short):]]
    return all(w in DESIGNATORS or w in nm.CORPORATE for w in extra) or " ".join(extra) in DESIGNATORS


def _continuation(short: str, text: str) -> str | None:
    """What the text writes at the first use of `short`: "Ardent Motors" where it opens with
    "Ardent Motors cut ...", None where it first writes "Ardent" alone."""
    m = re.search(r"(?<![\w-])" + re.escape(short) + r"(?![\w-])((?:\s" + _CAP + r")*)", text)
    if m is None:
        return None
    ext = []
    for w in m.group(1).split():
        w = w.rstrip(".,;:")
        if w.casefold() in nm.FUNCTION_WORDS or not w:
            break
        ext.append(w)
    return short + " " + " ".join(ext) if ext else None


def _first(name: str, text: str) -> int:
    m = re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text)
    return m.start() if m else -1


_CONJ = {"and", "&", "or", "nor", "with", "vs", "versus"}
# the last word of an office written before its holder's name ("California Attorney General Xavier ...")
_OFFICE_ENDS = nm.ROLE_WORDS | {t.split()[-1] for t in nm.TITLES} | {"general", "justice", "spokeswoman", "attorney"}


def _alone(word: str, name: str, text: str) -> list[int]:
    """Where the text writes `word` other than inside `name` ("Azure" alone, beside "Microsoft
    Azure")."""
    out = []
    for m in re.finditer(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text):
        around = text[max(0, m.start() - len(name) - 1):m.end() + len(name) + 1]
        if name not in around:
            out.append(m.start())
    return out


def _introduced(name: str, others: list[str], phrases: set[str], text: str) -> str | None:
    """Usage: the article introduces a longer name and then shortens it ("Polaris Satcom" …
    "Polaris"; "Steven F. Udvar-Hazy Center" … "Udvar-Hazy Center"). The longer name holds the
    short one as whole words at its start or end, comes no later in the text than the short one
    on its own, and the word it adds next to the short one is never written apart from it (so
    "Microsoft" stays apart from "Microsoft Azure" where the text also writes "Azure"; "Japan" and
    "Japan Airlines" are kept apart by the place test of `short_form`)."""
    short = name.strip()
    ws = nm.words(short)
    if not ws or len(ws) > 3 or _first(short, text) < 0:
        return None
    low = [w.casefold() for w in ws]
    cands = set()
    clean_phrases = {p.rstrip(".,;:") for p in phrases if not re.search(r"[.;:]\s", p)}  # one sentence
    for o in {*others, *clean_phrases}:
        ow = nm.words(o)
        ol = [w.casefold() for w in ow]
        if len(ow) <= len(ws) or len(ow) > len(ws) + 3:
            continue
        if nm.plural(ol[-1]) and ol[-1][:-1] == low[-1]:  # "Boeing 787 Dreamliners" … "Dreamliner"
            ol[-1] = low[-1]
        if ol[:len(ws)] == low:
            if ol[len(ws)] in _CONJ:  # "Skyline Regional and Cascadia Air" is two parties
                continue
            extra = [w for w in ow[len(ws):] if w.casefold() not in nm.FUNCTION_WORDS]
            adjacent, before = extra[:1], False
        elif ol[-len(ws):] == low and ol[-len(ws) - 1] not in _CONJ:
            extra = [w for w in ow[:-len(ws)] if w.casefold() not in nm.FUNCTION_WORDS]
            adjacent, before = extra[-1:], True
        else:
            continue
        if not extra or not all(nm.capitalized(w) or w[:1].isdigit() for w in extra):
            continue
        if re.search(r"['’]s?(?:\s|$)", o) or (before and _common_word(extra[0], text)):
            continue  # "the UK's FTSE-100" is the FTSE-100; "If Tokyo declines" opens a sentence
        if " ".join(extra).casefold() in {x.casefold() for x in others} \
                and not {low[-1], extra[-1].casefold()} & _OFFICE_ENDS:
            continue  # "Amnesty International Man-kei Tam said": two names ("Attorney General X" is one)
        if _contrasted(short, o, text):
            continue  # "Apple and Apple Corps now have differing interpretations": two parties
        first, alone = _first(o, text), [p for p in _alone(short, o, text) if not _in_name(short, p, text)]
        if first < 0 or (alone and alone[0] < first):
            continue
        if _a_unit(short, o, text) or (_product(extra) and not before):  # a model's name after its number is it
            continue
        if any(w.casefold() in nm.CORPORATE or w.casefold() in DESIGNATORS for w in extra) \
                or not any(_alone(w, o, text) for w in adjacent if len(w) > 1 and not (before and w.isdigit())):
            cands.add(o)
    return ante.unique(cands)


def _of_place(short: list[str], long: str, text: str) -> bool:
    """`long` is `short` with its country: "of (the)" a place after it ("Congress of the
    Philippines"), or a country word before it and at most "of" a name after it ("Italian Supreme
    Court of Cassation" for "Supreme Court"). "Bank of Japan" never: "Bank" alone is no name."""
    lw, low = nm.words(long), [w.casefold() for w in short]
    n = len(short)
    at = next((i for i in range(len(lw) - n + 1) if [w.casefold() for w in lw[i:i + n]] == low), None)
    if at is None or len(lw) == n:
        return False
    before, after = lw[:at], [w for w in lw[at + n:] if w.casefold() != "the"]
    if after and (after[0].casefold() != "of" or len(after) < 2 or not all(nm.capitalized(w) for w in after[1:])):
        return False
    if before:
        return all(ctry.country_of_word(w) for w in before)
    return is_place(" ".join(after[1:]), "")


def _contrasted(short: str, long: str, text: str) -> bool:
    """The text joins the two names as two parties: "Apple and Apple Corps", "Apple Corps vs Apple"
    (the short name there is no part of a longer one)."""
    s, n = re.escape(short), re.escape(long)
    conj = r"\s+(?:and|or|nor|vs\.?|versus|against|with)\s+"
    return re.search(rf"(?<![\w-]){s}(?!\s+[A-Z]|[\w-]){conj}{n}(?![\w-])|(?<![\w-]){n}{conj}{s}(?!\s+[A-Z]|[\w-])",
                     text) is not None


def _in_name(short: str, at: int, text: str) -> bool:
    """The short name written at `at` goes on with a capitalized word: it is part of another name
    ("Apple Corps" is no use of "Apple" alone)."""
    return re.match(r"\s+[A-Z][a-z]", text[at + len(short):]) is not None


def _a_unit(short: str, long: str, text: str) -> bool:
    """The text treats the longer name as a party of its own beside the short one: it gives it an
    acronym ("Amazon Web Services (AWS)"), calls it a unit ("its cloud unit, Google Cloud
    Platform"), or gives the short one things of its own ("Amazon's retail business")."""
    n, s = re.escape(long), re.escape(short)
    if re.search(rf"{n}\s*\(\s*[A-Z]", text):
        return True
    if re.search(rf"\b(?:unit|division|subsidiary|arm|business|platform|service)s?,?\s+(?:the\s+)?{n}", text) \
            or re.search(rf"{n},\s+(?:its|the|a)\s+(?:[\w-]+\s+){{0,3}}(?:unit|division|subsidiary|arm)\b", text):
        return True
    return re.search(rf"(?<![\w-]){s}['’]s\s+(?:[\w-]+\s+){{0,2}}(?:{'|'.join(_PARTS)})\b", text) is not None


# what "X's ..." calls a part of X that the longer name may be ("Amazon's retail business")
_PARTS = ("business", "businesses", "unit", "units", "division", "divisions", "arm", "subsidiary",
          "subsidiaries", "operations", "segment", "segments", "service", "services", "platform")


# words that open a sentence and are never part of a name
_OPENERS = {"if", "when", "but", "while", "although", "though", "as", "after", "before", "since", "because",
            "who", "what", "how", "why", "where", "and", "or", "so", "yet", "then", "once", "unless", "until",
            "meanwhile", "however", "still", "now", "even", "also", "only", "without", "with", "for", "in"}


def _common_word(word: str, text: str) -> bool:
    """An opener ("If Tokyo declines") or a word the text writes in lower case too ("Who Loses
    Halvorsen Lithography" under a heading): not part of a name."""
    return word.casefold() in _OPENERS or word[:1].isupper() and re.search(r"(?<![\w-])" + re.escape(word.casefold()) + r"(?![\w-])", text) is not None


def _product(extra: list[str]) -> bool:
    """The added words are a model: a number with a product word ("Boeing 787 Dreamliners") or a
    model code ("Airbus A380"); the maker is another party. A bare trailing number stays a size
    ("Nikkei 225")."""
    return any(any(c.isdigit() for c in w) and (len(extra) > 1 or not w.isdigit()) for w in extra)


def short_form(name: str, others: list[str], text: str, phrases: set[str] | None = None) -> str | None:
    """The longer name `name` is short for (see rule 3 of the module docstring), else None."""
    ws = nm.words(name)
    if not ws or nm.is_acronym(name):
        return None
    if not nm.capitalized(ws[0]):
        if not (ws[0][:1].isdigit() and len(ws) > 1) or not text:  # "737 Max" after "Boeing 737 Max"
            return None
        lead = _introduced(name, others, phrases or set(), text)
        return lead if lead is not None else None
    low = [w.casefold() for w in ws]
    longer = [o for o in others if [w.casefold() for w in nm.words(o)][:len(ws)] == low
              and len(nm.words(o)) > len(ws)]
    cands = {o for o in longer if designated(ws, nm.words(o))}
    if text and (cont := _continuation(name.strip(), text)) is not None and designated(ws, cont.split()):
        cands.add(cont)  # the article opens with "Ardent Motors", then writes "Ardent"
    if len(ws) == 1 and len(ws[0]) >= 4:  # "Daimler" in "DaimlerChrysler AG"
        for o in others:
            first = nm.words(o)[0] if nm.words(o) else ""
            if len(first) > len(ws[0]) and first.startswith(ws[0]) and first[len(ws[0])].isupper():
                cands.add(o)
    cands |= {o for o in others if _of_place(ws, o, text)}  # "Congress" … "Congress of the Philippines"
    if not cands and text:  # "Chrome" after "Google Chrome"
        tails = {o for o in others if len(nm.words(o)) == len(ws) + 1
                 and [w.casefold() for w in nm.words(o)][1:] == low and nm.capitalized(nm.words(o)[0])
                 and not _common_word(nm.words(o)[0], text)
                 and 0 <= _first(o, text) <= _first(name.strip(), text)}
        cands = tails
    lead = ante.unique(cands)
    if lead is None and text:
        lead = _introduced(name, others, phrases or set(), text)
    return lead if lead is not None and not is_place(name, text) else None
