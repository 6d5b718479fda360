"""When and on which occasion a question is asked about, and the articles that can answer it.

Fresh2's misattributions were the asked party's other event or another day: "Toyota's US sales in
February 2010" answered with a 2006 profit forecast, "the Dow's close on the day the US government
said it would buy banks' bad loans" answered with a close from an article that never mentions the
plan, "where did the S&P 500 close that day" with another article's close. Three checks, each on
what the question itself states:

- a period the question names ("in February 2010", "at the end of 2008", "on 30 December 2006")
  cannot be reported by an article published before it began (`too_early`);
- an occasion the question names by its event ("on the day Washington said it would buy up
  banks' bad loans") is answered only from an article that tells that event (`tells_occasion`);
- a later part that refers back to the first ("that day", "the same day", "then") is answered
  from the article the earlier parts were answered from (`refers_back`, used by `parts`).
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.query.answertype import MONTH_NAMES
from pipeline.query.bm25 import tokenize
from pipeline.text.dates import parse_date
from pipeline.text.sentences import sentence_spans

_MONTH = "|".join(MONTH_NAMES)
# A period the question places its event in: "in February 2010", "on 30 December 2006", "at the end
# of 2008", "in 2009". Not "by 2014", "until 2020", "for 2011": a deadline or a forecast's target
# is written about before it comes.
_PERIOD = re.compile(rf"\b(?:in|on|during|at\s+the\s+(?:end|start|beginning)\s+of|ended\s+on|of)\s+"
                     rf"(?:the\s+)?(?:(\d{{1,2}})\s+)?(?:({_MONTH})\s+)?(?:(\d{{1,2}}),?\s+)?((?:19|20)\d\d)\b", re.I)
# "on the day (that|when) <event>": the occasion is the event, to the end of its clause.
_OCCASION = re.compile(r"\b(?:on|since|after|before)\s+the\s+(?:day|morning|evening|week)\s+(?:that\s+|when\s+|on\s+which\s+)?"
                       r"(?!after\b|before\b)(.+?)(?=,|;|\?|$|\s+and\s+(?:what|how|which|when|where|who|why)\b)", re.I)
# Words the event's telling need not repeat.
_LIGHT = frozenset(tokenize(["said say says announced announce would will could it its they their the a an of to "
                             "up out on in that which who was were is are be been has have had"])[0])
_BACK = re.compile(r"\b(?:(?:that|the\s+same|this)\s+(?:day|morning|afternoon|evening|session|week)|then)\b", re.I)
_NAMED_NUMBER = re.compile(r"\b[A-Z][\w&]*\s+\d+\b")
# An event told in one or two words ("the day the FTSE edged up") is too often told in others
# ("one of the few indexes to increase in value") to be checked by its words.
OCCASION_MIN_TERMS = 3
OCCASION_SHARE = 0.6  # of the event's content words one sentence of the article must use


# "the February 2009 buyout deal": a month and year that name the event's own period.
_ATTRIBUTIVE = re.compile(rf"\b(?:the|its|their)\s+()({_MONTH})\s+()((?:19|20)\d\d)\b", re.I)


def named_start(question: str) -> dt.date | None:
    """The start of the earliest period the question places its event in (None: it names none)."""
    starts: list[dt.date] = []
    for m in [*_PERIOD.finditer(question), *_ATTRIBUTIVE.finditer(question)]:
        day_before, month, day_after, year = m.groups()
        mon = MONTH_NAMES.index(month.lower()) + 1 if month else 1
        day = int(day_before or day_after or 1) if month else 1
        try:
            starts.append(dt.date(int(year), mon, day))
        except ValueError:
            continue
    return min(starts) if starts else None


def too_early(published_at: str | None, start: dt.date | None) -> bool:
    """Was the article published before the named period began (so it cannot report on it)?
    Undated articles, and questions naming no period, are never too early."""
    if start is None:
        return False
    iso, _ = parse_date(published_at)
    if not iso:
        return False
    return dt.date.fromisoformat(iso[:10]) < start


def occasion_terms(question: str, names: tuple[str, ...] = ()) -> frozenset[str]:
    """The stemmed content words of an occasion the question names by its event (empty: none)."""
    m = _OCCASION.search(question)
    if not m:
        return frozenset()
    name_terms = set(tokenize([" ".join(names)])[0]) if names else set()
    event = _NAMED_NUMBER.sub(" ", m.group(1))  # "the FTSE 100 edged up": the 100 is the name's
    terms = frozenset(t for t in tokenize([event])[0] if t not in _LIGHT and t not in name_terms)
    return terms if len(terms) >= OCCASION_MIN_TERMS else frozenset()


def without_occasion(part: str) -> str:
    """The part with its occasion clause cut: "how much did the FTSE gain on the day Washington said
    it would buy bad loans" asks how much the FTSE gained; the day's event is checked per article
    (`tells_occasion`), and an answer need not repeat it."""
    m = _OCCASION.search(part)
    return (part[:m.start()] + part[m.end():]).strip() if m else part


def tells_occasion(terms: frozenset[str], article_text: str) -> bool:
    """Does a sentence of the article tell the named event (most of its content words together: an
    article on another day of the crisis has "banks", "buy" and "loans" too, but not in one sentence)?
    True when none is named."""
    if not terms:
        return True
    sentences = [article_text[s:e] for s, e in sentence_spans(article_text)]
    return any(len(terms & set(words)) >= OCCASION_SHARE * len(terms) for words in tokenize(sentences))


def refers_back(part: str) -> bool:
    """Does a later part place itself by an earlier one ("where did it close that day")?"""
    return _BACK.search(part) is not None


__all__ = ["OCCASION_MIN_TERMS", "OCCASION_SHARE", "named_start", "occasion_terms", "refers_back", "tells_occasion", "too_early",
           "without_occasion"]
