"""`pipeline run` resolves each stage's model once, before any work, and hands stages the instance."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from pipeline.llm import registry
from pipeline.llm.fake import FakeProvider
from pipeline.run import _resolve


class Built(FakeProvider):
    provider: ClassVar[str] = "built"
    count: ClassVar[int] = 0

    def __init__(self, model: str = "m", **options: Any) -> None:
        super().__init__(model, **options)
        type(self).count += 1


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    monkeypatch.setitem(registry.PROVIDERS, "built", (__name__, "Built", None))
    monkeypatch.setattr(Built, "count", 0)


def test_stages_naming_the_same_model_share_one_provider():
    out = _resolve(None, {"extract": "built:a", "summarize": "built:a"})
    assert out["extract"] is out["summarize"] and Built.count == 1
    assert out["extract"].model_string == "built:a"


def test_stages_with_different_models_get_their_own():
    out = _resolve(None, {"extract": "built:a", "summarize": "built:b"})
    assert [out[s].model for s in ("extract", "summarize")] == ["a", "b"] and Built.count == 2


def test_one_model_for_the_whole_run_overrides_every_stage():
    out = _resolve("built:x", {"extract": "built:a", "summarize": "built:b"})
    assert out["extract"] is out["summarize"] and out["extract"].model == "x" and Built.count == 1
    given = FakeProvider()
    assert set(map(id, _resolve(given, {"extract": "built:a", "summarize": "built:b"}).values())) == {id(given)}


def test_a_bad_model_string_fails_before_any_work():
    with pytest.raises(ValueError, match="unknown provider 'nosuch'"):
        _resolve(None, {"extract": "nosuch:m", "summarize": "built:a"})
