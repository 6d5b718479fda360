"""`summary_plan`: the first map-reduce level of a free-text summary, as data. The synchronous
summary runs this same plan: its first calls are the planned ones, the reduce step follows, and
`assemble` over the same answers gives the same summary."""

from __future__ import annotations

from pipeline.llm.base import LLMResult
from pipeline.llm.fake import FakeProvider
from pipeline.summarize.plan import SummaryOut, free_summary, summary_plan
from pipeline.types import Usage
from tests.conftest import CORPUS
from tests.extraction.conftest import make_article

LONG = (CORPUS / "ev-price-cuts-lfp-plant.txt").read_text(encoding="utf-8")


def _model(messages, schema):
    """A deterministic answer per request: the length of what it was shown."""
    return {"summary": f"Part of {len(messages[-1].content)} characters."}


def test_long_article_plans_its_parts_then_reduces_synchronously(home):
    art = make_article(LONG, title="EV prices")
    fake = FakeProvider(script=[_model], context_window=900)
    plan = summary_plan(art, fake, 300)
    assert len(plan.calls) > 1 and fake.calls == []
    assert [c.key for c in plan.calls] == [f"part-{i}" for i in range(len(plan.calls))]
    assert all("summary of this part" in c.messages[0].content for c in plan.calls)

    text, usage = free_summary(art, fake, 300)
    n = len(plan.calls)
    assert [c["messages"] for c in fake.calls[:n]] == [list(c.messages) for c in plan.calls]
    assert len(fake.calls) > n  # the reduce step depends on the answers: asked afterwards
    assert "summary of the article" in fake.calls[-1]["messages"][0].content  # the final call
    assert len(usage) == len(fake.calls) and text.startswith("Part of")

    # the same answers handed to `assemble`: the same summary, only the reduce asked
    answers = {c.key: LLMResult(output=SummaryOut.model_validate(_model(list(c.messages), None)),
                                usage=Usage(calls=1)) for c in plan.calls}
    reducer = FakeProvider(script=[_model], context_window=900)
    again, used = summary_plan(art, reducer, 300).assemble(answers)
    assert again == text and len(reducer.calls) == len(fake.calls) - n
    assert len(used) == len(usage)


def test_short_article_is_one_final_call(home):
    art = make_article("Acme wins a contract. Beta loses a customer. Prices stay the same.")
    fake = FakeProvider(script=[{"summary": "  Acme wins.  "}])
    plan = summary_plan(art, fake, 300)
    assert len(plan.calls) == 1 and "summary of the article" in plan.calls[0].messages[0].content
    assert plan.calls[0].schema_name == "SummaryOut" and plan.calls[0].max_tokens == 300
    assert free_summary(art, fake, 300)[0] == "Acme wins." and len(fake.calls) == 1
