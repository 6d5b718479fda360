"""The evaluation section: the score table and, per article, gold vs predicted side by side.

Reads a saved `pipeline eval --json` result (the public shape in issue 5) plus, when present,
the per-item match details, and marks misses (required gold with no prediction) and false
positives (predictions matching no gold item).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.report.view import ArticleView

FIELDS = ("winners", "losers", "unchanged")


@dataclass
class Item:
    label: str
    state: str  # match | miss | fp | optional
    partner: str = ""  # what it matched on the other side
    score: float | None = None
    why: str = ""  # the scorer's explanation


@dataclass
class FieldPair:
    name: str
    scores: dict[str, Any]
    gold: list[Item] = field(default_factory=list)
    predicted: list[Item] = field(default_factory=list)


@dataclass
class EvalArticle:
    label: str
    anchor: str | None
    scores: dict[str, Any]
    fields: list[FieldPair]
    misses: int
    false_positives: int
    has_details: bool = True


@dataclass
class EvalView:
    overall: dict[str, Any]
    fields: dict[str, dict[str, Any]]
    articles: list[EvalArticle]
    meta: dict[str, Any]


def _text(row: dict[str, Any], *keys: str) -> str:
    for key in keys:
        v = row.get(key)
        if isinstance(v, str) and v:
            return v
        if isinstance(v, dict):
            return _text(v, "party", "statement", "text", "label", "name")
    return ""


def _details(entry: dict[str, Any], name: str) -> dict[str, Any]:
    """The explain rows of one field, wherever this eval result keeps them."""
    fields = entry.get("fields") or {}
    explain = entry.get("explain")
    if isinstance(explain, list):  # one per repeat (`pipeline eval --repeat K --explain`): the first
        explain = explain[0] if explain else None
    for holder in (explain, entry.get("details"), (fields.get(name) or {}).get("explain"),
                   fields.get(name)):
        if isinstance(holder, dict):
            d = holder.get(name, holder) if name in holder else holder
            if isinstance(d, dict) and ("gold" in d or "predictions" in d or "predicted" in d):
                return d
    return {}


def _gold_item(row: Any) -> Item:
    if not isinstance(row, dict):
        return Item(str(row), "miss")
    label = _text(row, "gold", "party", "statement", "text", "label")
    partner = _text(row, "prediction", "matched", "match") if row.get("matched") is not False else ""
    matched = bool(row.get("matched")) if "matched" in row else bool(partner)
    state = "match" if matched else ("miss" if row.get("required", True) else "optional")
    return Item(label, state, partner, row.get("score"), str(row.get("why") or ""))


def _pred_item(row: Any) -> Item:
    if not isinstance(row, dict):
        return Item(str(row), "fp")
    label = _text(row, "prediction", "party", "statement", "text", "label")
    partner = _text(row, "gold", "matched", "match")
    outcome = str(row.get("outcome") or "")
    if outcome:
        state = {"false-positive": "fp", "optional": "optional"}.get(outcome, "match")
    else:
        state = "match" if (row.get("matched") or partner) else "fp"
    return Item(label, state, partner, row.get("score"), str(row.get("why") or ""))


def _field_pair(name: str, entry: dict[str, Any]) -> FieldPair:
    scores = (entry.get("fields") or {}).get(name) or {}
    d = _details(entry, name)
    pair = FieldPair(name=name, scores={k: v for k, v in scores.items()
                                        if isinstance(v, (int, float)) and not isinstance(v, bool)})
    pair.gold = [_gold_item(g) for g in d.get("gold", []) or []]
    pair.predicted = [_pred_item(p) for p in (d.get("predictions") or d.get("predicted") or [])]
    return pair


def _find(articles: list[ArticleView], key: str) -> ArticleView | None:
    for av in articles:
        a = av.article
        if key in (a.id, a.path) or (a.path and (key.endswith("/" + a.path) or a.path.endswith(key))):
            return av
    return None


def eval_view(result: dict[str, Any], articles: list[ArticleView]) -> EvalView:
    rows: list[EvalArticle] = []
    for entry in result.get("articles", []) or []:
        key = str(entry.get("article") or entry.get("article_id") or "?")
        av = _find(articles, str(entry.get("article_id") or "")) or _find(articles, key)
        pairs = [_field_pair(f, entry) for f in FIELDS]
        rows.append(EvalArticle(
            label=av.article.title if av else key, anchor=av.anchor if av else None,
            scores={k: v for k, v in entry.items() if isinstance(v, (int, float)) and not isinstance(v, bool)},
            fields=pairs,
            misses=sum(1 for p in pairs for i in p.gold if i.state == "miss"),
            false_positives=sum(1 for p in pairs for i in p.predicted if i.state == "fp"),
            has_details=any(p.gold or p.predicted for p in pairs)))
    meta = {k: result[k] for k in ("source", "model", "created_at") if isinstance(result.get(k), str)}
    overall = result.get("overall") or {}
    for key, label in (("schema_valid_rate", "schema-valid"), ("grounding_rate", "grounded")):
        if isinstance(overall.get(key), (int, float)):
            meta[label] = f"{100 * overall[key]:.0f}%"
    if result.get("gold", {}).get("files") if isinstance(result.get("gold"), dict) else False:
        meta["gold files"] = result["gold"]["files"]
    return EvalView(overall=result.get("overall") or {}, fields=result.get("fields") or {},
                    articles=rows, meta=meta)
