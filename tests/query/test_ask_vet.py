"""A written answer (`strategy="free"`) checked sentence by sentence: support and entity, one re-ask.

The carrier trap of issue #18 for a capable model: asked about Skyway, it writes a sentence that
its passage supports word for word ("The carrier reported a drop in quarterly profit") but whose
carrier is Bluejet. Bluejet's article names Skyway in passing, so retrieval and the article-level
filter let it through; only the sentence check can catch it.
"""

from __future__ import annotations

import re

import pytest

from pipeline.llm.fake import FakeProvider
from pipeline.query.ask import NOT_IN_CORPUS, ask, render_markdown
from pipeline.query.vet import UNCITED

SKYWAY = """Skyway Profit Falls on Fuel Costs

Skyway Airlines said on Tuesday that its quarterly profit fell by 40 percent to $12 million.

The carrier said higher jet fuel prices were the main reason the profit fell so sharply.

To recover the cost, Skyway added a fuel surcharge of $15 to every ticket sold from next month.
"""

BLUEJET = """Bluejet Posts Lower Profit

Bluejet said on Wednesday that its results were hurt by weak demand on transatlantic routes.

The carrier reported a drop in quarterly profit as it cut fares to fill seats.

Bluejet said it would retire six older jets next year to save money.

Analysts compared the results with those of its rival Skyway.
"""

Q = "Why did Skyway's profit fall, and what did it do about it?"
TRAP = "The carrier reported a drop in quarterly profit as it cut fares to fill seats"
WHY = "The carrier said higher jet fuel prices were the main reason the profit fell so sharply"
FIX = "To recover the cost, Skyway added a fuel surcharge of $15 to every ticket sold from next month"


@pytest.fixture(scope="module")
def airlines(retriever_over):
    return retriever_over("vet", {"skyway.txt": SKYWAY, "bluejet.txt": BLUEJET})


def _id(messages, phrase: str) -> str:
    """The id of the passage (as the first answer prompt lists them) that holds `phrase`."""
    text = messages[1].content
    for cid, body in re.findall(r'<passage id="([^"]+)"[^>]*>\n(.*?)\n</passage>', text, re.S):
        if phrase in body:
            return cid
    raise AssertionError(f"no passage holds {phrase!r}")


def writes(*sentences: str):
    """A scripted model answer: each sentence cites the passage that holds its `phrase`."""
    def reply(messages, schema):
        return {"found": True, "answer": " ".join(f"{s} [{_id(messages, p)}]." for s, p in sentences)}
    return reply


TRAP_ANSWER = writes((WHY, WHY), (TRAP, TRAP))
FIXED_ANSWER = writes((WHY, WHY), (FIX, FIX))


def test_the_other_airlines_sentence_is_dropped_and_a_reask_that_fixes_it_is_kept(airlines):
    fake = FakeProvider(script=[TRAP_ANSWER, FIXED_ANSWER, TRAP_ANSWER])
    res = ask(Q, model=fake, strategy="free", retriever=airlines)
    assert len(fake.calls) == 2  # the answer and one re-ask
    reask = fake.calls[1]["messages"][-1].content
    assert TRAP in reask and "not about Skyway" in reask  # the re-ask says what was dropped and why
    assert res.found and res.reasked and res.dropped == []
    assert "fuel surcharge" in res.answer and "cut fares" not in res.answer
    assert {c.article_id.split("-")[0] for c in res.citations} == {"skyway"}
    assert all(c.supported for c in res.citations)
    doc = res.to_json()
    assert doc["dropped"] == [] and doc["reasked"] is True and "unanswered_parts" in doc and doc["citations"]


def test_a_reask_that_repeats_the_trap_is_dropped_again_without_a_third_call(airlines):
    fake = FakeProvider(script=[TRAP_ANSWER, TRAP_ANSWER, FIXED_ANSWER])
    res = ask(Q, model=fake, strategy="free", retriever=airlines)
    assert len(fake.calls) == 2  # never a third
    assert res.found and "cut fares" not in res.answer and "jet fuel prices" in res.answer
    [d] = res.to_json()["dropped"]
    assert d["sentence"].startswith(TRAP) and d["citations"][0].startswith("bluejet")
    assert "not about Skyway" in d["reason"] and d["scope"] == "sentence"
    md = render_markdown(res)
    assert "Dropped (after one re-ask):" in md and TRAP in md.split("Dropped")[1]


def test_an_answer_that_checks_out_is_not_reasked(airlines):
    fake = FakeProvider(script=[FIXED_ANSWER, TRAP_ANSWER])
    res = ask(Q, model=fake, strategy="free", retriever=airlines)
    assert len(fake.calls) == 1 and not res.reasked and res.dropped == []
    assert WHY in res.answer and FIX in res.answer  # "The carrier" in Skyway's own article is Skyway
    assert "Dropped" not in render_markdown(res)


def test_unsupported_and_uncited_sentences_are_dropped_and_all_dropped_is_not_found(airlines):
    def bad(messages, schema):
        cid = _id(messages, WHY)
        return {"found": True, "answer": f"Skyway's profit fell by 90 percent [{cid}]. Skyway will be sold."}

    fake = FakeProvider(script=[bad])
    res = ask(Q, model=fake, strategy="free", retriever=airlines)
    assert len(fake.calls) == 2 and not res.found and res.answer == NOT_IN_CORPUS and res.citations == []
    reasons = {d.sentence: d.reason for d in res.dropped}
    assert "90" in reasons["Skyway's profit fell by 90 percent."]
    assert reasons["Skyway will be sold."] == UNCITED
    assert "every sentence" in res.reason and "Dropped" in render_markdown(res)


def test_a_failing_citation_of_a_kept_sentence_is_left_off_and_named(airlines):
    def both(messages, schema):
        return {"found": True, "answer": f"{WHY} [{_id(messages, WHY)}][{_id(messages, TRAP)}]."}

    fake = FakeProvider(script=[both])
    res = ask(Q, model=fake, strategy="free", retriever=airlines)
    assert len(fake.calls) == 1 and res.found  # the sentence stands on its good citation: no re-ask
    assert [c.article_id.split("-")[0] for c in res.citations] == ["skyway"] and "bluejet" not in res.answer
    [d] = res.dropped
    assert d.scope == "citation" and d.citations[0].startswith("bluejet")


def test_an_uncited_sentence_gets_the_passage_that_supports_it_or_is_dropped(airlines):
    fake = FakeProvider(script=[{"found": True, "answer": f"{FIX}. {TRAP}."}])  # a model that cites nothing
    res = ask(Q, model=fake, strategy="free", retriever=airlines)
    assert len(fake.calls) == 2 and res.found  # the carrier sentence went: one re-ask (same reply)
    [c] = res.citations
    assert c.article_id.startswith("skyway") and c.supported and "cited by the check" in c.reason
    assert res.answer == f"{FIX}. [{c.chunk_id}]"
    [d] = res.dropped
    assert d.sentence.startswith(TRAP) and d.reason == UNCITED  # Bluejet's passage supports it, off the question
