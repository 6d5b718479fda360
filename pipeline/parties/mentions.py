"""Mentions from extraction records: one per winner/loser claim, with its article's date and
source, read from the newest record of each article (what `pipeline claims` shows)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

from pipeline.parties.model import PartyMention
from pipeline.records import read_records, records_path
from pipeline.types import Article, ExtractionRecord


def latest_records(model: str | None = None, path: Path | None = None) -> list[ExtractionRecord]:
    """The newest record of each article, optionally of one model (or a model family "local:")."""
    latest: dict[str, ExtractionRecord] = {}
    for rec in read_records(path or records_path()):
        if model and rec.model != model and rec.stats.requested_model != model \
                and not rec.model.startswith(model.rstrip(":") + ":"):
            continue
        cur = latest.get(rec.article_id)
        if cur is None or rec.created_at >= cur.created_at:
            latest[rec.article_id] = rec
    return sorted(latest.values(), key=lambda r: r.article_id)


def mentions_of(records: Iterable[ExtractionRecord],
                articles: Mapping[str, Article] | None = None) -> list[PartyMention]:
    """Winner and loser claims as mentions, in record order (unchanged ones are attached to
    parties later, by name, in `pipeline.parties.resolve`)."""
    articles = articles or {}
    out: list[PartyMention] = []
    for rec in records:
        art = articles.get(rec.article_id)
        meta = PartyMention(article_id=rec.article_id, name="", role="unchanged", model=rec.model,
                            published_at=art.published_at if art else None,
                            source=art.source if art else None, article_title=art.title if art else "")
        for role, claims in (("winner", rec.analysis.winners), ("loser", rec.analysis.losers)):
            for c in claims:
                out.append(meta.model_copy(update=dict(
                    name=c.party.strip(), role=role, quote=c.evidence.quote, start=c.evidence.start,
                    end=c.evidence.end, status=c.evidence.status, reason=c.reason)))
        for u in rec.analysis.unchanged:
            out.append(meta.model_copy(update=dict(
                quote=u.evidence.quote, start=u.evidence.start, end=u.evidence.end,
                status=u.evidence.status, reason=u.statement)))
    return out
