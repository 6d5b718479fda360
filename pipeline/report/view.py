"""Turn articles, extraction records, summaries and eval results into what the template shows.

Everything here is plain data; the template does the markup (with autoescape on), so no
string built here is ever trusted as HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from pipeline.parties import Resolution
from pipeline.report.highlight import Run, Span, split_runs, valid_span
from pipeline.text.parties import party_key  # one key for every stage
from pipeline.types import (Article, ArticleAnalysis, Evidence, ExtractionRecord, InjectionFlag, Usage,
                            utcnow_iso)

KINDS = ("winner", "loser", "unchanged")


@dataclass
class ReportInputs:
    """All a report is built from; `load_inputs` fills it from `$PIPELINE_HOME`."""

    articles: list[Article]
    records: dict[str, ExtractionRecord] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)  # article id -> summary text
    digest: str | None = None  # Markdown, shown when there is no digest record
    digest_record: dict[str, Any] | None = None  # the latest `DigestRecord` as JSON
    evaluation: dict[str, Any] | None = None  # a saved `pipeline eval --json` result
    last_run: dict[str, Any] | None = None  # the last `pipeline run` summary
    other_usage: Usage = field(default_factory=Usage)  # LLM usage beyond extraction (summaries)
    parties: Resolution | None = None  # the corpus's party resolution; None: resolved from `records`
    title: str = "Who wins, who loses"
    generated_at: str = field(default_factory=utcnow_iso)


@dataclass
class ClaimView:
    id: str  # unique in the page, used for element ids
    kind: str  # winner | loser | unchanged
    label: str  # party, or the unchanged statement
    reason: str
    evidence: Evidence
    party_key: str  # normalized party ("" for unchanged)
    canon: str = ""  # the canonical party's id and name keys (set by the parties view)

    @property
    def located(self) -> bool:
        return self.evidence.start is not None and self.evidence.end is not None

    @property
    def status(self) -> str:
        return self.evidence.status


@dataclass
class ArticleView:
    anchor: str
    article: Article
    summary: str
    runs: list[Run]
    claims: list[ClaimView]
    model: str | None
    created_at: str | None
    injection_passages: int
    flagged_claims: int = 0

    def of(self, kind: str) -> list[ClaimView]:
        return [c for c in self.claims if c.kind == kind]

    @property
    def parties(self) -> str:
        return " ".join(sorted({c.party_key for c in self.claims if c.party_key}))

    @property
    def grounded(self) -> int:
        return sum(1 for c in self.claims if c.status in ("exact", "fuzzy"))

    @property
    def unverified(self) -> int:
        return sum(1 for c in self.claims if c.status == "unverified")


class Tallied(Protocol):
    """What the chart draws of a party: its name, filter keys and article counts."""

    @property
    def name(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def win_articles(self) -> int: ...

    @property
    def loss_articles(self) -> int: ...


@dataclass
class ChartBar:
    name: str
    key: str
    wins: int
    losses: int
    y: float
    win_w: float
    loss_w: float


@dataclass
class Chart:
    bars: list[ChartBar]
    width: int
    height: int
    label_w: int
    axis_x: float
    half_w: float
    row_h: int
    top: int
    hidden: int  # parties not drawn


def slug(value: str) -> str:
    """A safe HTML id fragment."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-") or "x"


def _claims(prefix: str, analysis: ArticleAnalysis) -> list[ClaimView]:
    out: list[ClaimView] = []
    for kind, items in (("winner", analysis.winners), ("loser", analysis.losers)):
        for i, c in enumerate(items):
            out.append(ClaimView(id=f"{prefix}-{kind[0]}{i}", kind=kind, label=c.party,
                                 reason=c.reason, evidence=c.evidence, party_key=party_key(c.party)))
    for i, u in enumerate(analysis.unchanged):
        out.append(ClaimView(id=f"{prefix}-u{i}", kind="unchanged", label=u.statement, reason="",
                             evidence=u.evidence, party_key=""))
    return out


def injection_flags(article: Article, record: ExtractionRecord | None = None) -> list[InjectionFlag]:
    """The stored flags (article, then extraction record); when neither has them, detect now."""
    if article.injection_flags:
        return article.injection_flags
    if record is not None and record.injection_flags and record.content_hash in (None, article.content_hash):
        return record.injection_flags
    try:
        from pipeline.text.injection import detect_injection
    except ImportError:  # pragma: no cover - the module ships with the package
        return []
    return detect_injection(article.text)


def _injection_spans(article: Article, record: ExtractionRecord | None) -> list[Span]:
    spans: list[Span] = []
    for i, flag in enumerate(injection_flags(article, record)):
        start, end = flag.start, flag.end
        if valid_span(article.text, start, end):
            reasons = flag.reasons or [flag.get("reason") or "instruction-like text"]  # `reason`: older files
            why = ", ".join(str(r) for r in reasons)
            spans.append(Span(start, end, f"inj-{i}", "injection",
                              label=f"Possible prompt injection ({why}): treated as data"))
    return spans


def article_view(index: int, article: Article, record: ExtractionRecord | None,
                 summary: str | None) -> ArticleView:
    prefix = f"a{index}"
    analysis = record.analysis if record else ArticleAnalysis()
    claims = _claims(prefix, analysis)
    spans: list[Span] = []
    for c in claims:
        ev = c.evidence
        if ev.start is None or ev.end is None or not valid_span(article.text, ev.start, ev.end):
            ev = ev.model_copy(update={"start": None, "end": None, "status": "unverified"}) \
                if ev.status != "unverified" else ev.model_copy(update={"start": None, "end": None})
            c.evidence = ev
            continue
        word = {"winner": "Winner", "loser": "Loser", "unchanged": "Unchanged"}[c.kind]
        note = "" if ev.status == "exact" else f" ({ev.status} match)"
        spans.append(Span(ev.start, ev.end, c.id, c.kind, ev.status, f"{word}: {c.label}{note}"))
    inj = _injection_spans(article, record)
    return ArticleView(
        anchor=f"art-{slug(article.id)}", article=article,
        summary=(summary or analysis.summary or "").strip(),
        runs=split_runs(article.text, spans + inj), claims=claims,
        model=record.model if record else None,
        created_at=record.created_at if record else None,
        injection_passages=len(inj),
        flagged_claims=sum(1 for c in claims if c.evidence.flagged_injection))


def chart(parties: Sequence[Tallied], limit: int = 14) -> Chart:
    """A diverging bar chart: losses to the left of the axis, wins to the right."""
    shown = parties[:limit]
    label_w, half_w, row_h, top = 200, 210, 26, 30
    peak = max([max(p.win_articles, p.loss_articles) for p in shown] or [1]) or 1
    bars = [ChartBar(name=p.name, key=p.key, wins=p.win_articles, losses=p.loss_articles,
                     y=top + i * row_h, win_w=half_w * p.win_articles / peak,
                     loss_w=half_w * p.loss_articles / peak) for i, p in enumerate(shown)]
    axis_x = label_w + half_w + 20
    return Chart(bars=bars, width=int(axis_x + half_w + 40), height=top + row_h * len(bars) + 10,
                 label_w=label_w, axis_x=axis_x, half_w=half_w, row_h=row_h, top=top,
                 hidden=max(0, len(parties) - limit))


def totals(articles: list[ArticleView], records: dict[str, ExtractionRecord],
           other: Usage | None = None) -> dict[str, Any]:
    claims = [c for a in articles for c in a.claims]
    grounded = sum(1 for c in claims if c.status in ("exact", "fuzzy"))
    usages = [r.usage for r in records.values()] + ([other] if other else [])
    tokens = sum(u.input_tokens + u.output_tokens for u in usages)
    costs = [u.cost_usd for u in usages if u.cost_usd is not None]
    return {
        "articles": len(articles),
        "extracted": sum(1 for a in articles if a.model),
        "claims": len(claims),
        "winners": sum(1 for c in claims if c.kind == "winner"),
        "losers": sum(1 for c in claims if c.kind == "loser"),
        "unchanged": sum(1 for c in claims if c.kind == "unchanged"),
        "grounded": grounded,
        "unverified": sum(1 for c in claims if c.status == "unverified"),
        "grounding_rate": (grounded / len(claims)) if claims else None,
        "models": sorted({a.model for a in articles if a.model}),
        "tokens": tokens,
        "cost_usd": sum(costs) if costs else None,
    }


@dataclass
class Cite:
    """A citation of an article: its anchor in the page and a short label."""

    anchor: str
    label: str
    title: str


@dataclass
class DigestRow:
    text: str
    count: int
    cites: list[Cite]
    against: list[Cite] = field(default_factory=list)  # disagreements: where it is a loser


@dataclass
class DigestView:
    overview: list[str | Cite]  # text pieces with inline citations
    winners: list[DigestRow]
    losers: list[DigestRow]
    unchanged: list[DigestRow]
    disagreements: list[DigestRow]
    model: str
    created_at: str
    covered: int


_CITED = re.compile(r"\[([^\[\]\s]+)\]")


def digest_view(record: dict[str, Any], articles: list[ArticleView]) -> DigestView:
    """The saved digest (see `pipeline.summarize.DigestRecord`) with citations as page links."""
    by_id = {a.article.id: a for a in articles}
    numbers = {a.article.id: i for i, a in enumerate(articles, start=1)}

    def cite(aid: str) -> Cite | None:
        av = by_id.get(aid)
        return Cite(av.anchor, f"{numbers[aid]}", av.article.title) if av else None

    def cites(ids: list[str]) -> list[Cite]:
        return [c for c in (cite(i) for i in dict.fromkeys(ids)) if c]

    overview: list[str | Cite] = []
    text = str(record.get("overview") or "")
    pos = 0
    for m in _CITED.finditer(text):
        c = cite(m.group(1))
        if c is None:
            continue
        overview.append(text[pos:m.start()])
        overview.append(c)
        pos = m.end()
    overview.append(text[pos:])

    def tallies(rows: list[dict[str, Any]]) -> list[DigestRow]:
        return [DigestRow(str(r.get("party", "")), int(r.get("count") or len(r.get("articles") or [])),
                          cites(list(r.get("articles") or []))) for r in rows]

    unchanged: list[DigestRow] = []
    for u in record.get("unchanged") or []:
        unchanged.append(DigestRow(str(u.get("statement", "")), 1, cites([str(u.get("article_id", ""))])))
    disagreements = [DigestRow(str(d.get("party", "")), 0, cites(list(d.get("winner_in") or [])),
                               cites(list(d.get("loser_in") or [])))
                     for d in record.get("disagreements") or []]
    return DigestView(overview=[p for p in overview if p != ""], winners=tallies(record.get("winners") or []),
                      losers=tallies(record.get("losers") or []), unchanged=unchanged[:12],
                      disagreements=disagreements, model=str(record.get("model") or ""),
                      created_at=str(record.get("created_at") or ""),
                      covered=len(record.get("article_ids") or []))
