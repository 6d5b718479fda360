"""`pipeline eval`: score extractions against gold files and gate CI on the result.

Exit codes: 0 passed, 1 the gate failed (F1 below --min-f1, a rate below its minimum, or a
regression against --baseline), 2 bad input (gold files, config, predictions, baseline).
"""

from __future__ import annotations

from contextlib import nullcontext

import sys
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
from rich.table import Table

from rich.markup import escape

from pipeline.cli.app import app, cli_errors, console, emit_json
from pipeline.cli.options import AsJson, ExtractStrategy, NoCache

RETRIEVAL_SETS = ("evals/retrieval.yaml", "evals/retrieval.yml", "evals/retrieval.json", "evals/retrieval.jsonl")


def fail(message: str, code: int = 2) -> NoReturn:
    """Like the app's `fail`, but the message is literal (gold errors contain `[...]`) and unwrapped."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _write(path: Path, text: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _summary_table(report: dict[str, Any]) -> Table:
    ov = report["overall"]
    t = Table(title=f"eval: {report['source']}", title_justify="left")
    for col in ("", "precision", "recall", "F1", "F1 CI", "tp", "fp", "fn"):
        t.add_column(col, justify="left" if not col else "right")
    rows = [("overall", ov), *((f, report["fields"][f]) for f in ("winners", "losers", "unchanged"))]
    rows += [(f"suite {name} ({su['articles']})", su["overall"]) for name, su in (report.get("suites") or {}).items()]
    for name, m in rows:
        lo, hi = m["ci"]["f1"]
        t.add_row(name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"[{lo:.2f}, {hi:.2f}]",
                  str(m["tp"]), str(m["fp"]), str(m["fn"]))
    return t


def _print_human(report: dict[str, Any], explain: bool) -> None:
    from pipeline.evaluate.outputs import render_explain

    ov = report["overall"]
    console.print(_summary_table(report))
    rate = lambda x: "n/a" if x is None else f"{x:.3f}"  # noqa: E731
    cost = "n/a" if ov["cost_usd"] is None else f"${ov['cost_usd']:.4f}"
    console.print(f"{ov['articles']} articles, {ov['runs']} runs · schema-valid {rate(ov['schema_valid_rate'])} · "
                  f"grounding {rate(ov['grounding_rate'])} · tokens {ov['tokens']} · cost {cost}", highlight=False,
                  soft_wrap=True)
    th = ", ".join(f"{k}={'off' if v is None else v}" for k, v in report["thresholds"].items())
    console.print(f"thresholds: {th}", highlight=False, style="dim", soft_wrap=True)
    if report["flaky"]:
        console.print(f"[yellow]flaky articles:[/] {escape(', '.join(report['flaky']))}", soft_wrap=True)
    for w in [*report["warnings"], *report["gate"]["warnings"]]:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    if explain:
        console.print(render_explain(report), markup=False, highlight=False, soft_wrap=True)
    for c in report["gate"]["checks"]:
        mark = "[green]pass[/]" if c["passed"] else "[bold red]FAIL[/]"
        console.print(f"{mark} {c['name']}: {escape(c['message'])}", highlight=False, soft_wrap=True)
    if report["gate"]["checks"]:
        console.print("[green]gate passed[/]" if report["gate"]["passed"] else "[bold red]gate failed[/]")


def _without_explain(report: dict[str, Any]) -> dict[str, Any]:
    """The JSON carries per-item explanations only with --explain (JUnit always gets them)."""
    arts = [{k: v for k, v in a.items() if k != "explain"} for a in report["articles"]]
    return {**report, "articles": arts}


def _run_retrieval(set_path: Optional[Path], k: Optional[int], as_json: bool) -> None:
    try:
        from pipeline.evaluate.retrieval import evaluate_retrieval
    except ImportError as exc:
        fail(f"retrieval evals need pipeline.evaluate.retrieval.evaluate_retrieval, which is not available ({exc})", 2)
    path = str(set_path) if set_path else next((p for p in RETRIEVAL_SETS if Path(p).is_file()), None)
    if path is None:
        fail(f"no retrieval set found (looked for {', '.join(RETRIEVAL_SETS)}); pass --retrieval-set FILE", 2)
    with cli_errors({ValueError: 2, OSError: 2}):
        result = evaluate_retrieval(path, k)
    if as_json:
        emit_json(result)
        return
    t = Table(title=f"retrieval: {path} (k={result.get('k')})", title_justify="left")
    for col in ("mode", "recall@k", "MRR"):
        t.add_column(col)
    for mode, m in (result.get("modes") or {}).items():
        t.add_row(mode, f"{m.get('recall_at_k', 0):.3f}", f"{m.get('mrr', 0):.3f}")
    console.print(t)
    cq = result.get("count_questions")
    if cq:
        console.print(f"count questions: {cq['passed']}/{cq['questions']} right, {cq['citations']} citations, "
                      f"valid {cq['citation_validity']}", highlight=False, markup=False)
        for row in cq["per_question"]:
            if not row["passed"]:
                console.print(f"FAIL {row['id']}: {'; '.join(row['problems'])}", highlight=False, markup=False,
                              soft_wrap=True)


def _gated(kind: str, paths: list[str], report: dict[str, Any], as_json: bool, junit: Optional[Path],
           markdown: Optional[Path], render_junit: Any, render_markdown: Any, cols: tuple[str, ...],
           rows: list[tuple[str, dict[str, Any]]], notes: tuple[str, ...] | list[str] = ()) -> None:
    """The shared end of every gated eval (answers, parties, digests): files, JSON or a table with
    the gate's checks, exit 1 when a floor is missed."""
    if junit:
        _write(junit, render_junit(report))
    if markdown:
        _write(markdown, render_markdown(report))
    if as_json:
        emit_json(report)
    else:
        t = Table(title=f"{kind}: {', '.join(paths)}", title_justify="left")
        for col in ("", *cols):
            t.add_column(col, justify="left" if not col else "right")
        for name, m in rows:
            t.add_row(name, *("-" if m.get(c) is None else str(m.get(c)) for c in cols))
        console.print(t)
        for line in notes:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        for c in report["gate"]["checks"]:
            console.print(("ok   " if c["passed"] else "FAIL ") + c["message"], markup=False, highlight=False)
    if not report["gate"]["passed"]:
        raise typer.Exit(1)


def _floors(conf: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """A floor given as a flag wins over the config's."""
    return {key: flags[key] if flags.get(key) is not None else conf.get(key) for key in flags}


def _run_answers(sets: Optional[list[str]], config: Optional[Path], model: Optional[str], floors: dict[str, Any],
                 as_json: bool, junit: Optional[Path], markdown: Optional[Path]) -> None:
    """`pipeline eval --answers`: ask every answer-gold question, score, gate (exit 1), report."""
    from pipeline.evaluate.floors import split_rows
    from pipeline.evaluate.answer_report import (DEFAULT_SET, answer_gate, load_answer_config, render_answers_junit,
                                                 render_answers_markdown, run_answer_eval)
    from pipeline.progress import LineProgress

    conf = load_answer_config(config)
    paths = list(sets or conf.get("set") or [DEFAULT_SET])
    report = run_answer_eval(paths, model=model, k=int(conf.get("k", 6)), progress=LineProgress({"answer"}))
    report["gate"] = answer_gate(report, _floors(conf, floors))
    _gated("answers", paths, report, as_json, junit, markdown, render_answers_junit, render_answers_markdown,
           ("questions", "fact_recall", "attribution_precision", "correct_refusal", "part_coverage"), split_rows(report))


def _run_parties(sets: Optional[list[str]], config: Optional[Path], floors: dict[str, Any], as_json: bool,
                 junit: Optional[Path], markdown: Optional[Path]) -> None:
    """`pipeline eval --parties`: resolve every party-gold mention, score the pairs, gate (exit 1), report."""
    from pipeline.evaluate.floors import split_rows
    from pipeline.evaluate.party_report import (DEFAULT_SET, load_party_config, party_gate, render_parties_junit,
                                                render_parties_markdown, run_party_eval)

    conf = load_party_config(config)
    paths = list(sets or conf.get("set") or [DEFAULT_SET])
    report = run_party_eval(paths)
    report["gate"] = party_gate(report, _floors(conf, floors))
    notes = [f"{what}: {r['a']['name']!r} [{r['a']['article']}] / {r['b']['name']!r} [{r['b']['article']}] ({r['id']})"
             for what, key in (("false merge", "false_merges"), ("missed merge", "missed_merges"))
             for r in report[key][:5]]
    _gated("parties", paths, report, as_json, junit, markdown, render_parties_junit, render_parties_markdown,
           ("pairs", "merge_precision", "merge_recall", "merge_f1", "hard_kept_apart", "generic_drop_rate"),
           split_rows(report), notes)


def _run_digests(sets: Optional[list[str]], config: Optional[Path], floors: dict[str, Any],
                 as_json: bool, junit: Optional[Path], markdown: Optional[Path]) -> None:
    """`pipeline eval --digests`: score the stored summaries and digest against the key facts, gate (exit 1)."""
    from pipeline.evaluate.floors import split_rows
    from pipeline.evaluate.digest_report import (DEFAULT_SET, digest_gate, load_digest_config, render_digests_junit,
                                                 render_digests_markdown, run_digest_eval)

    conf = load_digest_config(config)
    paths = list(sets or conf.get("set") or [DEFAULT_SET])
    report = run_digest_eval(paths)
    report["gate"] = digest_gate(report, _floors(conf, floors))
    rows = split_rows(report)
    if report["overview"] is not None:
        rows.append(("overview", {**report["overview"], "articles": report["overview"]["graded_articles"]}))
    _gated("digests", paths, report, as_json, junit, markdown, render_digests_junit, render_digests_markdown,
           ("articles", "summarized", "fact_recall", "attribution_precision"), rows)


def _save_for_report(report: dict[str, Any]) -> None:
    """Keep the last result (with explain data) in $PIPELINE_HOME so `pipeline report` shows it."""
    from pipeline.report.data import save_eval_result

    try:
        save_eval_result(report)
    except OSError as exc:  # a read-only home must not turn a passing gate into a failure
        console.print(f"note: could not save the eval result for the report: {exc}", highlight=False)


@app.command("eval")
@cli_errors()  # gold, config, baseline and prediction errors are UsageErrors: exit 2
def eval_cmd(
    gold: Optional[list[str]] = typer.Option(None, "--gold", help="Gold directory or files (repeatable). Default evals/gold."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Score this extractions JSONL; no LLM call."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model to extract with (or to select records by)."),
    strategy: ExtractStrategy = None,
    repeat: Optional[int] = typer.Option(None, "--repeat", min=1, help="Extract K times: variance and flaky articles."),
    as_json: AsJson = False,
    junit: Optional[Path] = typer.Option(None, "--junit", help="Write JUnit XML here."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write a Markdown summary here ('-' for stdout)."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Fail when a field regresses against this report."),
    min_f1: Optional[float] = typer.Option(None, "--min-f1", min=0.0, max=1.0, help="Fail when overall F1 is below."),
    min_schema_valid_rate: Optional[float] = typer.Option(None, "--min-schema-valid-rate", min=0.0, max=1.0),
    min_grounding_rate: Optional[float] = typer.Option(None, "--min-grounding-rate", min=0.0, max=1.0),
    tolerance: Optional[float] = typer.Option(None, "--tolerance", min=0.0, max=1.0,
                                              help="Allowed drop vs the baseline, for every field."),
    save_baseline: Optional[Path] = typer.Option(None, "--save-baseline", help="Write this run as a baseline."),
    save_predictions: Optional[Path] = typer.Option(None, "--save-predictions",
                                                    help="Append the extracted records to this JSONL."),
    explain: bool = typer.Option(False, "--explain", help="Show each gold item's match or why none did."),
    party_threshold: Optional[float] = typer.Option(None, "--party-threshold", min=0.0, max=1.0,
                                                    help="Fuzzy name similarity needed for a party match."),
    party_embedding_threshold: Optional[float] = typer.Option(
        None, "--party-embedding-threshold", min=0.0, max=1.0, help="MiniLM cosine for parties (0 = off)."),
    statement_threshold: Optional[float] = typer.Option(None, "--statement-threshold", min=0.0, max=1.0,
                                                        help="MiniLM cosine needed for an `unchanged` match."),
    evidence_threshold: Optional[float] = typer.Option(None, "--evidence-threshold", min=0.0, max=1.0,
                                                       help="Evidence-span overlap (Dice) for an `unchanged` match."),
    bootstrap_samples: Optional[int] = typer.Option(None, "--bootstrap-samples", min=0),
    seed: Optional[int] = typer.Option(None, "--seed", help="Bootstrap seed (results are reproducible)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Eval config TOML (e.g. evals/config.toml)."),
    retrieval: bool = typer.Option(False, "--retrieval", help="Run the retrieval eval (recall@k, MRR) instead."),
    retrieval_set: Optional[Path] = typer.Option(None, "--retrieval-set", help="Labeled retrieval set."),
    k: Optional[int] = typer.Option(None, "--k", min=1, help="k for recall@k in --retrieval."),
    answers: bool = typer.Option(False, "--answers", help="Run the answer eval (fact recall, attribution, refusal)."),
    answers_set: Optional[list[str]] = typer.Option(None, "--answers-set",
                                                    help="Answer-gold file or folder (repeatable). Default evals/answers."),
    digests: bool = typer.Option(False, "--digests", help="Run the digest eval: the stored summaries and digest "
                                 "against each real article's key facts (fact recall, attribution)."),
    digests_set: Optional[list[str]] = typer.Option(None, "--digests-set",
                                                    help="Digest-gold file or folder (repeatable). Default evals/digests."),
    min_fact_recall: Optional[float] = typer.Option(None, "--min-fact-recall", min=0.0, max=1.0),
    min_attribution_precision: Optional[float] = typer.Option(None, "--min-attribution-precision", min=0.0, max=1.0),
    min_correct_refusal: Optional[float] = typer.Option(None, "--min-correct-refusal", min=0.0, max=1.0),
    parties: bool = typer.Option(False, "--parties", help="Run the party-resolution eval (merge precision and recall)."),
    parties_set: Optional[list[str]] = typer.Option(None, "--parties-set",
                                                    help="Party-gold file or folder (repeatable). Default evals/parties."),
    min_merge_precision: Optional[float] = typer.Option(None, "--min-merge-precision", min=0.0, max=1.0),
    min_merge_recall: Optional[float] = typer.Option(None, "--min-merge-recall", min=0.0, max=1.0),
    min_generic_drop_rate: Optional[float] = typer.Option(None, "--min-generic-drop-rate", min=0.0, max=1.0),
    no_cache: NoCache = False,
) -> None:
    """Score extractions against hand-labeled gold files; exit 1 when the gate fails."""
    if as_json and markdown is not None and str(markdown) == "-":
        fail("--markdown - and --json both write to stdout; give --markdown a file", 2)
    if retrieval:
        _run_retrieval(retrieval_set, k, as_json)
        return
    if digests:
        _run_digests(digests_set, config, {"min_fact_recall": min_fact_recall,
                                           "min_attribution_precision": min_attribution_precision,
                                           "min_overview_attribution_precision": None},
                     as_json, junit, markdown)
        return
    if answers:
        _run_answers(answers_set, config, model, {"min_fact_recall": min_fact_recall,
                                                  "min_attribution_precision": min_attribution_precision,
                                                  "min_correct_refusal": min_correct_refusal},
                     as_json, junit, markdown)
        return
    if parties:
        _run_parties(parties_set, config, {"min_merge_precision": min_merge_precision,
                                           "min_merge_recall": min_merge_recall,
                                           "min_generic_drop_rate": min_generic_drop_rate},
                     as_json, junit, markdown)
        return
    from pipeline.evaluate import (EvalSettings, GoldError, check_gate, load_baseline, load_settings_file, run_eval,
                                   save_baseline as write_baseline, with_overrides)
    from pipeline.evaluate.outputs import render_junit, render_markdown
    from pipeline.evaluate.predictions import save_prediction

    # EvalConfigError, BaselineError: `error: ...`, exit 2 through the handler
    base = load_settings_file(config) if config else EvalSettings()
    settings = with_overrides(
        base, gold=list(gold) if gold else None, predictions=str(predictions) if predictions else None,
        model=model, repeat=repeat, baseline=str(baseline) if baseline else None, min_f1=min_f1,
        min_schema_valid_rate=min_schema_valid_rate, min_grounding_rate=min_grounding_rate,
        bootstrap_samples=bootstrap_samples, seed=seed, tolerance=tolerance,
        party_fuzzy=party_threshold, party_embedding=party_embedding_threshold,
        statement=statement_threshold, evidence_overlap=evidence_threshold)
    base_data = None
    if settings.baseline:
        first = save_baseline is not None and not Path(settings.baseline).exists() and \
            Path(save_baseline).resolve() == Path(settings.baseline).resolve()
        if first:  # bootstrapping: this run creates the baseline it would compare against
            console.print(f"no baseline at {settings.baseline} yet: this run creates it", highlight=False)
        else:
            base_data = load_baseline(settings.baseline)

    from pipeline.context import Context
    from pipeline.llm import run_options
    from pipeline.progress import ConsoleProgress, LineProgress

    # pipeline.toml is read once, here, when the eval extracts (scoring a predictions file needs none)
    app_settings = None if settings.predictions else \
        Context.from_env(model=model, no_cache=no_cache, strategy=strategy, as_json=as_json).settings
    with run_options(use_cache=False) if no_cache else nullcontext():
        # a terminal: a bar per stage; CI logs: one plain line per extraction, nothing per score
        bar = ConsoleProgress(transient=True) if console.is_terminal else None
        with bar or nullcontext():
            try:
                report = run_eval(settings, explain=True, strategy=strategy, progress=bar or LineProgress({"extract"}),
                                  on_prediction=(lambda p: save_prediction(p, save_predictions))
                                  if save_predictions else None, pipeline_settings=app_settings)
            except GoldError as exc:  # other EvalErrors: exit 2 through the handler
                fail(f"invalid gold file(s):\n{exc}", 2)
    report["gate"] = check_gate(report, settings, base_data)
    _save_for_report(report)
    if save_baseline:
        write_baseline(report, save_baseline)
        console.print(f"baseline written to {save_baseline}", highlight=False)
    if junit:
        _write(junit, render_junit(report))
    if markdown:
        _write(markdown, render_markdown(report, base_data))
    if as_json:
        emit_json(report if explain else _without_explain(report))
    else:
        _print_human(report, explain)
    if not report["gate"]["passed"]:
        raise typer.Exit(1)
