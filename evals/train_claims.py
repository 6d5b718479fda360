"""Train the learned claim model (`pipeline/data/claim_model.json`) from the labeled gold.

    PIPELINE_HOME=<a home with the corpus ingested> .venv/bin/python evals/train_claims.py [--cv] [--write]

Trains ONLY on the explicit suite and the studied real parts (dev, holdout, fresh, fresh2,
fresh3), never on `test`. `--cv` reports leave-one-part-out figures: for each real part, a model
trained on every other part scores the part it never saw, beside the rule reader on that same
part (micro P/R/F1 over winners, losers and unchanged, the eval's own scorer). `--write` writes
the weights trained on all studied parts. Deterministic: fixed seed, sorted inputs, and the
threshold is chosen by inner leave-one-part-out on the training parts only.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.evaluate.gold import load_gold
from pipeline.evaluate.match import Scorer, Thresholds, party_similarity
from pipeline.evaluate.predictions import close_store, open_store, resolve_articles
from pipeline.extraction import claim_model, learned
from pipeline.llm.fake import FakeProvider
from pipeline.types import ArticleAnalysis

PARTS = {"explicit": "evals/gold", "dev": "evals/gold-real/dev", "holdout": "evals/gold-real/holdout",
         "fresh": "evals/gold-real/fresh", "fresh2": "evals/gold-real/fresh2", "fresh3": "evals/gold-real/fresh3"}
REAL = ("dev", "holdout", "fresh", "fresh2", "fresh3")
SEED = 0
C = 0.5


@dataclass
class Item:
    part: str
    found: learned.ArticleCandidates
    labels: list[int | None]  # 1: matches required gold on that side, None: optional gold only, 0: no gold
    gold: dict
    text: str
    missing: int  # required party gold items no candidate can reach


def _label(name: str, items: list, th: Thresholds) -> int | None:
    hits = [g for g in items if party_similarity(name, g, th, None).ok]
    return 1 if any(g.required for g in hits) else (None if hits else 0)


def collect(parts: list[str]) -> list[Item]:
    th = Thresholds()
    store = open_store(required=True)
    try:
        out: list[Item] = []
        for part in parts:
            gold = sorted(load_gold([PARTS[part]]), key=lambda g: str(g.file))
            for r in resolve_articles(gold, store=store):
                found = learned.candidates(r.article, FakeProvider())
                labels = [_label(c.party, r.gold.field_items(c.role + "s"), th) for c in found.claims]
                missing = 0
                for side in ("winners", "losers"):
                    for g in r.gold.field_items(side):
                        if g.required and not any(party_similarity(c.party, g, th, None).ok
                                                  for c in found.claims if c.role + "s" == side):
                            missing += 1
                out.append(Item(part, found, labels, r.gold.items, r.text or "", missing))
                print(f"  {part}: {r.gold.file.name}: {len(found.claims)} candidates", file=sys.stderr)
        return out
    finally:
        close_store(store)


def _xy(items: list[Item]) -> tuple[np.ndarray, np.ndarray]:
    rows = [(c.features, y) for it in items for c, y in zip(it.found.claims, it.labels) if y is not None]
    return np.asarray([r[0] for r in rows], dtype=float), np.asarray([r[1] for r in rows], dtype=int)


def fit(items: list[Item], threshold: float | None = None) -> claim_model.ClaimModel:
    from sklearn.linear_model import LogisticRegression

    x, y = _xy(items)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    lr = LogisticRegression(C=C, max_iter=5000, random_state=SEED).fit((x - mean) / scale, y)
    if threshold is None:
        threshold = _choose_threshold(items)
    return claim_model.ClaimModel(learned.FEATURES, mean, scale, lr.coef_[0], float(lr.intercept_[0]), threshold)


def _party_counts(items: list[Item], model: claim_model.ClaimModel) -> tuple[int, int, int]:
    """tp, fp, fn over winners and losers, from the labels (fast: no scorer)."""
    tp = fp = fn = 0
    for it in items:
        w, lo = claim_model.decide(it.found.claims, model)
        kept = {(c.party, "winner") for c in w} | {(c.party, "loser") for c in lo}
        for c, y in zip(it.found.claims, it.labels):
            if (c.party, c.role) in kept:
                tp, fp = tp + (y == 1), fp + (y == 0)
            elif y == 1:
                fn += 1
        fn += it.missing
    return tp, fp, fn


def _choose_threshold(items: list[Item]) -> float:
    """The threshold maximizing F1 of inner leave-one-part-out predictions on `items` alone."""
    parts = sorted({it.part for it in items})
    grid = [round(t, 2) for t in np.arange(0.2, 0.71, 0.05)]
    totals = np.zeros((len(grid), 3))
    for held in parts:
        train = [it for it in items if it.part != held]
        test = [it for it in items if it.part == held]
        if not train or not test:
            continue
        m = fit(train, threshold=0.5)
        for i, t in enumerate(grid):
            totals[i] += _party_counts(test, claim_model.ClaimModel(m.features, m.mean, m.scale, m.coef,
                                                                     m.intercept, t))
    f1 = [2 * tp / max(1, 2 * tp + fp + fn) for tp, fp, fn in totals]
    return grid[int(np.argmax(f1))]


def score(items: list[Item], analyses: list[ArticleAnalysis], scorer: Scorer) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for it, a in zip(items, analyses):
        for res in scorer.score(it.gold, a, it.text).values():
            tp, fp, fn = tp + res.tp, fp + res.fp, fn + res.fn
    return tp, fp, fn


def prf(c: tuple[int, int, int]) -> str:
    tp, fp, fn = c
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return f"P {p:.3f} R {r:.3f} F1 {2 * p * r / max(1e-9, p + r):.3f} (tp {tp} fp {fp} fn {fn})"


def cross_validate(items: list[Item]) -> None:
    scorer = Scorer(Thresholds())
    sums = {"rules": [0.0, 0], "learned": [0.0, 0]}
    for held in REAL:
        train = [it for it in items if it.part != held]
        test = [it for it in items if it.part == held]
        model = fit(train)
        rules = score(test, [it.found.rules.analysis for it in test], scorer)
        mine = score(test, [claim_model.apply(it.found, model).analysis for it in test], scorer)
        print(f"{held:8s} rules   {prf(rules)}\n{held:8s} learned {prf(mine)}  threshold {model.threshold}")
        for k, c in (("rules", rules), ("learned", mine)):
            tp, fp, fn = c
            sums[k][0] += 2 * tp / max(1, 2 * tp + fp + fn)
            sums[k][1] += 1
    for k, (tot, n) in sums.items():
        print(f"mean F1 over left-out parts, {k}: {tot / n:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="leave-one-part-out figures")
    ap.add_argument("--write", action="store_true", help="write pipeline/data/claim_model.json")
    args = ap.parse_args(argv)
    items = collect(list(PARTS))
    if args.cv:
        cross_validate(items)
    model = fit(items)
    print("weights:", {f: round(float(w), 3) for f, w in zip(model.features, model.coef)},
          "threshold", model.threshold)
    if args.write:
        path = Path(claim_model.model_path())
        path.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
