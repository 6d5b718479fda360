"""Anthropic models direct, on AWS Bedrock and on Google Vertex, through the `anthropic` SDK.

Structured output is forced tool use: one tool whose `input_schema` is the output schema and
`tool_choice` naming it, so the answer arrives as the `tool_use` block's `input`.
Model strings: `anthropic:MODEL` (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL), `bedrock:MODEL_ID`
(AWS credentials or AWS_BEARER_TOKEN_BEDROCK, AWS_REGION), `vertex:MODEL` (CLOUD_ML_REGION,
ANTHROPIC_VERTEX_PROJECT_ID, Google credentials). SDK retries are off; the client retries.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from typing import Any, ClassVar

from pipeline.llm.base import (AuthError, Completion, LLMError, Message, Provider,
                               ProviderNotAvailable)
from pipeline.llm.errors import translate
from pipeline.llm.openai import require_sdk, safe_name, timeout_s
from pipeline.llm.redact import register_secret

STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
                "tool_use": "tool_use", "refusal": "refusal"}
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def to_anthropic(messages: list[Message]) -> tuple[str | None, list[dict[str, Any]]]:
    """System text apart; consecutive same-role turns merged; the first turn a user turn."""
    system = "\n\n".join(m.content for m in messages if m.role == "system") or None
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if turns and turns[-1]["role"] == m.role:
            turns[-1]["content"] += "\n\n" + m.content
        else:
            turns.append({"role": m.role, "content": m.content})
    if not turns or turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": "Continue."})
    return system, turns


def _takes_temperature(client: Any) -> bool:
    import inspect

    try:
        return "temperature" in inspect.signature(client.messages.create).parameters
    except (TypeError, ValueError, AttributeError):
        return False


def _hash(*parts: Any) -> str:
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()


class AnthropicProvider(Provider):
    provider: ClassVar[str] = "anthropic"
    structured_modes: ClassVar[tuple[str, ...]] = ("tool", "prompt")
    key_env: ClassVar[str | None] = "ANTHROPIC_API_KEY"
    context_window = 200_000
    max_concurrency = 8

    def __init__(self, model: str = "", **options: Any) -> None:
        super().__init__(model, **options)
        if not self.model:
            raise LLMError(f"{self.provider}: a model is required, e.g. {self.provider}:claude-3-5-haiku-latest",
                           provider=self.provider)
        self.sdk = require_sdk("anthropic", self.extra)
        self._client = options.get("client") or self._cached_client()

    extra: ClassVar[str] = "anthropic"

    def _cached_client(self) -> Any:
        ident, make = self._client_factory()
        if self.options.get("http_client") is not None:
            return make()
        key = (type(self).__name__, ident, timeout_s(self.options))
        with _clients_lock:
            if key not in _clients:
                _clients[key] = make()
            return _clients[key]

    def _client_factory(self) -> tuple[str, Any]:
        key = self.options.get("api_key") or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise AuthError(f"{self.model_string}: no API key; set ANTHROPIC_API_KEY", provider=self.provider)
        register_secret(key)
        base_url = self.options.get("base_url") or os.environ.get("ANTHROPIC_BASE_URL") or None
        self.base_url = base_url

        def make() -> Any:
            return self.sdk.Anthropic(api_key=key, base_url=base_url, max_retries=0,
                                      timeout=timeout_s(self.options),
                                      http_client=self.options.get("http_client"))
        return _hash(base_url, key), make

    def cache_identity(self) -> str:
        return f"{self.provider}:{self.model}@{getattr(self, 'base_url', None) or 'default'}"

    def complete(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                 schema_name: str = "output", max_tokens: int = 1024,
                 temperature: float = 0.0) -> Completion:
        system, turns = to_anthropic(messages)
        req: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens, "messages": turns}
        if _takes_temperature(self._client):
            req["temperature"] = temperature  # newer SDKs have no such parameter
        if system:
            req["system"] = system
        name = safe_name(schema_name)
        if schema is not None:
            req["tools"] = [{"name": name, "description": "Return the answer as this tool's input.",
                             "input_schema": schema}]
            req["tool_choice"] = {"type": "tool", "name": name}
        try:
            resp = self._client.messages.create(**req)
        except Exception as exc:
            raise translate(exc, provider=self.provider, model=self.model, sdk=self.sdk,
                            key_env=self.key_env) from None
        text_parts, data = [], None
        for block in resp.content or []:
            if block.type == "tool_use" and data is None:
                data = block.input
            elif block.type == "text":
                text_parts.append(block.text)
        text = "".join(text_parts)
        if data is not None:
            import json

            text = json.dumps(data, ensure_ascii=False)
        usage = resp.usage
        return Completion(text=text, data=data, model=resp.model or self.model,
                          input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
                          output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
                          finish_reason=STOP_REASONS.get(resp.stop_reason or "", resp.stop_reason),
                          mode="tool" if schema is not None else None)


class BedrockProvider(AnthropicProvider):
    """`bedrock:MODEL_ID`, e.g. `bedrock:anthropic.claude-3-5-haiku-20241022-v1:0`."""

    provider: ClassVar[str] = "bedrock"
    key_env: ClassVar[str | None] = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or AWS_BEARER_TOKEN_BEDROCK)"
    extra: ClassVar[str] = "bedrock"

    def _client_factory(self) -> tuple[str, Any]:
        region = (self.options.get("aws_region") or os.environ.get("AWS_REGION")
                  or os.environ.get("AWS_DEFAULT_REGION"))
        if not region:
            raise ProviderNotAvailable(f"{self.model_string}: set AWS_REGION (e.g. us-east-1)",
                                       provider=self.provider)
        token = self.options.get("api_key") or os.environ.get("AWS_BEARER_TOKEN_BEDROCK")
        access = self.options.get("aws_access_key") or os.environ.get("AWS_ACCESS_KEY_ID")
        secret = self.options.get("aws_secret_key") or os.environ.get("AWS_SECRET_ACCESS_KEY")
        session = self.options.get("aws_session_token") or os.environ.get("AWS_SESSION_TOKEN")
        profile = os.environ.get("AWS_PROFILE")
        if not token and not ((access and secret) or profile):
            raise AuthError(f"{self.model_string}: no AWS credentials; set {self.key_env}",
                            provider=self.provider)
        if not token and importlib.util.find_spec("botocore") is None:
            raise ProviderNotAvailable(f"{self.model_string}: signing AWS requests needs boto3; run: "
                                       "pip install 'article-pipeline[bedrock]'", provider=self.provider)
        for s in (token, secret, session):
            register_secret(s)
        base_url = self.options.get("base_url") or os.environ.get("ANTHROPIC_BEDROCK_BASE_URL")
        self.base_url = base_url or f"bedrock-runtime.{region}"
        creds: dict[str, Any] = ({"api_key": token} if token else
                                 {"aws_access_key": access, "aws_secret_key": secret,
                                  "aws_session_token": session} if access else {"aws_profile": profile})

        def make() -> Any:
            return self.sdk.AnthropicBedrock(aws_region=region, base_url=base_url, max_retries=0,
                                             timeout=timeout_s(self.options),
                                             http_client=self.options.get("http_client"), **creds)
        return _hash(region, base_url, token, access, secret, session, profile), make

    def price_key(self) -> str:
        return f"bedrock:{self.model}"


class VertexProvider(AnthropicProvider):
    """`vertex:MODEL`, e.g. `vertex:claude-3-5-haiku@20241022`."""

    provider: ClassVar[str] = "vertex"
    key_env: ClassVar[str | None] = "GOOGLE_APPLICATION_CREDENTIALS (or run `gcloud auth application-default login`)"
    extra: ClassVar[str] = "vertex"

    def _client_factory(self) -> tuple[str, Any]:
        region = self.options.get("region") or os.environ.get("CLOUD_ML_REGION")
        project = (self.options.get("project_id") or os.environ.get("ANTHROPIC_VERTEX_PROJECT_ID")
                   or os.environ.get("GOOGLE_CLOUD_PROJECT"))
        if not region or not project:
            raise ProviderNotAvailable(f"{self.model_string}: set CLOUD_ML_REGION and "
                                       "ANTHROPIC_VERTEX_PROJECT_ID", provider=self.provider)
        token = self.options.get("access_token") or os.environ.get("GOOGLE_ACCESS_TOKEN")
        if not token and importlib.util.find_spec("google.auth") is None:
            raise ProviderNotAvailable(f"{self.model_string}: Google credentials need google-auth; run: "
                                       "pip install 'article-pipeline[vertex]'", provider=self.provider)
        register_secret(token)
        base_url = self.options.get("base_url") or os.environ.get("ANTHROPIC_VERTEX_BASE_URL")
        self.base_url = base_url or f"{region}/{project}"

        def make() -> Any:
            return self.sdk.AnthropicVertex(region=region, project_id=project, access_token=token,
                                            base_url=base_url, max_retries=0,
                                            timeout=timeout_s(self.options),
                                            http_client=self.options.get("http_client"))
        return _hash(region, project, base_url, token), make

    def price_key(self) -> str:
        return f"vertex:{self.model}"
