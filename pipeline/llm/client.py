"""Everything shared by all providers, wrapped once around `Provider.complete`.

Per call: cache lookup over the fallback chain → for each model in the chain: budget check,
concurrency slot, retries with backoff (honouring Retry-After), ledger row per attempt,
schema validation with a bounded re-ask. Vendors only translate wire formats.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from functools import lru_cache
from typing import Any, Sequence, TypeVar

from pydantic import BaseModel, ValidationError

from pipeline.llm import ledger, prices
from pipeline.llm.base import (BudgetExceeded, Completion, LLMError, LLMResult, Message,
                               OutputValidationError, Provider, RetryableError)
from pipeline.llm.cache import ResponseCache, cache_key
from pipeline.llm.options import Run, current_run
from pipeline.llm.profiles import PROMPT_MODE
from pipeline.llm.redact import install_log_filter, redact
from pipeline.llm import turn
from pipeline.llm.registry import get_provider
from pipeline.types import Usage

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger("pipeline.llm")
install_log_filter()

DEFAULT_MAX_RETRIES = 3
BACKOFF_BASE_S = 0.5  # first pause without Retry-After; doubles each retry (tests shrink it)
BACKOFF_CAP_S = 20.0
RETRY_AFTER_CAP_S = 300.0
REASK_ERROR_CHARS = 1500
LENGTH_STOPS = ("length", "max_tokens")

_slots: dict[str, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()
_unpriced_warned: set[str] = set()


def _as_messages(messages: Sequence[Message | dict[str, str]] | str) -> list[Message]:
    if isinstance(messages, str):
        return [Message(role="user", content=messages)]
    return [m if isinstance(m, Message) else Message.model_validate(m) for m in messages]


def parse_json_output(text: str) -> Any:
    """Parse a model's JSON, tolerating code fences, prose around one object and raw newlines
    inside strings (llama.cpp's JSON grammar lets control characters through)."""
    s = text.strip()
    if s.startswith("```"):
        s = s.split("\n", 1)[1] if "\n" in s else s
        s = s.rsplit("```", 1)[0]
    try:
        return json.loads(s, strict=False)
    except json.JSONDecodeError:
        start, end = s.find("{"), s.rfind("}")
        if start != -1 and end > start:
            return json.loads(s[start:end + 1], strict=False)
        raise


def set_concurrency_limit(provider_name: str, n: int) -> None:
    """An explicit `--concurrency N` from the user: N calls in flight to that vendor, even past
    the provider's default cap (calls already holding the old semaphore finish on it)."""
    with _slots_lock:
        _slots[provider_name] = threading.BoundedSemaphore(max(1, n))


def _slot(provider: Provider) -> threading.BoundedSemaphore:
    """One semaphore per provider name: at most N calls in flight to one vendor."""
    with _slots_lock:
        sem = _slots.get(provider.provider)
        if sem is None:
            configured = current_run().concurrency or 4  # the settings', set by the entry point
            sem = threading.BoundedSemaphore(max(1, min(configured, provider.profile.concurrency)))
            _slots[provider.provider] = sem
        return sem


@lru_cache(maxsize=128)
def _schema_text(output_type: type[BaseModel]) -> str:
    return json.dumps(output_type.model_json_schema())


def json_schema(output_type: type[BaseModel]) -> dict[str, Any]:
    """The output type's JSON Schema, a fresh copy: pydantic takes ~2 ms to build it, per call."""
    return json.loads(_schema_text(output_type))


def estimate_input_tokens(messages: list[Message], schema: dict[str, Any] | None) -> int:
    """tiktoken count of what will be sent: contents, per-message overhead, the schema."""
    from pipeline.tokens import count_tokens

    n = sum(count_tokens(m.content) + 4 for m in messages) + 3
    if schema is not None:
        n += count_tokens(json.dumps(schema))
    return n


def estimate_cost(model: str | Provider, messages: Sequence[Message | dict[str, str]] | str,
                  output_type: type[BaseModel] | None = None, *, max_tokens: int = 1024) -> float | None:
    """Upper-bound dollars for one call (input counted, output = max_tokens); None if unpriced.
    Needs no key and builds no client, so a command can print it before a run."""
    key = model.price_key() if isinstance(model, Provider) else model.split("@http", 1)[0]
    schema = json_schema(output_type) if output_type else None
    n_in = estimate_input_tokens(_as_messages(messages), schema)
    return prices.cost_of(key, n_in, max_tokens)


def _check_budget(run: Run, provider: Provider, messages: list[Message],
                  schema: dict[str, Any] | None, max_tokens: int) -> None:
    left = run.budget_left()
    if left is None:
        return
    remaining, owner = left
    n_in = estimate_input_tokens(messages, schema)
    est = prices.cost_of(provider.price_key(), n_in, max_tokens)
    if est is None:
        if provider.model_string not in _unpriced_warned:
            _unpriced_warned.add(provider.model_string)
            log.warning("%s has no price in the table: max_cost cannot limit it", provider.model_string)
        return
    if est > remaining:
        raise BudgetExceeded(
            f"budget ${owner.max_cost:.4f} would be exceeded: spent ${owner.spent:.4f}, the next "
            f"call to {provider.model_string} may cost up to ${est:.4f} ({n_in} input + "
            f"{max_tokens} output tokens)", provider=provider.provider)


def schema_instruction(schema: dict[str, Any]) -> str:
    return ("Reply with only a JSON object (no prose, no code fence) that follows this JSON Schema:\n"
            + json.dumps(schema, separators=(",", ":")))


def output_mode(provider: Provider, schema: dict[str, Any] | None) -> str | None:
    """The structured-output mode to ask for: the first the provider's profile declares.
    None for plain text; "prompt" means the client, not the vendor, carries the schema."""
    return provider.profile.output_mode if schema is not None else None


def _for_vendor(provider: Provider, messages: list[Message],
                schema: dict[str, Any] | None) -> tuple[list[Message], dict[str, Any] | None, str | None]:
    """What the vendor is sent: in "prompt" mode the schema goes into a system message and the
    vendor gets none (the reply is parsed and validated here, and re-asked if it does not fit)."""
    mode = output_mode(provider, schema)
    if mode != PROMPT_MODE or schema is None:
        return messages, schema, None
    return [Message(role="system", content=schema_instruction(schema)), *messages], None, mode


def _backoff(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_CAP_S)
    base = BACKOFF_BASE_S * (2 ** attempt)
    return min(BACKOFF_CAP_S, base * (1 + random.random() * 0.25))


def _record(run: Run, provider: Provider, status: str, *, comp: Completion | None = None,
            latency: float = 0.0, error: str | None = None) -> Usage:
    """Ledger row + run accounting for one attempt; returns its usage."""
    n_in = comp.input_tokens if comp else 0
    n_out = comp.output_tokens if comp else 0
    cost = prices.cost_of(provider.price_key(), n_in, n_out)
    factor = comp.cost_factor if comp else 1.0  # batch APIs: 50% (pipeline.batch)
    if cost is not None and factor != 1.0:
        cost *= factor
    usage = Usage(input_tokens=n_in, output_tokens=n_out, calls=0 if status == "cached" else 1,
                  cached_calls=1 if status == "cached" else 0, cost_usd=cost, latency_s=latency)
    run.charge(provider.model_string, usage)
    ledger.record(ledger.Attempt(
        run_id=run.id, model=provider.model_string, status=status, input_tokens=n_in,
        output_tokens=n_out, cost_usd=cost, price_version=prices.table_version(),
        latency_s=round(latency, 4), served_model=comp.model if comp else None,
        mode=comp.mode if comp else None, stage=run.stage, error=error))
    return usage


def _attempt(run: Run, provider: Provider, messages: list[Message], schema: dict[str, Any] | None,
             schema_name: str, max_tokens: int, temperature: float,
             max_retries: int) -> tuple[Completion, float, int, Usage]:
    """One logical call with retries. Returns (completion, latency, attempts, usage of failures)."""
    failed = Usage()
    sent, vendor_schema, client_mode = _for_vendor(provider, messages, schema)
    for i in range(max_retries + 1):
        _check_budget(run, provider, messages, schema, max_tokens)
        t0 = time.perf_counter()
        try:
            with turn.released(), _slot(provider):  # never wait for a slot holding the turn
                comp = provider.complete(sent, schema=vendor_schema, schema_name=schema_name,
                                         max_tokens=max_tokens, temperature=temperature)
            if client_mode and comp.mode is None:
                comp.mode = client_mode
            return comp, time.perf_counter() - t0, i + 1, failed
        except RetryableError as exc:
            failed = failed.add(_record(run, provider, "error", latency=time.perf_counter() - t0,
                                        error=str(exc)))
            if i >= max_retries:
                raise
            delay = _backoff(i, exc.retry_after)
            log.info("%s: %s; retry %d/%d in %.2fs", provider.model_string, exc, i + 1,
                     max_retries, delay)
            with turn.released():
                time.sleep(delay)
        except LLMError as exc:
            _record(run, provider, "error", latency=time.perf_counter() - t0, error=str(exc))
            raise
        except Exception as exc:  # a provider bug or a crash in a native library
            _record(run, provider, "error", latency=time.perf_counter() - t0, error=repr(exc))
            raise LLMError(f"{provider.model_string}: {type(exc).__name__}: {redact(exc)}",
                           provider=provider.provider) from None
    raise AssertionError("unreachable")


def _generate_one(run: Run, provider: Provider, msgs: list[Message], output_type: type[T] | None,
                  schema: dict[str, Any] | None, schema_name: str, max_tokens: int,
                  temperature: float, max_reasks: int, max_retries: int,
                  key: str | None, cache: ResponseCache | None) -> LLMResult[T]:
    usage, attempts, last_text = Usage(), 0, ""
    for _round in range(max_reasks + 1):
        comp, latency, n, failed = _attempt(run, provider, msgs, schema, schema_name, max_tokens,
                                            temperature, max_retries)
        attempts += n
        usage = usage.add(failed)
        last_text = comp.text
        if output_type is None:
            usage = usage.add(_record(run, provider, "ok", comp=comp, latency=latency))
            if cache is not None and key:
                cache.put(key, provider.model_string, {"text": comp.text, "data": None, "mode": comp.mode})
            return LLMResult(text=comp.text, model=provider.model_string, usage=usage,
                             attempts=attempts, mode=comp.mode)
        try:
            data = comp.data if comp.data is not None else parse_json_output(comp.text)
            obj = output_type.model_validate(data)
            if comp.finish_reason in LENGTH_STOPS:
                # Cut off at the token limit: even if what arrived validates (e.g. an empty or
                # partial tool_use input), it is not the whole answer.
                raise ValueError(f"the reply stopped at the token limit (finish_reason="
                                 f"{comp.finish_reason!r}) and is incomplete")
        except (ValidationError, json.JSONDecodeError, ValueError, TypeError) as exc:
            usage = usage.add(_record(run, provider, "invalid", comp=comp, latency=latency,
                                      error=str(exc)[:REASK_ERROR_CHARS]))
            shown = comp.text if comp.data is None else json.dumps(comp.data, ensure_ascii=False)
            last_text = shown
            cut = (" Your reply was cut off at the token limit; keep it shorter."
                   if comp.finish_reason in LENGTH_STOPS else "")
            msgs = msgs + [
                Message(role="assistant", content=shown),
                Message(role="user", content=(
                    f"That output was invalid: {str(exc)[:REASK_ERROR_CHARS]}.{cut} "
                    "Reply again with only JSON that fits the schema.")),
            ]
            continue
        usage = usage.add(_record(run, provider, "ok", comp=comp, latency=latency))
        if cache is not None and key:
            cache.put(key, provider.model_string, {"text": comp.text, "data": data, "mode": comp.mode})
        return LLMResult(output=obj, text=comp.text, model=provider.model_string, usage=usage,
                         attempts=attempts, mode=comp.mode)
    raise OutputValidationError(
        f"{provider.model_string}: output did not fit "
        f"{output_type.__name__ if output_type is not None else 'the schema'} after {attempts} "
        f"attempts ({max_reasks} re-asks)", provider=provider.provider, raw_output=last_text)


def _chain(model: str | Provider, fallbacks: Sequence[str | Provider] | None, run: Run) -> list[str | Provider]:
    if fallbacks is None:
        fallbacks = run.fallbacks or []  # the entry point put pipeline.toml's there (settings_defaults)
    chain: list[str | Provider] = [model]
    seen = {model if isinstance(model, str) else id(model)}
    for fb in fallbacks:
        k = fb if isinstance(fb, str) else id(fb)
        if k not in seen:
            seen.add(k)
            chain.append(fb)
    return chain


def generate(
    model: str | Provider,
    messages: Sequence[Message | dict[str, str]] | str,
    output_type: type[T] | None = None,
    *,
    max_tokens: int = 1024,
    temperature: float = 0.0,
    max_reasks: int = 2,
    use_cache: bool | None = None,
    fallbacks: Sequence[str | Provider] | None = None,
    max_retries: int | None = None,
    schema_name: str | None = None,
    provider_options: dict[str, Any] | None = None,
    **_: Any,
) -> LLMResult[T]:
    """Call `model` (then each fallback) and return validated output with usage.

    `use_cache`: None caches what the provider allows (not in-process fakes), True forces,
    False bypasses. `fallbacks`: None takes them from `run_options` (where an entry
    point put `pipeline.toml`'s, `settings_defaults`); `[]` disables them. Raises `BudgetExceeded` before a call that could pass `max_cost`.
    """
    run = current_run()
    msgs = _as_messages(messages)
    schema = json_schema(output_type) if output_type else None
    name = schema_name or (output_type.__name__ if output_type else "output")
    if use_cache is None:
        use_cache = run.use_cache
    retries = max_retries if max_retries is not None else (
        run.max_retries if run.max_retries is not None else DEFAULT_MAX_RETRIES)
    params = {"max_tokens": max_tokens, "temperature": temperature, "schema_name": name}
    wire = [m.model_dump() for m in msgs]

    providers: list[Provider] = []
    errors: list[LLMError] = []
    for spec in _chain(model, fallbacks, run):
        try:
            providers.append(get_provider(spec, **(provider_options or {})) if isinstance(spec, str)
                             else get_provider(spec))
        except LLMError as exc:  # SDK or model file missing: skip to the next in the chain
            errors.append(exc)
    if not providers:
        raise errors[-1]

    cache = None
    if use_cache is not False and any(use_cache or p.cacheable for p in providers):
        cache = ResponseCache()
    keys: dict[int, str | None] = {}
    for p in providers:
        if cache is None or not (use_cache or p.cacheable):
            keys[id(p)] = None
            continue
        keys[id(p)] = k = cache_key(p.cache_identity(), wire, schema, params)
        hit = cache.get(k)
        if hit is None:
            continue
        try:
            obj = output_type.model_validate(hit["data"]) if output_type else None
        except ValidationError:
            continue
        usage = _record(run, p, "cached", comp=Completion(text=hit["text"], mode=hit.get("mode")))
        usage = Usage(cached_calls=1, cost_usd=usage.cost_usd)
        return LLMResult(output=obj, text=hit["text"], model=p.model_string, usage=usage,
                         attempts=0, cached=True, mode=hit.get("mode"))

    for idx, p in enumerate(providers):
        try:
            result = _generate_one(run, p, msgs, output_type, schema, name, max_tokens, temperature,
                                   max_reasks, retries, keys.get(id(p)), cache)
            result.fallback_errors = [str(e) for e in errors]
            return result
        except BudgetExceeded:
            raise
        except LLMError as exc:
            errors.append(exc)
            if idx + 1 < len(providers):
                log.warning("%s failed (%s); falling back to %s", p.model_string, exc,
                            providers[idx + 1].model_string)
                continue
            if len(errors) > 1:
                exc.add_note("earlier models in the fallback chain failed too: " +
                             "; ".join(str(e) for e in errors[:-1]))
            raise
    raise AssertionError("unreachable")
