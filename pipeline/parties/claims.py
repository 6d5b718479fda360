"""`pipeline claims`: the corpus-wide view of who wins and who loses, from the newest record of
each article, grouped by canonical party (`pipeline.parties`): "AWS", "Amazon Web Services" and
"Amazon's cloud unit" are one group when resolution (or parties.yaml) says so, while each claim
keeps the name as its article wrote it. Generic non-parties ("customers", "Companies") and names
`ignore`d in parties.yaml are left out, as in `pipeline parties`.

Moved here from `pipeline.extraction.claims`: grouping by canonical party needs this layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.parties.mentions import latest_records
from pipeline.parties.query import find_party
from pipeline.parties.state import Meta, article_meta, resolve_home
from pipeline.text.parties import party_key


def _store_meta() -> dict[str, Meta]:
    """Article titles, sources and dates from the store when there is one."""
    try:
        from pipeline.corpus.store import Store

        store = Store()
        try:
            return article_meta(store)
        finally:
            store.close()
    except Exception:  # noqa: BLE001 - no store, or an unreadable one: show ids instead
        return {}


def corpus_claims(party: str | None = None, model: str | None = None, path: Path | None = None,
                  titles: dict[str, str] | None = None) -> dict[str, Any]:
    """{"parties": [{"party", "party_id", "key", "names", "winners": [...], "losers": [...], counts}], ...}

    `path`: the records file (its folder is the home whose party index is used and kept up to
    date); `titles`: article titles to show (None: read them, with dates, from the store)."""
    from pipeline.records import records_path

    path = Path(path) if path is not None else records_path()
    recs = latest_records(model, path)
    meta = (_store_meta() if recs else {}) if titles is None else {k: Meta(title=v) for k, v in titles.items()}
    res = resolve_home(path.parent, model=model, meta=meta).resolution
    links = res.index.link_map()
    target = find_party(res, party) if party else None
    if party and target is None:  # as before: no such party, no claims
        recs = []
    groups: dict[str, dict[str, Any]] = {}
    for rec in recs:
        for role, items in (("winner", rec.analysis.winners), ("loser", rec.analysis.losers)):
            for c in items:
                lk = links.get((rec.article_id, c.party.strip()))
                pid = lk.party_id if lk is not None else None
                if pid is None or pid not in res.index.parties:
                    continue  # a generic non-party, or a name parties.yaml ignores
                if target is not None and pid != target.id:
                    continue
                p = res.index.parties[pid]
                g = groups.setdefault(pid, {"party": p.name, "party_id": pid, "key": party_key(p.name) or pid,
                                            "names": [], "winners": [], "losers": []})
                if c.party not in g["names"]:
                    g["names"].append(c.party)
                g[role + "s"].append({
                    "article_id": rec.article_id,
                    "article_title": meta[rec.article_id].title if rec.article_id in meta else "",
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
        parties.append(g)
    parties.sort(key=lambda g: (-(g["winner_count"] + g["loser_count"]), g["key"]))
    return {"parties": parties, "articles": len(recs), "records_file": str(path),
            "filter": {"party": party, "model": model}}
