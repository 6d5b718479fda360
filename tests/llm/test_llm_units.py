"""Small pure pieces of the LLM layer: redaction, retry-after parsing, strict schemas, JSON parsing."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from pydantic import BaseModel

from pipeline.llm.client import parse_json_output
from pipeline.llm.errors import parse_retry_after, vendor_message
from pipeline.llm.openai import strict_schema
from pipeline.llm.redact import redact, redact_obj, register_secret


@pytest.mark.parametrize("text", [
    "Authorization: Bearer abc.def-ghi1234567",
    "{'authorization': 'Bearer sk-1234567890abcdefghij'}",
    "key sk-ant-api03-abcdefghijklmnop end",
    '"x-api-key": "abcdefgh12345"',
    "api-key: 0123456789abcdef",
    "AKIAIOSFODNN7EXAMPLE signed",
])
def test_redact_masks_key_shapes(text):
    out = redact(text)
    assert "[REDACTED]" in out
    for secret in ("abc.def-ghi1234567", "sk-1234567890abcdefghij", "sk-ant-api03", "abcdefgh12345",
                   "0123456789abcdef", "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in out


def test_redact_masks_env_and_registered_values_and_keeps_prose(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "gateway-key-without-a-known-shape")
    register_secret("explicit-secret-value-42")
    out = redact("a gateway-key-without-a-known-shape b explicit-secret-value-42 c")
    assert out == "a [REDACTED] b [REDACTED] c"
    assert redact("the sk- prefix and a task-list stay") == "the sk- prefix and a task-list stay"
    assert redact_obj({"k": ["x explicit-secret-value-42"], "n": 3}) == {"k": ["x [REDACTED]"], "n": 3}


def test_retry_after_forms():
    assert parse_retry_after(httpx.Headers({"retry-after": "3"})) == 3.0
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(httpx.Headers({"retry-after": date})) <= 31
    assert parse_retry_after(httpx.Headers({})) is None


def test_vendor_message_shapes():
    assert vendor_message({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                          "x") == "overloaded_error: Overloaded"
    assert vendor_message({"message": "Too many requests"}, "x") == "Too many requests"
    assert vendor_message(b"<html>", "fallback") == "fallback"


class Inner(BaseModel):
    quote: str
    start: int | None = None


class Outer(BaseModel):
    items: list[Inner] = []
    note: str = "n/a"


def test_strict_schema_closes_objects_and_requires_all_keys():
    s = strict_schema(Outer.model_json_schema())
    assert s["additionalProperties"] is False and s["required"] == ["items", "note"]
    inner = s["$defs"]["Inner"]
    assert inner["additionalProperties"] is False and inner["required"] == ["quote", "start"]
    assert "default" not in str(s)

    class Free(BaseModel):
        meta: dict[str, str]

    assert strict_schema(Free.model_json_schema()) is None


def test_parse_json_output_tolerates_fences_prose_and_raw_newlines():
    assert parse_json_output('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json_output('Sure! {"a": 2} hope that helps') == {"a": 2}
    assert parse_json_output('{"a": "line one\nline two"}') == {"a": "line one\nline two"}
    with pytest.raises(ValueError):
        parse_json_output("no json")


def test_estimate_cost_needs_no_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from pipeline.llm import estimate_cost

    est = estimate_cost("openai:gpt-4o-mini", "hello there", max_tokens=1000)
    assert 0.0006 <= est <= 0.0007  # 1000 output tokens at $0.60/M plus a few input tokens
    assert estimate_cost("openai:unknown-model", "hi") is None
    assert estimate_cost("local", "hi") == 0.0
