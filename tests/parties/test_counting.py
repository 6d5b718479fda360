"""Count questions answered by counting: the party, the counts, the refusals, and citations that
name a counted article, a chunk of it and the quote inside it."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.parties.question_parse import parse_count_question
from pipeline.parties.questions import ask_json, ask_routed, render
from pipeline.query.ask import parse_citations
from tests.parties.conftest import StubRetriever

ANCHOR = dt.date(2026, 6, 5)


def answer(mini, question: str):
    return ask_routed(question, retriever=StubRetriever(mini), resolution=mini.resolution(), anchor=ANCHOR)


def assert_citations_valid(mini, res) -> None:
    counted = {c.article_id for c in res.counted}
    assert res.citations, res.answer
    for c in res.citations:
        art = mini.articles[c.article_id]
        chunk = next(ch for ch in mini.chunks_of(c.article_id) if ch.id == c.chunk_id)
        assert c.article_id in counted
        assert art.text[c.quote_start:c.quote_end] == c.quote != ""
        assert chunk.start <= c.quote_start < chunk.end and (c.start, c.end, c.text) == (chunk.start, chunk.end,
                                                                                          chunk.text)
        assert c.supported and c.retrieved
    cited_in_answer = {cid for _, ids in parse_citations(res.answer) for cid in ids}
    assert cited_in_answer == {c.chunk_id for c in res.citations}


def cited(res) -> set[str]:
    return {c.article_id for c in res.citations}


def test_most_frequent_loser_is_counted_by_articles(mini):
    res = answer(mini, "Who lost most often?")
    assert res.found and res.count["parties"] == ["Acme"]  # "Acme Corp." on 02-10 is the same party
    assert res.count["ranking"][0] == {"party": "Acme", "id": "acme", "loser": 2}
    assert cited(res) == {"a2", "a3"} and "Acme was named a loser most often, in 2 articles" in res.answer
    assert_citations_valid(mini, res)
    doc = ask_json(res)
    assert doc["route"] == "count" and {"answer", "citations", "retrieved", "found"} <= set(doc)
    assert {c["article_id"] for c in doc["counted"]} == {"a2", "a3"}


def test_window_since_june_and_a_claim_whose_quote_is_not_in_its_article(mini):
    res = answer(mini, "Who lost most often since June?")
    assert res.found and res.count["parties"] == ["Cato"] and cited(res) == {"a4"}
    assert res.skipped == 1  # Dax's quote is not in a6: not counted, not cited
    refusal = answer(mini, "How many times was Dax named a loser?")
    assert not refusal.found and refusal.citations == []
    assert "no article in the records names Dax a loser" in refusal.reason


def test_times_and_source(mini):
    res = answer(mini, "How many times was Acme named a winner?")
    assert res.found and res.count["counts"] == {"winner": 2, "loser": 2, "unchanged": 0}
    assert cited(res) == {"a1", "a4"}
    assert_citations_valid(mini, res)
    res = answer(mini, "How many times was Acme a loser according to Metro Wire?")
    assert res.count["counts"]["loser"] == 1 and cited(res) == {"a3"} and "from Metro Wire" in res.answer


def test_record_this_year_leaves_the_undated_article_out(mini):
    res = answer(mini, "What is Borel's record this year?")
    assert res.count["counts"] == {"winner": 1, "loser": 1, "unchanged": 0} and cited(res) == {"a1", "a2"}
    res = answer(mini, "What is Borel's record?")
    assert res.count["counts"]["winner"] == 2 and cited(res) == {"a1", "a2", "a5"}
    assert_citations_valid(mini, res)


@pytest.mark.parametrize("question, date, cites", [
    ("When did Acme stop losing?", "2026-06-02", {"a3", "a4"}),  # last loss 03-15, a win next
    ("When did Acme start losing?", "2026-02-10", {"a1", "a2"}),  # the losing run after the 01-05 win
    ("When did Acme first win?", "2026-01-05", {"a1"}),
    ("When was Acme last named a loser?", "2026-03-15", {"a3"}),
    ("When did Acme stop winning?", None, {"a4"}),  # its latest article names it a winner
])
def test_when_questions(mini, question, date, cites):
    res = answer(mini, question)
    assert res.found and res.count["date"] == date and cited(res) == cites, res.answer
    assert_citations_valid(mini, res)


def test_when_did_it_stop_winning_says_it_has_not(mini):
    res = answer(mini, "When did Acme stop winning?")
    assert res.answer.startswith("Acme has not stopped winning")


def test_sources_disagree(mini):
    res = answer(mini, "Which sources disagree about Acme?")
    assert res.found and res.count["disagree"] is True and res.count["sources"] == ["Daily Ledger", "Metro Wire"]
    assert cited(res) == {"a1", "a2", "a3", "a4"}
    assert_citations_valid(mini, res)
    res = answer(mini, "Which sources disagree about Borel?")
    assert res.count["sources"] == ["(no source)", "Daily Ledger"] and cited(res) == {"a1", "a2", "a5"}
    assert "Articles with no source name Borel a winner" in res.answer
    res = answer(mini, "Which sources disagree about Cato?")
    assert res.found and res.count["disagree"] is False and cited(res) == {"a4"}
    both = answer(mini, "Who is called both a winner and a loser?")
    assert both.count["parties"] == ["Acme", "Borel"]


@pytest.mark.parametrize("question, reason", [
    ("How many times was Zenith named a loser?", "no party called 'Zenith'"),
    ("Who lost most often in 2019?", "no article in the records names a loser in 2019"),
    ("When did Cato first win?", "no dated article in the records names Cato a winner"),
])
def test_refusals_say_why(mini, question, reason):
    res = answer(mini, question)
    assert not res.found and reason in res.reason and res.citations == [] and res.answer
    assert "_(" in render(res)  # the human form shows the reason


def test_no_records_is_a_refusal(mini):
    from pipeline.parties.resolve import Resolution, PartyIndex

    res = ask_routed("Who lost most often?", retriever=StubRetriever(mini), resolution=Resolution(PartyIndex()),
                     anchor=ANCHOR)
    assert not res.found and "run `pipeline extract` first" in res.reason


def test_other_questions_go_to_ask_unchanged(mini, monkeypatch):
    import pipeline.query.ask as ask_mod
    from pipeline.query.ask import AskResult

    calls = []

    def fake_ask(question, **kw):
        calls.append((question, kw))
        return AskResult(question=question, answer="from retrieval", found=True)

    monkeypatch.setattr(ask_mod, "ask", fake_ask)
    r = StubRetriever(mini)
    res = ask_routed("Why did Acme lose its lawsuit?", k=4, source="Metro Wire", since="2026-01-01",
                     retriever=r, anchor=ANCHOR)
    assert res.answer == "from retrieval" and ask_json(res)["route"] == "retrieval"
    assert calls == [("Why did Acme lose its lawsuit?", {"k": 4, "source": "Metro Wire", "since": "2026-01-01",
                                                         "model": None, "strategy": "auto", "retriever": r,
                                                         "max_tokens": 512, "settings": None})]


def test_cli_source_and_since_apply_to_a_count_question_without_its_own(mini):
    r = StubRetriever(mini)
    res = ask_routed("Who lost most often?", since="2026-03-01", retriever=r, resolution=mini.resolution(),
                     anchor=ANCHOR)
    assert res.count["parties"] == ["Acme", "Cato"] and cited(res) == {"a3", "a4"}  # a2 is before March
    assert res.count["since"] == "2026-03-01" and "since 2026-03-01" in res.answer
    res = ask_routed("Who won most often?", source="Daily Ledger", retriever=r, resolution=mini.resolution(),
                     anchor=ANCHOR)
    assert res.count["parties"] == ["Acme", "Borel"] and cited(res) == {"a1", "a2"}


def test_the_anchor_is_the_newest_publication_day(mini):
    from pipeline.parties.questions import anchor_day

    assert anchor_day(mini.articles) == dt.date(2026, 6, 5)
    cq = parse_count_question("Who lost most often this year?", anchor_day(mini.articles), [])
    assert cq is not None and cq.since == "2026-01-01"


def test_a_many_way_tie_names_and_cites_the_first_five(mini):
    from pipeline.types import Article, ArticleAnalysis, Chunk, Evidence, ExtractionRecord, PartyClaim

    names = ["Fen", "Gil", "Hux", "Ivo", "Jax", "Kip", "Lum"]
    text = " ".join(f"{n} lost ground." for n in names)
    mini.articles["a7"] = Article(id="a7", title="t", text=text, path="a7.md", content_hash="h", format="md",
                                  source="Metro Wire", published_at="2026-06-04")
    mini.chunks["a7"] = [Chunk(id="a7#0", article_id="a7", index=0, start=0, end=len(text), text=text, tokens=21)]
    mini.records.append(ExtractionRecord(article_id="a7", model="fake:scripted", prompt_hash="p" * 12,
                                         analysis=ArticleAnalysis(losers=[PartyClaim(party=n, evidence=Evidence(
                                             quote=f"{n} lost ground.")) for n in names])))
    res = answer(mini, "Who lost most often since June 3?")
    assert res.found and res.count["parties"] == names  # all seven in the JSON
    assert "7 parties tie as a loser most often since 2026-06-03, in 1 article each; the first 5 by name" \
        in res.answer
    assert [c.quote for c in res.citations] == [f"{n} lost ground." for n in names[:5]]
    assert_citations_valid(mini, res)
