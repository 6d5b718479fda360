"""Stand-ins for the OpenAI Batch and Anthropic Message Batches services.

Each vendor is one `handler(httpx.Request) -> httpx.Response` that answers with the vendors'
documented objects (OpenAI "The batch object", "The file object", batch output/error lines;
Anthropic "Message Batch", results lines, Messages API bodies). The same handler serves an
in-process `httpx.MockTransport` and, through `LoopbackServer`, a real HTTP server on
127.0.0.1 that other processes reach through `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`.

Outcomes per request come from `plan(custom_id, request_body)`, returning one of:
`("ok", payload)` (payload: dict for structured output, or str), `("http", status, type,
message)` (a failed request), `("expire",)` (unfinished when the window closed),
`("cancel",)` (Anthropic only). Synchronous calls (`/v1/chat/completions`, `/v1/messages`,
used for re-asks and retries) are answered by `sync(request_body)`.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re as _re
import shutil
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import httpx
import httpx2
import pytest

from pipeline.corpus.store import Store
from tests.conftest import CORPUS

FILES = ["chip-export-rules-foundries.txt", "ev-price-cuts-lfp-plant.txt",
         "regional-airline-merger.txt"]


@pytest.fixture(scope="session")
def batch_corpus_template(tmp_path_factory) -> Path:
    """Three corpus articles ingested once per session (real chunking, embeddings, Chroma);
    each test gets a copy through `corpus`."""
    from pipeline.corpus.ingest import ingest_paths

    tpl = tmp_path_factory.mktemp("batch-corpus") / "home"
    store = Store(home=tpl, chroma_url="")
    report = ingest_paths([CORPUS / f for f in FILES], store=store, progress=False)
    store.close()
    assert len(report.ingested) == len(FILES), report.failed
    return tpl


@pytest.fixture
def corpus(home, batch_corpus_template) -> Store:
    """A private copy of the three-article store in this test's $PIPELINE_HOME."""
    shutil.copytree(batch_corpus_template, home)
    return Store(home=home, chroma_url="")


Plan = Callable[[str, dict[str, Any]], tuple]

_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}{int(time.time() * 1000) % 10**8:08d}"


_http = threading.local()  # the HTTP library of the request being answered (httpx or httpx2)


def _response(status: int, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return getattr(_http, "mod", httpx).Response(status, content=content, headers=headers)


def _json(status: int, obj: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    h = {"content-type": "application/json", **(headers or {})}
    return _response(status, json.dumps(obj).encode(), h)


def _multipart(request: httpx.Request) -> dict[str, tuple[str | None, bytes]]:
    ctype = request.headers["content-type"]
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.read())
    parts = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[name] = (part.get_filename(), part.get_payload(decode=True))
    return parts


class _Vendor:
    """Shared bookkeeping: request log, auth check, poll counting."""


    def __init__(self, plan: Plan, sync: Callable[[dict[str, Any]], Any] | None = None,
                 polls_to_end: int = 2, valid_key: str | None = None) -> None:
        self.valid_key = valid_key  # when set, any other key gets the vendor's 401
        self.plan = plan
        self.sync = sync or (lambda body: plan("sync", body)[1])
        self.polls_to_end = polls_to_end
        self.requests: list[tuple[str, str]] = []
        self.sync_bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # The openai SDK takes an httpx client; the anthropic SDK insists on httpx2's twin.
        _http.mod = httpx2 if type(request).__module__.startswith("httpx2") else httpx
        with self.lock:
            self.requests.append((request.method, request.url.path))
            sent = request.headers.get("x-api-key") or request.headers.get("authorization") or ""
            if not sent or (self.valid_key and not sent.endswith(self.valid_key)):
                return self.auth_error()
            return self.route(request)

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.endswith(suffix))

    def route(self, request: httpx.Request) -> httpx.Response:  # pragma: no cover
        raise NotImplementedError

    def auth_error(self) -> httpx.Response:  # pragma: no cover
        raise NotImplementedError


class OpenAIBatchVendor(_Vendor):
    """`/v1/files`, `/v1/batches`, `/v1/files/{id}/content`, `/v1/chat/completions`."""

    def __init__(self, plan: Plan, sync=None, polls_to_end: int = 2,
                 fail_validation: str | None = None,
                 valid_key: str | None = None) -> None:
        super().__init__(plan, sync, polls_to_end, valid_key)
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.fail_validation = fail_validation

    def auth_error(self) -> httpx.Response:
        return _json(401, {"error": {"message": "Incorrect API key provided.",
                                     "type": "invalid_request_error", "param": None,
                                     "code": "invalid_api_key"}})

    def _file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        fid = _id("file-")
        obj = {"id": fid, "object": "file", "bytes": len(data), "created_at": int(time.time()),
               "filename": filename, "purpose": purpose, "status": "processed",
               "expires_at": None, "status_details": None}
        self.files[fid] = {**obj, "_data": data}
        return obj

    def route(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if method == "POST" and path.endswith("/files"):
            parts = _multipart(request)
            filename, data = parts["file"]
            purpose = parts["purpose"][1].decode()
            return _json(200, self._file(data, filename or "upload.jsonl", purpose))
        if method == "GET" and path.endswith("/content"):
            fid = path.split("/")[-2]
            f = self.files.get(fid)
            if f is None:
                return _json(404, {"error": {"message": f"No such File object: {fid}",
                                             "type": "invalid_request_error", "param": "id",
                                             "code": None}})
            return _response(200, f["_data"], {"content-type": "application/octet-stream"})
        if method == "POST" and path.endswith("/batches"):
            body = json.loads(request.read())
            now = int(time.time())
            bid = _id("batch_")
            batch = {
                "id": bid, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                "input_file_id": body["input_file_id"],
                "completion_window": body["completion_window"], "status": "validating",
                "output_file_id": None, "error_file_id": None, "created_at": now,
                "in_progress_at": None, "expires_at": now + 86400, "finalizing_at": None,
                "completed_at": None, "failed_at": None, "expired_at": None,
                "cancelling_at": None, "cancelled_at": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": body.get("metadata"),
            }
            self.batches[bid] = batch
            self.polls[bid] = 0
            return _json(200, batch)
        if method == "GET" and path.endswith("/batches"):
            data = sorted(self.batches.values(), key=lambda b: b["created_at"], reverse=True)
            return _json(200, {"object": "list", "data": data,
                               "first_id": data[0]["id"] if data else None,
                               "last_id": data[-1]["id"] if data else None, "has_more": False})
        if method == "GET" and "/batches/" in path:
            bid = path.rsplit("/", 1)[-1]
            if bid not in self.batches:
                return _json(404, {"error": {"message": f"No batch found with id '{bid}'.",
                                             "type": "invalid_request_error", "param": None,
                                             "code": None}})
            self._advance(bid)
            return _json(200, self.batches[bid])
        if method == "POST" and path.endswith("/chat/completions"):
            body = json.loads(request.read())
            self.sync_bodies.append(body)
            payload = self.sync(body)
            if isinstance(payload, tuple) and payload[0] == "http":  # ("http", status, type, msg)
                return _json(payload[1], {"error": {"message": payload[3], "type": payload[2],
                                                    "param": None, "code": None}})
            return _json(200, self.completion(body, payload),
                         headers={"x-request-id": _id("req_")})
        return _json(404, {"error": {"message": f"Invalid URL ({method} {path})",
                                     "type": "invalid_request_error", "param": None, "code": None}})

    @staticmethod
    def completion(body: dict[str, Any], payload: Any) -> dict[str, Any]:
        content = payload if isinstance(payload, str) else json.dumps(payload)
        prompt = sum(len(m["content"]) for m in body["messages"]) // 4
        return {
            "id": _id("chatcmpl-"), "object": "chat.completion", "created": int(time.time()),
            "model": body["model"] + "-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content,
                                                 "refusal": None},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": len(content) // 4,
                      "total_tokens": prompt + len(content) // 4},
            "system_fingerprint": "fp_44709d6fcb",
        }

    def _advance(self, bid: str) -> None:
        batch = self.batches[bid]
        if batch["status"] in ("completed", "expired", "failed", "cancelled"):
            return
        self.polls[bid] += 1
        now = int(time.time())
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]]["_data"].splitlines()
                 if x.strip()]
        if self.fail_validation:
            batch.update(status="failed", failed_at=now, errors={"object": "list", "data": [
                {"code": "invalid_request", "message": self.fail_validation, "param": None,
                 "line": 1}]})
            return
        batch["request_counts"]["total"] = len(lines)
        if self.polls[bid] < self.polls_to_end:
            batch.update(status="in_progress", in_progress_at=batch["in_progress_at"] or now)
            return
        out, err = [], []
        completed = failed = 0
        for line in lines:
            cid, body = line["custom_id"], line["body"]
            spec = self.plan(cid, body)
            rid = _id("batch_req_")
            if spec[0] == "ok":
                out.append({"id": rid, "custom_id": cid, "response": {
                    "status_code": 200, "request_id": _id("req_"),
                    "body": self.completion(body, spec[1])}, "error": None})
                completed += 1
            elif spec[0] == "http":
                _, status, etype, message = spec
                err.append({"id": rid, "custom_id": cid, "response": {
                    "status_code": status, "request_id": _id("req_"),
                    "body": {"error": {"message": message, "type": etype, "param": None,
                                       "code": None}}}, "error": None})
                failed += 1
            elif spec[0] == "expire":
                err.append({"id": rid, "custom_id": cid, "response": None, "error": {
                    "code": "batch_expired",
                    "message": "This request could not be executed before the completion "
                               "window expired."}})
            else:
                raise AssertionError(f"unknown plan {spec!r}")
        expired = any(self.plan(x["custom_id"], x["body"])[0] == "expire" for x in lines)
        if out:
            batch["output_file_id"] = self._file(
                "".join(json.dumps(x) + "\n" for x in out).encode(), "batch_output.jsonl",
                "batch_output")["id"]
        if err:
            batch["error_file_id"] = self._file(
                "".join(json.dumps(x) + "\n" for x in err).encode(), "batch_error.jsonl",
                "batch_output")["id"]
        batch["request_counts"].update(completed=completed, failed=failed)
        if expired:
            batch.update(status="expired", expired_at=now)
        else:
            batch.update(status="completed", finalizing_at=now, completed_at=now)


def _rfc3339(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


class AnthropicBatchVendor(_Vendor):
    """`/v1/messages/batches`, `/v1/messages/batches/{id}`, `.../results`, `/v1/messages`."""


    def __init__(self, plan: Plan, sync=None, polls_to_end: int = 2,
                 valid_key: str | None = None) -> None:
        super().__init__(plan, sync, polls_to_end, valid_key)
        self.batches: dict[str, dict[str, Any]] = {}
        self.inputs: dict[str, list[dict[str, Any]]] = {}
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.polls: dict[str, int] = {}

    def auth_error(self) -> httpx.Response:
        return _json(401, {"type": "error", "error": {"type": "authentication_error",
                                                      "message": "invalid x-api-key"},
                           "request_id": _id("req_")})

    def route(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        base = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if method == "POST" and path.endswith("/messages/batches"):
            body = json.loads(request.read())
            now = datetime.now(timezone.utc)
            bid = _id("msgbatch_")
            self.inputs[bid] = body["requests"]
            self.batches[bid] = {
                "id": bid, "type": "message_batch", "processing_status": "in_progress",
                "request_counts": {"processing": len(body["requests"]), "succeeded": 0,
                                   "errored": 0, "canceled": 0, "expired": 0},
                "ended_at": None, "created_at": _rfc3339(now),
                "expires_at": _rfc3339(now + timedelta(hours=24)), "archived_at": None,
                "cancel_initiated_at": None, "results_url": None,
            }
            self.polls[bid] = 0
            self.base = base
            return _json(200, self.batches[bid])
        if method == "GET" and path.endswith("/results"):
            bid = path.split("/")[-2]
            if bid not in self.results:
                return _json(404, {"type": "error", "error": {"type": "not_found_error",
                                                              "message": "batch results not found"}})
            data = "".join(json.dumps(x) + "\n" for x in self.results[bid]).encode()
            return _response(200, data, {"content-type": "application/binary"})
        if method == "GET" and "/messages/batches/" in path:
            bid = path.rsplit("/", 1)[-1]
            if bid not in self.batches:
                return _json(404, {"type": "error", "error": {"type": "not_found_error",
                                                              "message": f"{bid} not found"}})
            self._advance(bid, base)
            return _json(200, self.batches[bid])
        if method == "POST" and path.endswith("/messages"):
            body = json.loads(request.read())
            self.sync_bodies.append(body)
            return _json(200, self.message(body, self.sync(body)),
                         headers={"request-id": _id("req_")})
        return _json(404, {"type": "error", "error": {"type": "not_found_error",
                                                      "message": f"{method} {path}"}})

    @staticmethod
    def message(params: dict[str, Any], payload: Any) -> dict[str, Any]:
        if isinstance(payload, str) or not params.get("tools"):
            text = payload if isinstance(payload, str) else json.dumps(payload)
            content = [{"type": "text", "text": text}]
            stop = "end_turn"
            out_tokens = len(text) // 4
        else:
            content = [{"type": "tool_use", "id": _id("toolu_"),
                        "name": params["tool_choice"]["name"], "input": payload}]
            stop = "tool_use"
            out_tokens = len(json.dumps(payload)) // 4
        prompt = sum(len(m["content"]) for m in params["messages"]) // 4
        return {"id": _id("msg_"), "type": "message", "role": "assistant",
                "model": params["model"], "content": content, "stop_reason": stop,
                "stop_sequence": None,
                "usage": {"input_tokens": prompt, "output_tokens": out_tokens}}

    def _advance(self, bid: str, base: str) -> None:
        batch = self.batches[bid]
        if batch["processing_status"] == "ended":
            return
        self.polls[bid] += 1
        if self.polls[bid] < self.polls_to_end:
            return
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        results = []
        for req in self.inputs[bid]:
            cid, params = req["custom_id"], req["params"]
            spec = self.plan(cid, params)
            if spec[0] == "ok":
                result = {"type": "succeeded", "message": self.message(params, spec[1])}
                counts["succeeded"] += 1
            elif spec[0] == "http":
                _, _status, etype, message = spec
                result = {"type": "errored", "error": {"type": "error", "error": {
                    "type": etype, "message": message}}}
                counts["errored"] += 1
            elif spec[0] == "expire":
                result = {"type": "expired"}
                counts["expired"] += 1
            elif spec[0] == "cancel":
                result = {"type": "canceled"}
                counts["canceled"] += 1
            else:
                raise AssertionError(f"unknown plan {spec!r}")
            results.append({"custom_id": cid, "result": result})
        results.reverse()  # "Results are not guaranteed to be in the same order as requests"
        self.results[bid] = results
        now = datetime.now(timezone.utc)
        batch.update(processing_status="ended", request_counts=counts, ended_at=_rfc3339(now),
                     results_url=f"{base}/v1/messages/batches/{bid}/results")


class LoopbackServer:
    """Serve a vendor handler over real HTTP on 127.0.0.1 (for other processes)."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        outer = handler

        class H(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                url = f"http://{self.headers.get('host')}{self.path}"
                req = httpx.Request(self.command, url, headers=dict(self.headers.items()),
                                    content=body)
                resp = outer(req)
                data = resp.read()
                self.send_response(resp.status_code)
                for k, v in resp.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def openai_client(vendor: OpenAIBatchVendor, base_url: str = "https://api.openai.test/v1",
                  api_key: str = "sk-test"):
    import openai

    return openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                         http_client=httpx.Client(transport=httpx.MockTransport(vendor)))


def anthropic_client(vendor: AnthropicBatchVendor, base_url: str = "https://api.anthropic.test",
                     api_key: str = "sk-ant-test"):
    import anthropic

    # This anthropic SDK build rejects `httpx.Client` and asks for `httpx2.Client` (same API).
    return anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0,
                               http_client=httpx2.Client(transport=httpx2.MockTransport(vendor)))


# ------------------------------------------------------------------ scripted model answers

_FENCE = _re.compile(r"<(article-[0-9a-f]{10})>\n(.*?)\n</\1>", _re.S)
_SUMMARY = _re.compile(r"<article>\n(.*?)\n</article>", _re.S)


def _all_text(body: dict[str, Any]) -> str:
    parts = [body.get("system") or ""] + [m["content"] if isinstance(m["content"], str) else
                                          json.dumps(m["content"]) for m in body["messages"]]
    return "\n".join(parts)


def first_sentence(text: str) -> str:
    m = _re.search(r"[^.!?\n]{20,}?[.!?]", text)
    return (m.group(0) if m else text[:80]).strip()


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """A plausible, grounded answer to an extraction or summary request (by its prompt)."""
    text = _all_text(body)
    m = _FENCE.search(text)
    if m:
        article = m.group(2)
        quote = first_sentence(article)
        party = _re.findall(r"\b[A-Z][a-z]+\b", quote)
        return {"summary": f"About {party[0] if party else 'it'}.",
                "winners": [{"party": party[0] if party else "Someone", "reason": "gains",
                             "quote": quote}],
                "losers": [], "unchanged": []}
    m = _SUMMARY.search(text)
    if m:
        return {"summary": first_sentence(m.group(1))}
    if "overview" in text.lower():
        return {"overview": "Coverage summary."}
    raise AssertionError(f"unexpected request: {text[:200]!r}")
