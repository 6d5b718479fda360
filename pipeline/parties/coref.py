"""Same-article coreference: which of an article's party names are one party, by what its text says.

Rules, in order, each linking a name to a "lead" (a longer name of the same party, from the
claims or from the text):

1. definition: the text defines it, "Amazon Web Services (AWS)", "Ardent Motors Corp. (“Ardent”)";
2. acronym: an all-capitals name whose letters are the initials of exactly one other name of the
   article or capitalized phrase of its text ("AWS" ↔ "Amazon Web Services");
3. short form: the name plus company-type words only ("Skyline" ↔ "Skyline Regional",
   "Ardent" ↔ "Ardent Motors", from the claims or where the text first writes the name), or the
   start of one compound word ("Daimler" ↔ "DaimlerChrysler
   AG"), when exactly one such longer name is in the article and the short one is no place
   ("Japan" is never "Japan Airlines"); a longer name that adds any other word ("Google Cloud",
   "Amazon Web Services", "Tesco Polska") is another party;
   Also: the owner of an aspect ("ScanPoint's shares"), the name with its country ("Congress of
   the Philippines"), a clipped word ("Fed"), a capital beside its country ("Tokyo" ↔ "Japan");
4. surname: "Hurley" ↔ "Doug Hurley" when the longer one is a person's name;
5. descriptor (`antecedent.lead_of`): "the airline" → the name the text sets beside it, else the
   one party of that kind the article names ("Juniper Airways, the low-cost carrier"), else the
   one name with its head word ("the authority"), else its nearest fitting antecedent ("The
   company said"). None → the descriptor is dropped as generic.
Before 2, two claim names written "A (B)" are one party (`antecedent.paired`).

Pure text work (regular expressions); spaCy is asked about a single short name only to tell a
place or a person from an organization, and only when a rule needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.parties import antecedent as ante
from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.generic import descriptor, entity_type, is_generic, is_group

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
    "therapeutics", "bank", "compute", "airport", "grocers", "lines",
}
_CAP = r"[A-Z][\w&'’.-]*"
_PHRASE = re.compile(_CAP + r"(?:\s+(?:(?:of|and|&|for|de|the)\s+)?" + _CAP + r")*")


@dataclass
class ArticleCoref:
    """One article's names: the lead each alias resolves to, and the acronyms its text defines."""

    lead: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (lead name, rule)
    acronyms: dict[str, set[str]] = field(default_factory=dict)  # name_key(long form) -> {"AWS"}
    dropped: set[str] = field(default_factory=set)  # descriptors with no single referent

    def resolve(self, name: str) -> tuple[str, str] | None:
        """The final lead of `name` (following chains), with the rule of its first step."""
        first = self.lead.get(name)
        if first is None:
            return None
        cur, seen = first[0], {name}
        while cur in self.lead and cur not in seen:
            seen.add(cur)
            cur = self.lead[cur][0]
        return (cur, first[1]) if cur != name else None


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


def definitions(text: str) -> list[tuple[str, str]]:
    """(long form, short form) for every "Long Form (LF)" / "Long Form ("Short")" in the text."""
    out: list[tuple[str, str]] = []
    for m in re.finditer(r"\(\s*(?:the\s+)?[\"“']?([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})[\"”']?\s*[,;)]", text):
        short = m.group(1)
        before = text[max(0, m.start() - 120):m.start()].rstrip()
        before = re.sub(r",?\s*(?:Inc|Corp|Co|Ltd|LLC|plc|AG|SA)\.?$", "", before)
        toks = before.split()
        run: list[str] = []
        for t in reversed(toks):
            bare = t.strip(",;:“”\"'")
            if bare != t and run:
                break
            if bare[:1].isupper() or (run and bare.casefold() in nm.FUNCTION_WORDS):
                run.insert(0, bare)
            else:
                break
        while run and run[0].casefold() in nm.FUNCTION_WORDS:
            run = run[1:]
        for i in range(len(run)):  # the longest run whose initials fit
            cand = " ".join(run[i:])
            if run[i].casefold() in nm.FUNCTION_WORDS:
                continue
            if nm.is_acronym(short) and nm.acronym_fits(short, cand):
                out.append((cand, short))
                break
            sw = [w.casefold() for w in nm.words(short)]
            cw = [w.casefold() for w in nm.words(cand)]
            if not nm.is_acronym(short) and sw and cw and (
                    (len(cw) > len(sw) and cw[:len(sw)] == sw)
                    or (len(sw) == 1 and len(cw[0]) > len(sw[0]) >= 4 and cw[0].startswith(sw[0]))
                    or (i == 0 and len(sw) >= 2 and len(cw) >= 2)):  # "Supreme Court (Oberster Gerichtshof)"
                out.append((cand, short))
                break
    return out


def _designated(short: list[str], long: list[str]) -> bool:
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
    "Japan Airlines" are kept apart by the place test of `_short_form`)."""
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
        first, alone = _first(o, text), _alone(short, o, text)
        if first < 0 or (alone and alone[0] < first):
            continue
        if _a_unit(short, o, text):
            continue
        if any(w.casefold() in nm.CORPORATE or w.casefold() in DESIGNATORS for w in extra) \
                or not any(_alone(w, o, text) for w in adjacent if len(w) > 1):
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


def _short_form(name: str, others: list[str], text: str, phrases: set[str] | None = None) -> str | None:
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
    cands = {o for o in longer if _designated(ws, nm.words(o))}
    if text and (cont := _continuation(name.strip(), text)) is not None and _designated(ws, cont.split()):
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


def _acronym(name: str, others: list[str], phrases: set[str]) -> str | None:
    if not nm.is_acronym(name):
        return None
    lead = ante.unique({o for o in others if not nm.is_acronym(o) and nm.acronym_fits(name, o)})
    return lead or ante.unique({p for p in phrases if nm.acronym_fits(name, p)})


def _surname(name: str, others: list[str]) -> str | None:
    ws = nm.words(name)
    if len(ws) != 1 or not nm.capitalized(ws[0]) or nm.is_acronym(name):
        return None
    cands = {o for o in others
             if 2 <= len(nm.words(o)) <= 4 and nm.words(o)[-1] == ws[0]
             and all(nm.capitalized(w) or w.casefold() in nm.FUNCTION_WORDS for w in nm.words(o))}
    lead = ante.unique(cands)
    titled = lead is not None and nm.strip_title(lead) != lead  # "President Rodrigo Duterte"
    return lead if lead is not None and (titled or entity_type(nm.strip_title(lead)) == "PERSON") else None


def _owner(name: str) -> str:
    """"ScanPoint's shares" is ScanPoint in news about who wins (`names.possessive`)."""
    parts = re.split(r"['’]s\s+", nm.clean(name), maxsplit=1)
    return parts[0] if len(parts) == 2 and nm.possessive(name) is None else name


def _clipped(name: str, others: list[str]) -> str | None:
    """A clipped word: "Fed" for the one name whose first word it starts and whose first word goes
    on in lower case, in a name of two words or more ("Federal Reserve", "U.S. Federal Reserve")."""
    ws = [w for w in nm.words(name) if w.casefold() != "the"]
    if len(ws) != 1 or nm.is_acronym(ws[0]) or not 3 <= len(ws[0]) <= 5 or not nm.capitalized(ws[0]) \
            or entity_type(ws[0]) in ("GPE", "LOC", "NORP"):  # "Niger" is no clipped "Nigeria"
        return None
    cands = set()
    for o in others:
        core = nm.name_key(o).split()
        if len(core) < 2:
            continue  # "Intel" is no clipped "Intelsat": only a word of a longer name is clipped
        first = next((w for w in nm.words(o) if w.casefold() == core[0]), "") if core else ""
        if len(first) >= len(ws[0]) + 3 and first.startswith(ws[0]) and first[len(ws[0])].islower():
            cands.add(o)  # "Libya" + "n", "Cuba" + "n" are adjectives, not clippings
    return ante.unique(cands)


def _is_person(name: str) -> bool:
    """Titled, or a person to spaCy with no company word ("Halvorsen Lithography" is a firm)."""
    if nm.strip_title(name) != name:
        return True
    low = {w.casefold() for w in nm.words(name)}
    return entity_type(name) == "PERSON" and not low & (DESIGNATORS | nm.CORPORATE)


def analyze(names: list[str], text: str = "") -> ArticleCoref:
    """Coreference among one article's party names (claims as written) using its text."""
    co = ArticleCoref()
    uniq = list(dict.fromkeys(n for n in names if n.strip()))
    defs = definitions(text) if text else []
    for long, short in defs:
        if nm.is_acronym(short):
            co.acronyms.setdefault(nm.name_key(long), set()).add(nm.acronym_of(short))
    def_of = {nm.name_key(s): lg for lg, s in defs}
    named = [n for n in uniq if not is_generic(n) and descriptor(n) is None and not is_group(n, text)]
    phrases = {p for p in _PHRASE.findall(text)} if text else set()
    groups = [n for n in uniq if n not in named and descriptor(n) is None and not is_generic(n)]
    for n in uniq:  # "UOKiK, the Polish anti-monopoly agency"; "Juniper Airways, the low-cost carrier"
        if not nm.is_acronym(n) and (lead := ante.apposition(n, [o for o in named if o != n], text)) is not None:
            co.lead[n] = (lead, "coreference")
    for g in groups:  # "American hyperscalers" are the article's "hyperscalers"
        gw = [w.casefold() for w in nm.words(g)]
        bare = {h for h in groups if 0 < len(hw := [w.casefold() for w in nm.words(h)]) < len(gw)
                and gw[-len(hw):] == hw}  # "pharmacy benefit managers" … "benefit managers"
        if g not in co.lead and (lead := ante.unique(bare)) is not None:
            co.lead[g] = (lead, "coreference")
    pairs = ante.paired(named, text)
    for short, long in pairs.items():  # "Kurdistan Workers Party (PKK)"
        if short not in co.lead:
            co.lead[short] = (long, "acronym" if nm.is_acronym(short) else "coreference")
            if nm.is_acronym(short):
                co.acronyms.setdefault(nm.name_key(long), set()).add(nm.acronym_of(short))
    for n in named:
        others = [o for o in named if nm.name_key(o) != nm.name_key(n)]
        key = nm.name_key(n)
        if n in co.lead or n in pairs.values():  # a pair's long form leads: no further
            continue
        if key in def_of and nm.name_key(def_of[key]) != key:
            co.lead[n] = (def_of[key], "acronym" if nm.is_acronym(n) else "coreference")
        elif (lead := _acronym(n, others, phrases)) is not None:
            co.lead[n] = (lead, "acronym")
            co.acronyms.setdefault(nm.name_key(lead), set()).add(nm.acronym_of(n))
        elif (lead := _short_form(_owner(n), others, text, phrases)) is not None \
                or (lead := _surname(n, others)) is not None or (lead := _clipped(n, others)) is not None:
            co.lead[n] = (lead, "coreference")
    countries = {c: n for n in named if (c := ctry.country_name(n)) is not None}
    for n in named:  # "If Tokyo declines" after "Japan has not said": the capital is its country
        c = ctry.CAPITALS.get(" ".join(w.casefold() for w in nm.words(n)))
        if n not in co.lead and c is not None and c in countries:
            co.lead[n] = (countries[c], "coreference")
    for n in uniq:  # "the canal authority" after "Panama Canal Authority"
        if n not in co.lead and (lead := ante.lowercase_head(n, [o for o in named if o != n])) is not None:
            co.lead[n] = (lead, "coreference")
    for n in named:  # "Skyline's shares" goes where "Skyline" goes
        if n not in co.lead:
            twin = next((o for o in named if o != n and o in co.lead and nm.name_key(o) == nm.name_key(n)), None)
            if twin is not None:
                co.lead[n] = co.lead[twin]
    for n in uniq:
        desc = descriptor(n)
        if n in named or desc is None or n in co.lead:
            continue
        leads = list(dict.fromkeys(r[0] if (r := co.resolve(c)) else c for c in named))
        lead = ante.lead_of(n, desc, leads, named, text, _is_person, lambda c: is_place(c, text))
        if lead is not None:
            co.lead[n] = (lead, "coreference")
        elif desc[0] is None:  # "the airline" with no single airline; "X's partner" stays a party
            co.dropped.add(n)
    return co
