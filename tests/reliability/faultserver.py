"""A fault-injecting loopback server that speaks the OpenAI and Anthropic wire formats.

Routes: `POST /v1/chat/completions` (and `/chat/completions`) answer like OpenAI's chat
completions API; `POST /v1/messages` answers like Anthropic's messages API. Every request gets
the next fault from a `FaultScript` (or a valid answer): hangs past the client timeout,
connection resets, 429 with and without Retry-After, 500/502/503/529 with the vendors' error
bodies, a body cut off mid-transfer, a complete but truncated JSON envelope, model output that is
truncated or violates the schema, empty `choices`, a `max_tokens`/`length` stop, slow dribbled
bodies and slow SSE streams, and 401 (echoing the presented key, as some gateways do).

Valid answers fit whatever JSON schema the request carries (OpenAI `response_format` or tool
parameters, Anthropic tool `input_schema`); for the extraction schema the quotes are real
sentences of the article found between the prompt's fence tags, so grounding succeeds.

Run in a thread (`with FaultServer(script) as srv: srv.url`) or as a process
(`python -m tests.reliability.faultserver --port 0`, prints `PORT n`). Both stop themselves
after `idle_s` seconds without a request.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from tests.reliability.answers import article_of, default_responder, violate

__all__ = ["FAULTS", "TRANSIENT", "FaultScript", "FaultServer", "Seen", "article_of", "default_responder"]

FAULTS = (
    "ok", "hang", "reset", "429", "429_retry_after", "500", "502", "503", "529",
    "truncated_body", "truncated_json", "truncated_output", "schema_violation", "empty_choices",
    "max_tokens", "slow", "auth",
)
# Faults a client must survive by retrying (or re-asking); the rest may legitimately fail a call.
TRANSIENT = ("hang", "reset", "429", "429_retry_after", "500", "502", "503", "529",
             "truncated_body", "truncated_output", "schema_violation", "max_tokens", "slow")



# --------------------------------------------------------------------------- fault script
@dataclass
class FaultScript:
    """Which fault each request gets.

    Order of precedence per request: `rules` (first whose marker occurs in the prompt and whose
    budget is not spent), then the `sequence` (consumed in order), then a seeded random draw:
    with probability `rate` one of `kinds`, else "ok".
    """

    sequence: list[str] = field(default_factory=list)
    rules: list[tuple[str, str, int | None]] = field(default_factory=list)  # (marker, fault, times)
    rate: float = 0.0
    kinds: tuple[str, ...] = TRANSIENT
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _used: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        unknown = [f for f in [*self.sequence, *self.kinds, *(r[1] for r in self.rules)] if f not in FAULTS]
        if unknown:
            raise ValueError(f"unknown faults {unknown}; known: {FAULTS}")
        self._rng = random.Random(self.seed)

    def next(self, prompt: str) -> str:
        with self._lock:
            for i, (marker, fault, times) in enumerate(self.rules):
                if marker in prompt and (times is None or self._used.get(i, 0) < times):
                    self._used[i] = self._used.get(i, 0) + 1
                    return fault
            if self.sequence:
                return self.sequence.pop(0)
            if self.rate and self._rng.random() < self.rate:
                return self._rng.choice(self.kinds)
            return "ok"


# --------------------------------------------------------------------------- server
@dataclass
class Seen:
    """One request as the server saw it (for assertions)."""

    api: str  # "openai" | "anthropic"
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    fault: str
    prompt: str
    at: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    # -- plumbing
    def _send(self, status: int, body: bytes, ctype: str = "application/json",
              headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0) and no response."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def _dribble(self, status: int, chunks: list[bytes], ctype: str) -> None:
        """A chunked body, one piece every `slow_s`: slow but within any per-read timeout."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for c in chunks:
            if self.server.stopping.wait(self.server.slow_s):
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # -- dispatch
    def do_GET(self) -> None:  # health check
        self._json(200, {"ok": True, "requests": len(self.server.seen)})

    def do_POST(self) -> None:
        self.server.touch()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._json(400, {"error": {"message": "invalid JSON body", "type": "invalid_request_error"}})
            return
        path = self.path.split("?")[0]
        if path.endswith("/chat/completions"):
            api = "openai"
        elif path.endswith("/messages"):
            api = "anthropic"
        else:
            self._json(404, {"error": {"message": f"unknown path {path}", "type": "not_found"}})
            return
        prompt = _prompt_text(api, body)
        fault = self.server.script.next(prompt)
        if self.server.delay_s:  # a slow model: think before answering (or failing)
            self.server.stopping.wait(self.server.delay_s)
        with self.server.lock:
            self.server.seen.append(Seen(api, path, {k.lower(): v for k, v in self.headers.items()},
                                         body, fault, prompt, time.time()))
        (self._openai if api == "openai" else self._anthropic)(body, prompt, fault)

    def _common_fault(self, api: str, fault: str) -> bool:
        """Faults that look the same on both wire formats; True when handled."""
        if fault == "hang":
            self.server.stopping.wait(self.server.hang_s)
            self._reset()
            return True
        if fault == "reset":
            self._reset()
            return True
        errors = _ANTHROPIC_ERRORS if api == "anthropic" else _OPENAI_ERRORS
        if fault in ("429", "429_retry_after", "500", "503", "529"):
            status = int(fault[:3])
            headers = {"retry-after": self.server.retry_after} if fault == "429_retry_after" else {}
            if api == "anthropic":
                headers["request-id"] = "req_" + uuid.uuid4().hex[:20]
            self._json(status, errors[status], headers)
            return True
        if fault == "502":
            self._send(502, b"<html><head><title>502 Bad Gateway</title></head><body>"
                            b"<center><h1>502 Bad Gateway</h1></center></body></html>", "text/html")
            return True
        if fault == "auth":
            key = self.headers.get("x-api-key") or (self.headers.get("authorization") or "").removeprefix("Bearer ")
            msg = f"Incorrect API key provided: {key}. You can find your API key in your account settings."
            body = ({"type": "error", "error": {"type": "authentication_error", "message": msg}}
                    if api == "anthropic" else
                    {"error": {"message": msg, "type": "invalid_request_error", "param": None,
                               "code": "invalid_api_key"}})
            self._json(401, body)
            return True
        return False

    def _finish(self, obj: dict[str, Any], fault: str) -> None:
        blob = json.dumps(obj).encode()
        if fault == "truncated_body":  # promise the whole body, send half, hang up
            self._send(200, blob[: len(blob) // 2], length=len(blob))
            self._reset()
        elif fault == "truncated_json":  # a complete HTTP message whose JSON is cut off
            self._send(200, blob[: len(blob) // 2])
        elif fault == "slow":
            step = max(1, len(blob) // 8)
            self._dribble(200, [blob[i:i + step] for i in range(0, len(blob), step)], "application/json")
        else:
            self._send(200, blob)

    # -- OpenAI
    def _openai(self, body: dict[str, Any], prompt: str, fault: str) -> None:
        if self._common_fault("openai", fault):
            return
        schema, name, mode = _openai_schema(body)
        if mode == "json_schema" and "json_schema" in self.server.unsupported:
            self._json(400, {"error": {"message": "response_format json_schema is not supported",
                                       "type": "invalid_request_error", "param": "response_format",
                                       "code": None}})
            return
        value = self.server.responder(schema, prompt, name)
        finish = "stop"
        if fault == "schema_violation":
            value = violate(schema)
        text = value if isinstance(value, str) else json.dumps(value)
        if fault in ("truncated_output", "max_tokens"):
            text = text[: max(1, len(text) // 2)]
            finish = "length" if fault == "max_tokens" else "stop"
        model = body.get("model", "gpt-test")
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        if mode == "tool":
            message = {"role": "assistant", "content": None, "refusal": None, "tool_calls": [{
                "id": "call_" + uuid.uuid4().hex[:24], "type": "function",
                "function": {"name": name, "arguments": text}}]}
            finish = "tool_calls" if finish == "stop" else finish
        usage = {"prompt_tokens": max(1, len(prompt) // 4), "completion_tokens": max(1, len(text) // 4)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        obj = {"id": "chatcmpl-" + uuid.uuid4().hex[:24], "object": "chat.completion",
               "created": int(time.time()), "model": model, "system_fingerprint": "fp_fault",
               "choices": [] if fault == "empty_choices" else [
                   {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
               "usage": usage}
        if body.get("stream"):
            self._openai_stream(obj, text, mode, name)
            return
        self._finish(obj, fault)

    def _openai_stream(self, obj: dict[str, Any], text: str, mode: str | None, name: str) -> None:
        base = {k: obj[k] for k in ("id", "created", "model", "system_fingerprint")}
        base["object"] = "chat.completion.chunk"
        events: list[bytes] = []

        def ev(delta: dict[str, Any], finish: str | None = None) -> None:
            chunk = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            events.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")

        ev({"role": "assistant", "content": ""})
        step = max(1, len(text) // 6)
        for i in range(0, len(text), step):
            piece = text[i:i + step]
            ev({"tool_calls": [{"index": 0, "function": {"name": name, "arguments": piece}}]}
               if mode == "tool" else {"content": piece})
        finish = obj["choices"][0]["finish_reason"] if obj["choices"] else "stop"
        ev({}, finish)
        events.append(b"data: [DONE]\n\n")
        self._dribble(200, events, "text/event-stream")

    # -- Anthropic
    def _anthropic(self, body: dict[str, Any], prompt: str, fault: str) -> None:
        if fault == "empty_choices":  # Anthropic's nearest: a message with no content blocks
            fault_content: list[Any] | None = []
        else:
            fault_content = None
        if self._common_fault("anthropic", fault):
            return
        tools = body.get("tools") or []
        choice = body.get("tool_choice") or {}
        tool = next((t for t in tools if t.get("name") == choice.get("name")), tools[0] if tools else None)
        schema = tool.get("input_schema") if tool else None
        name = tool.get("name", "output") if tool else "output"
        value = self.server.responder(schema, prompt, name)
        stop = "tool_use" if tool else "end_turn"
        if fault == "schema_violation":
            value = violate(schema)
        if tool and not isinstance(value, str) and fault != "truncated_output":
            block: dict[str, Any] = {"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:24],
                                     "name": name, "input": value}
            if fault == "max_tokens":
                # Cut off mid-tool-call: an incomplete tool_use block (documented; here an empty
                # input) with stop_reason max_tokens. The caller must retry, not accept it.
                block["input"] = {}
                stop = "max_tokens"
            content = [block]
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            if fault in ("truncated_output", "max_tokens"):  # a text answer cut in half
                text = text[: max(1, len(text) // 2)]
                stop = "max_tokens" if fault == "max_tokens" else "end_turn"
            content = [{"type": "text", "text": text}]
        if fault_content is not None:
            content = fault_content
        out_text = json.dumps(content)
        obj = {"id": "msg_" + uuid.uuid4().hex[:24], "type": "message", "role": "assistant",
               "model": body.get("model", "claude-test"), "content": content, "stop_reason": stop,
               "stop_sequence": None,
               "usage": {"input_tokens": max(1, len(prompt) // 4), "output_tokens": max(1, len(out_text) // 4),
                         "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}
        if body.get("stream"):
            self._anthropic_stream(obj)
            return
        self._finish(obj, fault)

    def _anthropic_stream(self, obj: dict[str, Any]) -> None:
        events: list[bytes] = []

        def ev(kind: str, data: dict[str, Any]) -> None:
            events.append(f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode())

        start = {**obj, "content": [], "stop_reason": None, "usage": {**obj["usage"], "output_tokens": 1}}
        ev("message_start", {"message": start})
        for i, block in enumerate(obj["content"]):
            if block["type"] == "tool_use":
                ev("content_block_start", {"index": i, "content_block": {**block, "input": {}}})
                blob = json.dumps(block["input"])
                step = max(1, len(blob) // 6)
                for j in range(0, len(blob), step):
                    ev("content_block_delta", {"index": i, "delta": {"type": "input_json_delta",
                                                                      "partial_json": blob[j:j + step]}})
            else:
                ev("content_block_start", {"index": i, "content_block": {"type": "text", "text": ""}})
                step = max(1, len(block["text"]) // 6)
                for j in range(0, len(block["text"]), step):
                    ev("content_block_delta", {"index": i, "delta": {"type": "text_delta",
                                                                      "text": block["text"][j:j + step]}})
            ev("content_block_stop", {"index": i})
        ev("message_delta", {"delta": {"stop_reason": obj["stop_reason"], "stop_sequence": None},
                             "usage": {"output_tokens": obj["usage"]["output_tokens"]}})
        ev("message_stop", {})
        self._dribble(200, events, "text/event-stream")


_OPENAI_ERRORS = {
    429: {"error": {"message": "Rate limit reached for requests. Please try again in 20ms.",
                    "type": "requests", "param": None, "code": "rate_limit_exceeded"}},
    500: {"error": {"message": "The server had an error while processing your request. Sorry about that!",
                    "type": "server_error", "param": None, "code": None}},
    503: {"error": {"message": "The engine is currently overloaded, please try again later.",
                    "type": "server_error", "param": None, "code": None}},
    529: {"error": {"message": "Overloaded", "type": "server_error", "param": None, "code": None}},
}
_ANTHROPIC_ERRORS = {
    429: {"type": "error", "error": {"type": "rate_limit_error",
                                     "message": "Number of request tokens has exceeded your per-minute rate limit"}},
    500: {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}},
    503: {"type": "error", "error": {"type": "api_error", "message": "Service unavailable"}},
    529: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
}


def _prompt_text(api: str, body: dict[str, Any]) -> str:
    parts: list[str] = []
    if api == "anthropic":
        system = body.get("system")
        if isinstance(system, str):
            parts.append(system)
        elif isinstance(system, list):
            parts += [b.get("text", "") for b in system if isinstance(b, dict)]
    for m in body.get("messages", []):
        c = m.get("content")
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, list):
            parts += [b.get("text", "") for b in c if isinstance(b, dict)]
    return "\n".join(parts)


def _openai_schema(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str, str | None]:
    """(schema, name, mode) from an OpenAI request: json_schema, tool, json_object(+schema)."""
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        js = rf.get("json_schema") or {}
        return js.get("schema"), js.get("name", "output"), "json_schema"
    if body.get("tools"):
        fn = body["tools"][0].get("function", {})
        return fn.get("parameters"), fn.get("name", "output"), "tool"
    if rf.get("type") == "json_object":
        return rf.get("schema"), "output", "json_object"
    return None, "output", None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def touch(self) -> None:
        self.last = time.monotonic()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (killed, timed out) is part of the job, not an error to print."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, OSError)):
            super().handle_error(request, client_address)


Responder = Callable[[dict[str, Any] | None, str, str], Any]


class FaultServer:
    """The server in a daemon thread on 127.0.0.1 and a free port; stops itself when idle."""

    def __init__(self, script: FaultScript | None = None, *, responder: Responder = default_responder,
                 hang_s: float = 2.0, slow_s: float = 0.02, retry_after: str = "0",
                 unsupported: tuple[str, ...] = (), idle_s: float = 600.0, port: int = 0,
                 delay_s: float = 0.0) -> None:
        self._srv = _Server(("127.0.0.1", port), _Handler)
        s = self._srv
        s.script, s.responder, s.hang_s, s.slow_s = script or FaultScript(), responder, hang_s, slow_s
        s.retry_after, s.unsupported, s.delay_s = retry_after, set(unsupported), delay_s
        s.seen, s.lock, s.stopping = [], threading.Lock(), threading.Event()
        s.touch()
        self.idle_s = idle_s
        self._thread: threading.Thread | None = None
        self._watch: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._srv.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def seen(self) -> list[Seen]:
        with self._srv.lock:
            return list(self._srv.seen)

    @property
    def script(self) -> FaultScript:
        return self._srv.script

    def configure(self, script: FaultScript | None = None, **knobs: Any) -> "FaultServer":
        """Swap the script and/or set `hang_s`, `slow_s`, `delay_s`, `retry_after`, `responder`;
        clears the request log."""
        if script is not None:
            self._srv.script = script
        for k, v in knobs.items():
            if k not in ("hang_s", "slow_s", "delay_s", "retry_after", "responder", "unsupported"):
                raise TypeError(f"unknown knob {k}")
            setattr(self._srv, k, set(v) if k == "unsupported" else v)
        with self._srv.lock:
            self._srv.seen.clear()
        return self

    def faults(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.seen:
            out[s.fault] = out.get(s.fault, 0) + 1
        return out

    def start(self) -> "FaultServer":
        self._thread = threading.Thread(target=self._srv.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"faultserver:{self.port}", daemon=True)
        self._thread.start()
        self._watch = threading.Thread(target=self._idle_watch, daemon=True)
        self._watch.start()
        return self

    def _idle_watch(self) -> None:
        while not self._srv.stopping.wait(0.5):
            if time.monotonic() - self._srv.last > self.idle_s:
                self.stop()

    def stop(self) -> None:
        if self._srv.stopping.is_set():
            return
        self._srv.stopping.set()
        self._srv.shutdown()
        self._srv.server_close()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rate", type=float, default=0.0, help="probability of a random fault")
    p.add_argument("--kinds", default=",".join(TRANSIENT))
    p.add_argument("--sequence", default="", help="comma-separated faults for the first requests")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hang-s", type=float, default=2.0)
    p.add_argument("--slow-s", type=float, default=0.02)
    p.add_argument("--idle-s", type=float, default=600.0)
    p.add_argument("--delay-s", type=float, default=0.0, help="pause before every answer")
    a = p.parse_args(argv)
    script = FaultScript(sequence=[f for f in a.sequence.split(",") if f], rate=a.rate,
                         kinds=tuple(k for k in a.kinds.split(",") if k), seed=a.seed)
    srv = FaultServer(script, hang_s=a.hang_s, slow_s=a.slow_s, idle_s=a.idle_s, port=a.port,
                      delay_s=a.delay_s).start()
    print(f"PORT {srv.port}", flush=True)
    try:
        while not srv._srv.stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
