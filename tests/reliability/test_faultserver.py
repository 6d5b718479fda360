"""The fault server itself: its answers and errors are what the official SDKs expect, so the
fault tests exercise real client code paths (not a lenient imitation)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import anthropic
import httpx
import openai
import pytest

from tests.reliability.conftest import REPO
from tests.reliability.faultserver import FaultScript, FaultServer

SCHEMA = {"type": "object", "properties": {
    "summary": {"type": "string"},
    "winners": {"type": "array", "items": {"$ref": "#/$defs/Claim"}},
    "losers": {"type": "array", "items": {"$ref": "#/$defs/Claim"}}},
    "required": ["summary", "winners", "losers"],
    "$defs": {"Claim": {"type": "object", "properties": {"party": {"type": "string"}, "quote": {"type": "string"}},
                        "required": ["party", "quote"]}}}
PROMPT = ("<article-0123abcd45>\nAcme gains customers this year. Globex loses ground quickly.\n"
          "</article-0123abcd45>")


def _oa(srv: FaultServer, timeout: float = 2.0) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test-x", base_url=srv.url + "/v1", max_retries=0, timeout=timeout)


def _an(srv: FaultServer, timeout: float = 2.0) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-ant-test-x", base_url=srv.url, max_retries=0, timeout=timeout)


def _oa_call(client: openai.OpenAI, **kw):
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}],
        response_format={"type": "json_schema", "json_schema": {"name": "A", "schema": SCHEMA}}, **kw)


def _an_call(client: anthropic.Anthropic):
    return client.messages.create(model="claude-x", max_tokens=500, messages=[{"role": "user", "content": PROMPT}],
                                  tools=[{"name": "A", "input_schema": SCHEMA}], tool_choice={"type": "tool", "name": "A"})


def test_valid_answers_parse_with_both_sdks_including_streams() -> None:
    with FaultServer() as srv:
        data = json.loads(_oa_call(_oa(srv)).choices[0].message.content)
        assert data["winners"][0] == {"party": "Acme", "reason": "named in the article",
                                      "quote": "Acme gains customers this year."}
        chunks = list(_oa_call(_oa(srv), stream=True))
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert json.loads(streamed) == data and chunks[-1].choices[0].finish_reason == "stop"
        msg = _an_call(_an(srv))
        assert msg.stop_reason == "tool_use" and msg.content[0].input["losers"][0]["party"] == "Globex"
        with _an(srv).messages.stream(model="claude-x", max_tokens=500, messages=[{"role": "user", "content": PROMPT}],
                                      tools=[{"name": "A", "input_schema": SCHEMA}],
                                      tool_choice={"type": "tool", "name": "A"}) as stream:
            final = stream.get_final_message()
        assert final.content[0].input == msg.content[0].input
        assert [s.api for s in srv.seen] == ["openai", "openai", "anthropic", "anthropic"]


@pytest.mark.parametrize("fault,oa_exc,an_exc", [
    ("429", openai.RateLimitError, anthropic.RateLimitError),
    ("500", openai.InternalServerError, anthropic.InternalServerError),
    ("502", openai.InternalServerError, anthropic.InternalServerError),
    ("503", openai.InternalServerError, anthropic.InternalServerError),
    ("529", openai.InternalServerError, anthropic.APIStatusError),
    ("auth", openai.AuthenticationError, anthropic.AuthenticationError),
    ("reset", openai.APIConnectionError, anthropic.APIConnectionError),
    ("truncated_body", openai.APIConnectionError, anthropic.APIConnectionError),
    ("hang", openai.APITimeoutError, anthropic.APITimeoutError),
])
def test_faults_surface_as_the_sdks_own_errors(fault, oa_exc, an_exc) -> None:
    with FaultServer(FaultScript(sequence=[fault, fault]), hang_s=3.0) as srv:
        with pytest.raises(oa_exc) as e1:
            _oa_call(_oa(srv, timeout=0.5))
        with pytest.raises(an_exc) as e2:
            _an_call(_an(srv, timeout=0.5))
    if fault[:3].isdigit():
        assert e1.value.status_code == e2.value.status_code == int(fault[:3])
    if fault == "529":
        assert e2.value.body["error"]["type"] == "overloaded_error"


def test_retry_after_headers_and_slow_bodies() -> None:
    with FaultServer(FaultScript(sequence=["429_retry_after", "slow"]), retry_after="7", slow_s=0.05) as srv:
        with pytest.raises(openai.RateLimitError) as e:
            _oa_call(_oa(srv))
        assert e.value.response.headers["retry-after"] == "7"
        t0 = time.monotonic()
        json.loads(_oa_call(_oa(srv)).choices[0].message.content)
        assert time.monotonic() - t0 >= 0.3  # dribbled in pieces, yet within every read timeout


def test_model_output_faults() -> None:
    seq = ["schema_violation", "truncated_output", "max_tokens", "empty_choices", "truncated_json"]
    with FaultServer(FaultScript(sequence=list(seq))) as srv:
        bad = json.loads(_oa_call(_oa(srv)).choices[0].message.content)
        assert bad["winners"] == 42 and bad["summary"] == 42
        cut = _oa_call(_oa(srv)).choices[0]
        with pytest.raises(ValueError):
            json.loads(cut.message.content)
        assert cut.finish_reason == "stop"
        assert _oa_call(_oa(srv)).choices[0].finish_reason == "length"
        assert _oa_call(_oa(srv)).choices == []
        with pytest.raises(ValueError):
            _oa_call(_oa(srv))  # a 200 whose JSON body is cut short


def test_rules_with_budgets_then_sequence_then_random() -> None:
    s = FaultScript(sequence=["503"], rules=[("MARK", "500", 2)], rate=1.0, kinds=("429",), seed=1)
    assert [s.next("x MARK"), s.next("MARK"), s.next("MARK"), s.next("plain")] == ["500", "500", "503", "429"]
    with pytest.raises(ValueError):
        FaultScript(sequence=["nope"])


def test_stops_itself_when_idle_and_runs_as_a_process() -> None:
    srv = FaultServer(idle_s=0.5).start()
    time.sleep(1.6)
    with pytest.raises(httpx.HTTPError):
        httpx.get(srv.url, timeout=0.5)
    p = subprocess.Popen([sys.executable, "-m", "tests.reliability.faultserver", "--port", "0", "--idle-s", "30"],
                         cwd=str(REPO), stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        port = int(line.split()[1])
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).json()["ok"] is True
    finally:
        p.kill()
        p.wait()
