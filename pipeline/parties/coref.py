"""Same-article coreference: which of an article's party names are one party, by what its text says.

Rules, in order, each linking a name to a "lead" (a longer name of the same party, from the
claims or from the text):

1. definition: the text defines it, "Amazon Web Services (AWS)", "Ardent Motors Corp. (“Ardent”)", or
   gives its stock's symbol, "Apple shares (AAPL)", "Apple Inc. (NASDAQ: AAPL)" (`tickers`);
2. acronym: an all-capitals name whose letters are the initials of exactly one other name of the
   article or capitalized phrase of its text ("AWS" ↔ "Amazon Web Services");
3. short form: the name plus company-type words only ("Skyline" ↔ "Skyline Regional",
   "Ardent" ↔ "Ardent Motors", from the claims or where the text first writes the name), or the
   start of one compound word ("Daimler" ↔ "DaimlerChrysler
   AG"), when exactly one such longer name is in the article and the short one is no place
   ("Japan" is never "Japan Airlines"); a longer name that adds any other word ("Google Cloud",
   "Amazon Web Services", "Tesco Polska") is another party;
   Also: the owner of an aspect ("ScanPoint's shares"), the name with its country ("Congress of
   the Philippines"), a clipped word ("Fed"), a capital beside its country ("Tokyo" ↔ "Japan")
   (`shortform`);
4. surname: "Hurley" ↔ "Doug Hurley" when the longer one is a person's name; a shorter given name
   ("Tim Cook" ↔ "Timothy D. Cook") or the given name alone ("Steve" ↔ "Steve Jobs") (`given`);
5. descriptor (`antecedent.lead_of`): "the airline" → the name the text sets beside it, else the
   one party of that kind the article names ("Juniper Airways, the low-cost carrier"), else the
   one name with its head word ("the authority"), else its nearest fitting antecedent ("The
   company said"). None → the descriptor is dropped as generic.
Before 2, two claim names written "A (B)" are one party (`antecedent.paired`), and a role is the
one person the text names in it ("the President" ↔ "President Rodrigo Duterte", "Dave Lewis, CEO
of Tesco": `roles`). "another automaker", "a rival carrier" never take a lead: they are marked as
some other party than the one named beside them.

Pure text work (regular expressions); spaCy is asked about a single short name only to tell a
place or a person from an organization, and only when a rule needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.parties import antecedent as ante
from pipeline.parties import country as ctry
from pipeline.parties import forms as gov_forms
from pipeline.parties import given
from pipeline.parties import politics
from pipeline.parties import names as nm
from pipeline.parties import roles
from pipeline.parties.beside import named_beside
from pipeline.parties.generic import descriptor, entity_type, is_generic, is_group
from pipeline.parties.shortform import DESIGNATORS, is_place, short_form

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


_TICKER = re.compile(r"(?<![\w-])([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*){0,3})(?:['’]s)?(?:,?\s+(?:Inc|Corp|Co|Ltd|plc)\.?)?"
                     r"(?:\s+(?:shares|stock)\s*\(\s*(?:[A-Za-z]+\s*:\s*)?|\s*\(\s*[A-Za-z]+\s*:\s*)([A-Z]{1,5})\s*\)")


def tickers(text: str) -> list[tuple[str, str]]:
    """(company, ticker) for "Apple shares (AAPL)", "Apple Inc. (NASDAQ: AAPL)": a stock's symbol in
    brackets after the company's name is that company, whatever its letters."""
    return [(m.group(1), m.group(2)) for m in _TICKER.finditer(text)]


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


def _model_number(name: str, named: list[str]) -> str | None:
    """The one claim name holding the model number `name` is ("787" → "787 Dreamliner"): a word
    that starts with a digit, alone, names the model the article names with it."""
    ws = [w for w in nm.words(name) if w.casefold() != "the"]
    if len(ws) != 1 or not ws[0][:1].isdigit() or not any(c.isalpha() for c in ws[0]) and len(ws[0]) < 3:
        return None
    code = ws[0].casefold()
    return ante.unique({o for o in named if o != name and len(nm.words(o)) > 1
                        and code in (w.casefold() for w in nm.words(o))})


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
    defs = [*definitions(text), *tickers(text)] if text else []
    for long, short in defs:
        if nm.is_acronym(short):
            co.acronyms.setdefault(nm.name_key(long), set()).add(nm.acronym_of(short))
    def_of = {nm.name_key(s): lg for lg, s in defs}
    named = [n for n in uniq if not is_generic(n) and descriptor(n) is None and not is_group(n, text)]
    phrases = {p for p in _PHRASE.findall(text)} if text else set()
    groups = [n for n in uniq if n not in named and descriptor(n) is None and not is_generic(n)]
    for n in uniq:  # "UOKiK, the Polish anti-monopoly agency"; "Juniper Airways, the low-cost carrier"
        if not nm.is_acronym(n) and (lead := ante.apposition(n, [o for o in named if o != n], text)) is not None:
            if not nm.capitalized(nm.words(lead)[0]) and nm.capitalized(nm.words(n)[0]) and lead not in co.lead:
                co.lead[lead] = (n, "coreference")  # "the primary UK index, the FTSE 100": the name leads
            else:
                co.lead[n] = (lead, "coreference")
    for n in uniq:  # "the President" … "Philippine President Rodrigo Duterte"; "Dave Lewis, CEO of Tesco"
        if n not in co.lead and (lead := roles.person_for(n, named, text)) is not None:
            co.lead[n] = (lead, "coreference")
    for n in uniq:  # "Liberals" beside "Liberal Party"; "Senator Warren"; "the appeals court"
        if n not in co.lead and ((lead := politics.party_of(n, named)) is not None
                                 or (lead := politics.titled_person(n, named, _is_person)) is not None):
            co.lead[n] = (lead, "coreference")
    for n in uniq:  # "United States airframer Boeing", "Fritz Henderson, the current chief operating officer"
        if n not in co.lead and (lead := named_beside(n, named, text)) is not None:
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
        elif (lead := short_form(_owner(n), others, text, phrases)) is not None \
                or (lead := _surname(n, others)) is not None \
                or (lead := given.shorter_name(n, others, _is_person)) is not None \
                or (lead := given.given_name(n, others, text, _is_person)) is not None \
                or (lead := _clipped(n, others)) is not None:
            co.lead[n] = (lead, "coreference")
    for n in uniq:  # "the appeals court" → "Second Circuit Court of Appeals"; "the Court" → the one court
        if n not in co.lead and (lead := politics.court_of(n, named, text, lambda c: (co.resolve(c) or (c, ""))[0])):
            co.lead[n] = (lead, "coreference")
    countries = {c: n for n in named if (c := ctry.country_name(n)) is not None}
    for n in named:  # "If Tokyo declines" after "Japan has not said": the capital is its country
        c = ctry.CAPITALS.get(" ".join(w.casefold() for w in nm.words(n)))
        if n not in co.lead and c is not None and c in countries:
            co.lead[n] = (countries[c], "coreference")
    for n in uniq:  # "the federal government" in an article naming one country's: that government
        if n not in co.lead and ((head := gov_forms.bare_government(n)) is not None
                                 or (head := politics.pronoun_government(n)) is not None):
            govs: dict[str, list[str]] = {}
            for c in named:
                if (f := gov_forms.country_form(c)) is not None and f.endswith("|" + head):
                    govs.setdefault(f, []).append(c)
            firsts = {sorted(cs, key=lambda c: (-len(c), c))[0]: cs for cs in govs.values()}
            lead = next(iter(firsts)) if len(firsts) == 1 else ante.salient(set(firsts), firsts, text)
            if lead is None and not firsts:  # no country's: the one "Johnson's government", "Hong Kong government"
                lead = politics.owned_government(n, uniq)
            if lead is not None:  # one country's, or the one the article names most
                co.lead[n] = (lead, "coreference")
    for n in uniq:  # "the 787" after "787 Dreamliner", "3GS" after "iPhone 3GS": a model by its number
        if n not in co.lead and (lead := _model_number(n, named)) is not None:
            co.lead[n] = (lead, "coreference")
    for n in named:  # "the Obama administration" in an article naming the US administration and Obama
        ws = nm.words(n)
        if n in co.lead or len(ws) != 2 or ws[1].casefold() != "administration" or ctry.country_of_word(ws[0]):
            continue
        holders = [o for o in named if o != n and nm.words(o)[-1:] == ws[:1] and _is_person(o)]
        admins = {gov_forms.country_form(c) or "": c for c in named
                  if (gov_forms.country_form(c) or "").endswith("|administration")}
        if holders and len(admins) == 1:
            co.lead[n] = (next(iter(admins.values())), "coreference")
    for n in uniq:  # "the canal authority" after "Panama Canal Authority"
        if n not in co.lead and (lead := ante.lowercase_head(n, [o for o in named if o != n])) is not None:
            co.lead[n] = (lead, "coreference")
    for n in named:  # "Skyline's shares" goes where "Skyline" goes
        if n not in co.lead:
            twin = next((o for o in named if o != n and o in co.lead and nm.name_key(o) == nm.name_key(n)), None)
            if twin is not None:
                co.lead[n] = co.lead[twin]
    proper = [c for c in named if not nm.anaphor(c) and not roles.is_role(c)]  # not "the President"
    people = {co.lead[n][0] for n in uniq if n in co.lead and roles.is_role(n)}  # "the plaintiff, Eva ..."
    for n in uniq:
        desc = descriptor(n)
        if n in named or desc is None or n in co.lead or nm.distinct(n):
            continue  # "another automaker" is not the automaker the text names
        resolved: dict[str, str] = {}
        for c in proper:
            r = co.resolve(c)
            resolved[c] = r[0] if r else c
        forms: dict[str, list[str]] = {}
        for c, lead_name in resolved.items():
            forms.setdefault(lead_name, []).append(c)  # "Dow" is a form of "Dow Jones Industrial Average"
        lead = ante.lead_of(n, desc, list(dict.fromkeys(resolved.values())), proper, text,
                            lambda c: _is_person(c) or c in people or _is_person(resolved.get(c, c)),
                            lambda c: is_place(c, text), forms)  # "Papermaster" is "Mark Papermaster"
        if lead is not None:
            co.lead[n] = (lead, "coreference")
        elif desc[0] is None:  # "the airline" with no single airline; "X's partner" stays a party
            co.dropped.add(n)
    return co
