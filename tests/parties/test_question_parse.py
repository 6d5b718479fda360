"""Which questions are counts (and which are not), and the window a question sets."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from pipeline.evaluate.answers import load_answer_gold
from pipeline.parties.question_parse import date_span, parse_count_question, parse_window
from tests.conftest import REPO

ANCHOR = dt.date(2026, 6, 10)
SOURCES = ["Wikinews", "Metro Wire", "CloudBeat Europe"]


def parse(q: str, anchor: dt.date = ANCHOR):
    return parse_count_question(q, anchor, SOURCES)


@pytest.mark.parametrize("question, kind, role, party, event", [
    ("Who lost most often since June?", "top", "loser", None, None),
    ("who won most often", "top", "winner", None, None),
    ("Which company lost the most times in 2008?", "top", "loser", None, None),
    ("Who are the most frequent losers?", "top", "loser", None, None),
    ("Who were the top 3 winners this year?", "top", "winner", None, None),
    ("How many times was Bank of America named a loser?", "times", "loser", "Bank of America", None),
    ("How often has Tesco been a winner since 2019?", "times", "winner", "Tesco", None),
    ("How many articles call PG&E a loser?", "times", "loser", "PG&E", None),
    ("Which sources disagree about AWS?", "disagree", None, "AWS", None),
    ("Do the outlets disagree about Greece?", "disagree", None, "Greece", None),
    ("Who is called both a winner and a loser?", "disagree", None, None, None),
    ("When did Bank of America stop winning?", "when", "winner", "Bank of America", "stop"),
    ("When did Citigroup start losing?", "when", "loser", "Citigroup", "start"),
    ("When was General Motors last named a winner?", "when", "winner", "General Motors", "last"),
    ("When did Facebook first lose?", "when", "loser", "Facebook", "first"),
    ("What is Citigroup's record since March 2009?", "record", None, "Citigroup", None),
    ("How has Wal-Mart fared since 2008?", "record", None, "Wal-Mart", None),
])
def test_count_questions_are_read(question, kind, role, party, event):
    cq = parse(question)
    assert cq is not None, question
    assert (cq.kind, cq.role, cq.party, cq.event) == (kind, role, party, event)


@pytest.mark.parametrize("question", [
    "Why did Acme lose its lawsuit?",  # a loss, but one story's
    "How many jobs did Bank of America cut after its third-quarter loss?",  # "how many", not a count of claims
    "Who lost the most when the canal reopened?",  # "the most" of one event
    "Who is the biggest loser from the canal reopening?",
    "How does AWS fare in these developments?",  # "fare" without a window: one story
    "What was Wal-Mart's record quarter?",  # "record" as an adjective
    "How did the Facebook user records end up exposed?",
    "When did Ford tell the Environmental Protection Agency about its emissions testing problem?",
    "Which US airlines are hit by the new limits on flights to Cuba?",
    "Who won the election?",
])
def test_other_questions_keep_the_retrieval_path(question):
    assert parse(question) is None


def test_no_question_of_the_answer_or_retrieval_sets_is_routed_to_counting():
    questions = [q.question for q in load_answer_gold([REPO / "evals" / "answers"])]
    questions += [q["question"] for q in yaml.safe_load((REPO / "evals/retrieval.yaml").read_text())["questions"]]
    assert len(questions) > 60
    assert [q for q in questions if parse(q) is not None] == []


@pytest.mark.parametrize("question, since, until, words", [
    ("Who lost most often since June?", "2026-06-01", None, "since 2026-06-01"),
    ("Who lost most often since March 2026?", "2026-03-01", None, "since 2026-03-01"),
    ("Who lost most often in 2008?", "2008-01-01", "2008-12-31", "in 2008"),
    ("Who lost most often before 2020?", None, "2019-12-31", "until 2019-12-31"),
    ("Who lost most often after September 2008?", "2008-10-01", None, "since 2008-10-01"),
    ("Who lost most often until June 2, 2026?", None, "2026-06-02", "until 2026-06-02"),
    ("Who lost most often this year?", "2026-01-01", "2026-12-31", "in 2026"),
    ("Who lost most often last year?", "2025-01-01", "2025-12-31", "in 2025"),
    ("Who lost most often in February 2024?", "2024-02-01", "2024-02-29", "in February 2024"),
    ("Who lost most often between March 6, 2009 and 2010?", "2009-03-06", "2010-12-31",
     "between 2009-03-06 and 2010-12-31"),
    ("Who lost most often since 2019-10-01 and before 2020?", "2019-10-01", "2019-12-31",
     "between 2019-10-01 and 2019-12-31"),
])
def test_windows(question, since, until, words):
    got = parse_window(question, ANCHOR, SOURCES)
    assert got[:2] == (since, until) and got[3] == words


def test_a_month_without_a_year_is_the_latest_one_up_to_the_anchor():
    assert date_span("June", dt.date(2026, 6, 10)) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert date_span("June", dt.date(2026, 3, 10)) == (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    assert date_span("June 12", dt.date(2026, 6, 10)) == (dt.date(2025, 6, 12),) * 2
    cq = parse("Who lost most often since June?", dt.date(2026, 3, 10))
    assert cq is not None and cq.since == "2025-06-01"


def test_a_source_is_a_known_publication_and_leaves_the_party_name():
    cq = parse("How many times was AWS named a loser according to CloudBeat Europe?")
    assert cq is not None and (cq.party, cq.source, cq.window) == ("AWS", "CloudBeat Europe", "from CloudBeat Europe")
    cq = parse("Who won most often from Wikinews in 2009?")
    assert cq is not None and (cq.source, cq.since, cq.until) == ("Wikinews", "2009-01-01", "2009-12-31")
    cq = parse("Who won most often from Nowhere Daily?")  # not a known source: no source filter
    assert cq is not None and cq.source is None


def test_a_window_after_the_party_is_not_part_of_its_name():
    cq = parse("How many times was the Dow Jones Industrial Average a loser in 2008?")
    assert cq is not None and cq.party == "the Dow Jones Industrial Average" and cq.since == "2008-01-01"
    cq = parse("How often was Tesco a loser since June?")
    assert cq is not None and cq.party == "Tesco"


def test_top_n_sets_a_limit():
    cq = parse("Who were the top three losers in 2008?")
    assert cq is not None and cq.limit == 3 and cq.role == "loser"
