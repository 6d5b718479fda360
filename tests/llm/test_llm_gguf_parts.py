"""Optional local models from split GGUF part packages (pipeline.llm.gguf_parts) and the local
provider's `tool` structured mode (real llama.cpp with the shipped SmolLM2 model)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from pipeline.llm import ProviderNotAvailable, generate, get_provider, gguf_parts
from pipeline.llm.gguf_parts import ModelIntegrityError, PartModel, ensure_model

CHUNKS = [b"GGUF" + bytes(range(256)) * 3, b"second chunk " * 50, b"\x00\x01tail"]


def _make_parts(root: Path, prefix: str = "fakegguf-part", chunks: list[bytes] = CHUNKS) -> None:
    """Installed-looking part packages: <root>/fakegguf_partN/data/partNN.bin."""
    for i, data in enumerate(chunks, 1):
        pkg = root / f"{prefix.replace('-', '_')}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise RuntimeError('part packages are never imported')\n")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)


def _spec(**over) -> PartModel:
    whole = b"".join(CHUNKS)
    base = PartModel(alias="fake-model", filename="fake-model.gguf", title="Fake Model Q4",
                     dist_prefix="fakegguf-part", version="1.0.0", parts=len(CHUNKS),
                     size=len(whole), sha256=hashlib.sha256(whole).hexdigest(), extra="fake-extra")
    return dataclasses.replace(base, **over)


@pytest.fixture
def parts(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "site"
    _make_parts(root)
    monkeypatch.setenv("PIPELINE_MODELS_DIR", str(tmp_path / "models"))
    return root


def test_parts_are_concatenated_in_order_verified_and_recorded(parts, tmp_path):
    path = ensure_model(_spec(), search_path=[str(parts)])
    assert path == tmp_path / "models" / "fake-model.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    side = json.loads((tmp_path / "models" / "fake-model.gguf.verified.json").read_text())
    assert side["sha256"] == _spec().sha256 and side["size"] == path.stat().st_size
    # the atomic write left no temporary file behind
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) == [
        "fake-model.gguf", "fake-model.gguf.verified.json"]


def test_part_order_is_numeric_not_lexical(tmp_path, monkeypatch):
    chunks = [bytes([i]) * (i + 1) for i in range(12)]  # part10 must come after part9
    root = tmp_path / "site"
    _make_parts(root, chunks=chunks)
    whole = b"".join(chunks)
    monkeypatch.setenv("PIPELINE_MODELS_DIR", str(tmp_path / "models"))
    spec = _spec(parts=12, size=len(whole), sha256=hashlib.sha256(whole).hexdigest())
    assert ensure_model(spec, search_path=[str(root)]).read_bytes() == whole


def test_the_sidecar_spares_a_rehash_and_the_parts(parts, monkeypatch):
    spec = _spec()
    path = ensure_model(spec, search_path=[str(parts)])

    def boom(*a, **k):
        raise AssertionError("hashed or searched again although the sidecar vouches for the file")

    monkeypatch.setattr(gguf_parts, "_hash_file", boom)
    monkeypatch.setattr(gguf_parts, "find_parts", boom)
    monkeypatch.setattr(gguf_parts.hashlib, "sha256", boom)
    assert ensure_model(spec, search_path=[str(parts)]) == path


def test_a_file_changed_after_verification_is_rebuilt_from_the_parts(parts):
    path = ensure_model(_spec(), search_path=[str(parts)])
    damaged = bytearray(path.read_bytes())
    damaged[10] ^= 0xFF  # same size, different bytes: the sidecar's mtime no longer matches
    path.write_bytes(bytes(damaged))
    assert gguf_parts.verified_path(_spec()) is None
    assert ensure_model(_spec(), search_path=[str(parts)]).read_bytes() == b"".join(CHUNKS)


def test_a_wrong_size_is_caught_by_the_cheap_check(parts):
    path = ensure_model(_spec(), search_path=[str(parts)])
    with open(path, "ab") as fh:
        fh.write(b"x")
    assert gguf_parts.verified_path(_spec()) is None


def test_hash_mismatch_is_an_error_that_names_the_repackaging_and_leaves_nothing(parts, tmp_path):
    bad = _spec(sha256="0" * 64)
    with pytest.raises(ModelIntegrityError) as err:
        ensure_model(bad, search_path=[str(parts)])
    msg = str(err.value)
    assert "third-party repackaging" in msg and "0" * 64 in msg
    assert hashlib.sha256(b"".join(CHUNKS)).hexdigest() in msg  # what the parts really hash to
    assert "article-pipeline[fake-extra]" in msg
    left = [p.name for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock")]
    assert left == []  # neither the model nor a temporary file


def test_a_missing_part_names_it_and_the_extra_to_install(parts):
    import shutil

    shutil.rmtree(parts / "fakegguf_part2")
    with pytest.raises(ProviderNotAvailable) as err:
        ensure_model(_spec(), search_path=[str(parts)])
    msg = str(err.value)
    assert "missing fakegguf-part2" in msg and "fakegguf-part1" not in msg.split("missing")[1]
    assert "pip install 'article-pipeline[fake-extra]'" in msg


def test_alias_without_parts_is_provider_not_available_naming_the_extra(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_MODELS_DIR", str(tmp_path / "empty"))
    real = gguf_parts.MODELS["qwen2.5-coder-1.5b"]
    monkeypatch.setitem(gguf_parts.MODELS, "qwen2.5-coder-1.5b",
                        dataclasses.replace(real, dist_prefix="no-such-dist-part"))
    with pytest.raises(ProviderNotAvailable, match=r"pip install 'article-pipeline\[qwen-1-5b\]'"):
        get_provider("local:qwen2.5-coder-1.5b")


def test_the_aliases_are_pinned_and_listed_by_pipeline_models():
    from pipeline.llm.catalog import providers

    spec = gguf_parts.MODELS["qwen2.5-coder-1.5b"]
    assert (spec.parts, spec.version, spec.size) == (22, "0.2.0", 1_117_320_768)
    assert gguf_parts.MODELS["qwen2.5-coder-0.5b"].sha256.startswith("1d9614638d18")
    by = {p["name"]: p for p in providers()}
    for alias in ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"):
        entry = by[f"local:{alias}"]
        assert "third-party" in entry["note"]
        if not entry["configured"]:
            assert any("article-pipeline[qwen-" in m for m in entry["missing"])


def test_the_extras_pin_every_part(tmp_path):
    import tomllib

    from tests.conftest import REPO

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for spec in gguf_parts.MODELS.values():
        assert extras[spec.extra] == [f"{spec.dist_prefix}{i}=={spec.version}"
                                      for i in range(1, spec.parts + 1)]


# --- the `tool` structured mode, on the real llama.cpp -------------------------------------------


class Facts(BaseModel):
    companies: list[str] = Field(min_length=1, max_length=3)
    topic: str = Field(min_length=3, max_length=60)


def test_qwen_aliases_default_to_tool_mode_and_others_to_grammar(monkeypatch):
    from pipeline.llm import local

    monkeypatch.delenv("PIPELINE_LOCAL_MODE", raising=False)
    assert local.default_mode("qwen2.5-coder-1.5b") == "tool"
    assert local.default_mode("") == "grammar" and local.default_mode("/x/y.gguf") == "grammar"
    tool = local.tool_for({"type": "object", "description": "D."}, "Raw Analysis!")
    assert tool["function"]["name"] == "Raw_Analysis" and tool["function"]["parameters"]["type"] == "object"


@pytest.mark.slow
def test_tool_mode_on_the_embedded_model_is_schema_constrained(home, monkeypatch):
    pytest.importorskip("llama_cpp")
    monkeypatch.delenv("PIPELINE_LOCAL_MODE", raising=False)
    grammar = get_provider("local")
    if grammar.structured_modes[0] != "grammar":
        pytest.fail("SmolLM2's default mode changed")
    provider = get_provider("local", structured_mode="tool")
    assert provider.structured_modes == ("tool", "grammar")
    assert provider.cache_identity() == grammar.cache_identity() + ":tool"
    msgs = [{"role": "user", "content": "Acme and Beta merged to sell cheaper solar panels. "
                                        "List the companies and the topic."}]
    res = generate(provider, msgs, Facts, max_tokens=120, use_cache=False, fallbacks=[])
    assert res.mode == "tool" and isinstance(res.output, Facts)
    # the arguments were grammar-constrained: bounds a 135M model would not keep on its own hold
    assert 1 <= len(res.output.companies) <= 3 and 3 <= len(res.output.topic) <= 60
    # cut off at the token limit: reported as "length", not as a finished tool call
    from pipeline.llm.base import Message
    from pipeline.llm.client import json_schema

    comp = provider.complete([Message(**msgs[0])], schema=json_schema(Facts), schema_name="Facts",
                             max_tokens=4)
    assert comp.finish_reason == "length" and comp.mode == "tool"


@pytest.mark.slow
def test_the_qwen_template_renders_the_tool_in_its_native_block():
    llama_cpp = pytest.importorskip("llama_cpp")
    spec = gguf_parts.MODELS["qwen2.5-coder-0.5b"]
    path = gguf_parts.verified_path(spec)
    if path is None:
        pytest.skip("local:qwen2.5-coder-0.5b is not assembled here (extra qwen-0-5b)")
    from pipeline.llm.local import render_prompt, tool_for

    llama = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    tool = tool_for(Facts.model_json_schema(), "Facts")
    prompt = render_prompt(llama, [{"role": "system", "content": "SYSTEM TEXT"},
                                   {"role": "user", "content": "USER TEXT"}], [tool],
                           {"type": "function", "function": {"name": "Facts"}})
    assert prompt is not None and prompt.startswith("<|im_start|>system\nSYSTEM TEXT\n\n# Tools")
    block = prompt[prompt.index("<tools>\n") + len("<tools>\n"):prompt.index("\n</tools>")]
    assert json.loads(block) == tool  # the schema reaches the model as Qwen's own tool JSON
    assert prompt.endswith("<|im_start|>user\nUSER TEXT<|im_end|>\n<|im_start|>assistant\n")
