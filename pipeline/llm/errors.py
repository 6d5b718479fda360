"""Vendor SDK exceptions → the pipeline's error classes, with `Retry-After` and no secrets.

The openai and anthropic SDKs share one shape (`APIStatusError` with `.status_code` and
`.response`, `APIConnectionError`, `APITimeoutError`), so one translator serves both.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

from pipeline.llm.base import AuthError, LLMError, RetryableError
from pipeline.llm.redact import redact

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms`, `retry-after` (seconds or HTTP date)."""
    if headers is None:
        return None
    get = headers.get
    ms = get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    ra = get("retry-after")
    if not ra:
        return None
    try:
        return max(0.0, float(ra))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(ra) if ra else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def vendor_message(body: Any, fallback: str) -> str:
    """`error.type: error.message` from OpenAI- or Anthropic-shaped error bodies."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (ValueError, TypeError):
            return fallback
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            kind = err.get("type") or err.get("code") or ""
            msg = err.get("message") or ""
            if msg:
                return f"{kind}: {msg}" if kind else str(msg)
        elif isinstance(err, str):
            return err
    return fallback


def translate(exc: BaseException, *, provider: str, model: str, sdk: Any,
              key_env: str | None) -> LLMError:
    """Map one SDK exception; call as `raise translate(...) from None` so no SDK text leaks."""
    if isinstance(exc, LLMError):
        return exc  # already ours (and already prefixed): do not wrap it again
    where = f"{provider}:{model}" if model else provider
    status_error = getattr(sdk, "APIStatusError", ())
    if isinstance(exc, getattr(sdk, "APITimeoutError", ())):
        return RetryableError(f"{where}: request timed out", provider=provider)
    if isinstance(exc, getattr(sdk, "APIConnectionError", ())):
        return RetryableError(f"{where}: connection failed: {redact(exc)}", provider=provider)
    if isinstance(exc, status_error):
        status = int(getattr(exc, "status_code", 0) or 0)
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        body = getattr(exc, "body", None)
        detail = redact(vendor_message(body, str(getattr(exc, "message", "") or exc)))[:500]
        if status in (401, 403):
            hint = f"; set {key_env} to a valid key" if key_env else ""
            return AuthError(f"{where}: HTTP {status} {detail}{hint}", provider=provider, status=status)
        if status in RETRYABLE_STATUS:
            return RetryableError(f"{where}: HTTP {status} {detail}", provider=provider,
                                  status=status, retry_after=parse_retry_after(headers))
        return LLMError(f"{where}: HTTP {status} {detail}", provider=provider, status=status)
    if isinstance(exc, (json.JSONDecodeError, getattr(sdk, "APIResponseValidationError", ()))):
        # A 200 whose body was cut off or malformed: a transient transport fault, so retry it.
        return RetryableError(f"{where}: malformed response body: {type(exc).__name__}: "
                              f"{redact(exc)}"[:700], provider=provider)
    return LLMError(f"{where}: {type(exc).__name__}: {redact(exc)}", provider=provider)
