"""Answers about what was asked: the question's parties, its parts, and what each part asks for.

The regression behind issue #18: asked why one airline's profit fell and what it did about it,
`ask` cited a sentence from another airline's article ("The carrier reported a drop in quarterly
profit", where "the carrier" is the other airline) and left the second part unanswered.
"""

from __future__ import annotations

import pytest

from pipeline.query.focus import about, focus, mentions, names_wanted, question_names, question_parts, wanted


def test_question_names_skip_question_words_and_split_pairs():
    assert question_names("What toilet paper limits did Woolworths and Coles set?") == ["Woolworths", "Coles"]
    assert question_names("How many jobs did Bank of America cut?") == ["Bank of America"]
    assert question_names("Why did PG&E cut power?") == ["PG&E"]
    assert question_names("what is the outlook for bonds?") == []
    assert question_names("How far did Harbor Foods shares fall on Thursday?") == ["Harbor Foods"]  # a day is no party
    assert question_names("What news set off the March 2009 rally at Citigroup?") == ["Citigroup"]


def test_parts_split_where_a_new_question_word_follows():
    assert question_parts("Why did Skyway's profit fall, and what did it do about it?") == [
        "Why did Skyway's profit fall", "what did it do about it"]
    assert question_parts("Which countries are in the project?") == ["Which countries are in the project"]


def test_what_a_part_asks_for():
    assert wanted("How many jobs did Bank of America cut") == frozenset({"job"})
    assert wanted("What did Bank of America earn") == frozenset()
    f = focus("How much money did Cats Protection have in Kaupthing bank?")
    assert f.part_quantity == (True,)
    assert names_wanted(f.part_wants[0], "Cats Protection had £11.2 million saved in the bank.", True)
    assert not names_wanted(f.part_wants[0], "Cats Protection is a charity.", True)
    assert not names_wanted(wanted("How large a fine did the court impose"), "The court opened an inquiry.")
    assert names_wanted(wanted("On what date did UOKiK approve the sale"), "UOKiK approved it on 3 March.")


def test_mentions_is_whole_word_and_spelling_insensitive():
    assert mentions("Shares of Walmart rose.", "Wal-Mart")
    assert mentions("The Lion Air jet crashed.", "Lion Air Flight 610")
    assert not mentions("Students at Stanford can afford it.", "Ford")
    assert not mentions("The Iranian flight crashed.", "Lion Air Flight")  # one shared word is not the name
    assert about("anything", []) and not about("Bluejet flew.", ["Skyway"])


SKYWAY = """Skyway Profit Falls on Fuel Costs

Skyway Airlines said on Tuesday that its quarterly profit fell by 40 percent to $12 million.

The carrier said higher jet fuel prices were the main reason the profit fell so sharply.

To recover the cost, Skyway added a fuel surcharge of $15 to every ticket sold from next month.

Analysts said the surcharge could cost the airline some price-sensitive travellers.
"""

BLUEJET = """Bluejet Posts Lower Profit

Bluejet said on Wednesday that its results were hurt by weak demand on transatlantic routes.

The carrier reported a drop in quarterly profit as it cut fares to fill seats.

Bluejet said it would retire six older jets next year to save money.

The company's chief executive said bookings were improving for the summer.
"""


@pytest.fixture(scope="module")
def airline_retriever(retriever_over):
    return retriever_over("airlines", {"skyway.txt": SKYWAY, "bluejet.txt": BLUEJET})


def test_the_other_airlines_carrier_is_never_cited_and_both_parts_are_answered(airline_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    q = "Why did Skyway's profit fall, and what did it do about it?"
    cands_seen = []

    def pick_first_three(messages, schema):  # a small model that picks the first sentences offered
        cands_seen.append(messages[-1].content)
        return {"found": True, "picks": [1, 2, 3]}

    res = ask(q, model=FakeProvider(script=[pick_first_three]), strategy="extractive", retriever=airline_retriever)
    assert res.found, res.reason
    cited_articles = {c.article_id for c in res.citations}
    assert cited_articles and all(a.startswith("skyway") for a in cited_articles), res.answer
    assert "Bluejet" not in cands_seen[0] and "transatlantic" not in cands_seen[0]  # never offered
    assert "fuel surcharge" in res.answer and "jet fuel prices" in res.answer
    assert res.unanswered_parts == []


def test_a_party_no_article_mentions_gets_no_answer_and_no_model_call(airline_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    fake = FakeProvider(script=[{"found": True, "picks": [1]}])
    res = ask("Why did Northwind Airways' quarterly profit fall?", model=fake, strategy="extractive",
              retriever=airline_retriever)
    assert not res.found and fake.calls == [] and "Northwind Airways" in res.reason


def test_a_part_the_passages_do_not_answer_is_named(airline_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    fake = FakeProvider(script=[{"found": True, "picks": [1]}])
    res = ask("Why did Skyway's profit fall, and how many pilots did it hire?", model=fake,
              strategy="extractive", retriever=airline_retriever)
    assert res.found and res.unanswered_parts == ["how many pilots did it hire"]
    assert "do not say" in res.reason and res.to_json()["unanswered_parts"] == res.unanswered_parts
