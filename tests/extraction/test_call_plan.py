"""`single.plan`: the calls extraction makes first, as data. The synchronous path runs this same
plan, so the planned calls are exactly the calls made, and `assemble` over canned answers gives
exactly the synchronous result."""

from __future__ import annotations

import json

from pipeline.extraction import single
from pipeline.llm.base import LLMResult
from pipeline.llm.fake import FakeProvider
from pipeline.types import Usage
from tests.batch.conftest import answer
from tests.conftest import CORPUS
from tests.extraction.conftest import analysis_json, make_article, user_text

LONG = (CORPUS / "ev-price-cuts-lfp-plant.txt").read_text(encoding="utf-8")


def _grounded(messages, schema):
    """A grounded answer about whichever part of the article the call shows."""
    return answer({"messages": [m.model_dump() for m in messages]})


def _canned(plan) -> dict[str, LLMResult]:
    out = {}
    for c in plan.calls:
        data = _grounded(list(c.messages), None)
        out[c.key] = LLMResult(output=single.RawAnalysis.model_validate(data), text=json.dumps(data),
                               model="fake:scripted", usage=Usage(calls=1, input_tokens=7))
    return out


def test_planned_calls_are_the_calls_the_synchronous_path_makes(home):
    art = make_article(LONG)
    fake = FakeProvider(script=[_grounded], context_window=4500)
    plan = single.plan(art, fake)
    assert len(plan.calls) > 1 and fake.calls == []  # planning asks nothing
    assert [c.key for c in plan.calls] == [f"section-{i}" for i in range(len(plan.calls))]
    out = single.extract(art, fake)
    assert out.sections == len(plan.calls) and out.reasks == 0
    assert [c["messages"] for c in fake.calls] == [list(c.messages) for c in plan.calls]
    assert {c["schema"]["title"] for c in fake.calls} == {"RawAnalysis"}
    assert {(c.output_type, c.max_tokens) for c in plan.calls} == {(single.RawAnalysis,
                                                                    single.OUTPUT_TOKENS)}


def test_assemble_from_canned_answers_equals_the_synchronous_result(home):
    art = make_article(LONG)
    sync = single.extract(art, FakeProvider(script=[_grounded], context_window=4500))
    idle = FakeProvider(script=[AssertionError("assemble asked the model")], context_window=4500)
    plan = single.plan(art, idle)
    out = plan.assemble(_canned(plan))
    assert idle.calls == []  # every quote grounded: nothing left to ask
    assert out.analysis == sync.analysis and out.analysis.winners
    assert (out.sections, out.reasks, out.repaired) == (sync.sections, sync.reasks, sync.repaired)
    assert out.usage.calls == len(plan.calls)


def test_a_sections_reask_comes_before_the_next_sections_call(home):
    text = ("Acme Corp wins a big contract.\n"
            + " ".join(f"Paragraph {i} talks about weather patterns and nothing else." for i in range(60))
            + "\nBeta Industries loses its biggest customer.")
    art = make_article(text)

    def model(messages, schema):
        if schema["title"] == "Reask":
            return {"fixes": [{"index": 1, "quote": "Acme Corp wins a big contract."}]}
        if "Acme Corp wins a big contract." in user_text(messages):
            return analysis_json(winners=[("Acme Corp", "A quote the article never makes")])
        return analysis_json(losers=[("Beta Industries", "Beta Industries loses its biggest customer.")])

    fake = FakeProvider(script=[model], context_window=1900)
    plan = single.plan(art, fake)
    assert len(plan.calls) >= 2
    out = single.extract(art, fake)
    titles = [c["schema"]["title"] for c in fake.calls]
    assert titles[:3] == ["RawAnalysis", "Reask", "RawAnalysis"]
    assert out.reasks == 1 and out.analysis.winners[0].evidence.status == "exact"


# --- the small strategy: its label questions are known before any answer ---------------------

def _label(messages, schema):
    """Winner when the sentence names Microsoft's rivals, else the first cue-allowed label."""
    sentence = messages[-1].content.split("Sentence:")[1].split("\n")[0]
    want = "winner" if "Google" in sentence or "Oracle" in sentence else "loser"
    allowed = schema["properties"]["label"]["enum"]  # the reading's label and "none"
    return {"label": want if want in allowed else allowed[0]}


def test_small_hybrid_plan_is_the_calls_made_and_assembles_the_same_record(home, monkeypatch):
    from pipeline.extraction import small
    from tests.extraction.conftest import seed_article

    monkeypatch.setenv("PIPELINE_SMALL_MODE", "hybrid")
    art = seed_article()
    fake = FakeProvider(script=[_label])
    plan = small.plan(art, fake)
    assert 1 < len(plan.calls) <= small.MAX_CALLS and fake.calls == []
    sync = small.extract(art, fake)
    assert [c["messages"] for c in fake.calls] == [list(c.messages) for c in plan.calls]
    assert sync.calls == len(plan.calls) == sync.usage.calls

    answers = {c.key: LLMResult(output=c.output_type.model_validate(_label(list(c.messages), c.output_type.model_json_schema())),
                                model="fake:scripted", usage=Usage(calls=1)) for c in plan.calls}
    idle = FakeProvider(script=[AssertionError("assemble asked the model")])
    out = small.plan(art, idle).assemble(answers)
    assert idle.calls == [] and out.analysis == sync.analysis
    assert out.analysis.winners and out.analysis.losers


def test_small_rules_plan_has_no_calls(home, monkeypatch):
    from pipeline.extraction import small
    from tests.extraction.conftest import seed_article

    monkeypatch.setenv("PIPELINE_SMALL_MODE", "rules")
    plan = small.plan(seed_article(), FakeProvider())
    assert plan.calls == []
    assert plan.assemble({}).analysis == small.extract(seed_article(), FakeProvider()).analysis


def test_small_plan_stops_asking_at_max_calls(home, monkeypatch):
    from pipeline.extraction import small
    from tests.extraction.conftest import seed_article

    monkeypatch.setenv("PIPELINE_SMALL_MODE", "hybrid")
    monkeypatch.setattr(small, "MAX_CALLS", 2)
    fake = FakeProvider(script=[_label])
    assert [c.key for c in small.plan(seed_article(), fake).calls] == ["label-0", "label-1"]
    out = small.extract(seed_article(), fake)
    assert len(fake.calls) == out.calls == 2
    assert out.analysis.winners  # the rest decided by the cues
