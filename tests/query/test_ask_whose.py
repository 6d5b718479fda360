"""A sentence about another party's event, naming the asked one in passing, does not answer.

Asked about Kestrel's sales, "Talon outsold rivals Kestrel and Brindle, with
its sales up 43%" is Talon's rise; asked what was blamed for Kestrel's fall, "As a result of Kestrel's
announcement, Brindle's sales fell 17%" is Brindle's fall. The sentences are written for these
tests (parsed by the real spaCy pipeline).
"""

from __future__ import annotations

from pipeline.query.focus import focus
from pipeline.query.parts import cover_parts
from pipeline.query.retrieve import Hit
from pipeline.query.whose import others_event
from pipeline.types import Chunk

RIVAL = "Talon Motors outsold rivals Kestrel and Brindle Motors in May, with its sales up 43%."
SPOKEN = "The Harrow Agency announced that Kestrel's sales had fallen 9% in May."
OTHERS_FALL = "As a result of Kestrel's restructuring announcement, Brindle Motors' sales volume fell 17.3% in May."
OWN_FALL = "Kestrel's sales volume dropped 23% in May, the company said."
REPORTED = "Analysts at Harrow Bank said Kestrel's sales fell 5% in May."


def test_another_partys_event_naming_the_asked_one_in_passing():
    assert others_event(RIVAL, ("Kestrel",))
    assert others_event(OTHERS_FALL, ("Kestrel",))
    assert not others_event(OWN_FALL, ("Kestrel",))
    assert not others_event(REPORTED, ("Kestrel",))  # reported by another, but Kestrel's own fall
    assert not others_event(SPOKEN, ("Kestrel",))  # the agency speaks; the fall is Kestrel's
    assert not others_event(RIVAL, ())  # no party asked: nothing to check


def _cand(i: int, text: str) -> tuple[Hit, int, int, float]:
    chunk = Chunk(id=f"a#{i}", article_id="a", index=i, start=0, end=len(text), text=text, tokens=0)
    return Hit(chunk=chunk), 0, len(text), 0.6


def test_the_other_partys_fall_does_not_answer_how_far_the_asked_ones_fell():
    f = focus("How far did Kestrel's sales fall in May?")
    rival, others, own = _cand(0, RIVAL), _cand(1, OTHERS_FALL), _cand(2, OWN_FALL)
    picked, unanswered = cover_parts(f, [rival, others, own], [rival, others, own])
    assert [c[0].chunk.text for c in picked] == [OWN_FALL] and not unanswered


def test_who_parts_are_answered_by_the_other_party():
    f = focus("Who replaced Kestrel's chief executive?")
    who = _cand(0, "Fritz Henderson replaced Kestrel's chief executive on Sunday.")
    picked, _ = cover_parts(f, [who], [who])
    assert picked == [who]


def test_what_delivery_date_wants_the_delivery_not_any_date_word():
    from pipeline.query.focus import names_wanted

    wants = focus("What delivery date is Kestrel now looking at?").part_wants[0]
    assert names_wanted(wants, "The delivery date is now expected to be around 2020.")
    assert not names_wanted(wants, "5,700 jets have been built to date, keeping the line open until 2014.")


def test_a_party_asked_about_as_the_done_to_may_be_the_sentences_object():
    from pipeline.query.whose import asks_as_agent

    assert asks_as_agent(("How far did Kestrel's sales fall in May",), ("Kestrel",))
    assert not asks_as_agent(("How much was Kestrel fined",), ("Kestrel",))
    f = focus("How much was Kestrel fined?")
    fine = _cand(0, "The Harrow Agency fined Kestrel £2 million in May.")
    assert cover_parts(f, [fine], [fine])[0] == [fine]
