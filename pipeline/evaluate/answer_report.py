"""Run the answer eval over the current store, gate it, and write it as JSON, Markdown, JUnit.

`pipeline eval --answers` asks every gold question the way `pipeline ask` does (count questions
routed to counting by `pipeline.parties.questions.ask_routed`, the model the run is given, else the
`ask` stage's), scores it with `pipeline.evaluate.answers`, and fails the
gate when a figure falls below its floor. Floors come from `[answers]` in the eval config
(`evals/config.toml`) or the command line.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.evaluate.answers import evaluate_answers
from pipeline.evaluate.floors import floor_gate, load_table, markdown_gate, markdown_head, split_rows
from pipeline.evaluate.outputs import junit_gate
from pipeline.evaluate.retrieval import resolve_article
from pipeline.progress import Progress

DEFAULT_SET = "evals/answers"
FLOORS = ("min_fact_recall", "min_attribution_precision", "min_correct_refusal")
_FIGURE = {"min_fact_recall": "fact_recall", "min_attribution_precision": "attribution_precision",
           "min_correct_refusal": "correct_refusal"}


class AnswerConfigError(UsageError, ValueError):
    """A bad `[answers]` table; the message names the file and the key."""


def load_answer_config(path: str | Path | None) -> dict[str, Any]:
    """`[answers]` of an eval config: `set` (paths), `k` and the floors; empty when absent."""
    data = load_table(path, "answers", FLOORS, AnswerConfigError, extra=("k",))
    if not data:
        return {}
    k = data.get("k", 6)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise AnswerConfigError(f"{path}: [answers] k must be a whole number of at least 1, got {k!r}")
    return {**data, "k": k}


def run_answer_eval(paths: list[str], *, model: str | None = None, k: int = 6,
                    progress: Progress | Callable[[int, int, str], None] | None = None) -> dict[str, Any]:
    """Ask and score every question in `paths` over the store in $PIPELINE_HOME."""
    from pipeline.parties.questions import ask_json, ask_routed
    from pipeline.query.retrieve import Retriever

    r = Retriever()
    if not r.articles:
        raise AnswerConfigError("the store is empty: run `pipeline ingest corpus/` before the answer eval")
    started = time.monotonic()
    # through the same router as `pipeline ask`: users get what is scored (count questions counted)
    report = evaluate_answers(paths, ask_fn=lambda q: ask_json(ask_routed(q, k=k, model=model, retriever=r)),
                              article_id=lambda ref: resolve_article(ref, r.articles, r.store), progress=progress)
    report["set"], report["model"], report["k"] = [str(p) for p in paths], model, k
    report["seconds"] = round(time.monotonic() - started, 1)
    return report


def answer_gate(report: dict[str, Any], floors: dict[str, float | None]) -> dict[str, Any]:
    """One check per floor that is set, on the overall figures (every split together); a figure
    with no question of its kind passes."""
    return floor_gate(report, floors, {key: ("overall", fig) for key, fig in _FIGURE.items()})


_COLUMNS = ("questions", "fact_recall", "attribution_precision", "correct_refusal", "part_coverage", "false_refusal")


def render_answers_markdown(report: dict[str, Any]) -> str:
    """The figures per split, the gate, and the worst questions with what went wrong."""
    out = markdown_head("Answer eval", _COLUMNS, split_rows(report))
    out += markdown_gate(report.get("gate"))
    if report.get("worst"):
        out += ["", "### Worst questions", ""]
        for w in report["worst"]:
            out.append(f"- **{w['id']}** ({w['split']}): " + ("answered" if w["found"] else "refused"))
            out += [f"  - cited off the question: {m['sentence'][:160]}" for m in w.get("misattributed", [])]
            out += [f"  - missed: {q[:160]}" for q in w.get("missed_facts", [])]
    return "\n".join(out) + "\n"


def render_answers_junit(report: dict[str, Any]) -> str:
    """A `gate` suite (a case per floor) and a `questions` suite (a case per question; an
    unanswerable question answered, or a misattributed citation, fails its case)."""
    root = ET.Element("testsuites", name="pipeline-answer-eval")
    junit_gate(root, report.get("gate"), "pipeline.answers.gate")
    rows = report["per_question"]

    def bad(r: dict[str, Any]) -> str:
        if not r["answerable"]:
            return "" if r["refused_correctly"] else "answered a question the corpus does not answer"
        return "; ".join(f"cited off the question: {m['sentence'][:120]}" for m in r["misattributed"])

    qs = ET.SubElement(root, "testsuite", name="questions", tests=str(len(rows)),
                       failures=str(sum(bool(bad(r)) for r in rows)), errors="0")
    for r in rows:
        tc = ET.SubElement(qs, "testcase", classname=f"pipeline.answers.{r['split']}", name=r["id"], time="0")
        if bad(r):
            ET.SubElement(tc, "failure", message=bad(r)[:300], type="AnswerFailure").text = bad(r)
        elif r["answerable"]:
            ET.SubElement(tc, "system-out").text = f"facts {r['facts_covered']}/{r['facts']}"
    return ET.tostring(root, encoding="unicode") + "\n"


__all__ = ["AnswerConfigError", "DEFAULT_SET", "FLOORS", "answer_gate", "load_answer_config",
           "render_answers_junit", "render_answers_markdown", "run_answer_eval"]
