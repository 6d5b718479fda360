"""Anthropic Message Batches: `POST /v1/messages/batches` with `{custom_id, params}` requests.

Wire formats (Anthropic API reference, "Message Batches"): the batch object is
`{id: "msgbatch_...", type: "message_batch", processing_status: in_progress|canceling|ended,
request_counts: {processing, succeeded, errored, canceled, expired}, ended_at, created_at,
expires_at, archived_at, cancel_initiated_at, results_url}`; each results line is
`{custom_id, result: {type: succeeded, message} | {type: errored, error} | {type: canceled}
| {type: expired}}`, in no particular order. Params are built like the synchronous
provider's (`to_anthropic`, forced tool use named by `safe_name`).
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from pipeline.batch.vendor import BatchRequest, ItemResult, JobState, VendorStatus
from pipeline.llm.base import Completion, LLMError, Message

SDK_RETRIES = 3


def _takes_temperature(client: Any) -> bool:
    """Newer Messages APIs have no `temperature`; send it only where the SDK still takes it."""
    from pipeline.llm import anthropic as sync

    check = getattr(sync, "_takes_temperature", None)
    return bool(check(client)) if check else False


class AnthropicBatchBackend:
    provider = "anthropic"

    def __init__(self, llm: Any) -> None:
        self.llm = llm  # pipeline.llm.anthropic.AnthropicProvider
        self.client = llm._client.with_options(max_retries=SDK_RETRIES)

    def _error(self, exc: Exception) -> LLMError:
        from pipeline.llm.errors import translate

        return translate(exc, provider="anthropic", model=self.llm.model, sdk=self.llm.sdk,
                         key_env=self.llm.key_env)

    def params(self, req: BatchRequest) -> dict[str, Any]:
        """The Messages API params `AnthropicProvider.complete` sends for the same call."""
        from pipeline.llm.anthropic import to_anthropic
        from pipeline.llm.openai import safe_name

        system, turns = to_anthropic([Message.model_validate(m) for m in req.messages])
        params: dict[str, Any] = {"model": self.llm.model, "max_tokens": req.max_tokens,
                                  "messages": turns}
        if _takes_temperature(self.llm._client):  # as the synchronous client decides
            params["temperature"] = req.temperature
        if system:
            params["system"] = system
        if req.schema is not None:
            name = safe_name(req.schema_name)
            params["tools"] = [{"name": name, "description": "Return the answer as this tool's input.",
                                "input_schema": req.schema}]
            params["tool_choice"] = {"type": "tool", "name": name}
        return params

    def submit(self, requests: list[BatchRequest], *, metadata: dict[str, str]) -> VendorStatus:
        # Message Batches carry no metadata; the local job id lives in batches.sqlite only.
        reqs = [{"custom_id": r.custom_id, "params": self.params(r)} for r in requests]
        try:
            batch = self.client.messages.batches.create(requests=reqs)
        except Exception as exc:
            raise self._error(exc) from None
        return status_of(batch)

    def retrieve(self, batch_id: str) -> VendorStatus:
        try:
            batch = self.client.messages.batches.retrieve(batch_id)
        except Exception as exc:
            raise self._error(exc) from None
        return status_of(batch)

    def find(self, job_id: str) -> VendorStatus | None:
        """Message Batches carry no metadata: a crashed submit cannot be matched to its job."""
        return None

    def results(self, status: VendorStatus) -> Iterator[ItemResult]:
        try:
            lines = list(self.client.messages.batches.results(status.batch_id))
        except Exception as exc:
            raise self._error(exc) from None
        for line in lines:
            yield self.parse_line(line)

    def parse_line(self, line: Any) -> ItemResult:
        """One results line (SDK object or dict) → an `ItemResult`."""
        from pipeline.llm.anthropic import STOP_REASONS

        d = line.model_dump(mode="json", warnings=False) if hasattr(line, "model_dump") else dict(line)
        cid = str(d["custom_id"])
        res = d.get("result") or {}
        kind = res.get("type")
        if kind == "succeeded":
            msg = res.get("message") or {}
            usage = msg.get("usage") or {}
            text_parts, data = [], None
            for block in msg.get("content") or []:
                if block.get("type") == "tool_use" and data is None:
                    data = block.get("input")
                elif block.get("type") == "text":
                    text_parts.append(block.get("text", ""))
            text = json.dumps(data, ensure_ascii=False) if data is not None else "".join(text_parts)
            stop = msg.get("stop_reason") or ""
            return ItemResult(cid, "succeeded", completion=Completion(
                text=text, data=data, model=msg.get("model") or self.llm.model,
                input_tokens=int(usage.get("input_tokens") or 0),
                output_tokens=int(usage.get("output_tokens") or 0),
                finish_reason=STOP_REASONS.get(stop, stop), mode="tool" if data is not None else None))
        if kind == "errored":
            err = res.get("error") or {}
            nested = err.get("error")
            inner = nested if isinstance(nested, dict) else err
            return ItemResult(cid, "errored", error=f"{inner.get('type')}: {inner.get('message')}")
        if kind in ("expired", "canceled"):
            return ItemResult(cid, kind, error=f"request {kind} before it was processed")
        return ItemResult(cid, "errored", error=f"unknown result type {kind!r}")


def status_of(batch: Any) -> VendorStatus:
    raw = batch.model_dump(mode="json") if hasattr(batch, "model_dump") else dict(batch)
    vs = raw.get("processing_status", "")
    state: JobState
    counts = {k: int(v) for k, v in (raw.get("request_counts") or {}).items()}
    if vs == "ended":
        state = "ended"
    elif vs in ("in_progress", "canceling"):
        state = "in_progress"
    else:
        raise LLMError(f"anthropic batch {raw.get('id')}: unknown processing_status {vs!r}",
                       provider="anthropic")
    return VendorStatus(batch_id=raw["id"], vendor_status=vs, state=state, counts=counts, raw=raw)
