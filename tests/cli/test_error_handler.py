"""The one CLI error handler: `error: <message>` on stderr and the command's exit code."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli.app import cli_errors, fail
from pipeline.config import ConfigError
from pipeline.errors import PipelineError
from pipeline.lock import LockHeld

runner = CliRunner()


def _app(codes=None, raise_=None) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @cli_errors(codes)
    def go(flag: bool = typer.Option(False, "--flag")) -> None:
        """A command that fails on purpose."""
        if raise_ is not None:
            raise raise_
        print(f"ok {flag}")

    return app


def test_the_decorated_command_keeps_its_signature_and_runs():
    res = runner.invoke(_app(), ["--flag"])
    assert res.exit_code == 0 and res.stdout == "ok True\n"


@pytest.mark.parametrize("exc, code", [
    (PipelineError("boom"), 1),
    (ConfigError("bad toml"), 2),
    (LockHeld(__import__("pathlib").Path("/h/lock"), {"pid": 7}), 2),
    (PipelineError("custom", exit_code=5), 5),
])
def test_a_pipeline_error_exits_with_its_own_code(exc, code):
    res = runner.invoke(_app(raise_=exc), [])
    assert res.exit_code == code
    assert res.stderr.startswith("error: ")
    assert str(exc).split(";")[0] in res.stderr.replace("\n", " ")
    assert res.stdout == ""


def test_codes_override_in_order_and_match_by_class_name():
    # ConfigError is a ValueError: the first listed match wins
    assert runner.invoke(_app({"ConfigError": 1, ValueError: 3}, ConfigError("x")), []).exit_code == 1
    assert runner.invoke(_app({ValueError: 3, "ConfigError": 1}, ConfigError("x")), []).exit_code == 3
    # None keeps the error's own code
    assert runner.invoke(_app({"ConfigError": None}, ConfigError("x")), []).exit_code == 2


def test_listed_foreign_errors_are_handled_and_unlisted_ones_still_raise():
    res = runner.invoke(_app({OSError: 4}, OSError("disk full")), [])
    assert res.exit_code == 4 and "error: disk full" in res.stderr
    res = runner.invoke(_app({KeyError: 1}, KeyError("no job j1")), [])
    assert "error: no job j1" in res.stderr  # the argument, not the KeyError repr
    res = runner.invoke(_app({OSError: 4}, ZeroDivisionError("bug")), [])
    assert isinstance(res.exception, ZeroDivisionError)


def test_markup_in_a_message_is_printed_literally():
    res = runner.invoke(_app(raise_=PipelineError("line 3: [bold]winners[/bold] missing")), [])
    assert "[bold]winners[/bold]" in res.stderr


def test_typer_exit_and_fail_pass_through_unchanged():
    app = typer.Typer()

    @app.command()
    @cli_errors({"PipelineError": 1})
    def go() -> None:
        fail("said already", 6)

    res = runner.invoke(app, [])
    assert res.exit_code == 6 and res.stderr.count("error:") == 1


def test_real_command_unknown_article_exits_1_with_the_message(home):
    from pipeline.cli import app

    res = runner.invoke(app, ["show", "nope"])
    assert res.exit_code == 1
    assert "error: no article with id 'nope'" in res.stderr


def test_real_command_keeps_its_own_code_for_a_config_error(home, tmp_path, monkeypatch):
    """`pipeline models` has always exited 1 on a bad pipeline.toml (ConfigError's own code is 2)."""
    from pipeline.cli import app

    home.mkdir(parents=True)
    (home / "pipeline.toml").write_text("models = [", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["models", "--json"])
    assert res.exit_code == 1
    assert "invalid TOML" in res.stderr and res.stdout == ""
