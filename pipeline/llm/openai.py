"""OpenAI, Azure OpenAI, Ollama and any OpenAI-compatible server, through the `openai` SDK.

Compatible servers differ in what structured output they accept, so a schema call climbs a
ladder per endpoint and remembers the first rung that works (see `capabilities`):

    json_schema → tool (forced function call) → json_object + `schema` (llama.cpp extension)
    → json_object → prompt (schema in the prompt; the client validates and re-asks)

Model strings: `openai:MODEL` (OPENAI_API_KEY, OPENAI_BASE_URL), `openai:MODEL@http://host:port/v1`
for one specific compatible server (key optional), `azure:DEPLOYMENT` (AZURE_OPENAI_ENDPOINT,
AZURE_OPENAI_API_KEY, OPENAI_API_VERSION), `ollama:MODEL` (OLLAMA_HOST, default localhost:11434).
The SDK's own retries are off: retries happen once, in `pipeline.llm.client`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
import threading
from typing import Any, ClassVar

from pipeline.llm import capabilities
from pipeline.llm.base import (AuthError, Completion, LLMError, Message, Provider,
                               RetryableError,
                               ProviderNotAvailable)
from pipeline.llm.errors import translate
from pipeline.llm.redact import register_secret
from pipeline.config import read_env

log = logging.getLogger("pipeline.llm")

LADDER = ("json_schema", "tool", "json_object_schema", "json_object", "prompt")
# While probing, these statuses mean "this rung is not supported here", not "the server is down":
# llama_cpp.server answers an unknown response_format with 500.
PROBE_UNSUPPORTED = {400, 404, 415, 422, 500, 501}
DEFAULT_TIMEOUT_S = 120.0
AZURE_API_VERSION = "2024-10-21"

_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def require_sdk(module: str, extra: str) -> Any:
    """Import a vendor SDK on first use; a missing one names the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ProviderNotAvailable(
            f"the {module!r} SDK is not installed; run: pip install 'article-pipeline[{extra}]'",
            provider=extra) from None


def timeout_s(options: dict[str, Any]) -> float:
    return float(options.get("timeout") or read_env().llm_timeout or DEFAULT_TIMEOUT_S)


def schema_instruction(schema: dict[str, Any]) -> str:
    return ("Reply with only a JSON object (no prose, no code fence) that follows this JSON Schema:\n"
            + json.dumps(schema, separators=(",", ":")))


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "output"


def strict_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema in OpenAI strict form (closed objects, all keys required), or None if it can't be."""
    out = copy.deepcopy(schema)
    ok = True

    def walk(node: Any) -> None:
        nonlocal ok
        if isinstance(node, dict):
            node.pop("default", None)
            if node.get("type") == "object" or "properties" in node:
                extra = node.get("additionalProperties")
                if isinstance(extra, dict) or extra is True:
                    ok = False  # free-form maps cannot be strict
                node["additionalProperties"] = False
                node["required"] = list(node.get("properties", {}))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(out)
    return out if ok else None


_quirks: dict[str, set[str]] = {}


def _param_fix(exc: Any) -> str | None:
    """OpenAI reasoning models reject `max_tokens` and non-default `temperature` with a 400
    naming the parameter; say which fix-up to apply, or None."""
    if int(getattr(exc, "status_code", 0) or 0) != 400:
        return None
    body = getattr(exc, "body", None)
    err = body.get("error", body) if isinstance(body, dict) else {}
    param = err.get("param") if isinstance(err, dict) else None
    text = str(err.get("message", "")) if isinstance(err, dict) else ""
    if param == "max_tokens" or "max_completion_tokens" in text:
        return "max_completion_tokens"
    if param == "temperature" or "'temperature'" in text:
        return "no_temperature"
    return None


class _Unsupported(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class OpenAIProvider(Provider):
    provider: ClassVar[str] = "openai"
    structured_modes: ClassVar[tuple[str, ...]] = LADDER
    key_env: ClassVar[str | None] = "OPENAI_API_KEY"
    context_window = 128_000
    max_concurrency = 8

    def __init__(self, model: str = "", **options: Any) -> None:
        base_url = options.pop("base_url", None)
        if re.search(r"@https?://", model):
            model, _, base_url = model.partition("@")
            options["base_url_in_spec"] = base_url
        super().__init__(model, **options)
        if not self.model:
            raise LLMError(f"{self.provider}: a model is required, e.g. {self.provider}:gpt-4o-mini",
                           provider=self.provider)
        self.sdk = require_sdk("openai", "openai")
        self.base_url = self._base_url(base_url)
        self.endpoint = f"{self.provider}|{self.base_url or 'default'}|{self.model}"
        self._client = options.get("client") or self._make_client()

    # --- configuration -------------------------------------------------------------------
    def _base_url(self, explicit: str | None) -> str | None:
        return (explicit or os.environ.get("OPENAI_BASE_URL") or "").rstrip("/") or None

    def _api_key(self) -> str:
        key = self.options.get("api_key") or os.environ.get("OPENAI_API_KEY")
        if not key:
            if self.base_url and "api.openai.com" not in self.base_url:
                return "not-needed"  # local compatible servers ignore the key but the SDK wants one
            raise AuthError(f"{self.model_string}: no API key; set OPENAI_API_KEY (or OPENAI_BASE_URL "
                            "for a compatible server)", provider=self.provider)
        register_secret(key)
        return key

    def _make_client(self) -> Any:
        key = self._api_key()
        http_client = self.options.get("http_client")
        cache_key = (type(self).__name__, self.base_url, hashlib.sha256(key.encode()).hexdigest(),
                     timeout_s(self.options))
        if http_client is None:
            with _clients_lock:
                if cache_key in _clients:
                    return _clients[cache_key]
        client = self.sdk.OpenAI(api_key=key, base_url=self.base_url, max_retries=0,
                                 timeout=timeout_s(self.options), http_client=http_client)
        if http_client is None:
            with _clients_lock:
                _clients[cache_key] = client
        return client

    @property
    def model_string(self) -> str:
        base = f"{self.provider}:{self.model}"
        explicit = self.options.get("base_url_in_spec")
        return f"{base}@{explicit}" if explicit else base

    def cache_identity(self) -> str:
        return f"{self.provider}:{self.model}@{self.base_url or 'default'}"

    def price_key(self) -> str:
        return f"{self.provider}:{self.model}"

    # --- calls ---------------------------------------------------------------------------
    def complete(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                 schema_name: str = "output", max_tokens: int = 1024,
                 temperature: float = 0.0) -> Completion:
        if schema is None:
            return self._call(None, messages, None, schema_name, max_tokens, temperature, probing=False)
        known = capabilities.lookup(self.endpoint)
        start = LADDER.index(known["mode"]) if known and known.get("mode") in LADDER else 0
        unsupported = list(known.get("unsupported", [])) if known else []
        last: _Unsupported | None = None
        for mode in LADDER[start:]:
            probing = known is None or mode != known.get("mode")
            try:
                comp = self._call(mode, messages, schema, schema_name, max_tokens, temperature,
                                  probing=probing)
            except _Unsupported as exc:
                log.info("%s: %s not supported (HTTP %s); trying the next rung", self.model_string,
                         mode, exc.status)
                unsupported.append(mode)
                last, known = exc, None
                continue
            if not known or known.get("mode") != mode:
                capabilities.remember(self.endpoint, mode, unsupported)
            return comp
        raise LLMError(f"{self.model_string}: no structured-output mode was accepted; last: {last}",
                       provider=self.provider)

    def _request(self, mode: str | None, messages: list[Message], schema: dict[str, Any] | None,
                 name: str) -> dict[str, Any]:
        wire = [m.model_dump() for m in messages]
        req: dict[str, Any] = {}
        if mode == "json_schema":
            strict = strict_schema(schema or {})
            req["response_format"] = {"type": "json_schema", "json_schema": {
                "name": safe_name(name), "schema": strict or schema, "strict": strict is not None}}
        elif mode == "tool":
            fn = {"name": safe_name(name), "description": "Return the answer as this function's arguments.",
                  "parameters": schema}
            req["tools"] = [{"type": "function", "function": fn}]
            req["tool_choice"] = {"type": "function", "function": {"name": safe_name(name)}}
        elif mode in ("json_object_schema", "json_object", "prompt"):
            wire = [{"role": "system", "content": schema_instruction(schema or {})}] + wire
            if mode == "json_object_schema":
                req["response_format"] = {"type": "json_object", "schema": schema}
            elif mode == "json_object":
                req["response_format"] = {"type": "json_object"}
        req["messages"] = wire
        return req

    def _call(self, mode: str | None, messages: list[Message], schema: dict[str, Any] | None,
              name: str, max_tokens: int, temperature: float, *, probing: bool) -> Completion:
        req = self._request(mode, messages, schema, name)
        quirks = _quirks.setdefault(self.endpoint, set())
        for _ in range(3):  # at most two parameter fix-ups, then the real answer or error
            params: dict[str, Any] = {"model": self.model, **req}
            params["max_completion_tokens" if "max_completion_tokens" in quirks else "max_tokens"] = max_tokens
            if "no_temperature" not in quirks:
                params["temperature"] = temperature
            try:
                resp = self._client.chat.completions.create(**params)
                return self._completion(resp, mode)
            except self.sdk.APIStatusError as exc:
                fix = _param_fix(exc)
                if fix and fix not in quirks:
                    quirks.add(fix)  # reasoning models: max_completion_tokens, default temperature
                    continue
                status = int(exc.status_code)
                # A remembered mode that now fails with 500 is a server fault (retried), not a
                # capability change; 400/404/422/501 on it re-probe the ladder from there.
                gate = PROBE_UNSUPPORTED if probing else PROBE_UNSUPPORTED - {500}
                if mode not in (None, "prompt") and status in gate:
                    raise _Unsupported(status, str(translate(exc, provider=self.provider, model=self.model,
                                                             sdk=self.sdk, key_env=self.key_env))) from None
                raise translate(exc, provider=self.provider, model=self.model, sdk=self.sdk,
                                key_env=self.key_env) from None
            except Exception as exc:
                raise translate(exc, provider=self.provider, model=self.model, sdk=self.sdk,
                                key_env=self.key_env) from None
        raise LLMError(f"{self.model_string}: request parameters were rejected", provider=self.provider)

    def _completion(self, resp: Any, mode: str | None) -> Completion:
        if not getattr(resp, "choices", None):
            raise RetryableError(f"{self.model_string}: response had no choices", provider=self.provider)
        choice = resp.choices[0]
        msg = choice.message
        text, data = msg.content or "", None
        calls = getattr(msg, "tool_calls", None) or []
        if mode == "tool" and calls:
            text = calls[0].function.arguments or ""
            try:
                data = json.loads(text)
            except ValueError:
                data = None  # the client re-asks with the parse error
        usage = getattr(resp, "usage", None)
        return Completion(text=text, data=data, model=getattr(resp, "model", "") or self.model,
                          input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                          output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                          finish_reason=choice.finish_reason, mode=mode)


class AzureProvider(OpenAIProvider):
    """`azure:DEPLOYMENT`: the deployment name is the model; URL and api-version from env."""

    provider: ClassVar[str] = "azure"
    key_env: ClassVar[str | None] = "AZURE_OPENAI_API_KEY"

    def _base_url(self, explicit: str | None) -> str | None:
        endpoint = explicit or self.options.get("azure_endpoint") or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not endpoint:
            raise ProviderNotAvailable(f"{self.model_string}: set AZURE_OPENAI_ENDPOINT "
                                       "(https://RESOURCE.openai.azure.com)", provider=self.provider)
        return endpoint.rstrip("/")

    def _make_client(self) -> Any:
        key = self.options.get("api_key") or os.environ.get("AZURE_OPENAI_API_KEY")
        if not key:
            raise AuthError(f"{self.model_string}: no API key; set AZURE_OPENAI_API_KEY",
                            provider=self.provider)
        register_secret(key)
        version = self.options.get("api_version") or os.environ.get("OPENAI_API_VERSION") or AZURE_API_VERSION
        return self.sdk.AzureOpenAI(azure_endpoint=self.base_url, api_key=key, api_version=version,
                                    max_retries=0, timeout=timeout_s(self.options),
                                    http_client=self.options.get("http_client"))

    def price_key(self) -> str:
        return f"azure:{self.model}"  # deployment names are the user's; price them in prices.toml


class OllamaProvider(OpenAIProvider):
    """`ollama:MODEL` through Ollama's OpenAI-compatible API (OLLAMA_HOST, no key)."""

    provider: ClassVar[str] = "ollama"
    key_env: ClassVar[str | None] = None
    context_window = 8192
    max_concurrency = 2

    def _base_url(self, explicit: str | None) -> str | None:
        host = explicit or os.environ.get("OLLAMA_HOST") or "http://localhost:11434"
        if "://" not in host:
            host = f"http://{host}"
        host = host.rstrip("/").replace("://0.0.0.0", "://127.0.0.1")
        return host if host.endswith("/v1") else f"{host}/v1"

    def _api_key(self) -> str:
        return self.options.get("api_key") or os.environ.get("OLLAMA_API_KEY") or "ollama"
