"""Scoring of the answer-quality eval on hand-built answers (no model): what counts as a covered
fact, a misattributed citation (the other airline's "the carrier"), a correct refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluate.answers import (AnswerGoldError, evaluate_answers, holds, load_answer_gold,
                                       score_question, summarize_scores)

GOLD = """
split: dev
questions:
- id: skyway-profit
  question: Why did Skyway's profit fall, and what did it do about it?
  articles: [corpus/skyway.md]
  entities: [Skyway]
  parts:
  - ask: why profit fell
    facts:
    - {quote: "The carrier said higher fuel costs cut its quarterly profit by 40%.", article: corpus/skyway.md}
  - ask: what it did
    facts:
    - {quote: "Skyway added a fuel surcharge of $12 to every ticket.", article: corpus/skyway.md}
  off_topic:
  - {quote: "The carrier reported a drop in quarterly profit.", article: corpus/bluejet.md}
- id: skyway-ceo-pay
  question: What is Skyway's chief executive paid?
  articles: []
  answerable: false
  entities: [Skyway]
"""

IDS = {"corpus/skyway.md": "skyway-1", "corpus/bluejet.md": "bluejet-2"}


def cite(article: str, sentence: str) -> dict:
    return {"article_id": article, "chunk_id": f"{article}#0", "sentence": sentence, "supported": True}


@pytest.fixture()
def questions(tmp_path: Path):
    f = tmp_path / "dev.yaml"
    f.write_text(GOLD, encoding="utf-8")
    return f, load_answer_gold([f])


def test_the_other_airlines_carrier_sentence_is_misattributed(questions):
    _, qs = questions
    result = {"found": True, "answer": "…", "citations": [
        cite("skyway-1", "The carrier said higher fuel costs cut its quarterly profit by 40%."),
        cite("bluejet-2", "The carrier reported a drop in quarterly profit."),
    ]}
    row = score_question(qs[0], result, IDS.get)
    assert row["facts_covered"] == 1 and row["facts"] == 2
    assert row["parts_answered"] == 1  # "what did it do about it" was not answered
    assert row["attributed"] == 1 and row["misattributed"] == [
        {"article_id": "bluejet-2", "sentence": "The carrier reported a drop in quarterly profit."}]
    assert row["missed_facts"] == ["Skyway added a fuel surcharge of $12 to every ticket."]


def test_a_full_answer_scores_full_marks_and_a_refusal_of_the_unanswerable_counts(questions):
    _, qs = questions
    good = {"found": True, "citations": [
        cite("skyway-1", "The carrier said higher fuel costs cut its quarterly profit by 40%."),
        cite("skyway-1", "Skyway added a fuel surcharge of $12 to every ticket, the airline said."),
    ]}
    rows = [score_question(qs[0], good, IDS.get), score_question(qs[1], {"found": False, "citations": []}, IDS.get)]
    s = summarize_scores(rows)
    assert (s["fact_recall"], s["attribution_precision"], s["correct_refusal"], s["part_coverage"]) == (1, 1, 1, 1)


def test_answering_the_unanswerable_and_refusing_the_answerable_both_cost(questions):
    _, qs = questions
    rows = [score_question(qs[0], {"found": False}, IDS.get),
            score_question(qs[1], {"found": True, "citations": [cite("skyway-1", "Skyway has 30 jets.")]}, IDS.get)]
    s = summarize_scores(rows)
    assert s["fact_recall"] == 0 and s["false_refusal"] == 1 and s["correct_refusal"] == 0
    assert rows[1]["wrong_citations"] == ["Skyway has 30 jets."]


def test_coverage_needs_most_of_the_facts_words_not_just_the_article():
    assert holds("Skyway added a $12 fuel surcharge to every ticket.", "Skyway added a fuel surcharge of $12 to every ticket.")
    assert not holds("Skyway flies to 40 cities.", "Skyway added a fuel surcharge of $12 to every ticket.")


def test_evaluate_answers_runs_every_question_and_reports_splits(questions):
    path, _ = questions
    asked = []

    def ask_fn(q: str) -> dict:
        asked.append(q)
        return {"found": False, "answer": "not in the corpus", "citations": []}

    report = evaluate_answers([path], ask_fn=ask_fn, article_id=IDS.get)
    assert len(asked) == 2 and report["splits"]["dev"]["questions"] == 2
    assert report["overall"]["correct_refusal"] == 1.0 and report["overall"]["fact_recall"] == 0.0
    assert report["worst"][0]["id"] == "skyway-profit"


def test_gold_naming_an_article_not_in_the_store_is_an_error(questions):
    path, _ = questions
    with pytest.raises(AnswerGoldError, match="corpus/skyway.md"):
        evaluate_answers([path], ask_fn=lambda q: {}, article_id=lambda p: None)


def test_the_shipped_answer_gold_loads():
    qs = load_answer_gold([Path("evals/answers/dev.yaml")])
    assert len(qs) >= 20 and all(q.split == "dev" for q in qs)


def test_an_off_topic_quote_naming_an_article_not_in_the_store_is_an_error(questions):
    path, _ = questions
    ids = {"corpus/skyway.md": "skyway-1"}  # bluejet.md, named only by an off_topic quote, is missing
    with pytest.raises(AnswerGoldError, match="corpus/bluejet.md"):
        evaluate_answers([path], ask_fn=lambda q: {}, article_id=ids.get)


def test_progress_reports_each_question_by_id(questions):
    path, qs = questions
    seen = []
    evaluate_answers([path], ask_fn=lambda q: {"found": False}, article_id=IDS.get,
                     progress=lambda i, n, qid: seen.append((i, n, qid)))
    assert seen == [(1, 2, qs[0].id), (2, 2, qs[1].id)]


@pytest.mark.parametrize("table,problem", [
    ('set = 3', "set must be a path or a list of paths"),
    ('k = 0', "k must be a whole number"),
    ('min_fact_recall = 1.5', "min_fact_recall must be a number from 0 to 1"),
    ('min_recall = 0.5', "unknown key(s) in [answers]: min_recall"),
])
def test_a_bad_answers_table_names_the_file_and_the_key(tmp_path, table, problem):
    from pipeline.evaluate.answer_report import AnswerConfigError, load_answer_config

    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[answers]\n{table}\n", encoding="utf-8")
    with pytest.raises(AnswerConfigError) as err:
        load_answer_config(cfg)
    assert str(cfg) in str(err.value) and problem in str(err.value)


def test_a_single_answer_set_path_is_one_path_not_its_letters(tmp_path):
    from pipeline.evaluate.answer_report import load_answer_config

    cfg = tmp_path / "config.toml"
    cfg.write_text('[answers]\nset = "evals/answers"\n', encoding="utf-8")
    assert load_answer_config(cfg)["set"] == ["evals/answers"]
    assert load_answer_config("evals/config.toml")["set"] == ["evals/answers/dev.yaml", "evals/answers/test.yaml",
                                                          "evals/answers/fresh.yaml", "evals/answers/fresh2.yaml",
                                                          "evals/answers/fresh3.yaml", "evals/answers/fresh4.yaml",
                                                          "evals/answers/fresh5.yaml"]
