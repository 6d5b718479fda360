"""People named by their role in one article: "the President", "CEO of Tesco", "Angela Merkel's
spokesperson", "Egyptian foreign minister" are the one person the text names in that role, either
right after it ("Philippine President Rodrigo Duterte", "Merkel's spokesperson, Steffen Seibert",
"the plaintiff, Eva Glawischnig-Piesczek") or apposed before it ("Dave Lewis, CEO of Tesco").

Used by `coref`; pure text work. A role the text gives to two people (or to none) has no lead.
"""

from __future__ import annotations

import re

from pipeline.parties import names as nm

# a word of a person's name: "Duterte", "Erdoğan", "el-Sisi", "O'Brien", an initial "F."
_TOKEN = r"[A-Z]\.|(?:Jr|Sr)\.|(?:[a-z]{1,3}-)?[A-Z][\w'’-]*"  # the initial first: "Timothy D. Cook" is not "Timothy D"; "William Clay Ford Jr."
_PERSON = rf"(?:{_TOKEN})(?:\s+(?:{_TOKEN})){{0,3}}"
# "then-Governor X" held the role when the story's events happened: the role's holder for its claims
_FORMER = re.compile(r"(?i:\b(?:former|ex-|late|acting|outgoing|previous)(?:\s+\S+)?\s*)$")
# a capitalized word after a role that is no person ("the president declared last Friday")
_CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
             "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december"}
_TITLE_CAP = "|".join(sorted((w.capitalize() for w in nm.ROLE_WORDS), key=len, reverse=True))


def is_role(name: str) -> bool:
    """A role word ("president", "CEO", "spokesperson", "plaintiff") that no person's name follows
    ("President Rodrigo Duterte" is a name with its title)."""
    ws = nm.words(name)
    low = [w.casefold() for w in ws]
    at = [i for i, w in enumerate(low) if w in nm.ROLE_WORDS]
    if not at:
        return False
    after = ws[at[-1] + 1:]
    return not after or (low[at[-1] + 1] in ("of", "to", "for", "at") and len(after) <= 4)


def _core(name: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", nm.clean(name), flags=re.I)


def _people(role: str, text: str) -> tuple[list[str], list[str]]:
    """Every person the text writes right after the role or apposed before it: (holders, former
    holders). A former holder ("former Vice President Joe Biden"; "Michael Bloomberg, formerly the
    mayor") is the role's person only in an article that names no current one."""
    r = r"\s+".join(re.escape(w) for w in role.split())
    flat = re.sub(r"\s+", " ", text).replace("\u2019", "'")
    found: list[str] = []
    former: list[str] = []
    after = rf"(?<!\w)(?:(?<=then-)|(?<!-))(?i:{r}),?\s+(?:(?:{_TITLE_CAP})\s+)*(?P<p>{_PERSON})"
    # "Kelly, then the deputy director", "Warren, formerly a professor", "Kelly, then-Governor
    # Chris Christie's deputy chief of staff": apposed, the role's owner written before it
    # a name right after the role is its holder ("Kelly, then-Governor Chris Christie's deputy"),
    # unless the role ends a sentence ("..., executive chairman of Ford Motor Co. Ford Motor ...")
    next_name = "" if role.endswith(".") else r"(?!\s+[A-Z][a-z])"
    before = rf"(?P<p>{_PERSON}),\s+(?P<f>(?:then|formerly|once)[\s-]+)?(?:the\s+|an?\s+)?" \
             rf"(?:(?:current|incumbent|sitting)\s+)?(?:(?:[A-Z][\w.-]*\s+){{0,5}}[A-Z][\w.-]*'s\s+)?(?i:{r})(?![\w-]){next_name}"
    # "named Mary Barra as its new chief executive": the person a sentence names as the role
    named_as = rf"(?P<p>{_PERSON})\s+as\s+(?:(?:its|the|their|his|her)\s+)?(?:(?:new|next|interim|acting)\s+)?(?i:{r})(?![\w-])"
    for pat in (after, before, named_as):
        for m in re.finditer(pat, flat):
            was = (pat is after and _FORMER.search(flat[max(0, m.start() - 40):m.start()]) is not None) \
                or (pat is before and (m.group("f") or "").strip(" -").casefold() in ("formerly", "once"))
            ws = [re.sub(r"'s$", "", w) for w in m.group("p").split()]  # "Governor Chris Christie's deputy"
            if any(w.casefold() in _CALENDAR for w in ws):
                continue
            while ws and ws[0].casefold() in nm.ROLE_WORDS | nm.FUNCTION_WORDS:
                ws = ws[1:]  # "AU chairperson President Abdel Fattah el-Sisi"
            if ws and not any(w.rstrip(".").casefold() in nm.CORPORATE for w in ws):  # "Ford Motor Company" is no person
                (former if was else found).append(" ".join(ws[-4:]))
    return found, former


def person_for(name: str, named: list[str], text: str) -> str | None:
    """The person the article names in the role `name`: the claim name that is that person (its
    last word the person's surname), else the name as the text writes it; None unless exactly one
    person holds the role in the text."""
    if not text or not is_role(name):
        return None
    current, former = _people(_core(name), text)
    people = current or former  # "former Philippine President Ferdinand Marcos" yields to Duterte
    surnames = {nm.words(p)[-1].casefold(): p for p in people if nm.words(p)}
    if len(surnames) != 1:
        return None
    surname, person = next(iter(surnames.items()))
    claims = [c for c in named if c != name and not is_role(c) and nm.words(c)
              and nm.words(c)[-1].casefold() == surname]
    if claims:
        return max(claims, key=lambda c: (len(nm.words(c)), c))
    return person if len(nm.words(person)) >= 2 else None
