"""What a party name is made of: its words, key, initials, possessive owner, head noun.

Every rule of the resolver reads names through these helpers, so "Amazon's cloud unit",
"President Bashar al-Assad" and "Wal-Mart" are taken apart the same way everywhere. Pure string
work, no model: linking one article's names must stay in the milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipeline.parties.places import FORM
from pipeline.text.parties import party_key

FUNCTION_WORDS = {"of", "and", "&", "the", "for", "de", "du", "la", "le", "von", "van", "der", "del",
                  "in", "on", "at", "a", "an", "to", "y", "et"}
CORPORATE = {"inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
             "plc", "ag", "sa", "gmbh", "nv", "se", "lp", "llp"}
# a person's title before the name is not a distinguishing word ("President Rodrigo Duterte")
# (only words no company name starts with: not "General", "King", "Justice")
TITLES = ("prime minister", "vice president", "chief executive", "president", "chancellor",
          "senator", "sen", "governor", "gov", "mr", "mrs", "ms", "dr", "ceo", "chairman",
          "chairwoman", "minister", "secretary", "pope", "mayor", "sir", "sheikh", "emir", "premier")
_TITLE_WORDS = {"president", "minister", "secretary", "chancellor", "governor", "senator", "ceo", "chairman",
                "chairwoman", "spokesperson", "spokesman", "ambassador", "mayor", "premier", "commissioner"}
# "X's <role>" names another party than X: its partner, unit, rival, workers ...
ROLE_NOUNS = {"partner", "partners", "rival", "rivals", "competitor", "competitors", "supplier", "suppliers",
              "customer", "customers", "client", "clients", "unit", "division", "arm", "subsidiary",
              "subsidiaries", "parent", "owner", "owners", "ceo", "executive", "executives", "founder",
              "founders", "union", "unions", "workers", "employees", "staff", "pilots", "lawyers", "regulator",
              "regulators", "dealers", "licensee", "licensor", "lender", "lenders", "creditors", "buyer",
              "buyers", "seller", "acquirer", "affiliate", "affiliates", "venture", "spinoff", "spin-off",
              "board", "management", "contractor", "contractors", "vendor", "vendors", "users", "drivers",
              "spokesperson", "spokesman", "spokeswoman", "director", "directors", "president", "chairman",
              "official", "officials", "adviser", "advisers", "advisor", "aide", "aides", "minister",
              "ministry", "government", "administration", "association", "council", "committee",
              "federation", "foundation", "stockholders", "shareholders", "investors", "bondholders",
              "members", "fans", "team", "family", "wife", "husband", "son", "daughter", "program",
              "programme", "project", "user", "customer", "employee", "worker", "pilot", "passengers"}
HOLDERS = {"shareholders", "stockholders", "investors", "bondholders"}  # not the company itself
# "X's <aspect>" is X itself in news about who wins: its stock, its profits, its economy. Any other
# head ("X's cybersecurity agency", "X's licensing partner") names another party.
ASPECTS = {"stock", "stocks", "share", "shares", "price", "prices", "profit", "profits", "earnings",
           "revenue", "revenues", "sales", "results", "business", "businesses", "value", "valuation",
           "bonds", "debt", "brand", "reputation", "fortunes", "fortune", "outlook", "margins", "margin",
           "growth", "position", "finances", "prospects", "future", "economy", "bid", "offer", "plan",
           "plans", "appeal", "case", "lawsuit", "claim", "bottom line", "market share", "market value",
           "share price", "stock price", "credit rating", "rating", "ratings", "income", "output",
           "exports", "imports", "budget", "performance", "standing", "influence", "dominance", "lead",
           "strategy", "deal", "chances", "hopes", "coffers", "balance sheet", "cash", "costs"}
# singular common nouns that describe a party ("the airline", "Kaupthing bank", "Iranian airline X")
DESCRIPTORS = {
    "company", "firm", "group", "business", "carrier", "airline", "automaker", "carmaker", "bank",
    "lender", "insurer", "retailer", "chain", "grocer", "unit", "division", "subsidiary", "arm",
    "startup", "start-up", "chipmaker", "maker", "manufacturer", "operator", "utility", "developer",
    "provider", "platform", "network", "lab", "giant", "conglomerate", "brand", "supplier", "partner",
    "broker", "exchange", "fund", "airport", "railroad", "pharmacy", "distributor", "foundry", "vendor",
    "publisher", "studio", "producer", "refiner", "miner", "kingdom", "country", "nation", "regulator",
    "agency", "automaker", "bank", "airframer", "index", "pipeline", "project",
}
_GOV = {"department", "federal", "secretary", "army", "navy", "air", "treasury", "senate", "congress",
        "supreme", "justice", "embassy", "government", "military", "commerce", "state"}
_US = ("united states", "u s", "us")
# the last word of a public body's name: a country before it is no distinguishing word
_BODIES = {"commission", "department", "agency", "administration", "bureau", "reserve", "service", "office",
           "board", "court", "authority", "institute", "council", "congress", "senate", "treasury"}
_DEMONYM = re.compile(r"(?:ish|ese|ian|ean|an|ic|i)$")
IRREGULAR_PLURALS = {"people", "staff", "police", "media", "children", "men", "women", "personnel",
                     "folks", "crew", "crews", "public", "management", "workforce"}
_NOT_PLURAL_ENDINGS = ("ss", "us", "is", "ous", "ics")
_WORD = re.compile(r"[^\W_][\w&'’.+-]*|&")


def clean(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\*\*|__|[`\"]", "", s).strip()


def words(name: str) -> list[str]:
    """The words as written (case kept), possessive "'s" and trailing dots dropped."""
    out = []
    for w in _WORD.findall(clean(name)):
        w = re.sub(r"'s$|'$", "", w).rstrip(".")
        if w:
            out.append(w)
    return out


def possessive(name: str) -> tuple[str, str] | None:
    """("Amazon", "cloud unit") for "Amazon's cloud unit" when the rest names another party than
    the owner (a role: partner, unit, spokesperson, shareholders; or a name of its own: "NASA's
    Commercial Crew Program"); None for "Microsoft's stock" or a name with no possessive."""
    m = re.match(r"^(.+?)'s?\s+(.+)$", clean(name))
    if not m:
        return None
    rest = m.group(2).strip()
    low = rest.casefold().split()
    if not low:
        return None
    named = any(capitalized(w) for w in rest.split())
    aspect = low[-1] in ASPECTS or " ".join(low[-2:]) in ASPECTS
    return (m.group(1).strip(), rest) if named or low[-1] in ROLE_NOUNS or not aspect else None


def core_words(name: str) -> list[str]:
    """The words that name the party: "Iranian airline Mahan Air" → Mahan Air, "US Secretary of
    State Mike Pompeo" → Mike Pompeo, "The Boeing airframe company" → Boeing, "United States
    Department of Transportation" → Department of Transportation."""
    ws = words(name)
    low = [w.casefold() for w in ws]
    # a descriptor before a name: "Iranian airline Mahan Air"
    for i in range(len(ws) - 2, -1, -1):
        if low[i] in DESCRIPTORS and not capitalized(ws[i]) and all(capitalized(w) for w in ws[i + 1:]):
            return ws[i + 1:]
    # a title before a person: "Indian Prime Minister Narendra Modi", "US Secretary of State Mike Pompeo"
    title_at = [i for i, w in enumerate(low) if w in _TITLE_WORDS]
    if title_at:
        j = title_at[-1] + 1
        if j < len(ws) - 1 and low[j] == "of":
            j += 3 if low[j + 1] == "the" else 2
        rest = ws[j:]
        for k in (3, 2, 1):  # "President of the United States": the office's country is no person
            if len(rest) >= k and " ".join(w.casefold().replace(".", "") for w in rest[:k]) in FORM:
                rest = rest[k:]
                break
        if 2 <= len(rest) <= 4 and all(capitalized(w) for w in rest):
            return rest
    # a name before a descriptor: "Kaupthing bank", "The Boeing airframe company"
    if len(ws) >= 2 and low[-1] in DESCRIPTORS and not capitalized(ws[-1]):
        caps = [i for i, w in enumerate(ws) if capitalized(w) and low[i] not in FUNCTION_WORDS]
        if caps and all(not capitalized(w) for w in ws[caps[-1] + 1:]):
            head = [w for w in ws[:caps[-1] + 1] if w.casefold() not in ("the", "a", "an")]
            if head and not (len(head) == 1 and _DEMONYM.search(head[0])) and not _country(head):
                return head  # not "Polish agency", not "United States airframer" (no country)
    # the country before a government body
    joined = " ".join(w.replace(".", " ").strip() for w in low)  # "U.S." is "u s"
    for us in _US:
        n = len(us.split())
        if joined.startswith(us + " ") and len(ws) - n >= 2 and low[n] in _GOV:
            return ws[n:]
        if joined.startswith(us + " ") and ws[0].casefold().replace(".", "") in ("us", "u") and low[-1] in _BODIES \
                and len(ws) >= 3 and all(capitalized(w) or w.casefold() in FUNCTION_WORDS for w in ws[1:]):
            return ws[1:]  # "U.S. Securities and Exchange Commission", "US Federal Reserve"
    return ws


def _country(ws: list[str]) -> bool:
    """A country's name or word ("United States", "Surinam"): before a descriptor it describes."""
    named = [w for w in ws if capitalized(w)]  # "large Korean" describes as "Korean" does
    return bool(named) and " ".join(" ".join(w.casefold().replace(".", " ").split()) for w in named) in FORM


def strip_title(key: str) -> str:
    """"president rodrigo duterte" → "rodrigo duterte"; a display name keeps its case
    ("President Rodrigo Duterte" → "Rodrigo Duterte")."""
    low = key.casefold()
    for t in TITLES:
        if low.startswith(t + " ") and len(key.split()) > len(t.split()) + 1:
            return key[len(t) + 1:]
    return key


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The grouping key: `party_key`, except that "X's partner" stays apart from X and a person's
    title is dropped ("President Rodrigo Duterte" → "rodrigo duterte")."""
    pos = possessive(name)
    if pos is not None:
        return f"{party_key(pos[0])}'s {' '.join(w.casefold() for w in words(pos[1]))}"
    ws = words(name)
    if len(ws) > 1 and ws[-1].casefold() in HOLDERS:  # "FreshWay shareholders" are not FreshWay
        return f"{party_key(' '.join(ws[:-1]))} {ws[-1].casefold()}"
    core = core_words(name)
    key = strip_title(party_key(" ".join(core) if core != ws else clean(name)))
    return re.sub(r"\s*[&+-]+$", "", key)


def compact(key: str) -> str:
    """Spaces, hyphens and punctuation dropped: "wal-mart" and "walmart" agree."""
    return re.sub(r"[\W_]+", "", key)


def is_acronym(name: str) -> bool:
    """"AWS", "IBM", "P&G", "IE6", "UOKiK": short, one word, mostly capitals."""
    s = clean(name).replace(".", "")
    s = re.sub(r"'s$", "", s)
    if not (2 <= len(s) <= 7) or " " in s or not s[0].isupper():
        return False
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= max(2, len(letters) - 1)


def acronym_of(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9&]", "", re.sub(r"'s$", "", clean(name))).upper()


def acronym_fits(acronym: str, name: str) -> bool:
    """The acronym as written is the long name's initials: "AWS", "PG&E" (the "&" is "and"),
    "AfCFTA" (lower-case letters continue a word: *Af*rican *C*ontinental ...)."""
    acr = acronym_of(acronym)
    inits = initials(name)
    if acr in inits or acr.replace("&", "") in inits or acr.replace("&", "A") in inits:
        return True
    segs = re.findall(r"[A-Z][a-z]*|\d+", re.sub(r"[^A-Za-z0-9]", "", re.sub(r"'s$", "", clean(acronym))))
    ws = [w for w in words(name) if w.casefold() not in CORPORATE and w.casefold() not in FUNCTION_WORDS]
    return len(segs) >= 3 and len(segs) == len(ws) and any(len(sg) > 1 for sg in segs) \
        and all(w.casefold().startswith(sg.casefold()) for sg, w in zip(segs, ws))


def initials(name: str) -> set[str]:
    """The acronyms a long name may go by: "Amazon Web Services" → {"AWS"}, "Bank of America" →
    {"BA", "BOA"}; corporate suffixes and titles never count."""
    ws = [w for w in words(name) if w.casefold() not in CORPORATE]
    if len(ws) < 2:
        return set()
    def cut(word: str) -> str:  # "Procter" → P, "X-Ray" → X, "SpaceX" → S
        return word[0].upper()
    content = "".join(cut(w) for w in ws if w.casefold() not in FUNCTION_WORDS)
    every = "".join(cut(w) if w != "&" else "&" for w in ws)
    hyphen = "".join(cut(p) for w in ws if w.casefold() not in FUNCTION_WORDS for p in w.split("-") if p)
    return {s for s in (content, every, every.replace("&", ""), hyphen) if len(s) >= 2}


def plural(word: str) -> bool:
    w = word.casefold()
    if w in IRREGULAR_PLURALS:
        return True
    return len(w) > 3 and w.endswith("s") and not w.endswith(_NOT_PLURAL_ENDINGS) and w.isalpha()


def capitalized(word: str) -> bool:
    """"Apple", "al-Assad" (a capital after a hyphen counts)."""
    return word[:1].isupper() or any(p[:1].isupper() for p in word.split("-")[1:])


def digits(key: str) -> str:
    return "".join(re.findall(r"\d+", key))


# words a person's role is made of ("the President", "CEO of Tesco", "Merkel's spokesperson")
ROLE_WORDS = _TITLE_WORDS | {"chairperson", "ceo", "cfo", "coo", "chief", "executive", "officer", "founder", "director",
                             "chancellor", "king", "queen", "prince", "pope", "plaintiff", "defendant",
                             "claimant", "prosecutor", "judge", "leader", "head", "envoy", "representative",
                             "congressman", "congresswoman", "lawmaker", "legislator"}
_ANAPHOR_DETERMINERS = {"the", "a", "an", "another", "other", "this", "that"}
# "another automaker", "a rival carrier": a party other than the one the text just named
_DISTINCT = {"another", "other", "rival", "different", "second", "competing"}


@lru_cache(maxsize=65536)
def anaphor(name: str) -> bool:
    """A determiner and common words only ("the index", "The network", "the President", "another
    automaker"): it stands for whoever its own article means, never for a name across articles."""
    ws = words(name)
    if len(ws) < 2 or len(ws) > 4 or ws[0].casefold() not in _ANAPHOR_DETERMINERS:
        return False
    rest = ws[1:]
    if plural(rest[-1]):
        return False
    return all(not capitalized(w) or w.casefold() in ROLE_WORDS for w in rest)


def distinct(name: str) -> bool:
    """"another automaker", "a rival carrier", "other lender": marked as a party other than the
    named one beside it (never its antecedent)."""
    raw = words(name)
    ws = [w.casefold() for w in raw]
    if len(ws) < 2 or capitalized(raw[-1]):
        return False  # "Another Round Inc" is a name
    return ws[0] in _DISTINCT or (len(ws) > 2 and ws[0] in ("a", "an", "the") and ws[1] in _DISTINCT)
