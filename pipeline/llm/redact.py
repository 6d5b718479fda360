"""Keep keys out of every message, log line, cache row and ledger row the LLM layer writes.

Three nets: known key shapes (`sk-...`, `sk-ant-...`, AWS key ids), `Authorization`/`api-key`
header values, and the literal values of the key env vars (and any secret a provider registers),
because a custom gateway's key can look like anything.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any

# Env vars whose values are secrets wherever they appear.
SECRET_ENV_VARS = (
    "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN", "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
    "AWS_BEARER_TOKEN_BEDROCK", "GOOGLE_ACCESS_TOKEN", "OLLAMA_API_KEY",
)

_PATTERNS = [
    # Authorization / api-key / x-api-key headers, in repr, JSON or HTTP form.
    re.compile(r"(?i)((?:authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key)"
               r"['\"]?\s*[:=]\s*['\"]?)(?:(?:bearer|basic|aws4-hmac-sha256)\s+)?[^'\"\s,;}]+"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\bsk-[A-Za-z0-9_*-]{12,}"),  # OpenAI, Anthropic (sk-ant-...), most gateways
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,}"),  # AWS access key ids
    re.compile(r"\bya29\.[A-Za-z0-9._-]{10,}"),  # Google OAuth access tokens
]

_extra: set[str] = set()
_lock = threading.Lock()
MASK = "[REDACTED]"


def register_secret(value: str | None) -> None:
    """Remember a secret that did not come from a known env var (an explicit api_key=...)."""
    if value and len(value) >= 6:
        with _lock:
            _extra.add(value)


def _literal_secrets() -> list[str]:
    vals = {os.environ.get(v, "") for v in SECRET_ENV_VARS}
    with _lock:
        vals |= _extra
    # Longest first so a key that contains another is masked whole.
    return sorted((v for v in vals if v and len(v) >= 6), key=len, reverse=True)


def redact(text: object, secrets: list[str] | None = None) -> str:
    """`text` as a string with every secret replaced by `[REDACTED]`."""
    s = text if isinstance(text, str) else str(text)
    for secret in _literal_secrets() if secrets is None else secrets:
        if secret in s:
            s = s.replace(secret, MASK)
    for pat in _PATTERNS:
        if pat.groups:
            s = pat.sub(lambda m: m.group(1) + MASK, s)
        else:
            s = pat.sub(MASK, s)
    return s


def redact_obj(obj: Any, secrets: list[str] | None = None) -> Any:
    """A copy of a JSON-like structure with every string (keys too) redacted."""
    if secrets is None:
        secrets = _literal_secrets()  # once per structure, not once per string
    if isinstance(obj, str):
        return redact(obj, secrets)
    if isinstance(obj, dict):
        return {redact(k, secrets) if isinstance(k, str) else k: redact_obj(v, secrets) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v, secrets) for v in obj]
    return obj


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with secrets masked; attached to the SDK and pipeline loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a broken format string is not ours to fix
            return True
        clean = redact(msg)
        if clean != msg or record.args:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()
LOGGERS = ("pipeline", "pipeline.llm", "openai", "openai._base_client", "anthropic",
           "anthropic._base_client", "httpx", "httpx2", "httpcore", "httpcore2", "botocore",
           "llama_cpp")


def install_log_filter() -> None:
    """Idempotent: mask secrets in records from the loggers that may see request details."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
