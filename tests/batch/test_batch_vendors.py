"""Batch backends through the real `openai` and `anthropic` SDKs, against mock transports that
answer with the vendors' documented batch objects, files and result lines."""

from __future__ import annotations

import json

import pytest

from pipeline.batch.vendor import BatchRequest, BatchUnsupported, backend_for
from pipeline.llm.base import AuthError, LLMError, Message

from tests.batch.conftest import (AnthropicBatchVendor, OpenAIBatchVendor, anthropic_client,
                                  openai_client)

SCHEMA = {"type": "object", "title": "Out",
          "properties": {"summary": {"type": "string", "default": ""},
                         "parties": {"type": "array", "items": {"type": "string"}}}}


def _requests(n: int = 3) -> list[BatchRequest]:
    return [BatchRequest(custom_id=f"req-{i}", schema=SCHEMA, schema_name="Out", max_tokens=200,
                         messages=[{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": f"Article {i}: Acme wins."}])
            for i in range(n)]


def _outcomes(cid: str, body: dict) -> tuple:
    return {"req-0": ("ok", {"summary": "Acme wins.", "parties": ["Acme"]}),
            "req-1": ("http", 400, "invalid_request_error", "max_tokens is too large"),
            "req-2": ("expire",)}[cid]


def _poll_to_end(backend, status, limit: int = 10):
    seen = [status.vendor_status]
    for _ in range(limit):
        if status.state != "in_progress":
            break
        status = backend.retrieve(status.batch_id)
        seen.append(status.vendor_status)
    return status, seen


# ------------------------------------------------------------------ OpenAI


def test_openai_submit_uploads_jsonl_that_matches_the_synchronous_request(home):
    vendor = OpenAIBatchVendor(_outcomes, sync=lambda body: {"summary": "s", "parties": []})
    backend = backend_for("openai:gpt-4o-mini", client=openai_client(vendor))
    status = backend.submit(_requests(), metadata={"pipeline_job": "job_1", "kind": "extract"})

    assert status.batch_id.startswith("batch_") and status.vendor_status == "validating"
    assert status.state == "in_progress"
    (upload,) = [f for f in vendor.files.values() if f["purpose"] == "batch"]
    lines = [json.loads(x) for x in upload["_data"].splitlines()]
    assert [x["custom_id"] for x in lines] == ["req-0", "req-1", "req-2"]
    assert {(x["method"], x["url"]) for x in lines} == {("POST", "/v1/chat/completions")}
    batch = vendor.batches[status.batch_id]
    assert batch["endpoint"] == "/v1/chat/completions" and batch["completion_window"] == "24h"
    assert batch["input_file_id"] == upload["id"]
    assert batch["metadata"] == {"pipeline_job": "job_1", "kind": "extract"}

    # the body of each line is exactly what the synchronous provider sends for that call
    req = _requests()[0]
    backend.llm.complete([Message(**m) for m in req.messages], schema=SCHEMA, schema_name="Out",
                         max_tokens=200, temperature=0.0)
    assert lines[0]["body"] == vendor.sync_bodies[-1]
    assert lines[0]["body"]["response_format"]["type"] == "json_schema"
    assert lines[0]["body"]["response_format"]["json_schema"]["strict"] is True


def test_openai_partially_failed_and_expired_batch(home):
    vendor = OpenAIBatchVendor(_outcomes)
    backend = backend_for("openai:gpt-4o-mini", client=openai_client(vendor))
    status, seen = _poll_to_end(backend, backend.submit(_requests(), metadata={}))

    assert seen == ["validating", "in_progress", "expired"]
    assert status.state == "ended"
    assert status.counts == {"total": 3, "completed": 1, "failed": 1}
    assert status.raw["output_file_id"] and status.raw["error_file_id"]
    results = {r.custom_id: r for r in backend.results(status)}
    assert set(results) == {"req-0", "req-1", "req-2"}

    ok = results["req-0"]
    assert ok.outcome == "succeeded"
    assert json.loads(ok.completion.text) == {"summary": "Acme wins.", "parties": ["Acme"]}
    assert ok.completion.model == "gpt-4o-mini-2024-07-18"
    assert ok.completion.input_tokens > 0 and ok.completion.output_tokens > 0
    assert ok.completion.mode == "json_schema" and ok.completion.finish_reason == "stop"

    assert results["req-1"].outcome == "errored" and results["req-1"].completion is None
    assert "HTTP 400" in results["req-1"].error and "max_tokens is too large" in results["req-1"].error
    assert results["req-2"].outcome == "expired"
    assert results["req-2"].error.startswith("batch_expired:")
    # files were downloaded through /v1/files/{id}/content
    assert vendor.count("GET", "/content") == 2


def test_openai_batch_that_fails_validation_reports_the_vendor_errors(home):
    vendor = OpenAIBatchVendor(_outcomes, fail_validation="The model `gpt-4o-mini` does not exist")
    backend = backend_for("openai:gpt-4o-mini", client=openai_client(vendor))
    status, seen = _poll_to_end(backend, backend.submit(_requests(), metadata={}))
    assert seen[-1] == "failed" and status.state == "failed"
    assert "does not exist" in status.error and "line 1" in status.error
    assert list(backend.results(status)) == []


def test_openai_bad_key_names_the_env_var_and_hides_the_key(home):
    vendor = OpenAIBatchVendor(_outcomes, valid_key="sk-good")
    secret = "sk-wrong-0123456789abcdef"
    backend = backend_for("openai:gpt-4o-mini", client=openai_client(vendor, api_key=secret))
    with pytest.raises(AuthError) as err:
        backend.submit(_requests(1), metadata={})
    assert "OPENAI_API_KEY" in str(err.value) and "401" in str(err.value)
    assert secret not in str(err.value)


def test_openai_unknown_batch_id_is_a_clear_error(home):
    vendor = OpenAIBatchVendor(_outcomes)
    backend = backend_for("openai:gpt-4o-mini", client=openai_client(vendor))
    with pytest.raises(LLMError, match="404"):
        backend.retrieve("batch_doesnotexist")


# ------------------------------------------------------------------ Anthropic


def _a_outcomes(cid: str, params: dict) -> tuple:
    return {"req-0": ("ok", {"summary": "Acme wins.", "parties": ["Acme"]}),
            "req-1": ("http", 400, "invalid_request_error", "messages: text content blocks must be non-empty"),
            "req-2": ("expire",), "req-3": ("cancel",)}[cid]


def test_anthropic_submit_sends_documented_requests(home):
    vendor = AnthropicBatchVendor(_a_outcomes, sync=lambda body: {"summary": "s", "parties": []})
    backend = backend_for("anthropic:claude-3-5-haiku-latest", client=anthropic_client(vendor))
    status = backend.submit(_requests(4), metadata={"pipeline_job": "job_1"})
    assert status.batch_id.startswith("msgbatch_") and status.vendor_status == "in_progress"
    assert status.counts["processing"] == 4
    sent = vendor.inputs[status.batch_id]
    assert [r["custom_id"] for r in sent] == ["req-0", "req-1", "req-2", "req-3"]
    params = sent[0]["params"]
    assert params["model"] == "claude-3-5-haiku-latest" and params["max_tokens"] == 200
    assert params["system"] == "Be brief."
    assert params["messages"] == [{"role": "user", "content": "Article 0: Acme wins."}]
    assert params["tools"][0]["name"] == "Out" and params["tools"][0]["input_schema"] == SCHEMA
    assert params["tool_choice"] == {"type": "tool", "name": "Out"}
    # and they are exactly what the synchronous provider sends for the same call
    req = _requests(1)[0]
    backend.llm.complete([Message(**m) for m in req.messages], schema=SCHEMA, schema_name="Out",
                         max_tokens=200, temperature=0.0)
    assert params == vendor.sync_bodies[-1]


def test_anthropic_partially_failed_batch_with_expired_and_canceled_items(home):
    vendor = AnthropicBatchVendor(_a_outcomes)
    backend = backend_for("anthropic:claude-3-5-haiku-latest", client=anthropic_client(vendor))
    status, seen = _poll_to_end(backend, backend.submit(_requests(4), metadata={}))
    assert seen == ["in_progress", "in_progress", "ended"]
    assert status.counts == {"processing": 0, "succeeded": 1, "errored": 1, "canceled": 1,
                             "expired": 1}
    assert status.raw["results_url"].endswith(f"/v1/messages/batches/{status.batch_id}/results")
    assert status.raw["ended_at"]
    results = list(backend.results(status))
    assert [r.custom_id for r in results] == ["req-3", "req-2", "req-1", "req-0"]  # vendor order kept
    by_id = {r.custom_id: r for r in results}
    ok = by_id["req-0"]
    assert ok.outcome == "succeeded" and ok.completion.mode == "tool"
    assert ok.completion.data == {"summary": "Acme wins.", "parties": ["Acme"]}
    assert ok.completion.finish_reason == "tool_use" and ok.completion.output_tokens > 0
    assert by_id["req-1"].outcome == "errored"
    assert by_id["req-1"].error == "invalid_request_error: messages: text content blocks must be non-empty"
    assert by_id["req-2"].outcome == "expired" and by_id["req-3"].outcome == "canceled"


def test_anthropic_bad_key_names_the_env_var(home):
    vendor = AnthropicBatchVendor(_a_outcomes, valid_key="sk-ant-good")
    secret = "sk-ant-wrong-0123456789"
    backend = backend_for("anthropic:claude-3-5-haiku-latest",
                          client=anthropic_client(vendor, api_key=secret))
    with pytest.raises(AuthError) as err:
        backend.retrieve("msgbatch_x")
    assert "ANTHROPIC_API_KEY" in str(err.value) and secret not in str(err.value)


# ------------------------------------------------------------------ which models have batches


@pytest.mark.parametrize("model", ["local", "fake:scripted", "ollama:llama3"])
def test_models_without_a_batch_api_are_refused_clearly(home, model):
    with pytest.raises(BatchUnsupported, match="no batch API") as err:
        backend_for(model)
    assert "openai:MODEL" in str(err.value) and "without --batch" in str(err.value)
