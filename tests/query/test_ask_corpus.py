"""`ask` end to end on the real corpus and store: scripted models for exact behaviour, and the
embedded model once (slow)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from pipeline.query.ask import NOT_IN_CORPUS, ask
from pipeline.cli import app
from pipeline.llm.fake import FakeProvider

CONTRACT = {"article_id", "chunk_id", "start", "end", "text", "supported"}


def _passages(messages) -> dict[str, str]:
    """chunk id → text, as the answer prompt lists them (its first user message, re-asks included)."""
    text = messages[1].content
    return dict(re.findall(r'<passage id="([^"]+)"[^>]*>\n(.*?)\n</passage>', text, re.S))


def test_off_topic_question_is_refused_without_any_llm_call(retriever):
    fake = FakeProvider(script=[{"found": True, "answer": "Lima [x#0]."}])
    res = ask("What is the recipe for guacamole?", model=fake, retriever=retriever)
    assert not res.found and res.answer == NOT_IN_CORPUS
    assert fake.calls == [] and res.citations == []
    assert "below" in res.reason and res.retrieved  # what was retrieved is still shown


def test_model_saying_not_found_is_believed(retriever):
    fake = FakeProvider(script=[{"found": False, "answer": ""}])
    res = ask("Who is the chief executive of Nvidia?", model=fake, strategy="free", retriever=retriever)
    assert len(fake.calls) == 1  # close enough to the corpus to ask the model
    assert not res.found and res.answer == NOT_IN_CORPUS and "model said" in res.reason


def test_free_answer_citations_are_validated_against_retrieved_chunks(retriever):
    def answer(messages, schema):
        passages = _passages(messages)
        win = next(cid for cid, t in passages.items() if "Google Cloud and Oracle win" in t)
        return {"found": True, "answer": (
            f"Google Cloud and Oracle win because they can now offer OpenAI models directly [{win}]. "
            f"Microsoft owns 90% of OpenAI [{win}]. "
            "IBM buys OpenAI outright [seed-article-00000000#42].")}

    fake = FakeProvider(script=[answer])  # the re-ask gets the same answer back
    res = ask("Who wins from the Microsoft OpenAI amendment?", model=fake, strategy="free",
              retriever=retriever)
    assert res.found and res.strategy == "free" and len(fake.calls) == 2  # one answer, one re-ask
    assert [(c.supported, c.retrieved) for c in res.citations] == [(True, True)]
    good = res.citations[0]
    article = retriever.store.get_article(good.article_id)
    assert article.text[good.start:good.end] == good.text  # the cited passage's offsets are exact
    assert article.text[good.quote_start:good.quote_end] == good.quote
    assert "Oracle win" in good.quote and "90%" not in res.answer and "IBM" not in res.answer
    wrong_number, invented = res.dropped
    assert "90" in wrong_number.reason and wrong_number.citations == [good.chunk_id]
    assert "not among the retrieved" in invented.reason
    retrieved_ids = {h["chunk_id"] for h in res.retrieved}
    assert good.chunk_id in retrieved_ids and invented.citations[0] not in retrieved_ids


def test_extractive_answer_quotes_the_picked_sentences(retriever):
    fake = FakeProvider(script=[{"found": True, "picks": [2, 1]}])
    res = ask("What does the Pathway crossover cost after the price cut?", model=fake,
              strategy="extractive", retriever=retriever)
    assert res.found and res.strategy == "extractive"
    schema = fake.calls[0]["schema"]
    assert schema["properties"]["picks"]["items"]["enum"] == [1, 2, 3, 4, 5, 6]  # constrained choice
    assert 1 <= len(res.citations) <= 2 and all(c.supported and c.retrieved for c in res.citations)
    assert "$33,900" in res.answer
    for c in res.citations:
        article = retriever.store.get_article(c.article_id)
        assert article.text[c.quote_start:c.quote_end] == c.quote
        assert c.quote in res.answer  # verbatim: right by construction


def _cli(monkeypatch, fake, *args):
    import pipeline.llm

    monkeypatch.setattr(pipeline.llm, "get_provider", lambda spec=None, **kw: fake)
    return CliRunner().invoke(app, ["ask", *args])


def test_cli_ask_json_contract(corpus_home, monkeypatch):
    fake = FakeProvider(script=[{"found": True, "picks": [1]}])
    r = _cli(monkeypatch, fake, "How far did the capacity auction clearing price fall?", "--k", "4",
             "--json", "--strategy", "extractive")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert {"answer", "citations", "retrieved"} <= set(data)
    assert data["citations"] and all(CONTRACT <= set(c) for c in data["citations"])
    assert all(c["supported"] for c in data["citations"])
    assert len(data["retrieved"]) == 4
    cited = {c["chunk_id"] for c in data["citations"]}
    assert cited <= {h["chunk_id"] for h in data["retrieved"]}
    assert all(f"[{cid}]" in data["answer"] for cid in cited)


def test_cli_ask_filters_and_errors(corpus_home, monkeypatch):
    fake = FakeProvider(script=[{"found": True, "picks": [1]}])
    r = _cli(monkeypatch, fake, "Who wins?", "--source", "Gridline Weekly", "--json", "--strategy", "extractive")
    assert r.exit_code == 0, r.output
    assert {h["source"] for h in json.loads(r.stdout)["retrieved"]} == {"Gridline Weekly"}
    r = _cli(monkeypatch, fake, "Who wins?", "--source", "Nobody's Gazette")
    assert r.exit_code == 1 and "no article has source" in r.output
    r = _cli(monkeypatch, fake, "Who wins?", "--since", "someday")
    assert r.exit_code == 1 and "not a date" in r.output


@pytest.mark.slow
def test_ask_with_the_embedded_model(corpus_home):
    r = CliRunner().invoke(app, ["ask", "What does the Pathway crossover cost after the price cut?", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["found"] and data["strategy"] == "extractive" and data["model"].startswith("local")
    assert data["citations"] and all(c["supported"] and c["retrieved"] for c in data["citations"])
    assert any(c["article_id"].startswith("ardent-motors") for c in data["citations"])
    assert "$33,900" in data["answer"]


def test_extractive_drops_picks_that_lack_the_asked_number(retriever):
    fake = FakeProvider(script=[{"found": True, "picks": [1, 2, 3]}])  # a small model picks by position
    res = ask("Whose shares fell 7% after losing a kiosk customer?", model=fake, strategy="extractive",
              retriever=retriever)
    assert res.found and [c.quote for c in res.citations] == ["ScanPoint's shares fell 7% on Wednesday."]


def test_auto_strategy_falls_back_to_extractive_when_free_output_is_invalid(retriever):
    fake = FakeProvider(script=["not json at all", "still not json", "nope", {"found": True, "picks": [1]}])
    res = ask("What does the Pathway crossover cost after the price cut?", model=fake, retriever=retriever)
    assert res.strategy == "extractive" and res.found and len(fake.calls) == 4  # 3 failed tries, 1 pick
    assert all(c.supported for c in res.citations)
    with pytest.raises(Exception, match="did not fit FreeAnswer"):
        ask("What does the Pathway crossover cost?", model=FakeProvider(script=["bad"]), strategy="free",
            retriever=retriever)


def test_a_picking_model_that_is_not_small_is_offered_more_sentences(retriever):
    from pipeline.llm.profiles import ModelProfile
    from pipeline.query.ask import CANDIDATES, WIDE_CANDIDATES

    class Picker(FakeProvider):  # like the local Qwen aliases: picks by default, not small
        @classmethod
        def profile_for(cls, model: str) -> ModelProfile:
            return ModelProfile(name="picker", answer="extractive")

    q = "What does the Pathway crossover cost after the price cut?"
    offered = {}
    for name, model in (("small", FakeProvider(script=[{"found": True, "picks": [1]}])),
                        ("picker", Picker(script=[{"found": True, "picks": [1]}]))):
        res = ask(q, model=model, strategy="extractive", retriever=retriever)
        assert res.found and "$33,900" in res.answer, res.answer
        offered[name] = len(model.calls[0]["schema"]["properties"]["picks"]["items"]["enum"])
    assert offered == {"small": CANDIDATES, "picker": WIDE_CANDIDATES}
