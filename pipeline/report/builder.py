"""Render the report: one self-contained HTML file (inline CSS, JS and SVG; no network).

Jinja2 with autoescape on for every template, so article text, titles, party names and
quotes are always escaped. A Content-Security-Policy allows only our own script (by hash):
even markup that slipped past escaping could not run.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline.report.evalview import eval_view
from pipeline.report.partiesview import parties_view, resolve_inputs
from pipeline.report.view import ArticleView, ReportInputs, article_view, chart, digest_view, totals

TEMPLATE = "report.html.j2"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _money(x: float | None) -> str:
    if x is None:
        return "–"
    return "$0" if x == 0 else (f"${x:.4f}" if x < 1 else f"${x:,.2f}")


def _num(x: Any) -> str:
    return "–" if not isinstance(x, (int, float)) or isinstance(x, bool) else f"{x:.2f}"


def _safe_url(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("pipeline.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    env.globals.update(pct=_pct, money=_money, num=_num, safe_url=_safe_url)
    return env


def _asset(name: str) -> str:
    return (Path(__file__).parent / "templates" / name).read_text(encoding="utf-8")


def render_digest(markdown: str | None) -> Markup | None:
    """Markdown → HTML with raw HTML disabled (it is escaped) and unsafe links dropped."""
    if not markdown or not markdown.strip():
        return None
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return Markup(md.render(markdown))


def render(inputs: ReportInputs) -> str:
    """The report as an HTML string."""
    articles: list[ArticleView] = [
        article_view(i, a, inputs.records.get(a.id), inputs.summaries.get(a.id))
        for i, a in enumerate(sorted(inputs.articles, key=lambda a: (a.title.casefold(), a.id)))
    ]
    resolution = inputs.parties if inputs.parties is not None else resolve_inputs(
        inputs.articles, inputs.records.values())
    parties = parties_view(resolution, articles)
    js = _asset("report.js")
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode()
    context: dict[str, Any] = {
        "title": inputs.title,
        "generated_at": inputs.generated_at,
        "articles": articles,
        "pv": parties,
        "chart": chart(parties.chart_rows),
        "totals": totals(articles, inputs.records, inputs.other_usage),
        "digest": digest_view(inputs.digest_record, articles) if inputs.digest_record else None,
        "digest_html": None if inputs.digest_record else render_digest(inputs.digest),
        "evaluation": eval_view(inputs.evaluation, articles) if inputs.evaluation else None,
        "last_run": inputs.last_run,
        "css": Markup(_asset("report.css")),
        "js": Markup(js),
        "script_hash": script_hash,
    }
    return environment().get_template(TEMPLATE).render(**context)


def write_report(inputs: ReportInputs, out: Path) -> Path:
    """Render and write atomically (temp file + rename): a reader never sees half a report."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    html = render(inputs)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
