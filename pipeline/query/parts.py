"""Answering every part of a question with a sentence of its own.

"Why did X's profit fall, and what did it do about it?" has two parts; a small model picking the
sentences most like the whole question tends to return two that both say the profit fell. Each
part gets its own sentence here: one that names what the part asks for and shares its words, a
stated cause for a "why" part, and for a part with no words of its own ("what did it do about
it") a sentence that answers no other part. What nothing answers is reported, not papered over.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.query.answertype import MONEY_WORDS, WordSimilarity, gives, says_event
from pipeline.query.focus import Focus, about, names_ratio, names_wanted, overlap, stems
from pipeline.query.retrieve import Hit
from pipeline.query.scope import refers_back
from pipeline.query.whose import asks_as_agent, other_owner, others_event

Cand = tuple[Hit, int, int, float]


def text_of(c: Cand) -> str:
    return c[0].chunk.text[c[1]:c[2]]


def _asks(f: Focus, i: int, c: Cand, similar: WordSimilarity | None = None) -> bool:
    """Does the sentence name what part i asks for (the noun; for a part asking for a sum of money,
    a number or a date, a value of that kind with the part's own verb: `answertype.gives`)?"""
    kinds = f.part_kinds[i] if i < len(f.part_kinds) else frozenset()
    verbs = f.part_verbs[i] if i < len(f.part_verbs) else frozenset()
    text = _unasked_numbers(f, text_of(c)) if "number" in kinds else text_of(c)
    wants = f.part_wants[i] - MONEY_WORDS if "money" in kinds else f.part_wants[i]
    instance = f.part_instance[i] if i < len(f.part_instance) else frozenset()
    places = f.part_places[i] if i < len(f.part_places) else frozenset()
    head = f.part_heads[i] if i < len(f.part_heads) else ""
    ratio = i < len(f.part_ratio) and f.part_ratio[i]
    return (names_wanted(wants, text, f.part_quantity[i] and not kinds)
            and (not head or says_head(head, text))  # the asked noun itself, not only its modifiers
            and (not ratio or names_ratio(text))
            and gives(kinds, verbs, text, similar, f.part_wants[i] | f.part_terms[i], instance, f.names, places)
            and (bool(kinds & {"agent", "instance"}) or not asks_as_agent(f.parts, f.names)
                 or not others_event(text, f.names))  # GM's fall does not say how far Chrysler's sales fell
            and ("instance" in kinds or not other_owner(f.parts[i], text)))  # the Belgian government's aid is not the French


def says_head(head: str, text: str) -> bool:
    """Does the sentence use the asked noun's head, or a word of its stem ("arguing" for "argument")?"""
    return any(w == head or (min(len(w), len(head)) >= 4 and (w.startswith(head) or head.startswith(w)))
               for w in stems(text))


def _fits(f: Focus, i: int, c: Cand, similar: WordSimilarity | None = None) -> bool:
    """Does the sentence answer part i: it names what is asked and, when the question has several
    parts, shares a content word with this one (so one sentence does not stand in for every part)?
    A part with no words of its own ("and what did it do about it") takes a sentence that answers
    no other part."""
    if not _asks(f, i, c, similar):
        return False
    if len(f.parts) == 1:
        return True
    if f.part_terms[i]:
        if f.parts[i].lower().startswith("why") and _causal(c) and about(text_of(c), f.names):
            return True  # "why did PG&E cut power": "PG&E scheduled the blackouts in response to ..."
        return overlap(f.part_terms[i], text_of(c)) > 0
    return not any(f.part_terms[j] and _fits(f, j, c, similar) for j in range(len(f.parts)) if j != i)


PartScore = Callable[[int, Cand], float]
# A part's runner-up sentence is cited too when it is this close to the part (MiniLM cosine) behind
# the best: an answer in two pieces ("AU$40 million for the Falcon", "AU$12.5 million for a platform").
RUNNER_UP_MARGIN = 0.05
TERM_WEIGHT = 0.05  # a part's own word in a sentence, in cosine units


def cover_parts(f: Focus, pool: list[Cand], chosen: list[Cand], similar: WordSimilarity | None = None,
                part_score: PartScore | None = None) -> tuple[list[Cand], list[str]]:
    """The picks that name what some part asks for, then each part answered by a sentence of its
    own: a pick that fits it, else the best pooled sentence that does (from an article already
    cited when one fits; with a stated cause for a "why" part); and the parts nothing answers.
    With `part_score` (a sentence's closeness to part i), each part also gets the pooled sentences
    that fit it best (`own_best`): a small model's picks are not the only answer considered."""
    out, unanswered = _cover(f, pool, chosen, similar)
    cited = {c[0].article_id for c in out}
    for i, part in enumerate(f.parts):  # one question, one occasion: from the cited articles when they answer it
        best = own_best(f, i, [c for c in pool if c[0].article_id in cited], similar, part_score) if cited else []
        best = best or own_best(f, i, pool, similar, part_score)
        out += [c for c in best if all(c is not o for o in out)]
        if best and part in unanswered:
            unanswered.remove(part)
    return out, unanswered


def own_best(f: Focus, i: int, pool: list[Cand], similar: WordSimilarity | None,
             part_score: PartScore | None) -> list[Cand]:
    """The pooled sentences that fit part i best: the closest to the part (its own words counting,
    a stated cause first for a "why" part), and the runner-up when within RUNNER_UP_MARGIN."""
    if part_score is None:
        return []
    why = f.parts[i].lower().startswith("why")

    def key(c: Cand) -> tuple[bool, float]:
        return why and _causal(c) > 0, part_score(i, c) + TERM_WEIGHT * overlap(f.part_terms[i], text_of(c))

    fitting = sorted((c for c in pool if _fits(f, i, c, similar)), key=key, reverse=True)
    if not fitting:
        return []
    best = key(fitting[0])
    return [fitting[0]] + [c for c in fitting[1:2] if key(c)[0] == best[0] and key(c)[1] >= best[1] - RUNNER_UP_MARGIN]


def _cover(f: Focus, pool: list[Cand], chosen: list[Cand],
           similar: WordSimilarity | None = None) -> tuple[list[Cand], list[str]]:
    out = [c for c in chosen if any(_asks(f, i, c, similar) for i in range(len(f.parts)))]
    unanswered: list[str] = []
    used: set[int] = set()
    for i, part in enumerate(f.parts):
        why = part.lower().startswith("why")
        earlier = {c[0].article_id for c in out if id(c) in used}
        if i and earlier and refers_back(part):  # "where did it close that day": the first part's article
            out = [c for c in out if c[0].article_id in earlier or any(
                _fits(f, j, c, similar) for j in range(len(f.parts)) if j != i)]
            pool = [c for c in pool if c[0].article_id in earlier]
        mine = [c for c in out if _fits(f, i, c, similar) and (id(c) not in used or len(f.parts) == 1)]
        typed = i < len(f.part_kinds) and bool(f.part_kinds[i])
        better = _stronger(f, i, pool, out, mine, used, similar) if mine and typed else None
        if better is not None:  # a pooled sentence that names the party and says the asked verb outright
            out = [c for c in out if not (c in mine and _strength(f, i, c) < _strength(f, i, better) and not any(
                _fits(f, j, c, similar) for j in range(len(f.parts)) if j != i))]
            out.append(better)
            used.add(id(better))
            continue
        if mine and (not why or any(_causal(c) for c in mine)):
            used.add(id(max(mine, key=_causal)))
            continue
        cited = {c[0].article_id for c in out}
        fitting = [c for c in pool if _fits(f, i, c, similar) and id(c) not in used and c not in out
                   and (c[0].article_id in cited or not cited or f.part_terms[i])]
        if not fitting:
            if not mine:
                unanswered.append(part)
            continue
        best = max(fitting, key=lambda c: (why and _causal(c), c[0].article_id in cited, about(text_of(c), f.names),
                                           overlap(f.part_terms[i], text_of(c)), c[3]))
        if why and mine and not _causal(best):
            continue  # nothing in the pool says why better than the picks do
        out.append(best)
        used.add(id(best))
    return out, unanswered


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _unasked_numbers(f: Focus, text: str) -> str:
    """The sentence with the numbers the question itself holds blanked: "an iPhone 4" does not say
    how many iPhone 4 handsets were sold."""
    given = set(_NUMBER.findall(" ".join(f.parts)))
    return _NUMBER.sub(lambda m: " " if m.group(0) in given else m.group(0), text) if given else text


def _strength(f: Focus, i: int, c: Cand) -> tuple[bool, bool]:
    """How plainly a sentence answers a typed part: it names a party of the question, and it says the
    part's own verb (not only a word close to it)."""
    return about(text_of(c), f.names) and bool(f.names), says_event(f.part_verbs[i], text_of(c))


def _stronger(f: Focus, i: int, pool: list[Cand], out: list[Cand], mine: list[Cand], used: set[int],
              similar: WordSimilarity | None) -> Cand | None:
    """For a part asking for an amount or a date that the picks answer only weakly ("the FTSE 100
    dropped 145 points" for "how much did HBOS shares fall"), the pooled sentence that answers it
    more plainly ("shares in HBOS falling by 41.54%"); None when no pooled sentence does."""
    top = max(_strength(f, i, c) for c in mine)
    better = [c for c in pool if c not in out and id(c) not in used and _strength(f, i, c) > top
              and _fits(f, i, c, similar)]
    return max(better, key=lambda c: (_strength(f, i, c), c[3])) if better else None


# A stated cause: a connective first; a bare "cause" or "after" ("would cause", "after the
# meeting") says less.
_CAUSE = re.compile(r"\b(?:because|due to|owing to|as a result|in response|driven by|hit by|hurt by|citing|amid|"
                    r"thanks to|in order to|blamed? on|led to|caused by|for \w+ reasons)\b", re.I)
_WEAK_CAUSE = re.compile(r"\b(?:reasons?|caused?|blamed?|after|following|since|so that)\b", re.I)


def _causal(c: Cand) -> int:
    """2 for a causal connective, 1 for a weaker hint of a cause, 0 for none."""
    text = text_of(c)
    return 2 if _CAUSE.search(text) else 1 if _WEAK_CAUSE.search(text) else 0
