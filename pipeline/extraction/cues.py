"""Cue phrases and a small heuristic NER for the `small` extraction strategy.

Deterministic, explainable pieces a 135M model cannot do reliably: which phrases signal a
winner, a loser or something unchanged; which headings open such a section; and which noun
phrase is the party a sentence talks about (its subject, bold text, coordinated names).
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------------
# cues

_W = r"(?:^|(?<=[^\w-]))(?=\w)"
WIN_CUES = re.compile(
    _W + r"(?:wins?|winners?|winning|won|benefit(?:s|ed|ing)?|beneficiar(?:y|ies)|gains?|gained|"
    r"come(?:s)? out (?:ahead|fine|on top)|stands? to gain|pleased|upside|boost(?:s|ed)?|better off|"
    r"an opening|tailwind|windfall|leverage to|advantage|big(?:ger|gest)? payday|profit(?:s|able)?|"
    r"thrive|fortunes? change|stronger|better position)\b(?!-)", re.I)
LOSE_CUES = re.compile(
    _W + r"(?:los(?:e|es|ers?|ing)|lost|hurt(?:s)?|hit|exposed|suffer(?:s|ed)?|wrong side|pay more|"
    r"squeez(?:e|ed)|in trouble|harder|nervous|awkward|worse off|threat(?:ened|s)?|the other side of|"
    r"take (?:a |an )?(?:\w+ )?hit|weaker|downside|obvious target|at risk|victims?|casualt(?:y|ies)|"
    r"most exposed|face (?:a |an )?(?:\w+ )?(?:problem|choice|squeeze)|next in line)\b(?!-)", re.I)
SAME_CUES = re.compile(
    _W + r"(?:still|remains?|remained|unchanged|stays?|stayed|staying|(?:is|are|was|were|looks?) (?:exactly |"
    r"largely |much )?the same|the same as|not (?:be |being )?affected|unaffected|untouched|continues? to|"
    r"will continue|keeps?|will keep|kept|do(?:es)? not change|not chang\w*|in place|honou?red|"
    r"not being revised|no change|has not (?:added|withdrawn|changed))\b(?!-)", re.I)

HEADING_WIN = re.compile(r"\bwin|\bwinners?\b|\bbenefit|\bprofit|\bgain|\bupside|\bbeneficiar", re.I)
HEADING_LOSE = re.compile(r"\blos(?:e|es|ers?|ing)\b|\bpays?\b|\bhurt|\bdownside|\bpain\b", re.I)
HEADING_SAME = re.compile(r"\bstays?\b|\bsame\b|\bunchanged\b|\bnot change|\bremains?\b|\bdoesn.t change", re.I)

# ---------------------------------------------------------------------------------------------
# a small heuristic NER: the subject noun phrase, bold text, capitalized spans

_LEAD_WORDS = {"and", "but", "so", "also", "still", "meanwhile", "now", "then", "yet", "instead",
               "in practice", "for now", "first", "second", "third", "finally",
               "however", "even", "on paper", "at least", "against that"}
_VERBS = set("""is are was were be been being has have had will would can could may might must should
shall does do did win wins won lose loses lost gain gains benefit benefits face faces take takes
stand stands come comes see sees get gets keep keeps remain remains stay stays look looks emerge
emerges pay pays lead leads own owns ship ships need needs continue continues run runs hold holds
cleared clears said says expects expect argue argues make makes go goes travel travels depend
depends sit sits spend spent built build builds offer offers sell sells buy buys move moves face
become becomes feel feels carry carries bring brings cannot can't won't isn't aren't doesn't
don't didn't wasn't weren't hasn't haven't""".split())
_PRONOUNS = {"it", "they", "this", "that", "these", "those", "he", "she", "we", "i", "you", "nobody",
             "everyone", "everybody", "both", "each", "one", "two", "three", "there", "here", "what",
             "which", "who", "some", "many", "most", "all", "none", "anyone", "someone", "its",
             "their", "our", "his", "her", "such"}
_NP_STOP = {"that", "who", "which", "whose", "where", "when", "with", "in", "on", "at", "from",
            "by", "after", "before", "because", "since", "if", "than", "whether", "as", "to"}
_DETERMINERS = {"the", "a", "an"}
# subject heads that are not parties ("the message is", "the cheapest way", "a lot stays")
_GENERIC = set("""lot much things thing little nothing everything rest part picture question lesson
point message story result way objection amount workload credit cut cuts deal rule rules change
changes news announcement report decision move headline number idea problem issue case reason
answer effect impact attraction combination option settlement company pain trend shift price prices
plan plans terms amendment statement release results market sector industry business timing
catch difference goal aim hope risk bet""".split())
_PLURAL_VERBS = {"win", "lose", "are", "were", "have", "gain", "benefit", "face", "get", "take",
                 "stand", "come", "see", "keep", "remain", "stay", "look", "pay", "need"}
_CAPSPAN = re.compile(r"\b(?:[A-Z][\w&'\u2019-]*|[A-Z]{2,})(?:\s+(?:of\s+|and\s+|&\s+)?(?:[A-Z][\w&'\u2019-]*))*")


def strip_markup(s: str) -> str:
    return re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", s).replace("**", "").replace("__", "").strip()


_ADVERBS = set("""still now also quietly already no not never only just really actually even clearly
somewhat likely probably certainly largely mostly generally often usually always suddenly finally
immediately obviously themselves itself alone too""".split())
_SUBORDINATORS = {"when", "if", "although", "though", "while", "as", "because", "after", "before",
                  "since", "until", "unless", "once", "whether", "adding", "with", "without", "per",
                  "for", "in", "on", "at", "by", "under", "over", "from", "to", "tucked", "against"}
_POSS = re.compile(r"['\u2019]s?$")


def _bare(w: str) -> str:
    return w.strip(",;:.!?()\"'\u201c\u201d\u2018").lower()


def _is_verb(w: str, np_words: list[str], nxt: str | None = None) -> bool:
    bare = _bare(w)
    if bare in _VERBS:
        return True
    if not np_words or w[:1].isupper() or "-" in bare or not bare.isalpha():
        return False
    if bare.endswith("ed") and len(bare) > 4:
        return True
    # "Microsoft retains some", "AWS competes harder": a lowercase -s word right after a
    # capitalized name is a verb unless a verb or relative clause follows ("Battery developers are")
    prev = np_words[-1]
    nb = _bare(nxt or "")
    return (bare.endswith("s") and not bare.endswith(("ss", "us", "is")) and prev[:1].isupper()
            and not prev.endswith(("'s", "\u2019s")) and len(bare) > 3
            and nb not in _VERBS and nb not in _NP_STOP and nb not in _ADVERBS and bool(nb))


def subject_phrase(sentence: str) -> tuple[str | None, str | None]:
    """(subject noun phrase, the verb that ends it), or (None, None) when none is clear."""
    bold = re.match(r"^\s*(?:[-*+]\s+)?\*\*([^*]{2,80})\*\*", sentence)
    s = strip_markup(sentence)
    for_m = re.match(r"^For ((?:[\w'\u2019-]+\s?){1,4}),\s", s)
    for_np = for_m.group(1).strip() if for_m and for_m.group(1).split()[0].lower() not in _PRONOUNS else None
    if for_m:
        s = s[for_m.end():]
    head_colon = re.match(r"^([^:]{1,30}):\s+(.+)$", s)
    if head_colon and len(head_colon.group(1).split()) <= 3:
        s = head_colon.group(2)  # "The headline: Microsoft's license is ..."
    changed = True
    while changed:
        changed = False
        low = s.lower()
        for lead in sorted(_LEAD_WORDS | {"one", "two", "three"}, key=len, reverse=True):
            if low.startswith(lead + " ") or low.startswith(lead + ", "):
                s, changed = s[len(lead):].lstrip(" ,"), True
                break
    words = s.split()
    if words and _bare(words[0]) in _SUBORDINATORS:
        comma = s.find(", ")
        if comma == -1 or comma > 120:
            return (bold.group(1).strip() if bold else None), None
        words = s[comma + 2:].split()  # "When X happened, <subject> <verb> ..."
    np_words: list[str] = []
    verb = None
    ended = False
    for i, w in enumerate(words[:14]):
        bare = _bare(w)
        if _is_verb(w, np_words, words[i + 1] if i + 1 < len(words) else None):
            verb = bare
            break
        if bare in _ADVERBS and np_words:
            ended = True
            continue
        if (bare in _NP_STOP and np_words) or ended:
            ended = True
            continue
        np_words.append(w)
        if w.endswith((",", ";", ":")):
            ended = True
    if bold:
        return bold.group(1).strip(), verb
    if verb is None:
        return None, None
    head_words = [w.strip(",;:\"'\u201c\u201d") for w in np_words]
    while head_words and head_words[0].lower() in _DETERMINERS:
        head_words = head_words[1:]
    head = " ".join(head_words).strip(" ,;:")
    role = re.search(r"\b(?:winners?|losers?|beneficiar(?:y|ies)|targets?)$", head, re.I)
    if role and verb in ("is", "are", "was", "were"):
        # "The clearest winners are FreshWay's store workers and the union ..."
        after = re.split(rf"\b{re.escape(verb)}\b", s, maxsplit=1)[-1]
        comp = re.split(r",|;|\.|\s(?:and the|who|which|that|because|but)\s", after.strip(), maxsplit=1)[0]
        comp_words = [w for w in comp.split() if w.lower() not in _DETERMINERS]
        if 0 < len(comp_words) <= 6 and comp_words[0].lower() not in _PRONOUNS:
            return " ".join(comp_words).strip(" ,;:"), verb
        return None, verb
    if (not head or len(head_words) > 8 or head_words[0].lower() in _PRONOUNS
            or _bare(head_words[-1]) in _GENERIC):
        if for_np:
            return for_np, verb
        return None, verb
    return head, verb


def split_coordinated(np: str, verb: str | None) -> list[str]:
    """'Google Cloud and Oracle' + plural verb → both names, when every part is a proper name
    ('East Coast and Gulf ports' stays one party: 'ports' is shared)."""
    if verb not in _PLURAL_VERBS:
        return [np]
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s+", np) if p.strip()]
    if len(parts) > 1 and all(w[:1].isupper() or w in ("of", "&") for p in parts for w in p.split()):
        return parts
    return [np]


def capitalized_names(sentence: str) -> list[str]:
    """Proper-name spans (not the sentence's first word unless it continues a name)."""
    s = strip_markup(sentence)
    out = []
    for m in _CAPSPAN.finditer(s):
        name = m.group().strip()
        words = name.split()
        if m.start() == 0 and len(words) == 1 and name.lower() in _VERBS | _PRONOUNS | _DETERMINERS:
            continue
        while words and words[0].lower() in _DETERMINERS | _PRONOUNS | _LEAD_WORDS:
            words = words[1:]
        name = _POSS.sub("", " ".join(words)).strip()
        if len(name) >= 2 and name.lower() not in _VERBS:
            out.append(name)
    return list(dict.fromkeys(out))


def heading_label(text: str) -> str | None:
    w, lo, s = bool(HEADING_WIN.search(text)), bool(HEADING_LOSE.search(text)), bool(HEADING_SAME.search(text))
    if s and not (w or lo):
        return "unchanged"
    if w and lo:
        return "mixed"
    if w:
        return "winner"
    if lo:
        return "loser"
    return None


def cue_labels(sentence: str) -> set[str]:
    out = set()
    if WIN_CUES.search(sentence):
        out.add("winner")
    if LOSE_CUES.search(sentence):
        out.add("loser")
    if SAME_CUES.search(sentence):
        out.add("unchanged")
    return out
