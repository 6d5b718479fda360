"""The OpenAI client against a real OpenAI-compatible server: `llama_cpp.server` on loopback
serving the embedded GGUF. Checks the capability ladder lands on a working rung, remembers it
(in memory and on disk), and that cache, fallbacks and key-less local servers work."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from pipeline.llm import RetryableError, capabilities, generate, get_provider
from pipeline.llm import client as client_mod
from tests.conftest import free_port
from tests.llm.conftest import sdk_http

pytestmark = pytest.mark.slow
pytest.importorskip("openai")

# SmolLM2-135M is fragile: these two phrasings give clean answers at temperature 0.
PROMPT = "Which company is mentioned in this sentence: Acme Corp reported record profits this quarter."
PROMPT2 = "Acme Corp reported record profits this quarter. Name the company."


class Mention(BaseModel):
    company: str = Field(min_length=1, max_length=40)


def counting_client():
    """A real HTTP client that counts the requests it sends."""
    h = sdk_http("openai")
    sent: list[str] = []
    client = h.Client(event_hooks={"request": [lambda r: sent.append(str(r.url))]})
    return client, sent


def test_ladder_lands_on_a_working_rung_and_remembers_it(home, llama_server):
    spec = f"openai:{llama_server.model}@{llama_server.base_url}"
    http, sent = counting_client()
    res = generate(get_provider(spec, http_client=http), PROMPT, Mention, max_tokens=40)
    assert isinstance(res.output, Mention) and res.output.company
    assert "acme" in res.output.company.lower()
    assert res.model == spec
    # measured: llama_cpp.server answers json_schema with HTTP 500, accepts forced tools
    assert res.mode == "tool", res.mode
    assert len(sent) == 2  # one refused probe, one answer: the SDK's own retries are off
    saved = json.loads((home / "capabilities.json").read_text())
    entry = saved[f"openai|{llama_server.base_url}|{llama_server.model}"]
    assert entry["mode"] == "tool" and entry["unsupported"] == ["json_schema"]

    # a new process (memory forgotten) reads the file and goes straight to the working rung
    capabilities.forget()
    http2, sent2 = counting_client()
    res2 = generate(get_provider(spec, http_client=http2), PROMPT2, Mention, max_tokens=40)
    assert res2.mode == "tool" and len(sent2) == 1

    # the same work again is a cache hit: zero requests
    http3, sent3 = counting_client()
    res3 = generate(get_provider(spec, http_client=http3), PROMPT, Mention, max_tokens=40)
    assert res3.cached and res3.output == res.output and sent3 == []


def test_base_url_from_env_without_a_key_and_plain_text(home, llama_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", llama_server.base_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    res = generate(f"openai:{llama_server.model}", "Say hello.", max_tokens=8)
    assert res.text.strip() and res.output is None
    assert res.usage.input_tokens > 0 and res.usage.output_tokens > 0
    assert res.usage.cost_usd is None  # a local model name is not in the price table


def test_unreachable_server_falls_back_to_the_live_one(home, llama_server, monkeypatch):
    monkeypatch.setattr(client_mod, "BACKOFF_BASE_S", 0.01)
    dead = f"openai:{llama_server.model}@http://127.0.0.1:{free_port()}/v1"
    live = f"openai:{llama_server.model}@{llama_server.base_url}"
    with pytest.raises(RetryableError, match="connection"):
        generate(dead, PROMPT, Mention, max_retries=1, fallbacks=[])
    res = generate(dead, PROMPT, Mention, max_tokens=40, max_retries=1, fallbacks=[live])
    assert res.model == live and isinstance(res.output, Mention)
    assert "connection" in res.fallback_errors[0].lower()


def test_ollama_provider_speaks_to_a_compatible_host(home, llama_server, monkeypatch):
    host = llama_server.base_url.removesuffix("/v1").removeprefix("http://")
    monkeypatch.setenv("OLLAMA_HOST", host)  # Ollama's own form: host:port, no scheme
    p = get_provider(f"ollama:{llama_server.model}")
    assert p.base_url == llama_server.base_url
    res = generate(p, "Say hello.", max_tokens=4)
    assert res.text.strip() and res.model == f"ollama:{llama_server.model}"
    assert res.usage.cost_usd == 0.0  # ollama runs on the user's own hardware


def test_a_server_that_never_answers_times_out_and_is_retried(home, monkeypatch):
    import socket
    import threading
    import time

    monkeypatch.setattr(client_mod, "BACKOFF_BASE_S", 0.01)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)  # read nothing, answer nothing
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        p = get_provider(f"openai:m@http://127.0.0.1:{port}/v1", timeout=0.5)
        t0 = time.perf_counter()
        with pytest.raises(RetryableError, match="timed out"):
            generate(p, "hi", max_retries=1)
        assert time.perf_counter() - t0 >= 1.0  # two attempts of 0.5s each
        assert len(held) == 2
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()
