"""`pipeline models`: which providers are usable here, the default model, per-stage models."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.app import app, cli_errors, console, emit_json
from pipeline.cli.options import AsJson
from pipeline.config import STAGES


def _profile(model: str) -> dict[str, Any]:
    """The capabilities a run resolves for `model` (no client built, no model file read)."""
    from dataclasses import asdict

    from pipeline.llm.registry import profile_for

    try:
        prof = profile_for(model)
    except Exception as exc:  # noqa: BLE001 - an unknown provider: say why instead of failing the listing
        return {"error": str(exc)}
    return {**asdict(prof), "structured_modes": list(prof.structured_modes), "output_mode": prof.output_mode}


@app.command("models")
@cli_errors({"ConfigError": 1})
def models(
    as_json: AsJson = False,
    usage: bool = typer.Option(False, "--usage", help="Add token and cost totals from the ledger."),
) -> None:
    """List LLM providers, whether each is configured, and the model each stage uses."""
    from pipeline.context import Context
    from pipeline.llm.catalog import providers

    ctx = Context.from_env()
    settings = ctx.settings
    stages = {stage: settings.model_for(stage) for stage in STAGES}
    data: dict[str, Any] = {
        "default": ctx.env.model or settings.model,
        "env_model": ctx.env.model,
        "stages": stages,
        "fallbacks": settings.fallbacks,
        "providers": providers(),
        "profiles": {m: _profile(m) for m in dict.fromkeys([*stages.values(), *settings.fallbacks])},
    }
    if usage:
        from pipeline.llm.ledger import summary

        data["usage"] = summary()
    if as_json:
        emit_json(data)
        return
    table = Table(title="LLM providers", show_lines=False)
    for col in ("provider", "configured", "example", "missing / note"):
        table.add_column(col, overflow="fold")
    for p in data["providers"]:
        ok = "[green]yes[/]" if p["configured"] else "[red]no[/]"
        detail = "; ".join(p["missing"]) or p["note"]
        table.add_row(p["name"], ok, escape(p["example"]), escape(detail))
    console.print(table)
    console.print(f"default model: [bold]{data['default']}[/]"
                  + (" (from PIPELINE_MODEL)" if data["env_model"] else ""))
    console.print("stages: " + ", ".join(f"{k}={v}" for k, v in data["stages"].items()))
    console.print("fallbacks: " + (", ".join(data["fallbacks"]) or "none"))
    for name, prof in data["profiles"].items():
        if "error" in prof:
            console.print(f"profile {escape(name)}: {escape(prof['error'])}")
            continue
        console.print(f"profile {escape(name)}: output {prof['output_mode']}, context {prof['context_window']}, "
                      f"extraction {prof['extraction']} ({prof['small_mode']}), answers {prof['answer']}, "
                      f"concurrency {1 if prof['serial'] else prof['concurrency']}")
    if usage:
        t = data["usage"]["totals"]
        cost = "unknown" if t["unpriced_models"] and not t["cost_usd"] else f"${t['cost_usd']:.4f}"
        console.print(f"ledger: {t['calls']} calls, {t['cached_calls']} cached, "
                      f"{t['input_tokens']}+{t['output_tokens']} tokens, cost {cost}")
