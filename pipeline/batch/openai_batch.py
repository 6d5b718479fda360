"""OpenAI Batch API: JSONL of `/v1/chat/completions` requests → file upload → `/v1/batches`.

Wire formats (OpenAI API reference, "Batch"): each input line is
`{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`; each line of the
output and error files is `{"id", "custom_id", "response": {"status_code", "request_id",
"body"} | null, "error": {"code", "message"} | null}`. A request that failed at the API shows
up in the error file with a non-200 `status_code`; when a batch expires, its unfinished
requests are written to the error file with `error.code == "batch_expired"`.

Request bodies and response parsing are the synchronous provider's own
(`OpenAIProvider._request` / `._completion`), so a batched call asks exactly what a
synchronous one would and its answer is read the same way.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from pipeline.batch.vendor import BatchRequest, ItemResult, JobState, Outcome, VendorStatus
from pipeline.llm.base import LLMError, Message

ENDPOINT = "/v1/chat/completions"
_RUNNING = {"validating", "in_progress", "finalizing", "cancelling"}
_ENDED = {"completed", "expired", "cancelled"}
SDK_RETRIES = 3  # batch management calls are idempotent reads or one-off creates


class OpenAIBatchBackend:
    provider = "openai"

    def __init__(self, llm: Any) -> None:
        self.llm = llm  # pipeline.llm.openai.OpenAIProvider
        self.client = llm._client.with_options(max_retries=SDK_RETRIES)

    @property
    def mode(self) -> str:
        """The structured-output mode a batch uses: the one this endpoint is known to take
        (OpenAI proper: `json_schema`)."""
        from pipeline.llm import capabilities

        known = capabilities.lookup(self.llm.endpoint)
        return known["mode"] if known and known.get("mode") else "json_schema"

    def _error(self, exc: Exception) -> LLMError:
        from pipeline.llm.errors import translate

        return translate(exc, provider="openai", model=self.llm.model, sdk=self.llm.sdk,
                         key_env=self.llm.key_env)

    def body(self, req: BatchRequest) -> dict[str, Any]:
        msgs = [Message.model_validate(m) for m in req.messages]
        mode = self.mode if req.schema is not None else None
        return {"model": self.llm.model, "max_tokens": req.max_tokens,
                "temperature": req.temperature,
                **self.llm._request(mode, msgs, req.schema, req.schema_name)}

    def input_jsonl(self, requests: list[BatchRequest]) -> bytes:
        lines = [{"custom_id": r.custom_id, "method": "POST", "url": ENDPOINT, "body": self.body(r)}
                 for r in requests]
        return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")

    def submit(self, requests: list[BatchRequest], *, metadata: dict[str, str]) -> VendorStatus:
        data = self.input_jsonl(requests)
        try:
            f = self.client.files.create(file=("pipeline-batch.jsonl", data, "application/jsonl"),
                                         purpose="batch")
            batch = self.client.batches.create(input_file_id=f.id, endpoint=ENDPOINT,
                                               completion_window="24h", metadata=metadata)
        except Exception as exc:
            raise self._error(exc) from None
        return status_of(batch)

    def retrieve(self, batch_id: str) -> VendorStatus:
        try:
            batch = self.client.batches.retrieve(batch_id)
        except Exception as exc:
            raise self._error(exc) from None
        return status_of(batch)

    def find(self, job_id: str, limit: int = 100) -> VendorStatus | None:
        """The batch a crashed submit created for `job_id` (tagged in its metadata), if any."""
        try:
            page = self.client.batches.list(limit=limit)
            for batch in page.data:
                if (batch.metadata or {}).get("pipeline_job") == job_id:
                    return status_of(batch)
        except Exception as exc:
            raise self._error(exc) from None
        return None

    def results(self, status: VendorStatus) -> Iterator[ItemResult]:
        for key in ("output_file_id", "error_file_id"):
            file_id = status.raw.get(key)
            if not file_id:
                continue
            try:
                content = self.client.files.content(file_id).text
            except Exception as exc:
                raise self._error(exc) from None
            for n, line in enumerate(content.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    yield self.parse_line(json.loads(line))
                except (ValueError, AttributeError, TypeError) as exc:
                    raise LLMError(f"openai batch {status.batch_id}: {key} {file_id} line {n} is "
                                   f"not a batch output object: {exc}", provider="openai") from None

    def parse_line(self, line: dict[str, Any]) -> ItemResult:
        """One line of an output or error file → an `ItemResult`."""
        from openai.types.chat import ChatCompletion

        cid = str(line["custom_id"])
        err, resp = line.get("error"), line.get("response")
        if err:
            outcome: Outcome = "expired" if err.get("code") == "batch_expired" else "errored"
            return ItemResult(cid, outcome, error=f"{err.get('code')}: {err.get('message')}")
        if not resp:
            return ItemResult(cid, "errored", error="neither response nor error in the result line")
        body = resp.get("body") or {}
        code = resp.get("status_code")
        if code != 200:
            from pipeline.llm.errors import vendor_message

            return ItemResult(cid, "errored", error=f"HTTP {code} {vendor_message(body, str(body))}")
        msg = ((body.get("choices") or [{}])[0]).get("message") or {}
        if msg.get("refusal"):
            return ItemResult(cid, "errored", error=f"refused: {msg['refusal']}")
        return ItemResult(cid, "succeeded",
                          completion=self.llm._completion(ChatCompletion.model_validate(body), self.mode))


def status_of(batch: Any) -> VendorStatus:
    raw = batch.model_dump(mode="json") if hasattr(batch, "model_dump") else dict(batch)
    vs = raw.get("status", "")
    state: JobState
    counts = {k: int(v) for k, v in (raw.get("request_counts") or {}).items() if v is not None}
    error = None
    if vs == "failed":
        errs = (raw.get("errors") or {}).get("data") or []
        error = "; ".join(f"{e.get('code')}: {e.get('message')}"
                          + (f" (line {e['line']})" if e.get("line") else "") for e in errs) \
            or "the batch failed validation"
        state = "failed"
    elif vs in _ENDED:
        state = "ended"
    elif vs in _RUNNING:
        state = "in_progress"
    else:
        raise LLMError(f"openai batch {raw.get('id')}: unknown status {vs!r}", provider="openai")
    return VendorStatus(batch_id=raw["id"], vendor_status=vs, state=state, counts=counts,
                        error=error, raw=raw)
