"""`pipeline claims`: the corpus-wide view of who wins and who loses, from the newest record
of each article. Party names group by a normalized key ("Microsoft's stock" and "Microsoft"
group together) while each claim keeps the name as its article wrote it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.extraction.parties import party_key
from pipeline.records import read_records, records_path
from pipeline.types import ExtractionRecord


def _titles() -> dict[str, str]:
    """Article titles from the store when there is one (purely cosmetic)."""
    try:
        from pipeline.corpus.store import Store

        store = Store()
        try:
            return {a.id: a.title for a in store.list_articles()}
        finally:
            store.close()
    except Exception:  # noqa: BLE001 - no store, or an unreadable one: show ids instead
        return {}


def _latest(model: str | None, path: Path | None) -> list[ExtractionRecord]:
    latest: dict[str, ExtractionRecord] = {}
    for rec in read_records(path):
        if model and rec.model != model and rec.stats.requested_model != model \
                and not rec.model.startswith(model.rstrip(":") + ":"):
            continue
        cur = latest.get(rec.article_id)
        if cur is None or rec.created_at >= cur.created_at:
            latest[rec.article_id] = rec
    return list(latest.values())


def corpus_claims(party: str | None = None, model: str | None = None, path: Path | None = None,
                  titles: dict[str, str] | None = None) -> dict[str, Any]:
    """{"parties": [{"party", "key", "names", "winners": [...], "losers": [...], counts}], ...}"""
    path = path or records_path()
    recs = _latest(model, path)
    titles = titles if titles is not None else (_titles() if recs else {})
    groups: dict[str, dict[str, Any]] = {}
    want = party_key(party) if party else None
    for rec in sorted(recs, key=lambda r: r.article_id):
        for role, items in (("winner", rec.analysis.winners), ("loser", rec.analysis.losers)):
            for c in items:
                key = party_key(c.party) or c.party.casefold()
                if want is not None and key != want:
                    continue
                g = groups.setdefault(key, {"party": c.party, "key": key, "names": [],
                                            "winners": [], "losers": []})
                if c.party not in g["names"]:
                    g["names"].append(c.party)
                g[role + "s"].append({
                    "article_id": rec.article_id,
                    "article_title": titles.get(rec.article_id, ""),
                    "party": c.party,
                    "reason": c.reason,
                    "quote": c.evidence.quote,
                    "start": c.evidence.start,
                    "end": c.evidence.end,
                    "status": c.evidence.status,
                    "flagged_injection": c.evidence.flagged_injection,
                    "model": rec.model,
                    "created_at": rec.created_at,
                })
    parties = []
    for g in groups.values():
        g["winner_count"] = len({c["article_id"] for c in g["winners"]})
        g["loser_count"] = len({c["article_id"] for c in g["losers"]})
        # the display name: the most common spelling, shortest on ties
        spellings = [c["party"] for c in g["winners"] + g["losers"]]
        g["party"] = min(set(spellings), key=lambda n: (-spellings.count(n), len(n), n))
        parties.append(g)
    parties.sort(key=lambda g: (-(g["winner_count"] + g["loser_count"]), g["key"]))
    return {"parties": parties, "articles": len(recs), "records_file": str(path),
            "filter": {"party": party, "model": model}}
