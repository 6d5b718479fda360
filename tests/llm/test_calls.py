"""`pipeline.llm.calls`: a plan's calls are asked lazily, once, in the order `assemble` reads
them, and keys must be unique (answers are found by key)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from pipeline.llm.base import Message
from pipeline.llm.calls import Asked, CallPlan, CallSpec, run_plan
from pipeline.llm.fake import FakeProvider


class Out(BaseModel):
    n: int


def _spec(key: str) -> CallSpec:
    return CallSpec(key, (Message(role="user", content=f"ask {key}"),), Out, 20)


def test_duplicate_keys_are_refused():
    with pytest.raises(ValueError, match="share a key"):
        CallPlan([_spec("a"), _spec("a")], lambda answers: None)


def test_run_plan_asks_in_the_order_assemble_reads_and_each_call_once(home):
    fake = FakeProvider(script=[lambda msgs, schema: {"n": len(msgs[-1].content)}])
    plan = CallPlan([_spec("a"), _spec("bb")],
                    lambda ans: [ans["bb"].output.n, ans["a"].output.n, ans["bb"].output.n])
    assert run_plan(fake, plan) == [6, 5, 6]
    assert [c["messages"][-1].content for c in fake.calls] == ["ask bb", "ask a"]
    assert fake.calls[0]["schema"]["title"] == "Out"


def test_asked_makes_no_call_until_read(home):
    fake = FakeProvider(script=[{"n": 1}])
    answers = Asked(fake, [_spec("a"), _spec("b")])
    assert list(answers) == ["a", "b"] and len(answers) == 2 and fake.calls == []
    assert answers["b"].output.n == 1 and len(fake.calls) == 1
    with pytest.raises(KeyError):
        answers["missing"]
