"""Report building without a browser: offsets, escaping, party view, chart, digest, evals."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser


from pipeline.report.builder import render, write_report
from pipeline.report.highlight import Span, split_runs
from pipeline.report.view import ReportInputs, article_view
from tests.report.conftest import EVIL_ID, EVIL_TEXT, SEED_ID, sample_inputs, seed_article


class _Collector(HTMLParser):
    """Collects elements' attributes and the text under each <mark data-claims>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.claim_text: dict[str, str] = {}
        self._open_marks: list[list[str]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "mark" and a.get("data-claims"):
            self._open_marks.append(a["data-claims"].split())
        elif tag == "mark":
            self._open_marks.append([])
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "mark" and self._open_marks:
            self._open_marks.pop()
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        for ids in self._open_marks:
            for cid in ids:
                self.claim_text[cid] = self.claim_text.get(cid, "") + data


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def test_runs_rebuild_every_span_exactly_even_when_spans_overlap():
    text = "Alpha wins.\nBeta loses big. Gamma stays.\n\nDelta."
    spans = [Span(0, 11, "w", "winner"), Span(6, 27, "l", "loser"),
             Span(12, 40, "u", "unchanged"), Span(5, 5, "empty", "winner"),
             Span(30, 999, "out", "loser"), Span(20, 45, "inj-0", "injection")]
    runs = split_runs(text, spans)
    assert "".join(r.text for r in runs) == text
    for key, (s, e) in {"w": (0, 11), "l": (6, 27), "u": (12, 40)}.items():
        assert "".join(r.text for r in runs if key in r.claim_ids.split()) == text[s:e]
    assert not any("empty" in r.claim_ids or "out" in r.claim_ids for r in runs)
    breaks = [r for r in runs if r.is_break]
    assert [b.text for b in breaks] == ["\n", "\n\n"]
    assert any(r.css_class.endswith("hl-mixed") for r in runs)  # the w/l overlap
    assert all(r.injection for r in runs if r.start >= 20 and r.end <= 45)
    assert not any(r.injection for r in runs if r.start >= 45)
    assert [r.opens for r in runs if r.opens] == [["w"], ["l"], ["u"]]


def test_every_claim_highlight_equals_article_text_at_its_offsets():
    inputs = sample_inputs()
    html = render(inputs)
    got = parse(html).claim_text
    arts = {a.id: a for a in inputs.articles}
    checked = 0
    for i, art in enumerate(sorted(inputs.articles, key=lambda a: (a.title.casefold(), a.id))):
        av = article_view(i, art, inputs.records[art.id], None)
        for c in av.claims:
            if c.located:
                assert got[c.id] == arts[art.id].text[c.evidence.start:c.evidence.end], c.id
                checked += 1
            else:
                assert c.id not in got  # an unverified quote is never drawn as if it were found
    assert checked == 12


def test_article_text_and_model_output_are_escaped_never_markup():
    html = render(sample_inputs())
    doc = parse(html)
    assert len(doc.scripts) == 1 and "__pwned" not in doc.scripts[0]
    assert not [t for t, a in doc.tags if t == "img"]
    assert not [a for _, a in doc.tags if any(k.startswith("on") for k in a)]
    assert "<b>Evil</b>" not in html and "<b>not bold</b>" not in html and "<b>fees</b>" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert 'href="javascript:' not in html.lower()
    assert "&lt;/div&gt;&lt;/mark&gt;&lt;b&gt;not bold&lt;/b&gt;" in html
    # the text container holds the article text verbatim, character for character
    m = re.search(r'<div class="text" aria-label="Article text">(.*?)</div>\s*<div class="claims-col">',
                  html[html.index(f'id="art-{EVIL_ID}"'):], re.S)
    import html as htmllib

    assert htmllib.unescape(re.sub(r"<[^>]+>", "", m.group(1))) == EVIL_TEXT


def test_csp_allows_only_the_reports_own_script():
    html = render(sample_inputs())
    doc = parse(html)
    csp = next(a["content"] for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(doc.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "http://" not in html.split("<body")[0] and "<link" not in html  # nothing to fetch


def test_unverified_and_fuzzy_quotes_are_marked_and_injection_flagged():
    html = render(sample_inputs())
    unverified = re.search(r'<li class="claim loser is-unverified"[^>]*>(.*?)</li>', html, re.S).group(1)
    assert "Microsoft is finished as a cloud company." in unverified
    assert "unverified" in unverified and 'href="#hl-' not in unverified
    assert "fuzzy match" in html and "hl-fuzzy" in html
    assert "injection-flagged passage" in html
    assert 'class="inj inj-start"' in html  # the "Ignore all previous instructions" sentence
    assert "passage in this article reads like instructions" in html


def test_chart_is_inline_svg_with_a_bar_per_count():
    html = render(sample_inputs())
    svg = html[html.index("<svg class=\"chart\""):html.index("</svg>")]
    # "Delivery apps", a class of parties (a group), stays out of the chart
    assert svg.count('class="bar-w"') == 6 and svg.count('class="bar-l"') == 2
    assert "<title" in svg and "Google Cloud: 1 as winner" in svg
    assert "&lt;img" in svg and "<img" not in svg


def test_digest_citations_link_to_articles_and_unknown_ids_stay_text():
    html = render(sample_inputs())
    digest = html[html.index('id="digest"'):html.index('id="parties"')]
    seed_anchor = f"#art-{SEED_ID}"
    assert f'href="{seed_anchor}"' in digest and f'href="#art-{EVIL_ID}"' in digest
    assert "[unknown-id]" in digest
    assert "&lt;script&gt;" in digest and "Delivery apps" in digest


def test_markdown_digest_fallback_escapes_html_and_drops_unsafe_links():
    inputs = sample_inputs()
    inputs.digest_record = None
    html = render(inputs)
    digest = html[html.index('id="digest"'):html.index('id="parties"')]
    assert "<strong>Google Cloud</strong>" in digest
    assert "&lt;script&gt;" in digest and "javascript:" not in digest.split("[bad]")[0]
    assert 'href="javascript' not in digest


def test_eval_section_marks_misses_and_false_positives():
    html = render(sample_inputs())
    ev = html[html.index('id="evaluation"'):html.index("</section>", html.index('id="evaluation"'))]
    assert '<li class="miss"' in ev and "Japan &lt;script&gt;" in ev
    assert '<li class="fp"' in ev and "OpenAI" in ev
    assert '<li class="optional"' in ev and "Mistral" in ev
    assert ev.count('<li class="match"') == 4
    assert "1 missed" in ev and "1 false positive" in ev
    assert f'href="#art-{SEED_ID}"' in ev
    assert "0.67" in ev and "0.57" in ev
    no_eval = render(sample_inputs(with_eval=False))
    assert 'id="evaluation"' not in no_eval


def test_eval_without_explain_shows_scores_and_how_to_get_details():
    inputs = sample_inputs()
    inputs.evaluation = {**inputs.evaluation, "articles": [
        {k: v for k, v in inputs.evaluation["articles"][0].items() if k != "explain"}]}
    html = render(inputs)
    assert "pipeline eval --explain" in html and '<li class="miss"' not in html


def test_empty_report_renders_with_guidance(tmp_path):
    out = write_report(ReportInputs(articles=[]), tmp_path / "r" / "report.html")
    html = out.read_text()
    assert "No articles yet" in html and "pipeline run" in html
    assert not list(out.parent.glob(".report-*"))  # the temp file was renamed, not left behind


def test_article_without_record_is_shown_as_not_extracted():
    seed = seed_article()
    html = render(ReportInputs(articles=[seed]))
    assert "not extracted yet" in html and "No winners or losers extracted yet" in html
    assert "Microsoft and OpenAI quietly amended" in html


def test_attribution_of_openly_licensed_articles_is_shown():
    """Real coverage under CC BY needs its author, source, link and licence beside the text."""
    art = seed_article().model_copy(update={
        "source": "Wikinews", "author": "Wikinews contributors", "url": "https://en.wikinews.org/wiki/Example",
        "metadata": {"license": "CC BY 2.5"}})
    html = render(ReportInputs(articles=[art]))
    meta = re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1)
    for piece in ("Wikinews", "Wikinews contributors", 'href="https://en.wikinews.org/wiki/Example"',
                  "licence: CC BY 2.5"):
        assert piece in meta
    bare = render(ReportInputs(articles=[seed_article()]))
    assert "licence:" not in bare
