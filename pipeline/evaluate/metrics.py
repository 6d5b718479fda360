"""Precision, recall, F1 from counts; micro-averaging; seeded bootstrap intervals over articles.

Conventions (documented in docs/evals.md and tested):
- tp = predictions matched to *required* gold items; fp = predictions matched to nothing;
  predictions matched to optional (`required: false`) gold items count as neither.
- fn = required gold items left unmatched; optional gold items never count.
- precision = tp / (tp + fp), and 1.0 when there is no counted prediction;
  recall = tp / (tp + fn), and 1.0 when there is no required gold item;
  F1 = 2PR / (P + R), and 0.0 when P + R = 0.
- Micro-averaging sums tp/fp/fn before dividing (per field over articles; overall over
  articles and fields). Per-article figures sum that article's fields.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

FIELDS: tuple[str, ...] = ("winners", "losers", "unchanged")


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def metrics(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p, r, f = prf(tp, fp, fn)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": int(tp), "fp": int(fp), "fn": int(fn)}


def _vector_prf(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """counts [..., 3] (tp, fp, fn) → arrays of precision, recall, F1 (same conventions)."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1e-12), 1.0)
        r = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1e-12), 1.0)
        f = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)
    return p, r, f


def bootstrap(counts: np.ndarray, *, samples: int = 1000, seed: int = 0,
              confidence: float = 0.95) -> dict[str, dict[str, list[float]]]:
    """Percentile intervals of micro P/R/F1, resampling articles with replacement.

    `counts` has shape [articles, fields, 3]. Returns {"overall"|field: {"precision": [lo, hi],
    ...}}. Same seed and counts give the same intervals.
    """
    n_art = counts.shape[0]
    keys = ["overall", *FIELDS[: counts.shape[1]]]
    if n_art == 0 or samples <= 0:
        return {k: {m: [0.0, 0.0] for m in ("precision", "recall", "f1")} for k in keys}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n_art, size=(samples, n_art))
    resampled = counts[idx].sum(axis=1)  # [samples, fields, 3]
    per_key = {"overall": resampled.sum(axis=1)}
    for i, name in enumerate(FIELDS[: counts.shape[1]]):
        per_key[name] = resampled[:, i, :]
    alpha = (1.0 - confidence) / 2.0
    out: dict[str, dict[str, list[float]]] = {}
    for key, c in per_key.items():
        vals = _vector_prf(c)
        out[key] = {m: [round(float(np.quantile(v, alpha)), 4), round(float(np.quantile(v, 1 - alpha)), 4)]
                    for m, v in zip(("precision", "recall", "f1"), vals)}
    return out


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (0 for a single value)."""
    if not values:
        return 0.0, 0.0
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std())
