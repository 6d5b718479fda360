"""One context, one reader of the environment, one progress protocol."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

import pipeline
from pipeline import config
from pipeline.context import Context, RunOptions
from pipeline.progress import (ConsoleProgress, JsonLinesProgress, Progress, SilentProgress, reporter)

PACKAGE = Path(pipeline.__file__).parent

# Modules that may touch os.environ at all, and why. PIPELINE_* is read in config.py only.
ENV_ALLOWED = {
    "config.py": "PIPELINE_* and CHROMA_*: the one reader",
    "llm/openai.py": "vendor SDK credentials and endpoints (OPENAI_*, AZURE_*, OLLAMA_*)",
    "llm/anthropic.py": "vendor SDK credentials and endpoints (ANTHROPIC_*, AWS_*, Vertex)",
    "llm/catalog.py": "which vendor credentials are present, for `pipeline models`",
    "llm/redact.py": "the secret values to scrub from messages",
    "llm/gguf_parts.py": "XDG_CACHE_HOME, the platform cache convention",
    "corpus/embed.py": "sets HF offline flags before loading transformers",
    "corpus/store.py": "sets Chroma's telemetry flag before importing chromadb",
}
ENV_READ = re.compile(r"os\.environ|getenv\(")


def _sources() -> dict[str, str]:
    return {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}


def test_environment_is_read_only_in_the_allowed_modules():
    offenders = sorted(rel for rel, text in _sources().items() if ENV_READ.search(text) and rel not in ENV_ALLOWED)
    assert offenders == []


def test_pipeline_variables_are_read_in_config_only():
    pattern = re.compile(r"(os\.environ(\.get)?|getenv)\s*[\[(]\s*[\"']PIPELINE_")
    readers = sorted(rel for rel, text in _sources().items() if pattern.search(text))
    assert readers == ["config.py"]


def test_every_documented_variable_is_an_env_field(monkeypatch):
    documented = {"PIPELINE_HOME", "PIPELINE_MODEL", "PIPELINE_MAX_FILE_MB", "PIPELINE_EMBED_MODEL_PATH",
                  "PIPELINE_EMBED_DTYPE", "PIPELINE_PROMPTS", "PIPELINE_SMALL_MODE", "PIPELINE_RECALL_PASS",
                  "PIPELINE_LLM_TIMEOUT", "PIPELINE_LLAMA_THREADS", "PIPELINE_LOCAL_CTX", "PIPELINE_LOCAL_MODE",
                  "PIPELINE_MODELS_DIR", "CHROMA_HOST", "CHROMA_PORT"}
    for i, var in enumerate(sorted(documented)):
        monkeypatch.setenv(var, f"v{i}")
    env = config.read_env()
    values = {config.env_var(name): getattr(env, name) for name in env.__dataclass_fields__}
    assert values == {var: f"v{i}" for i, var in enumerate(sorted(documented))}


def test_deep_modules_still_honour_their_variables(monkeypatch, tmp_path):
    from pipeline.corpus.ingest.files import max_file_bytes
    from pipeline.llm.gguf_parts import models_dir
    from pipeline.llm.openai import timeout_s

    monkeypatch.setenv("PIPELINE_MAX_FILE_MB", "2")
    monkeypatch.setenv("PIPELINE_LLM_TIMEOUT", "12.5")
    monkeypatch.setenv("PIPELINE_MODELS_DIR", str(tmp_path))
    assert max_file_bytes(None) == 2 * 1024 * 1024
    assert timeout_s({}) == 12.5
    assert models_dir() == tmp_path


def test_from_env_honours_pipeline_home_and_model(home, monkeypatch):
    ctx = Context.from_env()
    assert ctx.home == home.resolve()
    assert ctx.model_for("extract") == "local"
    monkeypatch.setenv("PIPELINE_MODEL", "openai:gpt-4o-mini")
    ctx = Context.from_env()
    assert ctx.env.model == "openai:gpt-4o-mini" and ctx.model_for("ask") == "openai:gpt-4o-mini"
    assert Context.from_env(model="anthropic:claude").model_for("ask") == "anthropic:claude"  # flag beats env


def test_from_env_reads_settings_and_options(home):
    home.mkdir(parents=True)
    (home / "pipeline.toml").write_text('concurrency = 9\n[models]\nsummarize = "openai:x"\n', encoding="utf-8")
    ctx = Context.from_env(no_cache=True)
    assert ctx.options == RunOptions(no_cache=True)
    assert ctx.concurrency == 9 and ctx.model_for("summarize") == "openai:x"
    assert Context.from_env(concurrency=2).concurrency == 2
    assert isinstance(ctx.progress, SilentProgress)
    with pytest.raises(TypeError):
        Context.from_env(modle="typo")


def test_json_lines_progress_writes_one_event_per_call():
    out = io.StringIO()
    p: Progress = JsonLinesProgress(out)
    p.start("extract", 2)
    p.update("extract", 1, 2, note="a1")
    p.finish("extract", "done")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["event"], r["stage"]) for r in rows] == [("start", "extract"), ("update", "extract"),
                                                        ("finish", "extract")]
    assert rows[1]["done"] == 1 and rows[1]["total"] == 2 and rows[1]["note"] == "a1"


def test_reporter_choices():
    assert isinstance(reporter("silent"), SilentProgress)
    assert isinstance(reporter("json"), JsonLinesProgress)
    assert isinstance(reporter("console"), ConsoleProgress)
    for r in (SilentProgress(), JsonLinesProgress(), ConsoleProgress()):
        assert isinstance(r, Progress)
    with pytest.raises(ValueError):
        reporter("fancy")


def test_console_progress_fills_a_stage_it_was_not_told_about():
    with ConsoleProgress({"ingest": "Ingest"}) as p:
        p.start("extract", 3)
        p.update("extract", 2)
        p.finish("extract", "ok")
        task = p.progress.tasks[p.tasks["extract"]]
        assert task.completed == task.total == 3
        assert not p.progress.tasks[p.tasks["ingest"]].started


# Modules that may call `load_settings()`: config.py itself, Context.from_env (the CLI's one read
# per command), and the library entry points, each only when its caller passed no settings.
SETTINGS_ALLOWED = {
    "config.py": "defines it",
    "context.py": "Context.from_env: the CLI reads settings once per command",
    "run.py": "run_pipeline(settings=None)",
    "corpus/ingest/runner.py": "ingest_paths(settings=None)",
    "corpus/store.py": "Store(chroma_url=None, settings=None)",
    "summarize/run.py": "summarize(settings=None)",
    "query/ask.py": "ask(settings=None)",
    "extraction/run.py": "run_extraction(settings=None)",
    "extraction/plan.py": "plan_extraction(settings=None): extract_article without a run plan",
    "evaluate/runner.py": "run_eval(pipeline_settings=None)",
    "batch/submit.py": "select_extract_ids / submit_extract_batch (settings=None)",
    "parties/__init__.py": "resolve_corpus(settings=None)",
    "parties/state.py": "resolve_home(settings=None): the matcher's [parties] settings",
}


def test_settings_are_read_only_at_the_entry_points():
    calls = re.compile(r"(?<!def )\bload_settings\(")
    readers = sorted(rel for rel, text in _sources().items() if calls.search(text))
    assert sorted(set(readers) - set(SETTINGS_ALLOWED)) == []
    assert sorted(set(SETTINGS_ALLOWED) - set(readers) - {"config.py"}) == []  # the list stays exact


def test_settings_from_the_caller_are_used_without_reading_pipeline_toml(monkeypatch):
    from pipeline.corpus.ingest.files import max_file_bytes
    from pipeline.extraction.plan import plan_extraction
    from pipeline.llm.fake import FakeProvider

    def no_reading() -> config.Settings:
        raise AssertionError("settings were read again below the entry point")

    monkeypatch.setattr(config, "load_settings", no_reading)
    monkeypatch.delenv("PIPELINE_SMALL_MODE", raising=False)
    monkeypatch.delenv("PIPELINE_RECALL_PASS", raising=False)
    monkeypatch.delenv("PIPELINE_MAX_FILE_MB", raising=False)
    settings = config.Settings(raw={"extract": {"small_mode": "hybrid", "recall_pass": True},
                                    "ingest": {"max_file_mb": 1}})
    assert plan_extraction(FakeProvider(), "small", settings=settings).small_mode == "hybrid"
    single = plan_extraction(FakeProvider(), "single", settings=settings)
    assert single.recall and single.prompt_hash != plan_extraction(FakeProvider(), "single",
                                                                   settings=config.Settings()).prompt_hash
    assert max_file_bytes(None, settings) == 1024 * 1024


def test_fallbacks_and_concurrency_come_from_the_entry_points_scope():
    from pipeline.llm import current_run, run_options, settings_defaults

    with settings_defaults(["fake:b"], 3) as run:
        assert run.fallbacks == ["fake:b"] and current_run().concurrency == 3
    with run_options(fallbacks=[]), settings_defaults(["fake:b"], 3):
        assert current_run().fallbacks == [] and current_run().concurrency == 3  # the caller's [] stands


def test_old_callbacks_still_work_behind_the_progress_protocol():
    from pipeline.evaluate.runner import _reporter
    from pipeline.progress import CallbackProgress, LineProgress, as_progress

    seen: list[tuple] = []
    p = as_progress(lambda n, total, note: seen.append((n, total, note)), offset=1)
    assert isinstance(p, CallbackProgress) and isinstance(p, Progress)
    p.start("summarize", 2)
    p.update("summarize", 0, 2, note="a1")
    assert seen == [(1, 2, "a1")]
    silent = SilentProgress()
    assert as_progress(silent) is silent and isinstance(as_progress(None), SilentProgress)
    labels: list[tuple] = []
    r = _reporter(lambda label, done, total: labels.append((label, done, total)))
    r.update("extract", 1, 4, note="ref-1")
    r.update("score", 2, 4)
    assert labels == [("extracting ref-1", 1, 4), ("scoring", 2, 4)]
    out = io.StringIO()
    lines = LineProgress({"extract"}, out)
    lines.start("extract", 2)
    lines.update("extract", 1, 2, note="gold-a")
    lines.update("score", 1, 2)
    lines.finish("extract", "done")
    assert out.getvalue() == "[1/2] gold-a\n"  # CI logs: one plain line per extraction, as before
