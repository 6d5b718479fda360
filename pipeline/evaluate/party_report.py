"""Run the party-resolution eval, gate it, and write it as JSON, Markdown, JUnit.

`pipeline eval --parties` reads the articles the gold names (from the store in $PIPELINE_HOME when
it holds them, else from the files themselves, so CI needs no ingest), resolves every mention with
`pipeline.evaluate.parties`, and fails the gate when a figure falls below its floor. Floors come
from `[parties]` in the eval config (`evals/config.toml`) or the command line.
"""

from __future__ import annotations

import functools
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.evaluate.floors import floor_gate, load_table, markdown_gate, markdown_head, split_rows
from pipeline.evaluate.outputs import junit_gate
from pipeline.evaluate.parties import evaluate_parties
from pipeline.evaluate.retrieval import resolve_article
from pipeline.types import Article

DEFAULT_SET = "evals/parties"
FLOORS = ("min_merge_precision", "min_merge_recall", "min_generic_drop_rate")
_FIGURE = {"min_merge_precision": "merge_precision", "min_merge_recall": "merge_recall",
           "min_generic_drop_rate": "generic_drop_rate"}
MAX_ARTICLE_BYTES = 50 << 20


class PartyConfigError(UsageError, ValueError):
    """A bad `[parties]` table; the message names the file and the key."""


def load_party_config(path: str | Path | None) -> dict[str, Any]:
    """`[parties]` of an eval config: `set` (paths) and the floors; empty when absent."""
    return load_table(path, "parties", FLOORS, PartyConfigError)


def article_finder(root: Path | None = None) -> Callable[[str], Article | None]:
    """ref (source path, file name or id) → the article: the store's when it has it, else the file
    read as `pipeline ingest` reads it (same id, text, date and source)."""
    from pipeline.corpus.ingest.files import read_file
    from pipeline.evaluate.predictions import close_store, open_store

    store = open_store(required=False)
    try:
        articles = {a.id: a for a in store.list_articles()} if store is not None else {}
    finally:
        close_store(store)
    base = Path(root) if root is not None else Path.cwd()

    @functools.cache
    def find(ref: str) -> Article | None:
        aid = resolve_article(ref, articles) if articles else None
        if aid is not None:
            return articles[aid]
        path = Path(ref) if Path(ref).is_absolute() else base / ref
        if not path.is_file():
            return None
        found, _ = read_file(path, MAX_ARTICLE_BYTES)
        return found[0].article if len(found) == 1 else None

    return find


def run_party_eval(paths: list[str], root: Path | None = None) -> dict[str, Any]:
    """Score the party gold in `paths` with the production resolver."""
    started = time.monotonic()
    report = evaluate_parties(paths, article_finder(root))
    report["set"] = [str(p) for p in paths]
    report["seconds"] = round(time.monotonic() - started, 2)
    return report


def party_gate(report: dict[str, Any], floors: dict[str, float | None]) -> dict[str, Any]:
    """One check per floor that is set, on the overall figures (every split together). With no
    merge predicted, precision is undefined and nothing was merged wrongly: it passes (recall fails)."""
    return floor_gate(report, floors, {key: ("overall", fig) for key, fig in _FIGURE.items()},
                      undefined="undefined (no pair of that kind was merged or scored)")


COLUMNS = ("pairs", "merge_precision", "merge_recall", "merge_f1", "hard_kept_apart", "generic_drop_rate")


def _pair_line(r: dict[str, Any]) -> str:
    a, b = r["a"], r["b"]
    return (f"**{r['id']}** ({r['split']}, {r['kind']}): \"{a['name']}\" [{a['article']}] → {a['party']} / "
            f"\"{b['name']}\" [{b['article']}] → {b['party']}" + (f": {r['why']}" if r.get("why") else ""))


def render_parties_markdown(report: dict[str, Any]) -> str:
    """The figures per split, the gate, and the worst false and missed merges."""
    out = markdown_head("Party-resolution eval", COLUMNS, split_rows(report))
    out += markdown_gate(report.get("gate"))
    for title, key in (("False merges", "false_merges"), ("Missed merges", "missed_merges")):
        if report.get(key):
            out += ["", f"### {title}", ""] + [f"- {_pair_line(r)}" for r in report[key]]
    if report.get("kept_generic"):
        out += ["", "### Generic names kept as parties", ""]
        out += [f"- \"{g['name']}\" [{g['article']}] → {g['party']}" for g in report["kept_generic"]]
    return "\n".join(out) + "\n"


def render_parties_junit(report: dict[str, Any]) -> str:
    """A `gate` suite (a case per floor) and a `pairs` suite (a case per pair and generic name;
    a false merge, a missed merge or a generic name kept as a party fails its case)."""
    root = ET.Element("testsuites", name="pipeline-party-eval")
    junit_gate(root, report.get("gate"), "pipeline.parties.gate")
    rows, generic = report["per_pair"], report.get("per_generic", [])
    bad = [r for r in rows if r["same"] != r["predicted_same"]] + [g for g in generic if g["party"] is not None]
    suite = ET.SubElement(root, "testsuite", name="pairs", tests=str(len(rows) + len(generic)),
                          failures=str(len(bad)), errors="0")
    for r in rows:
        tc = ET.SubElement(suite, "testcase", classname=f"pipeline.parties.{r['split']}.{r['kind']}", name=r["id"],
                           time="0")
        if r["same"] != r["predicted_same"]:
            what = "false merge" if r["predicted_same"] else "missed merge"
            ET.SubElement(tc, "failure", message=f"{what}: {r['a']['name']} / {r['b']['name']}"[:300],
                          type="PartyMergeFailure").text = _pair_line(r)
    for g in generic:
        tc = ET.SubElement(suite, "testcase", classname=f"pipeline.parties.{g['split']}.generic", name=g["id"], time="0")
        if g["party"] is not None:
            ET.SubElement(tc, "failure", message=f"generic name kept as party {g['party']}: {g['name']}"[:300],
                          type="PartyGenericFailure").text = f"{g['name']} [{g['article']}]"
    return ET.tostring(root, encoding="unicode") + "\n"


__all__ = ["DEFAULT_SET", "FLOORS", "PartyConfigError", "article_finder", "load_party_config", "party_gate",
           "render_parties_junit", "render_parties_markdown", "run_party_eval"]
