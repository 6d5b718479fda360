"""Matching predictions to gold items: similarity per pair, then one-to-one optimal assignment.

Parties match by normalized name or alias (score 1.0), then fuzzy (rapidfuzz token-sort ratio,
or a whole-token containment of a distinctive name such as "Google" in "Google Cloud", scored 0.9,
but not a generic word such as "Large" in "Large enterprises"), then optionally by
MiniLM cosine. Statements (`unchanged`) match on meaning (MiniLM cosine against the gold
statement and its aliases) or on evidence overlap (Dice coefficient of the two character spans
in the article). The assignment maximizes, in this order: the number of matches, the number of
matched *required* gold items, and the total similarity — so a greedy best-first choice can
never cost a match.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from pipeline.evaluate.gold import GoldItem
from pipeline.evaluate.names import distinctive, name_tokens, normalize_name, normalize_statement
from pipeline.types import ArticleAnalysis

EmbedFn = Callable[[list[str]], np.ndarray]
CONTAINMENT_SCORE = 0.9


@dataclass(frozen=True)
class Thresholds:
    """Similarity thresholds in [0, 1]; reported with every result."""

    party_fuzzy: float = 0.85
    party_embedding: float | None = None  # None: embedding similarity for parties is off
    statement: float = 0.55  # MiniLM cosine for `unchanged` statements
    evidence_overlap: float = 0.5  # Dice overlap of evidence spans for `unchanged`

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


@dataclass(frozen=True)
class PredItem:
    """One predicted claim, flattened."""

    field: str
    index: int
    text: str
    quote: str = ""
    start: int | None = None
    end: int | None = None
    status: str = "unverified"


def pred_items(analysis: ArticleAnalysis | None, field_name: str) -> list[PredItem]:
    if analysis is None:
        return []
    out = []
    for i, claim in enumerate(getattr(analysis, field_name)):
        text = claim.statement if field_name == "unchanged" else claim.party
        ev = claim.evidence
        out.append(PredItem(field_name, i, text, ev.quote, ev.start, ev.end, ev.status))
    return out


@dataclass(frozen=True)
class Similarity:
    score: float
    method: str  # exact | alias | fuzzy | embedding | meaning | evidence | none
    ok: bool  # reaches its threshold, so the pair may be matched
    detail: str = ""  # e.g. which alias matched

    def describe(self) -> str:
        via = f" via {self.detail!r}" if self.detail else ""
        return f"{self.method} {self.score:.2f}{via}"


NO_MATCH = Similarity(0.0, "none", False)


class EmbeddingCache:
    """Embeds each distinct string once; the model loads only when first needed."""

    def __init__(self, embed: EmbedFn | None = None) -> None:
        self._embed = embed
        self._vectors: dict[str, np.ndarray] = {}

    def _fn(self) -> EmbedFn:
        if self._embed is None:
            from pipeline.corpus.embed import get_embedder

            self._embed = get_embedder().embed
        return self._embed

    def prime(self, texts: Sequence[str]) -> None:
        missing = sorted({t for t in texts if t and t not in self._vectors})
        if not missing:
            return
        vecs: np.ndarray = np.asarray(self._fn()(missing), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.where(norms == 0, 1, norms)
        self._vectors.update(zip(missing, vecs))

    def cosine(self, a: str, b: str) -> float:
        if not a.strip() or not b.strip():
            return 0.0
        self.prime([a, b])
        return float(np.clip(self._vectors[a] @ self._vectors[b], -1.0, 1.0))


def name_fuzzy(a: str, b: str) -> float:
    """Fuzzy similarity of two normalized names in [0, 1]."""
    if not a or not b:
        return 0.0
    ratio = fuzz.token_sort_ratio(a, b) / 100.0
    ta, tb = name_tokens(a), name_tokens(b)
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if small and small <= big and distinctive(small):
        ratio = max(ratio, CONTAINMENT_SCORE)
    return ratio


def party_similarity(pred: str, gold: GoldItem, th: Thresholds, emb: EmbeddingCache | None) -> Similarity:
    np_ = normalize_name(pred)
    if not np_:
        return NO_MATCH
    for i, name in enumerate(gold.names):
        if normalize_name(name) == np_:
            return Similarity(1.0, "exact" if i == 0 else "alias", True, "" if i == 0 else name)
    best = max(((name_fuzzy(np_, normalize_name(n)), n) for n in gold.names), key=lambda x: x[0])
    fuzzy = Similarity(round(best[0], 4), "fuzzy", best[0] >= th.party_fuzzy,
                       best[1] if best[1] != gold.text else "")
    if fuzzy.ok or th.party_embedding is None or emb is None:
        return fuzzy
    cos, name = max(((emb.cosine(pred, n), n) for n in gold.names), key=lambda x: x[0])
    if cos >= th.party_embedding:
        return Similarity(round(cos, 4), "embedding", True, name if name != gold.text else "")
    return fuzzy if fuzzy.score >= cos else Similarity(round(cos, 4), "embedding", False)


def dice(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    total = (a[1] - a[0]) + (b[1] - b[0])
    return 2.0 * inter / total if total else 0.0


def text_overlap(a: str, b: str) -> float:
    """Dice overlap of two quotes without the article: one aligned inside the other."""
    from pipeline.text.ground import normalize

    na, nb = normalize(a).text, normalize(b).text
    if not na or not nb:
        return 0.0
    short, long_ = (na, nb) if len(na) <= len(nb) else (nb, na)
    if short in long_:
        inter = len(short)
    else:
        al = fuzz.partial_ratio_alignment(short, long_, score_cutoff=90)
        if al is None:
            return 0.0
        inter = min(len(short), al.dest_end - al.dest_start)
    return 2.0 * inter / (len(na) + len(nb))


class SpanLocator:
    """Evidence spans in one article's text (None when the text is unknown)."""

    def __init__(self, text: str | None) -> None:
        self.text = text
        self._cache: dict[str, tuple[int, int] | None] = {}

    def locate(self, quote: str | None) -> tuple[int, int] | None:
        if not quote or self.text is None:
            return None
        if quote not in self._cache:
            from pipeline.text.ground import locate

            ev = locate(quote, self.text)
            self._cache[quote] = (ev.start, ev.end) if ev.status != "unverified" and ev.start is not None and ev.end is not None else None
        return self._cache[quote]

    def pred_span(self, p: PredItem) -> tuple[int, int] | None:
        if self.text is None:
            return None
        if (p.status in ("exact", "fuzzy") and p.start is not None and p.end is not None
                and 0 <= p.start < p.end <= len(self.text)):
            return (p.start, p.end)
        return self.locate(p.quote)


def evidence_overlap(p: PredItem, gold: GoldItem, spans: SpanLocator) -> float:
    if not gold.evidence or not p.quote:
        return 0.0
    g, q = spans.locate(gold.evidence), spans.pred_span(p)
    if g is not None and q is not None:
        return dice(g, q)
    return text_overlap(p.quote, gold.evidence)  # no article text, or a span not found


def statement_similarity(p: PredItem, gold: GoldItem, th: Thresholds, emb: EmbeddingCache,
                         spans: SpanLocator) -> Similarity:
    meaning = max((emb.cosine(p.text, n) for n in gold.names), default=0.0) if p.text.strip() else 0.0
    overlap = evidence_overlap(p, gold, spans)
    cands = [Similarity(round(meaning, 4), "meaning", meaning >= th.statement),
             Similarity(round(overlap, 4), "evidence", overlap >= th.evidence_overlap)]
    ok = [c for c in cands if c.ok]
    return max(ok or cands, key=lambda c: c.score)


def assign(ok: np.ndarray, score: np.ndarray, required: Sequence[bool]) -> list[tuple[int, int]]:
    """Optimal one-to-one pairs (gold, pred) among the `ok` pairs.

    Lexicographic objective: most matches, then most required gold matched, then highest total
    score. Encoded as one weight per pair: A + B*required + score with B > any score sum and
    A > any B*count + score sum.
    """
    n_gold, n_pred = ok.shape
    if n_gold == 0 or n_pred == 0 or not ok.any():
        return []
    n = min(n_gold, n_pred)
    b = n + 1.0
    a = b * n + n + 1.0
    req = np.asarray(required, dtype=float)[:, None]
    weights = np.where(ok, a + b * req + np.clip(score, 0.0, 1.0), 0.0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return sorted((int(r), int(c)) for r, c in zip(rows, cols) if ok[r, c])


@dataclass
class FieldResult:
    """One field of one article: items, the chosen pairs, counts and explanations."""

    field: str
    gold: list[GoldItem]
    preds: list[PredItem]
    sims: list[list[Similarity]]  # [gold][pred]
    pairs: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # `field` is shadowed above

    @property
    def gold_of_pred(self) -> dict[int, int]:
        return {p: g for g, p in self.pairs}

    @property
    def tp(self) -> int:
        return sum(1 for g, _ in self.pairs if self.gold[g].required)

    @property
    def ignored(self) -> int:
        """Predictions matched to optional gold: neither true nor false positives."""
        return sum(1 for g, _ in self.pairs if not self.gold[g].required)

    @property
    def fp(self) -> int:
        return len(self.preds) - len(self.pairs)

    @property
    def fn(self) -> int:
        return sum(1 for it in self.gold if it.required) - self.tp

    def explain(self) -> dict[str, list[dict[str, Any]]]:
        pred_of_gold = {g: p for g, p in self.pairs}
        gold_of_pred = self.gold_of_pred
        gold_out = []
        for gi, item in enumerate(self.gold):
            row: dict[str, Any] = {"gold": item.text, "required": item.required, "line": item.line}
            if gi in pred_of_gold:
                pj = pred_of_gold[gi]
                sim = self.sims[gi][pj]
                row.update(matched=True, prediction=self.preds[pj].text, prediction_index=pj,
                           score=sim.score, method=sim.method,
                           why=f"matched prediction #{pj} {self.preds[pj].text!r} ({sim.describe()})")
            else:
                row.update(matched=False, prediction=None, prediction_index=None, score=None,
                           method=None, why=self._why_missed(gi, gold_of_pred))
            gold_out.append(row)
        pred_out = []
        for pj, p in enumerate(self.preds):
            row = {"index": pj, "prediction": p.text, "evidence_status": p.status}
            if pj in gold_of_pred:
                gi = gold_of_pred[pj]
                sim = self.sims[gi][pj]
                kind = "true-positive" if self.gold[gi].required else "optional"
                why = (f"matched gold {self.gold[gi].text!r} ({sim.describe()})" if kind == "true-positive"
                       else f"matched optional gold {self.gold[gi].text!r} ({sim.describe()}); not counted")
                row.update(outcome=kind, gold=self.gold[gi].text, score=sim.score, method=sim.method, why=why)
            else:
                row.update(outcome="false-positive", gold=None, score=None, method=None,
                           why=self._why_fp(pj))
            pred_out.append(row)
        return {"gold": gold_out, "predictions": pred_out}

    def _why_missed(self, gi: int, gold_of_pred: dict[int, int]) -> str:
        tag = "missed" if self.gold[gi].required else "not predicted (optional, not counted)"
        if not self.preds:
            return f"{tag}: no predictions in `{self.field}`"
        pj = max(range(len(self.preds)), key=lambda j: self.sims[gi][j].score)
        sim = self.sims[gi][pj]
        cand = f"prediction #{pj} {self.preds[pj].text!r} ({sim.describe()})"
        if sim.ok and pj in gold_of_pred:
            return f"{tag}: best candidate {cand} was assigned to gold {self.gold[gold_of_pred[pj]].text!r}"
        return f"{tag}: best candidate {cand} is below the threshold"

    def _why_fp(self, pj: int) -> str:
        if not self.gold:
            return f"no gold items in `{self.field}`"
        gi = max(range(len(self.gold)), key=lambda i: self.sims[i][pj].score)
        sim = self.sims[gi][pj]
        cand = f"gold {self.gold[gi].text!r} ({sim.describe()})"
        if sim.ok:
            return f"closest {cand} was matched by another prediction"
        return f"no gold item close enough: closest {cand} is below the threshold"


class Scorer:
    """Scores one article's analysis against its gold items with fixed thresholds."""

    def __init__(self, thresholds: Thresholds | None = None, embed: EmbedFn | None = None) -> None:
        self.th = thresholds or Thresholds()
        self.emb = EmbeddingCache(embed)

    def score_field(self, field_name: str, gold: list[GoldItem], preds: list[PredItem],
                    spans: SpanLocator) -> FieldResult:
        if field_name == "unchanged":
            def sim(p: PredItem, g: GoldItem) -> Similarity:
                return statement_similarity(p, g, self.th, self.emb, spans)
        else:
            def sim(p: PredItem, g: GoldItem) -> Similarity:
                return party_similarity(p.text, g, self.th, self.emb)
        sims = [[sim(p, g) for p in preds] for g in gold]
        res = FieldResult(field_name, gold, preds, sims)
        if gold and preds:
            ok = np.array([[s.ok for s in row] for row in sims], dtype=bool)
            score = np.array([[s.score for s in row] for row in sims], dtype=float)
            res.pairs = assign(ok, score, [g.required for g in gold])
        return res

    def score(self, gold_items: dict[str, list[GoldItem]], analysis: ArticleAnalysis | None,
              text: str | None, fields: Sequence[str] = ("winners", "losers", "unchanged")) -> dict[str, FieldResult]:
        spans = SpanLocator(text)
        return {f: self.score_field(f, gold_items.get(f, []), pred_items(analysis, f), spans) for f in fields}

    def prime(self, texts: Sequence[str]) -> None:
        """Embed many statements in one batch before scoring (faster than pair by pair)."""
        self.emb.prime([t for t in texts if t and t.strip()])


def statement_texts(gold_items: dict[str, list[GoldItem]], analysis: ArticleAnalysis | None) -> list[str]:
    """The strings `Scorer` will embed for one article (for `Scorer.prime`)."""
    out = [n for it in gold_items.get("unchanged", []) for n in it.names]
    if analysis is not None:
        out += [c.statement for c in analysis.unchanged]
    return out


__all__ = ["Thresholds", "PredItem", "Similarity", "FieldResult", "Scorer", "EmbeddingCache",
           "assign", "dice", "name_fuzzy", "normalize_name", "normalize_statement",
           "party_similarity", "statement_similarity", "pred_items", "statement_texts"]
