"""Run the digest eval over `$PIPELINE_HOME`'s summaries, gate it, and write it as JSON, Markdown, JUnit.

`pipeline eval --digests` reads the newest summary of every article and the newest digest from
`summaries.jsonl` (no model is called: it scores what `pipeline summarize` wrote), scores them with
`pipeline.evaluate.digests`, and fails the gate when a figure falls below its floor. Floors come
from `[digests]` in the eval config (`evals/config.toml`) or the command line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.evaluate.digests import evaluate_digests, load_digest_gold, not_verbatim, DigestGoldError
from pipeline.evaluate.floors import floor_gate, load_table, markdown_gate, markdown_head, split_rows
from pipeline.evaluate.outputs import junit_gate

DEFAULT_SET = "evals/digests"
FLOORS = ("min_fact_recall", "min_attribution_precision", "min_overview_attribution_precision")
_FIGURE = {"min_fact_recall": ("overall", "fact_recall"),
           "min_attribution_precision": ("overall", "attribution_precision"),
           "min_overview_attribution_precision": ("overview", "attribution_precision")}


class DigestConfigError(UsageError, ValueError):
    """A bad `[digests]` table; the message names the file and the key."""


def load_digest_config(path: str | Path | None) -> dict[str, Any]:
    """`[digests]` of an eval config: `set` (paths) and the floors; empty when absent."""
    return load_table(path, "digests", FLOORS, DigestConfigError)


def run_digest_eval(paths: list[str], *, summaries_file: Path | None = None, store: Any = None) -> dict[str, Any]:
    """Score the summaries and digest in $PIPELINE_HOME against the digest gold in `paths`."""
    from pipeline.evaluate.retrieval import resolve_article
    from pipeline.summarize.plan import corpus_articles
    from pipeline.summarize.records import latest_digest, latest_summaries

    gold = load_digest_gold(paths)
    own = store is None
    if own:
        from pipeline.corpus.store import Store

        store = Store()
    try:
        articles = {a.id: a for a in corpus_articles(store)}
        if not articles:
            raise DigestConfigError("the store is empty: run `pipeline ingest corpus/` and `pipeline summarize` "
                                    "before the digest eval")

        def article_id(ref: str) -> str | None:
            return resolve_article(ref, articles, store)

        def text_by_id(aid: str) -> str:
            a = articles.get(aid)
            return a.text if a is not None else ""

        problems = not_verbatim(gold, lambda ref: (lambda i: articles[i].text if i else None)(article_id(ref)))
        if problems:
            raise DigestGoldError("digest gold quotes must be verbatim in their articles:\n" + "\n".join(problems))
        summaries = {aid: rec.summary for aid, rec in latest_summaries(summaries_file).items()}
        if not summaries:
            raise DigestConfigError("no summaries in $PIPELINE_HOME: run `pipeline summarize` before the digest eval")
        digest = latest_digest(summaries_file)
        report = evaluate_digests(gold, article_id=article_id, text_by_id=text_by_id, summaries=summaries,
                                  overview=digest.overview if digest is not None else None)
    finally:
        if own:
            store.close()
    report["set"] = [str(p) for p in paths]
    report["models"] = sorted({rec.model for rec in latest_summaries(summaries_file).values()})
    return report


def digest_gate(report: dict[str, Any], floors: dict[str, float | None]) -> dict[str, Any]:
    """One check per floor that is set: summaries on the overall figures, the overview on its own;
    no digest, or nothing of a kind, passes."""
    return floor_gate(report, floors, _FIGURE)


_COLUMNS = ("articles", "summarized", "fact_recall", "attribution_precision")


def render_digests_markdown(report: dict[str, Any]) -> str:
    """The summary figures per split, the overview's, the gate, and the articles that missed most."""
    out = markdown_head("Digest eval", _COLUMNS, split_rows(report), first='summaries')
    ov = report.get("overview")
    out += ["", "Overview: " + ("no digest in $PIPELINE_HOME" if ov is None else
                               f"{ov['sentences']} sentences citing {ov['cited_articles']} articles "
                               f"({ov['graded_articles']} with gold); fact recall {ov['fact_recall']}, "
                               f"attribution precision {ov['attribution_precision']}")]
    out += markdown_gate(report.get("gate"))
    worst = sorted((r for r in report["per_article"] if r["missed_facts"] or r["unattributed"]),
                   key=lambda r: (-len(r["unattributed"]), r["facts_covered"] / r["facts"]))[:10]
    if worst:
        out += ["", "### Articles that missed most", ""]
        for r in worst:
            out.append(f"- **{r['article']}** ({r['split']}): facts {r['facts_covered']}/{r['facts']}")
            out += [f"  - not in its article: {s[:160]}" for s in r["unattributed"]]
            out += [f"  - missed: {q[:160]}" for q in r["missed_facts"]]
    return "\n".join(out) + "\n"


def render_digests_junit(report: dict[str, Any]) -> str:
    """A `gate` suite (a case per floor) and an `articles` suite (a case per gold article; a summary
    sentence its article does not support fails the case)."""
    root = ET.Element("testsuites", name="pipeline-digest-eval")
    junit_gate(root, report.get("gate"), "pipeline.digests.gate")
    rows = report["per_article"]

    def bad(r: dict[str, Any]) -> str:
        return "; ".join(f"not in its article: {s[:120]}" for s in r["unattributed"])

    suite = ET.SubElement(root, "testsuite", name="articles", tests=str(len(rows)),
                          failures=str(sum(bool(bad(r)) for r in rows)), errors="0")
    for r in rows:
        tc = ET.SubElement(suite, "testcase", classname=f"pipeline.digests.{r['split']}", name=r["article"], time="0")
        if bad(r):
            ET.SubElement(tc, "failure", message=bad(r)[:300], type="DigestFailure").text = bad(r)
        else:
            ET.SubElement(tc, "system-out").text = f"facts {r['facts_covered']}/{r['facts']}"
    return ET.tostring(root, encoding="unicode") + "\n"


__all__ = ["DEFAULT_SET", "DigestConfigError", "FLOORS", "digest_gate", "load_digest_config",
           "render_digests_junit", "render_digests_markdown", "run_digest_eval"]
