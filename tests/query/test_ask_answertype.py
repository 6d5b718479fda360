"""Questions the corpus nearly answers are refused: the asked-for kind of answer must be there.

"How much was Harbor Foods fined?" over an article that only reports the investigation: every
sentence is about Harbor Foods and some hold numbers (a head count, a date), so a check for
names and digits answers it. An answer must carry what is asked (a sum of money, a number that is
not a date, a date) and say the asked event. The articles are written for these tests.
"""

from __future__ import annotations

import pytest

from pipeline.query.answertype import asked_kinds, asked_verbs, carries, gives

INQUIRY = """Food Regulator Opens Inquiry Into Harbor Foods Labels

The Food Standards Office said on Monday that it had opened an investigation into Harbor Foods over the labelling of its frozen meals.

Harbor Foods said it was cooperating fully with the Food Standards Office and had corrected the labels on 3 March.

The company, which employs 2,400 people at four plants, said sales of the meals had not been affected.

The office said it expects to decide on the case within the year, and that Harbor Foods must first submit its records.
"""

FINE = """Northgate Water Fined Over River Spills

The Environment Agency fined Northgate Water £3.5 million on Tuesday for sewage spills into the River Avon.

Northgate Water said it would not appeal the penalty and would spend more on its treatment works.

The company reported 14 spills last year, up from nine the year before.
"""

MARKETS = """Markets Slip on Thursday

The share index dropped 52 points on Thursday, its worst day this month, as food stocks sold off.

Shares in Harbor Foods fell 12% after the food inquiry was announced.

Traders said the selling slowed in the afternoon.
"""


def test_what_kind_of_answer_a_part_asks_for():
    assert asked_kinds("How large a fine did the regulator impose on Harbor Foods") == {"money"}
    assert asked_kinds("How much did Northgate Water pay in compensation") == {"money"}
    assert asked_kinds("How much did the shares fall") == {"number"}  # a change: a percentage answers it too
    assert asked_kinds("How many plants does Harbor Foods run") == {"number"}
    assert asked_kinds("On what date did the office approve the labels") == {"date"}
    assert asked_kinds("When did the spills start") == {"date"}
    assert asked_kinds("Why did the office open an inquiry") == frozenset()  # answers too varied to type
    assert asked_kinds("Who will replace the chief executive") == {"agent"}
    assert asked_kinds("Where will the shuttle be displayed") == {"place"}
    assert asked_verbs("On what date did the office approve the labels") == {"approve"}
    assert asked_verbs("How much did Harbor Foods have in the bank") == frozenset()  # a light verb only


def test_a_sentence_carries_the_kind_asked_not_just_any_digit():
    assert carries("money", "The agency fined Northgate Water £3.5 million on Tuesday.")
    assert carries("money", "The schools were asked to pay over 422,000 euros in arrears.")
    assert not carries("money", "The company, which employs 2,400 people, corrected the labels on 3 March.")
    assert carries("number", "The company employs 2,400 people.")
    assert not carries("number", "It corrected the labels on 3 March 2021.")  # a date is not an amount
    assert not carries("number", "Power went off at 0700 UTC.")
    assert carries("date", "It corrected the labels on 3 March.")
    assert carries("number", "Two people were hurt in the fire.", frozenset({"peopl"}))  # counts what is asked
    assert not carries("number", "The fire spread across two streets.", frozenset({"peopl"}))
    assert not carries("date", "The office must approve the labels.")


def test_a_typed_answer_must_say_the_asked_event():
    kinds, verbs = asked_kinds("On what date did the office approve the labels"), asked_verbs(
        "On what date did the office approve the labels")
    assert gives(kinds, verbs, "The office approved the new labels on 12 May.")
    assert not gives(kinds, verbs, "The office said it expects to decide on the case within the year.")
    assert not gives(kinds, verbs, "The office must approve the labels.")  # the event, but no date
    assert gives(frozenset(), verbs, "Anything at all.")  # untyped parts are not checked here
    who = "Who will replace the chief executive"
    assert gives(asked_kinds(who), asked_verbs(who), "Maria Lopez will replace him in June, the board said.")
    assert not gives(asked_kinds(who), asked_verbs(who), "The chief executive, Tom Hale, resigned on Monday.")


def test_a_word_close_in_meaning_says_the_event_only_with_the_embedder(embedder):
    from pipeline.query.answertype import WordSimilarity

    similar = WordSimilarity(embedder)
    q = "How many people died in the flood"
    sentence = "The flood killed 41 people across the valley."
    assert not gives(asked_kinds(q), asked_verbs(q), sentence)  # no shared stem
    assert gives(asked_kinds(q), asked_verbs(q), sentence, similar)  # "killed" says "die"
    assert not gives(asked_kinds("On what date did the office approve the labels"), frozenset({"approve"}),
                     "The office said it expects a decision on 3 May.", similar)  # expecting is not approving


@pytest.fixture(scope="module")
def embedder():
    from pipeline.corpus.embed import get_embedder

    return get_embedder()


@pytest.fixture(scope="module")
def food_retriever(retriever_over):
    return retriever_over("fines", {"harbor-inquiry.txt": INQUIRY, "northgate-fine.txt": FINE,
                                    "markets.txt": MARKETS})


def _pick_first_three(messages, schema):  # a small model that picks whatever is offered first
    return {"found": True, "picks": [1, 2, 3]}


def test_a_fine_the_article_does_not_report_is_refused(food_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import NOT_IN_CORPUS, ask

    res = ask("How much was Harbor Foods fined over its labelling?", model=FakeProvider(script=[_pick_first_three]),
              strategy="extractive", retriever=food_retriever)
    assert not res.found and res.answer == NOT_IN_CORPUS, res.answer
    assert res.citations == [] and "no retrieved sentence says" in res.reason


def test_an_approval_date_the_article_does_not_give_is_refused(food_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    res = ask("On what date did the Food Standards Office approve Harbor Foods' new labels?",
              model=FakeProvider(script=[_pick_first_three]), strategy="extractive", retriever=food_retriever)
    assert not res.found, res.answer  # "corrected the labels on 3 March" is a date, not the approval


def test_a_fine_the_article_reports_is_answered_with_its_amount(food_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    res = ask("How much was Northgate Water fined for the sewage spills?", model=FakeProvider(script=[_pick_first_three]),
              strategy="extractive", retriever=food_retriever)
    assert res.found, res.reason
    assert "£3.5 million" in res.answer and "14 spills" not in res.answer, res.answer
    assert {c.article_id for c in res.citations} == {res.citations[0].article_id}
    assert res.citations[0].article_id.startswith("northgate") and all(c.supported for c in res.citations)


def test_how_many_is_answered_by_a_count_not_a_date(food_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    res = ask("How many people does Harbor Foods employ?", model=FakeProvider(script=[_pick_first_three]),
              strategy="extractive", retriever=food_retriever)
    assert res.found and "2,400 people" in res.answer, res.answer
    assert "3 March" not in res.answer


def test_a_plainer_sentence_replaces_a_weak_pick_for_how_much(food_retriever):
    import re

    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    def pick_the_index(messages, schema):  # a small model that picks the index's fall, not the company's
        listing = dict(re.findall(r"^(\d+)\. (.*)$", messages[-1].content, re.M))
        return {"found": True, "picks": [int(n) for n, text in listing.items() if "52 points" in text]}

    res = ask("How much did Harbor Foods shares fall on Thursday?", model=FakeProvider(script=[pick_the_index]),
              strategy="extractive", retriever=food_retriever)
    assert res.found and "fell 12%" in res.answer, res.answer
    assert "52 points" not in res.answer  # a number and "dropped", but not Harbor Foods and not "fall"
