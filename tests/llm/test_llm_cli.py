"""`pipeline models`: providers, configuration state, default and per-stage models."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline.cli import app


def _models(runner, *args):
    result = runner.invoke(app, ["models", *args])
    assert result.exit_code == 0, result.output
    return result


def test_models_json_reports_configuration(home, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.toml").write_text(
        '[models]\ndefault = "local"\nextract = "anthropic:claude-3-5-haiku-latest"\n'
        'fallbacks = ["openai:gpt-4o-mini", "local"]\n', encoding="utf-8")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-NOTSHOWNanywhere0123456789")
    for var in ("OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(var, raising=False)
    result = _models(CliRunner(), "--json")
    assert "NOTSHOWN" not in result.output
    data = json.loads(result.stdout)
    assert data["default"] == "local"
    assert data["stages"]["extract"] == "anthropic:claude-3-5-haiku-latest"
    assert data["stages"]["ask"] == "local"
    assert data["fallbacks"] == ["openai:gpt-4o-mini", "local"]
    by = {p["name"]: p for p in data["providers"]}
    assert set(by) >= {"local", "openai", "azure", "ollama", "anthropic", "bedrock", "vertex", "fake"}
    assert by["local"]["configured"] and "SmolLM2" in by["local"]["note"]
    assert by["anthropic"]["configured"] and by["anthropic"]["missing"] == []
    assert not by["openai"]["configured"] and by["openai"]["missing"] == ["OPENAI_API_KEY"]
    assert "AWS_REGION" in by["bedrock"]["missing"]
    # the profile each stage's and fallback's model resolves to, as a run would read it
    prof = data["profiles"]
    assert set(prof) == {"anthropic:claude-3-5-haiku-latest", "local", "openai:gpt-4o-mini"}
    assert prof["local"]["small"] and prof["local"]["extraction"] == "small" and prof["local"]["serial"]
    assert prof["local"]["answer"] == "extractive" and prof["local"]["output_mode"] == "grammar"
    assert not prof["openai:gpt-4o-mini"]["small"] and prof["openai:gpt-4o-mini"]["answer"] == "free"
    assert prof["anthropic:claude-3-5-haiku-latest"]["extraction"] == "single"


def test_models_env_override_and_table(home, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_MODEL", "fake:echo")
    runner = CliRunner()
    data = json.loads(_models(runner, "--json").stdout)
    assert data["default"] == "fake:echo" and data["env_model"] == "fake:echo"
    assert set(data["stages"].values()) == {"fake:echo"}
    monkeypatch.setenv("COLUMNS", "250")
    table = _models(runner)
    assert "default model: fake:echo" in table.output and "anthropic" in table.output
    assert "article-pipeline[vertex]" in table.output  # brackets survive rich markup


def test_models_usage_from_the_ledger(home, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    from pipeline.llm import generate
    from pipeline.llm.fake import FakeProvider

    generate(FakeProvider(script=["a"]), "one")
    data = json.loads(_models(CliRunner(), "--json", "--usage").stdout)
    assert data["usage"]["totals"]["calls"] == 1
    assert data["usage"]["models"][0]["model"] == "fake:scripted"


def test_models_bad_config_is_a_clear_error(home, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.toml").write_text("[models\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["models", "--json"])
    assert result.exit_code == 1
    assert "pipeline.toml" in result.output and "invalid TOML" in result.output


class CachedFake:
    """Stand-in marker; the real class is built lazily below so importing this file stays light."""


def _cached_fake_class():
    from pipeline.llm.fake import FakeProvider
    from tests.extraction.conftest import analysis_json

    class _CachedFake(FakeProvider):
        provider = "cachedfake"
        cacheable = True  # answers replay from the response cache like a real vendor's
        calls_made: list[int] = []

        def __init__(self, model: str = "v1", **options):
            def answer(messages, schema):
                type(self).calls_made.append(1)
                return analysis_json(winners=[("Acme Corp", "Acme Corp wins a contract.")])
            super().__init__(model, script=[answer], **options)

    return _CachedFake


def test_extract_no_cache_calls_the_provider_again(home, monkeypatch, tmp_path):
    from pipeline.extraction import run as run_mod
    from pipeline.llm import registry
    from tests.extraction.conftest import StubStore, make_article

    global CachedFake
    CachedFake = _cached_fake_class()
    monkeypatch.setitem(registry.PROVIDERS, "cachedfake", (__name__, "CachedFake", None))
    store = StubStore([make_article("Acme Corp wins a contract. Others lose.", id="a1")])
    monkeypatch.setattr(run_mod, "_store", lambda: store)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def extract(*extra):
        before = len(CachedFake.calls_made)
        res = runner.invoke(app, ["extract", "--all", "--model", "cachedfake:v1", "--strategy", "single",
                                  "--json", *extra])
        assert res.exit_code == 0, res.output
        data = json.loads(res.stdout)
        assert data["extracted"] == ["a1"] and data["failed"] == []
        return len(CachedFake.calls_made) - before, data

    made, _ = extract()
    assert made == 1  # first run: a real call, stored in the cache
    made, data = extract()
    assert made == 0 and data["usage"]["calls"] == 0  # second run replays from the cache
    made, data = extract("--no-cache")
    assert made == 1 and data["usage"]["calls"] == 1  # --no-cache: a real call again
    made, _ = extract()
    assert made == 0  # and the cache still answers without the flag
