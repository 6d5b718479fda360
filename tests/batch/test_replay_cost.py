"""A replayed batch completion carries its price share as a real `Completion` field."""

from __future__ import annotations

from pipeline.batch.replay import completion_of
from pipeline.batch.vendor import BATCH_DISCOUNT, ItemResult
from pipeline.llm.base import Completion


def test_replayed_completions_are_billed_at_the_batch_discount_or_not_at_all():
    vendor = Completion(text="{}", input_tokens=10, output_tokens=5, mode="tool")
    assert vendor.cost_factor == 1.0  # a synchronous call pays list price
    item = ItemResult("c1", "succeeded", completion=vendor)
    fresh, billed = completion_of(item), completion_of(item, billed=True)
    assert fresh.cost_factor == BATCH_DISCOUNT and billed.cost_factor == 0.0
    assert fresh.mode == "batch:tool" and fresh.raw == {"batch": True}
    assert vendor.cost_factor == 1.0 and vendor.mode == "tool"  # the vendor's answer is not touched
