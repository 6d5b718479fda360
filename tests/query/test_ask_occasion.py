"""Answers from the asked occasion: the period the question names, the event it names the day by,
and for a later part that says "that day", the article the first part was answered from.

Fresh2's misattributions were the asked party's other day: a 2006 article answering "in February
2010", another day's Dow close for "the day the US government said it would buy bad loans", and
another article's index close for "where did it close that day". The articles are written for
these tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.query.answertype import asked_kinds
from pipeline.query.scope import named_start, occasion_terms, refers_back, tells_occasion, too_early


def _md(title: str, date: str, body: str) -> str:
    return f"---\ntitle: {title}\nsource: Test Wire\npublished_at: {date}\n---\n{body}\n"


OLD_SALES = _md("Harbor Motors Slips", "2006-01-27",
                "Harbor Motors' US sales fell 3% in the fourth quarter, the carmaker said on Friday. "
                "Harbor Motors blamed higher steel prices.")
NEW_SALES = _md("Harbor Motors Sales Slide", "2010-03-03",
                "Harbor Motors' US sales fell 8.7% in February, the carmaker said on Tuesday. "
                "A global recall halted production of some Harbor Motors models during the month.")
PLAN_DAY = _md("Shares Surge on Bad Loan Plan", "2008-09-20",
               "Stock markets rose on Friday after the US government said it would buy billions of dollars of "
               "banks' bad loans. The Ledger 100 rose 8% to 5272.50 points.")
DOW_LOW = _md("Dow Closes at a Six-Year Low", "2009-02-20",
              "The Dow Jones closed at its lowest level in over six years on Thursday, at 7,465.95 points. "
              "Shares in banks led the fall.")
WYOMING = _md("Markets Rise on Recovery Hopes", "2009-08-21",
              "Addressing a conference in Wyoming, Bernal said that the prospects for a return to growth appear good. "
              "The Zephyr 500 index reached a level of 1,026.13 at the closing bell, up 1.9%.")
BLACK_MONDAY = _md("Stocks Tumble", "2007-10-20",
                   "The Zephyr 500 index was also hit hard, closing at 1,500.63 points. "
                   "Traders said the selling was broad.")
CASES = _md("Apple to Give Free Cases", "2010-07-17",
            "Rather than recall the devices, Jobs said yesterday that Apple will offer a free case to anyone who has "
            "purchased an iPhone 4. Apple said the signal problem affects few users.")


def test_the_named_period_and_articles_published_before_it():
    assert named_start("How much did sales fall in February 2010, and why?") == dt.date(2010, 2, 1)
    assert named_start("What did it earn in the quarter that ended on 30 December 2006?") == dt.date(2006, 12, 30)
    assert named_start("How many people did it employ at the end of 2008?") == dt.date(2008, 1, 1)
    assert named_start("Will the jet stay in production until 2014?") is None  # a deadline, not a period
    assert too_early("2006-01-27", dt.date(2010, 2, 1)) and not too_early("2010-03-03", dt.date(2010, 2, 1))
    assert not too_early(None, dt.date(2010, 2, 1)) and not too_early("2006-01-27", None)


def test_an_occasion_named_by_its_event_and_a_part_that_refers_back():
    terms = occasion_terms("At what level did the Dow Jones close on the day the US government said it would buy "
                           "banks' bad loans?", ("Dow Jones", "US"))
    assert {"bad", "loan", "buy"} <= terms and "said" not in terms
    assert tells_occasion(terms, "the government said it would buy bad loans from banks")
    assert not tells_occasion(terms, "The Dow Jones closed at its lowest level in six years.")
    assert occasion_terms("How much did the Dow fall on Thursday?") == frozenset() and tells_occasion(frozenset(), "")
    assert refers_back("where did the S&P 500 close that day") and not refers_back("what did it say")
    assert asked_kinds("What revenue did Apple report") == {"money"}


@pytest.fixture(scope="module")
def occasions(retriever_over):
    return retriever_over("occasions", {"old.md": OLD_SALES, "new.md": NEW_SALES, "plan.md": PLAN_DAY,
                                        "dow.md": DOW_LOW, "wyoming.md": WYOMING, "black.md": BLACK_MONDAY,
                                        "cases.md": CASES})



def test_an_article_from_before_the_named_period_does_not_answer(occasions, picking):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    res = ask("How much did Harbor Motors' US sales fall in February 2010?", strategy="extractive",
              model=FakeProvider(script=[picking("fell")]), retriever=occasions)
    assert res.found and "8.7%" in res.answer
    assert "fourth quarter" not in res.answer  # the 2006 fall is another period's


def test_a_day_named_by_an_event_is_answered_only_from_an_article_that_tells_it(occasions, picking):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    fake = FakeProvider(script=[picking("closed")])
    res = ask("At what level did the Dow Jones close on the day the US government said it would buy billions "
              "of dollars of banks' bad loans?", strategy="extractive", model=fake, retriever=occasions)
    assert not res.found, res.answer  # the six-year low was another day's close
    assert all("7,465" not in str(c) for c in fake.calls)  # never offered


def test_a_later_part_that_says_that_day_stays_in_the_first_parts_article(occasions, picking):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    res = ask("What did Bernal tell the Wyoming conference about growth, and where did the Zephyr 500 close "
              "that day?", strategy="extractive", model=FakeProvider(script=[picking("Wyoming", "clos")]),
              retriever=occasions)
    assert res.found and "1,026.13" in res.answer, res.answer
    assert "1,500.63" not in res.answer  # another day's close, from another article


def test_a_number_the_question_holds_is_not_the_answer_to_how_many(occasions, picking):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    res = ask("How many iPhone 4 handsets had Apple sold by the time it announced the free cases?",
              strategy="extractive", model=FakeProvider(script=[picking("iPhone")]), retriever=occasions)
    assert not res.found, res.answer  # "an iPhone 4" counts nothing
