"""Anthropic, Bedrock, Vertex and Azure through their real SDKs, answered by an httpx mock
transport with the vendors' documented bodies and headers. Also: secrets never written."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from pipeline.llm import AuthError, generate, get_provider
from pipeline.llm import client as client_mod
from tests.llm.conftest import (ANTHROPIC_HEADERS, AZURE_401, AZURE_429, BEDROCK_HEADERS,
                                BEDROCK_THROTTLE, Recorder, anthropic_error, anthropic_text,
                                anthropic_tool_use, azure_chat)

pytest.importorskip("anthropic")
pytest.importorskip("openai")

ANTHROPIC_KEY = "sk-ant-api03-TESTKEYabcdefghijklmnopqrstuvwxyz0123456789"
AZURE_KEY = "0123456789abcdef0123456789abcdef"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
VERTEX_TOKEN = "ya29.a0AfH6SMBTESTTOKENvalue1234567890"


class Verdict(BaseModel):
    party: str
    wins: bool


GOOD = {"party": "Oracle", "wins": True}


@pytest.fixture
def fast_backoff(monkeypatch):
    monkeypatch.setattr(client_mod, "BACKOFF_BASE_S", 0.01)


@pytest.fixture
def anthropic_env(home, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return home


def anthropic(rec: Recorder, model: str = "claude-3-5-haiku-20241022"):
    return get_provider(f"anthropic:{model}", http_client=rec.client("anthropic"))


# ---- Anthropic ------------------------------------------------------------------------------
def test_anthropic_forced_tool_use(anthropic_env):
    rec = Recorder([(200, ANTHROPIC_HEADERS, anthropic_tool_use("Verdict", GOOD))])
    res = generate(anthropic(rec), [{"role": "system", "content": "Be terse."},
                                    {"role": "user", "content": "Who wins?"}], Verdict)
    assert res.output == Verdict(**GOOD) and res.mode == "tool"
    assert res.usage.input_tokens == 412 and res.usage.output_tokens == 48
    assert res.usage.cost_usd == pytest.approx((412 * 0.8 + 48 * 4.0) / 1e6)
    req = rec.requests[0]
    assert str(req.url) == "https://api.anthropic.com/v1/messages"
    # older SDKs send x-api-key, newer ones Authorization: Bearer
    sent = req.headers.get("x-api-key") or req.headers.get("authorization", "").removeprefix("Bearer ")
    assert sent == ANTHROPIC_KEY and "anthropic-version" in req.headers
    body = rec.body()
    assert body["system"] == "Be terse."
    assert body["messages"] == [{"role": "user", "content": "Who wins?"}]
    assert body["tool_choice"] == {"type": "tool", "name": "Verdict"}
    assert body["tools"][0]["input_schema"]["required"] == ["party", "wins"]


def test_anthropic_max_tokens_stop_triggers_a_reask(anthropic_env):
    cut = anthropic_tool_use("Verdict", {"party": "Ora"}, stop_reason="max_tokens", output_tokens=16)
    rec = Recorder([(200, ANTHROPIC_HEADERS, cut), (200, ANTHROPIC_HEADERS, anthropic_tool_use("Verdict", GOOD))])
    res = generate(anthropic(rec), "Who wins?", Verdict, max_tokens=16)
    assert res.output == Verdict(**GOOD) and res.attempts == 2
    follow_up = rec.body(1)["messages"]
    assert follow_up[-2]["role"] == "assistant" and '"Ora"' in follow_up[-2]["content"]
    assert "cut off at the token limit" in follow_up[-1]["content"]
    assert "wins" in follow_up[-1]["content"]  # the validation error names the missing field


def test_anthropic_429_honours_retry_after(anthropic_env):
    rec = Recorder([(429, {**ANTHROPIC_HEADERS, "retry-after": "1"},
                     anthropic_error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")),
                    (200, ANTHROPIC_HEADERS, anthropic_tool_use("Verdict", GOOD))])
    t0 = time.perf_counter()
    res = generate(anthropic(rec), "Who wins?", Verdict)
    assert time.perf_counter() - t0 >= 1.0
    assert res.output.party == "Oracle" and res.attempts == 2 and len(rec.requests) == 2


def test_anthropic_529_overloaded_is_retried(anthropic_env, fast_backoff):
    rec = Recorder([(529, ANTHROPIC_HEADERS, anthropic_error("overloaded_error", "Overloaded")),
                    (529, ANTHROPIC_HEADERS, anthropic_error("overloaded_error", "Overloaded")),
                    (200, ANTHROPIC_HEADERS, anthropic_text("Oracle wins."))])
    res = generate(anthropic(rec), "Who wins?")
    assert res.text == "Oracle wins." and len(rec.requests) == 3


def test_anthropic_401_names_the_env_var_and_hides_the_key(anthropic_env):
    rec = Recorder([(401, ANTHROPIC_HEADERS, anthropic_error("authentication_error", "invalid x-api-key"))])
    with pytest.raises(AuthError) as ei:
        generate(anthropic(rec), "Who wins?", Verdict)
    msg = str(ei.value)
    assert "ANTHROPIC_API_KEY" in msg and "authentication_error" in msg
    assert ANTHROPIC_KEY not in msg and ei.value.__cause__ is None
    assert len(rec.requests) == 1  # never retried


def test_anthropic_missing_key_is_an_auth_error(home, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(AuthError, match="set ANTHROPIC_API_KEY"):
        get_provider("anthropic:claude-3-5-haiku-latest")


def test_anthropic_results_are_cached(anthropic_env):
    rec = Recorder([(200, ANTHROPIC_HEADERS, anthropic_tool_use("Verdict", GOOD))])
    p = anthropic(rec)
    generate(p, "Who wins?", Verdict)
    again = generate(anthropic(rec), "Who wins?", Verdict)
    assert again.cached and len(rec.requests) == 1


# ---- Bedrock --------------------------------------------------------------------------------
BEDROCK_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"


@pytest.fixture
def aws_env(home, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for var in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_BEDROCK_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return home


def test_bedrock_invoke_url_sigv4_and_throttling(aws_env, fast_backoff):
    pytest.importorskip("botocore", reason="SigV4 signing needs the bedrock extra (boto3)")
    status, body = 429, BEDROCK_THROTTLE[1]
    rec = Recorder([(status, BEDROCK_THROTTLE[0], body),
                    (200, BEDROCK_HEADERS, anthropic_tool_use("Verdict", GOOD, model="claude-3-5-haiku-20241022"))])
    p = get_provider(f"bedrock:{BEDROCK_MODEL}", http_client=rec.client("anthropic"))
    res = generate(p, "Who wins?", Verdict)
    assert res.output == Verdict(**GOOD) and res.model == f"bedrock:{BEDROCK_MODEL}"
    req = rec.requests[-1]
    assert req.url.host == "bedrock-runtime.us-east-1.amazonaws.com"
    assert req.url.path == f"/model/{BEDROCK_MODEL}/invoke"
    auth = req.headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/")
    assert "/us-east-1/bedrock/aws4_request" in auth
    body = rec.body()
    # the SDK moves the model into the URL and the API version into the body
    assert body["anthropic_version"] and "model" not in body
    assert body["tool_choice"] == {"type": "tool", "name": "Verdict"}
    assert res.usage.cost_usd is not None  # bedrock id normalised to the claude-3-5-haiku price


def test_bedrock_bad_credentials(aws_env):
    pytest.importorskip("botocore")
    rec = Recorder([(403, {"x-amzn-ErrorType": "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/"},
                     {"message": "The security token included in the request is invalid."})])
    p = get_provider(f"bedrock:{BEDROCK_MODEL}", http_client=rec.client("anthropic"))
    with pytest.raises(AuthError, match="AWS_ACCESS_KEY_ID") as ei:
        generate(p, "hi")
    assert "security token" in str(ei.value) and AWS_SECRET not in str(ei.value)


def test_bedrock_bearer_token(home, monkeypatch):
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-TESTVALUE12345")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    rec = Recorder([(200, BEDROCK_HEADERS, anthropic_text("hello"))])
    p = get_provider(f"bedrock:{BEDROCK_MODEL}", http_client=rec.client("anthropic"))
    assert generate(p, "hi").text == "hello"
    assert rec.requests[0].headers["authorization"] == "Bearer bedrock-api-key-TESTVALUE12345"
    assert rec.requests[0].url.host == "bedrock-runtime.eu-west-1.amazonaws.com"


def test_bedrock_without_credentials_names_them(home, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(AuthError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
        get_provider(f"bedrock:{BEDROCK_MODEL}")


# ---- Vertex ---------------------------------------------------------------------------------
def test_vertex_raw_predict(home, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_VERTEX_BASE_URL", raising=False)
    rec = Recorder([(200, {}, anthropic_tool_use("Verdict", GOOD))])
    p = get_provider("vertex:claude-3-5-haiku@20241022", http_client=rec.client("anthropic"),
                     region="us-east5", project_id="my-project", access_token=VERTEX_TOKEN)
    res = generate(p, "Who wins?", Verdict)
    assert res.output == Verdict(**GOOD)
    req = rec.requests[0]
    assert str(req.url) == ("https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/"
                            "us-east5/publishers/anthropic/models/claude-3-5-haiku@20241022:rawPredict")
    assert req.headers["authorization"] == f"Bearer {VERTEX_TOKEN}"
    assert rec.body()["anthropic_version"] and "model" not in rec.body()


def test_vertex_needs_region_and_project(home, monkeypatch):
    for var in ("CLOUD_ML_REGION", "ANTHROPIC_VERTEX_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(var, raising=False)
    from pipeline.llm import ProviderNotAvailable

    with pytest.raises(ProviderNotAvailable, match="CLOUD_ML_REGION"):
        get_provider("vertex:claude-3-5-haiku@20241022", access_token=VERTEX_TOKEN)


# ---- Azure OpenAI ---------------------------------------------------------------------------
@pytest.fixture
def azure_env(home, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://contoso-eu.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    return home


def azure(rec: Recorder, deployment: str = "gpt4o-prod"):
    return get_provider(f"azure:{deployment}", http_client=rec.client("openai"))


def test_azure_json_schema_deployment_url(azure_env):
    import json

    rec = Recorder([(200, {"apim-request-id": "3f1d2c3b-0000-4000-8000-000000000000"},
                     azure_chat(json.dumps(GOOD)))])
    res = generate(azure(rec), "Who wins?", Verdict)
    assert res.output == Verdict(**GOOD) and res.mode == "json_schema"
    req = rec.requests[0]
    assert req.url.host == "contoso-eu.openai.azure.com"
    assert req.url.path == "/openai/deployments/gpt4o-prod/chat/completions"
    assert req.url.params["api-version"] == "2024-10-21"
    assert req.headers["api-key"] == AZURE_KEY
    rf = rec.body()["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["strict"] is True
    assert rf["json_schema"]["schema"]["additionalProperties"] is False
    assert res.usage.cost_usd is None  # deployment names are not in the price table


def test_azure_old_api_version_climbs_to_tool_calls(azure_env, monkeypatch):
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-06-01")
    import json

    rejected = {"error": {"message": "response_format value as json_schema is enabled only for api "
                          "versions 2024-08-01-preview and later", "type": "invalid_request_error",
                          "param": None, "code": None}}
    rec = Recorder([(400, {}, rejected), (200, {}, azure_chat(None, tool_args=json.dumps(GOOD), name="Verdict"))])
    res = generate(azure(rec, "gpt4o-old"), "Who wins?", Verdict)
    assert res.output == Verdict(**GOOD) and res.mode == "tool"
    assert rec.body(1)["tool_choice"] == {"type": "function", "function": {"name": "Verdict"}}
    # remembered: the next call goes straight to the tool rung
    generate(azure(rec, "gpt4o-old"), "Who loses?", Verdict)
    assert len(rec.requests) == 3 and "tools" in rec.body(2)
    saved = (azure_env / "capabilities.json").read_text()
    assert '"mode": "tool"' in saved and AZURE_KEY not in saved


def test_azure_429_retry_after_ms(azure_env):
    import json

    rec = Recorder([(429, {"retry-after": "1", "retry-after-ms": "200"}, AZURE_429),
                    (200, {}, azure_chat(json.dumps(GOOD)))])
    t0 = time.perf_counter()
    res = generate(azure(rec), "Who wins?", Verdict)
    assert 0.2 <= time.perf_counter() - t0 < 5
    assert res.attempts == 2


def test_azure_401(azure_env):
    rec = Recorder([(401, {}, AZURE_401)])
    with pytest.raises(AuthError, match="AZURE_OPENAI_API_KEY") as ei:
        generate(azure(rec), "Who wins?", Verdict)
    assert AZURE_KEY not in str(ei.value) and len(rec.requests) == 1


# ---- secrets --------------------------------------------------------------------------------
def test_secrets_never_reach_files_or_logs(home, monkeypatch, caplog):
    import json

    openai_key = "sk-proj-SECRETopenai0123456789abcdefghij"
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", openai_key)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://contoso-eu.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
    caplog.set_level(logging.DEBUG)
    # a misbehaving gateway that echoes the key back in its error text and in the answer
    echo = Recorder([(401, {}, anthropic_error("authentication_error", f"invalid x-api-key {ANTHROPIC_KEY}")),
                     (200, {}, anthropic_tool_use("Verdict", {"party": f"key={ANTHROPIC_KEY}", "wins": True}))])
    with pytest.raises(AuthError) as ei:
        generate(anthropic(echo), "Who wins?", Verdict)
    res = generate(anthropic(echo), "Who wins?", Verdict)
    assert res.output is not None
    az = Recorder([(500, {}, {"error": {"message": f"upstream said Authorization: Bearer {openai_key}"}}),
                   (200, {}, azure_chat(json.dumps(GOOD)))])
    generate(get_provider("azure:dep", http_client=az.client("openai")), "Who wins?", Verdict,
             max_retries=1)
    secrets = [ANTHROPIC_KEY, AZURE_KEY, openai_key]
    texts = [str(ei.value), caplog.text] + [r.getMessage() for r in caplog.records]
    files = [p for p in Path(home).rglob("*") if p.is_file()]
    assert any(p.name == "ledger.sqlite" for p in files) and any(p.name == "cache.sqlite" for p in files)
    blobs = [p.read_bytes() for p in files]
    for s in secrets:
        assert all(s not in t for t in texts), s
        assert all(s.encode() not in b for b in blobs), s
    assert "[REDACTED]" in str(ei.value)


def test_reasoning_model_parameter_fixups_are_remembered(azure_env):
    import json

    max_tokens_400 = {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with "
                                "this model. Use 'max_completion_tokens' instead.",
                                "type": "invalid_request_error", "param": "max_tokens",
                                "code": "unsupported_parameter"}}
    temperature_400 = {"error": {"message": "Unsupported value: 'temperature' does not support 0 with "
                                 "this model. Only the default (1) value is supported.",
                                 "type": "invalid_request_error", "param": "temperature",
                                 "code": "unsupported_value"}}
    rec = Recorder([(400, {}, max_tokens_400), (400, {}, temperature_400),
                    (200, {}, azure_chat(json.dumps(GOOD), model="o4-mini-2025-04-16"))])
    res = generate(azure(rec, "o4-mini"), "Who wins?", Verdict, max_tokens=300)
    assert res.output == Verdict(**GOOD) and res.mode == "json_schema"
    final = rec.body(2)
    assert final["max_completion_tokens"] == 300 and "max_tokens" not in final
    assert "temperature" not in final
    generate(azure(rec, "o4-mini"), "Who loses?", Verdict, max_tokens=300)
    assert len(rec.requests) == 4 and "max_completion_tokens" in rec.body(3)
