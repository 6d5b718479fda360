"""A loopback OpenAI-compatible chat server with a fixed latency per call, for extraction benchmarks.

It speaks the Chat Completions wire format (`POST /v1/chat/completions`, `GET /v1/models`),
sleeps `--latency` seconds per call (the model's time, which concurrency should hide), and
answers an extraction request with a valid analysis whose quotes are sentences copied from the
fenced article, so grounding finds every quote and no re-ask is needed. `GET /stats` reports the
calls served and the most in flight at once; `POST /reset` zeroes them. Run it in its own
process, so serving costs the benchmark process no CPU:

    python -m bench.openai_server --latency 0.2     # prints "PORT <n>" when ready
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_FENCED = re.compile(r"<(article-[0-9a-f]{6,})>\n(.*?)\n</\1>", re.S)
_SENT = re.compile(r"[^.!?\n]{30,240}[.!?]")


def analysis_for(article: str) -> dict[str, Any]:
    """A plausible extraction whose quotes are verbatim sentences of the article."""
    sents = [s.strip() for s in _SENT.findall(article)] or [article.strip()[:200]]

    def pick(i: int) -> str:
        return sents[i % len(sents)]

    def party(sentence: str) -> str:
        words = re.findall(r"[A-Z][a-z]+(?: [A-Z][a-z]+)?", sentence)
        return words[0] if words else sentence.split()[0]

    return {
        "summary": " ".join(sents[:2]),
        "winners": [{"party": party(pick(1)), "reason": "gains from the change", "quote": pick(1)}],
        "losers": [{"party": party(pick(2)), "reason": "pays for the change", "quote": pick(2)}],
        "unchanged": [{"statement": "existing terms stay in force", "quote": pick(3)}],
    }


def answer(body: dict[str, Any]) -> str:
    fmt = body.get("response_format") or {}
    schema = json.dumps(fmt.get("json_schema", {}).get("schema", fmt.get("schema", {})))
    if '"fixes"' in schema:
        return json.dumps({"fixes": []})
    text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    m = _FENCED.search(text)
    return json.dumps(analysis_for(m.group(2) if m else text))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the OpenAI SDK's httpx pool expects
    # Headers and body go out as separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms a call), which would be charged to the pipeline.
    disable_nagle_algorithm = True
    server: "BenchServer"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/") == "/stats":
            self._send(200, self.server.stats())
        elif self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": "bench", "object": "model", "owned_by": "bench"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") == "/reset":
            self.server.reset()
            self._send(200, self.server.stats())
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        self.server.begin()
        try:
            time.sleep(self.server.latency)
            content = answer(body)
        finally:
            self.server.end()
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
        self._send(200, {
            "id": f"chatcmpl-bench-{self.server.calls}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "bench"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content) // 4,
                      "total_tokens": prompt_tokens + len(content) // 4},
        })


class BenchServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, latency: float, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.latency = latency
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def begin(self) -> None:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": self.calls, "max_in_flight": self.max_in_flight, "latency_s": self.latency}

    def reset(self) -> None:
        with self._lock:
            self.calls = self.max_in_flight = 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.openai_server")
    p.add_argument("--latency", type=float, default=0.2, help="seconds to sleep per call")
    p.add_argument("--port", type=int, default=0, help="0 picks a free loopback port")
    args = p.parse_args(argv)
    server = BenchServer(args.latency, args.port)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
