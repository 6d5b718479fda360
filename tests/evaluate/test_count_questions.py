"""The count-question eval (`evals/count_questions.yaml`), scored in `pipeline eval --retrieval`:
gold-built claims, the verdict of each question, and the project's own set as a CI gate."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate.count_questions import CountSetError, load_count_set, score_count_question
from pipeline.evaluate.retrieval import count_questions_set, evaluate_retrieval
from pipeline.query.retrieve import RetrievalError
from pipeline.types import Article
from tests.conftest import REPO

SET = REPO / "evals" / "count_questions.yaml"
TEXT = "Acme won the contract. Borel lost it."
ARTS = {"a1": Article(id="a1", title="t", text=TEXT, path="a1.md", content_hash="h", format="md")}
CHUNK = {"a1#0": TEXT}


def doc(**over):
    base = {"route": "count", "found": True, "answer": "Acme was named a winner in 1 article [a1#0].",
            "count": {"kind": "times", "party": "Acme", "counts": {"winner": 1, "loser": 0, "unchanged": 0}},
            "counted": [{"article_id": "a1"}],
            "citations": [{"article_id": "a1", "chunk_id": "a1#0", "start": 0, "end": len(TEXT), "text": TEXT,
                           "quote": "Acme won the contract.", "quote_start": 0, "quote_end": 22}]}
    return {**base, **over}


def score(q, d):
    return score_count_question(q, d, ARTS, CHUNK.get, lambda ref: ref if ref in ARTS else None)


Q = {"id": "q", "question": "How many times was Acme a winner?", "party": "Acme", "counts": {"winner": 1},
     "cite": ["a1"]}


def test_a_right_answer_passes():
    row = score(Q, doc())
    assert row["passed"] and row["problems"] == [] and row["citations"] == 1


@pytest.mark.parametrize("change, problem", [
    ({"route": "retrieval"}, "not routed to counting"),
    ({"count": {"kind": "times", "party": "Borel", "counts": {"winner": 1}}}, "party: expected ['Acme']"),
    ({"count": {"kind": "times", "party": "Acme", "counts": {"winner": 2}}}, "winner count: expected 1, got 2"),
    ({"counted": []}, "article a1 was not counted"),
    ({"citations": []}, "not cited: ['a1']"),
])
def test_each_kind_of_wrong_answer_fails(change, problem):
    row = score(Q, doc(**change))
    assert not row["passed"] and any(problem in p for p in row["problems"]), row["problems"]


def test_a_citation_whose_quote_is_not_at_its_offsets_is_invalid():
    bad = doc()
    bad["citations"] = [{**bad["citations"][0], "quote_start": 5}]
    row = score(Q, bad)
    assert not row["passed"] and row["invalid_citations"] == ["a1#0: the quote is not at 5-22 of the article"]
    bad["citations"] = [{**doc()["citations"][0], "chunk_id": "a1#9"}]
    assert "no such stored chunk" in score(Q, bad)["invalid_citations"][0]


def test_an_expected_refusal():
    q = {"id": "r", "question": "How many times was Nokia a winner?", "found": False, "reason": "no party called"}
    assert score(q, doc(found=False, reason="no party called 'Nokia' in the records", citations=[]))["passed"]
    assert not score(q, doc())["passed"]  # answered: wrong


def test_set_errors_name_the_file_and_the_question(tmp_path):
    p = tmp_path / "cq.yaml"
    p.write_text("gold: [gold]\nquestions:\n  - {id: a, question: 'Who lost most often?', pary: X}\n")
    with pytest.raises(CountSetError, match=r"cq.yaml: question 1 \(a\): unknown key\(s\): pary"):
        load_count_set(p)
    p.write_text("questions:\n  - {id: a, question: 'Who lost?', party: X}\n")
    with pytest.raises(CountSetError, match="cq.yaml: 'gold' must be a list"):
        load_count_set(p)
    p.write_text("gold: [g]\nquestions:\n  - {id: a, question: 'Who lost most often?'}\n")
    with pytest.raises(CountSetError, match=r"question 1 \(a\): an answerable question needs 'party'"):
        load_count_set(p)


def test_the_project_set_is_large_enough_and_named_by_the_retrieval_set():
    spec = load_count_set(SET)
    answered = [q for q in spec["questions"] if q.get("found", True)]
    assert len(spec["questions"]) >= 12 and len(answered) >= 10
    assert all(q["cite"] for q in answered)
    assert count_questions_set(REPO / "evals" / "retrieval.yaml") == REPO / "evals" / "count_questions.yaml"


def test_a_retrieval_set_naming_a_missing_count_set_is_an_error(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("count_questions: nope.yaml\nquestions:\n  - {question: q, relevant: [a]}\n")
    with pytest.raises(RetrievalError, match="r.yaml: count_questions: 'nope.yaml' is not a file"):
        count_questions_set(p)
    p.write_text("questions:\n  - {question: q, relevant: [a]}\n")
    assert count_questions_set(p) is None


@pytest.mark.slow  # the real corpus ingested, MiniLM over the retrieval questions (~10-20 s)
def test_project_count_questions_all_pass_in_the_retrieval_eval(corpus_home, monkeypatch):
    """CI's gate on count questions: every question of evals/count_questions.yaml right, every
    citation valid, every expected article cited (claims from the hand-labeled gold)."""
    res = evaluate_retrieval(REPO / "evals" / "retrieval.yaml", k=3)
    block = res["count_questions"]
    assert {"recall_at_k", "mrr", "modes", "per_question"} <= set(res)  # the retrieval keys stay
    failed = [(r["id"], r["problems"]) for r in block["per_question"] if not r["passed"]]
    assert failed == []
    assert block["accuracy"] == 1.0 and block["citation_validity"] == 1.0
    assert block["answered"] >= 10 and block["citations"] >= block["answered"]


@pytest.mark.slow  # the real corpus ingested once per process
def test_ask_cli_answers_a_count_question_with_citations(corpus_copy, monkeypatch):
    from pipeline.corpus.store import Store
    from pipeline.evaluate.count_questions import gold_records
    from pipeline.evaluate.retrieval import resolve_article
    from pipeline.records import append_record

    store = Store(home=corpus_copy, chroma_url="")
    arts = {a.id: a for a in store.list_articles()}
    for rec in gold_records([str(REPO / "evals" / "gold-real" / "dev")], arts,
                            lambda ref: resolve_article(ref, arts, store)):
        append_record(rec, corpus_copy / "extractions.jsonl")
    store.close()
    monkeypatch.chdir(REPO)
    out = CliRunner().invoke(app, ["ask", "How many times was Bank of America named a loser?", "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert d["route"] == "count" and d["found"] and d["count"]["party"].startswith("Bank of America")  # its display name may be the formal one
    assert {"answer", "citations", "retrieved", "found", "question", "strategy"} <= set(d)
    assert {c["article_id"] for c in d["citations"]} == {c["article_id"] for c in d["counted"]}
    for c in d["citations"]:  # each quote sits at its offsets in its article
        assert arts[c["article_id"]].text[c["quote_start"]:c["quote_end"]] == c["quote"]
    human = CliRunner().invoke(app, ["ask", "How many times was Bank of America named a loser?"])
    assert human.exit_code == 0 and "Counted:" in human.stdout and "named loser" in human.stdout
