"""Renderings of an eval report: Markdown (PR comment), JUnit XML (CI), plain-text explain.

All of them read the report dict only, so a saved `--json` can be re-rendered anywhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from pipeline.evaluate.metrics import FIELDS


def _f(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _ci(ci: Any) -> str:
    return f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""


def render_markdown(report: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    gate = report.get("gate") or {}
    ov = report["overall"]
    passed = gate.get("passed", True)
    lines = [f"## Extraction eval {'✅ passed' if passed else '❌ failed'}", ""]
    lines.append(f"Model `{report.get('model') or 'n/a'}` · source `{report.get('source')}` · "
                 f"{ov['articles']} articles · {ov['runs']} runs · "
                 f"{int(report['bootstrap']['confidence'] * 100)}% bootstrap CI over articles")
    lines += ["", "| | Precision | Recall | F1 | F1 CI | Baseline F1 | Δ |", "|---|---|---|---|---|---|---|"]
    rows = [("**overall**", ov, baseline["overall"] if baseline else None)]
    rows += [(f, report["fields"][f], baseline["fields"].get(f) if baseline else None) for f in FIELDS]
    for name, m, b in rows:
        bf = b.get("f1") if b else None
        delta = f"{m['f1'] - bf:+.3f}" if bf is not None else ""
        lines.append(f"| {name} | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | "
                     f"{_ci(m.get('ci', {}).get('f1'))} | {_f(bf) if b else ''} | {delta} |")
    if report.get("suites"):
        lines += ["", "| Suite | Articles | Precision | Recall | F1 | F1 CI | Baseline F1 | Δ |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, su in report["suites"].items():
            m = su["overall"]
            b = ((baseline or {}).get("suites") or {}).get(name, {}).get("overall", {}).get("f1")
            delta = f"{m['f1'] - b:+.3f}" if b is not None else ""
            lines.append(f"| `{name}` | {su['articles']} | {_f(m['precision'])} | {_f(m['recall'])} | "
                         f"{_f(m['f1'])} | {_ci(m.get('ci', {}).get('f1'))} | {_f(b) if b is not None else ''} "
                         f"| {delta} |")
    usage = ov.get("usage", {})
    cost = "n/a" if ov.get("cost_usd") is None else f"${ov['cost_usd']:.4f}"
    lines += ["", f"Schema-valid rate **{_f(ov.get('schema_valid_rate'))}** · grounding rate "
              f"**{_f(ov.get('grounding_rate'))}** · tokens {ov.get('tokens', 0)} "
              f"({usage.get('input_tokens', 0)} in / {usage.get('output_tokens', 0)} out) · cost {cost}"]
    failed = [c for c in gate.get("checks", []) if not c["passed"]]
    if gate.get("checks"):
        lines += ["", "### Gate", ""]
        for c in gate["checks"]:
            lines.append(f"- {'✅' if c['passed'] else '❌'} `{c['name']}`: {c['message']}")
    if failed and gate.get("regressions"):
        lines += ["", f"**{len(gate['regressions'])} regression(s)** against the baseline."]
    for w in [*gate.get("warnings", []), *report.get("warnings", [])]:
        lines.append(f"> ⚠️ {w}")
    if report.get("flaky"):
        lines += ["", "### Flaky articles", ""]
        for a in report["articles"]:
            if a["flaky"]:
                lines.append(f"- `{a['article']}`: F1 {a['repeat']['f1']} (std {a['repeat']['std']:.3f}); "
                             + "; ".join(a["flaky_reasons"]))
    lines += ["", "<details><summary>Per article</summary>", "",
              "| Article | P | R | F1 | TP | FP | FN | Valid | Grounded |", "|---|---|---|---|---|---|---|---|---|"]
    for a in sorted(report["articles"], key=lambda x: x["f1"]):
        lines.append(f"| `{a['article']}` | {_f(a['precision'])} | {_f(a['recall'])} | {_f(a['f1'])} | "
                     f"{a['tp']} | {a['fp']} | {a['fn']} | {a['schema_valid_runs']}/{a['runs']} | "
                     f"{_f(a['grounding_rate'])} |")
    th = report.get("thresholds", {})
    lines += ["", "</details>", "", "<details><summary>Thresholds</summary>", ""]
    lines += [f"- `{k}`: {v if v is not None else 'off'}" for k, v in th.items()]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def junit_gate(root: ET.Element, gate: dict[str, Any] | None, classname: str) -> None:
    """A `gate` testsuite under `root`: one case per check, failed when the check failed."""
    checks = (gate or {}).get("checks", [])
    gs = ET.SubElement(root, "testsuite", name="gate", tests=str(len(checks)),
                       failures=str(sum(not c["passed"] for c in checks)), errors="0")
    for c in checks:
        tc = ET.SubElement(gs, "testcase", classname=classname, name=c["name"], time="0")
        if not c["passed"]:
            ET.SubElement(tc, "failure", message=c["message"], type="GateFailure").text = c["message"]
        else:
            ET.SubElement(tc, "system-out").text = c["message"]


def render_junit(report: dict[str, Any]) -> str:
    """Two suites: `gate` (one case per check) and `articles` (one case per article).

    An article case fails only when its extraction is missing or schema-invalid; its metrics
    are properties and its explanation goes to system-out, so misses are visible without
    turning every imperfect article red.
    """
    root = ET.Element("testsuites", name="pipeline-eval")
    junit_gate(root, report.get("gate"), "pipeline.eval.gate")
    arts = report["articles"]
    bad = [a for a in arts if not a["schema_valid"]]
    suite = ET.SubElement(root, "testsuite", name="articles", tests=str(len(arts)), failures=str(len(bad)),
                          errors="0")
    props = ET.SubElement(suite, "properties")
    for k in ("precision", "recall", "f1", "schema_valid_rate", "grounding_rate"):
        ET.SubElement(props, "property", name=f"overall.{k}", value=str(report["overall"].get(k)))
    for name, su in (report.get("suites") or {}).items():
        for k in ("precision", "recall", "f1"):
            ET.SubElement(props, "property", name=f"suite.{name}.{k}", value=str(su["overall"].get(k)))
    for k, v in (report.get("thresholds") or {}).items():
        ET.SubElement(props, "property", name=f"threshold.{k}", value=str(v))
    for a in arts:
        tc = ET.SubElement(suite, "testcase", classname="pipeline.eval.articles", name=a["article"], time="0")
        p = ET.SubElement(tc, "properties")
        for k in ("precision", "recall", "f1", "tp", "fp", "fn", "grounding_rate"):
            ET.SubElement(p, "property", name=k, value=str(a.get(k)))
        if a["flaky"]:
            ET.SubElement(p, "property", name="flaky", value="; ".join(a["flaky_reasons"]))
        if not a["schema_valid"]:
            msg = "; ".join(a["errors"]) or "schema-invalid prediction"
            ET.SubElement(tc, "failure", message=msg, type="SchemaInvalid").text = msg
        ET.SubElement(tc, "system-out").text = article_text(a)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def article_text(a: dict[str, Any]) -> str:
    lines = [f"{a['article']} ({a['article_id']}): P {_f(a['precision'])} R {_f(a['recall'])} "
             f"F1 {_f(a['f1'])}  tp {a['tp']} fp {a['fp']} fn {a['fn']}"]
    for f in FIELDS:
        m = a["fields"][f]
        lines.append(f"  {f}: P {_f(m['precision'])} R {_f(m['recall'])} F1 {_f(m['f1'])} "
                     f"(tp {m['tp']} fp {m['fp']} fn {m['fn']}, optional matched {m['optional_matched']})")
    for e in a["errors"]:
        lines.append(f"  error: {e}")
    for run_i, run in enumerate(a.get("explain") or []):
        if len(a.get("explain") or []) > 1:
            lines.append(f"  run {run_i + 1}:")
        lines += explain_lines(run)
    return "\n".join(lines)


def explain_lines(run: dict[str, Any]) -> list[str]:
    """Each gold item with its match (or why none), then each unmatched prediction."""
    out = []
    for f in FIELDS:
        ex = run[f]
        if not ex["gold"] and not ex["predictions"]:
            continue
        out.append(f"  [{f}]")
        for g in ex["gold"]:
            mark = "✓" if g["matched"] else ("✗" if g["required"] else "·")
            opt = "" if g["required"] else " (optional)"
            out.append(f"    {mark} gold {g['gold']!r}{opt} (line {g['line']}): {g['why']}")
        for p in ex["predictions"]:
            if p["outcome"] != "true-positive":
                mark = "+" if p["outcome"] == "false-positive" else "·"
                out.append(f"    {mark} prediction #{p['index']} {p['prediction']!r} "
                           f"[{p['outcome']}]: {p['why']}")
    return out


def render_explain(report: dict[str, Any]) -> str:
    blocks = [article_text(a) for a in report["articles"]]
    return "\n\n".join(blocks) + "\n"
