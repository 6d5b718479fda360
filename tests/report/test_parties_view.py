"""The report's parties view without a browser: one timeline mark per claim, undated claims in
their own lane, disagreements side by side, escaping, and the saved resolution read, not written."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

from pipeline.parties import Resolution
from pipeline.parties.query import timeline
from pipeline.records import append_record, records_path
from pipeline.report.builder import render
from pipeline.report.data import load_parties
from pipeline.report.partiesview import TL_DATED_W, parties_view
from pipeline.report.view import article_view
from tests.report.conftest import (RIVAL_ID, RIVAL_QUOTE, SEED_ID, parties_inputs, rival_article,
                                   rival_record, sample_inputs, seed_article, seed_record)


class _Rows(HTMLParser):
    """Per party row (`tr id="party-…"`): its timeline marks as (class, href, title text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: dict[str, list[tuple[str, str, str]]] = {}
        self.ids: set[str] = set()
        self._row: str | None = None
        self._mark: list[str] | None = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "tr" and (a.get("id") or "").startswith("party-"):
            self._row = a["id"]
            self.rows[self._row] = []
        elif tag == "a" and self._row and "mk" in (a.get("class") or "").split():
            self._mark = [a.get("class") or "", a.get("href") or "", ""]
        elif tag == "title" and self._mark is not None:
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "a" and self._mark is not None and self._row:
            self.rows[self._row].append((self._mark[0], self._mark[1], self._mark[2]))
            self._mark = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._in_title and self._mark is not None:
            self._mark[2] += data


def _rows(html: str) -> _Rows:
    p = _Rows()
    p.feed(html)
    return p


def _views(inputs):
    ordered = sorted(inputs.articles, key=lambda a: (a.title.casefold(), a.id))
    return [article_view(i, a, inputs.records.get(a.id), None) for i, a in enumerate(ordered)]


def test_every_party_row_has_one_mark_per_claim_with_its_role_and_quote():
    inputs = parties_inputs()
    res = inputs.parties
    assert isinstance(res, Resolution)
    page = _rows(render(inputs))
    titles = {a.id: a.title for a in inputs.articles}
    assert len(page.rows) == len(res.index.parties) == 9
    for party in res.index.parties.values():
        entries = timeline(res, party)
        marks = page.rows[f"party-{party.id}"]
        assert len(marks) == len(entries) >= 1, party.id
        for (cls, href, title), e in zip(marks, entries):
            assert cls.split() == ["mk", e.role] + ([] if e.published_at else ["undated"])
            assert title.startswith(f"{e.published_at or 'undated'} · {titles[e.article_id]} · {e.role}: ")
            assert e.quote in title
            assert href.lstrip("#") in page.ids  # the claim (or its highlight) is in the page
    # Microsoft: two losses and two unchanged statements in the seed, then a win a month later
    ms = page.rows["party-microsoft"]
    assert [c for c, _, _ in ms] == ["mk loser", "mk loser", "mk unchanged", "mk unchanged", "mk winner"]
    assert ms[4][2].endswith(f"“{RIVAL_QUOTE}”")  # quotes, <, > and & come back as written
    assert ms[4][1] == "#hl-a2-w0" and ms[1][1] == "#c-a1-l2"  # the unverified quote: its claim card


def test_marks_sit_at_their_dates_and_undated_claims_in_their_own_lane():
    inputs = parties_inputs()
    assert isinstance(inputs.parties, Resolution)
    pv = parties_view(inputs.parties, _views(inputs))
    lines = {ln.id: ln for ln in pv.rows + pv.single + pv.groups}

    def x(d: str) -> float:
        return float(re.match(r"M([\d.]+) ", d).group(1))

    ms = lines["microsoft"].marks
    assert x(ms[0].d) < 20 and TL_DATED_W - 20 < x(ms[-1].d) < TL_DATED_W  # first and last day
    apps = {m.role: m for m in lines["delivery-apps"].marks}
    assert apps["winner"].dated and x(apps["winner"].d) < TL_DATED_W
    assert not apps["loser"].dated and x(apps["loser"].d) >= pv.undated_x  # the grocers piece has no date
    # winners above the line, losers below
    assert float(apps["winner"].d.split()[1].split("l")[0]) < pv.base_y
    assert float(apps["loser"].d.split()[1].split("l")[0]) > pv.base_y
    assert [t.label for t in pv.ticks] == ["2026-05-01", "2026-05-21", "2026-06-10"]


def test_parties_named_in_one_article_start_collapsed_and_chart_counts_spellings_together():
    inputs = parties_inputs()
    assert isinstance(inputs.parties, Resolution)
    pv = parties_view(inputs.parties, _views(inputs))
    assert [ln.id for ln in pv.rows] == ["microsoft", "oracle"]
    assert all(ln.articles == 1 for ln in pv.single) and len(pv.single) == 6
    assert [ln.id for ln in pv.groups] == ["delivery-apps"]  # a class of parties, behind its toggle
    ms = pv.rows[0]
    assert (ms.winner, ms.loser, ms.unchanged, ms.articles) == (1, 1, 1, 2)
    assert ms.aliases == ["Microsoft Corp."] and ms.disputed
    assert (ms.first_seen, ms.last_seen) == ("2026-05-01", "2026-06-10")
    html = render(inputs)
    single = html[html.index('<details class="more-parties" id="parties-single">'):]
    single = single[:single.index("</details>\n")]
    assert 'id="party-anthropic"' in single and 'id="party-microsoft"' not in single
    row = re.search(r'<tr data-party="[^"]*" id="party-microsoft".*?</tr>', html, re.S).group(0)
    assert 'title="Also written: Microsoft Corp."' in row and "2026-05-01 – 2026-06-10" in row
    assert "Cloud &amp; Co &lt;Daily&gt;, Seed Weekly" in row and 'href="#dis-microsoft"' in row
    bars = html[html.index('<svg class="chart"'):html.index("</svg>", html.index('<svg class="chart"'))]
    # "Delivery apps" is a class of parties (a group): out of the chart
    assert bars.count('class="bar-w"') == 7 and bars.count('class="bar-l"') == 3


def test_disagreements_show_both_sides_with_quotes_titles_sources_and_dates():
    html = render(parties_inputs())
    section = html[html.index('id="disagreements"'):]
    section = section[:section.index("</section>")]
    assert re.findall(r'<div class="dis" id="([^"]+)"', section) == ["dis-microsoft", "dis-delivery-apps",
                                                                     "dis-oracle"]
    ms = section[section.index('id="dis-microsoft"'):section.index('id="dis-delivery-apps"')]
    win, lose = ms.split('<div class="side lose">')
    assert "A winner in 1 article" in win and "A loser in 1 article" in lose
    assert htmllib.escape(RIVAL_QUOTE, quote=True).replace("&quot;", "&#34;") in win
    assert 'href="#hl-a2-w0"' in win and "Rivals &lt;cloud&gt; &amp; “friends”" in win
    assert "Cloud &amp; Co &lt;Daily&gt; · 2026-06-10" in win
    assert "“Microsoft’s stock loses, short-term.”" in lose and 'href="#hl-a1-l0"' in lose
    assert "Microsoft is finished as a cloud company." in lose and "unverified" in lose
    assert "Seed Weekly · 2026-05-01" in lose and f'href="#art-{SEED_ID}"' in lose
    apps = section[section.index('id="dis-delivery-apps"'):section.index('id="dis-oracle"')]
    assert "· undated" in apps.split('<div class="side lose">')[1]
    # nothing a model or an article wrote became markup
    assert "<best>" not in html and "<cloud>" not in html and "<Daily>" not in html and "<engineers>" not in html


def test_report_without_a_saved_resolution_resolves_the_records_it_shows():
    inputs = sample_inputs()
    assert inputs.parties is None
    html = render(inputs)
    named = {c.party.strip() for r in inputs.records.values() for c in r.analysis.winners + r.analysis.losers}
    shown = set(re.findall(r'<a href="#party-[^"]+" data-filter-party="[^"]*"[^>]*>([^<]*)</a>', html))
    assert {htmllib.unescape(s) for s in shown} == named and len(named) == 9
    assert 'id="disagreements"' in html and "No party is called a winner in one article and a loser" in html


def test_groups_are_behind_their_own_toggle_and_out_of_the_chart():
    inputs = parties_inputs()
    res = inputs.parties
    assert isinstance(res, Resolution)
    grocers = next(p for p in res.index.parties.values() if p.name.startswith("Independent grocers"))
    group = grocers.model_copy(update={"kind": "group"})
    inputs.parties = Resolution(index=res.index, mentions=[(m, group if p.id == grocers.id else p)
                                                           for m, p in res.mentions])
    pv = parties_view(inputs.parties, _views(inputs))
    assert grocers.id in [ln.id for ln in pv.groups]
    assert grocers.id not in {ln.id for ln in pv.rows + pv.single + pv.chart_rows}
    html = render(inputs)
    groups = html[html.index('id="parties-groups"'):]
    assert f'id="party-{grocers.id}"' in groups[:groups.index("</details>")]


def test_saved_index_and_parties_yaml_are_read_never_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    seed, rival = seed_article(), rival_article()
    for rec in (seed_record(seed), rival_record(rival)):
        append_record(rec, records_path(home))
    (home / "parties.yaml").write_text("merge:\n  - [Amazon Web Services, AWS]\n", encoding="utf-8")
    res = load_parties(home, [seed, rival])
    assert not (home / "parties").exists()  # a report never writes the index
    aws = next(p for m, p in res.mentions if m.name == "AWS")
    assert aws.name == "Amazon Web Services"
    inputs = parties_inputs()
    inputs.parties = res
    html = render(inputs)
    claim = re.search(r'<li class="claim winner" id="c-a1-w2"[^>]*data-party="([^"]*)"', html).group(1)
    assert "aws" in claim.split() and "amazon web services" in claim  # the filter finds AWS as Amazon
    row = re.search(rf'<tr data-party="[^"]*" id="party-{aws.id}".*?</tr>', html, re.S).group(0)
    assert ">Amazon Web Services</a>" in row and "Also written: AWS" in row
    assert {m.article_id for m, _ in res.mentions} == {SEED_ID, RIVAL_ID}
