"""The learned keep-or-drop decision over candidate claims (`pipeline.extraction.learned`).

A logistic regression trained offline on the labeled gold (`evals/train_claims.py`, seeded)
ships as a small JSON file of weights, so scoring needs numpy only, no new run-time
dependency. Each party gets the side with the higher probability, kept when it clears the
threshold chosen in training; `unchanged` claims stay the rule reader's. Evidence is the
sentence the candidate was read from, so every claim stays grounded by construction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline.errors import UsageError
from pipeline.extraction.learned import FEATURES, ArticleCandidates, ClaimCandidate, candidates
from pipeline.extraction.parties import merge_party_claims
from pipeline.extraction.single import Outcome
from pipeline.llm.base import Provider
from pipeline.types import Article, PartyClaim

MODEL_FILE = "claim_model.json"
ALGO_VERSION = "learned-1"


class ClaimModelError(UsageError, ValueError):
    """The weights file is missing or does not fit the features this code computes."""


@dataclass(frozen=True)
class ClaimModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def probabilities(self, rows: list[list[float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        x = (np.asarray(rows, dtype=float) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))

    def to_json(self) -> dict:
        return {"version": ALGO_VERSION, "features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 4)}


def parse_model(data: object, where: str) -> ClaimModel:
    """A model from its JSON form; a clear error naming `where` when it does not fit."""
    if not isinstance(data, dict):
        raise ClaimModelError(f"{where}: expected a JSON object with features, coef, intercept, threshold")
    missing = {"features", "mean", "scale", "coef", "intercept", "threshold"} - set(data)
    if missing:
        raise ClaimModelError(f"{where}: missing key(s) {', '.join(sorted(missing))}")
    feats = tuple(data["features"])
    if feats != FEATURES:
        raise ClaimModelError(f"{where}: trained on features {list(feats)}, this code computes {list(FEATURES)}; "
                              "retrain with evals/train_claims.py")
    arrays = [np.asarray(data[k], dtype=float) for k in ("mean", "scale", "coef")]
    if any(a.shape != (len(FEATURES),) for a in arrays):
        raise ClaimModelError(f"{where}: mean, scale and coef must each hold {len(FEATURES)} numbers")
    scale = np.where(arrays[1] > 0, arrays[1], 1.0)
    return ClaimModel(feats, arrays[0], scale, arrays[2], float(data["intercept"]), float(data["threshold"]))


def model_path() -> Path:
    return Path(str(resources.files("pipeline") / "data" / MODEL_FILE))


def weights_hash() -> str:
    """Short hash of the shipped weights (part of the run's prompt hash in `learned` mode)."""
    p = model_path()
    return hashlib.sha256(p.read_bytes()).hexdigest()[:12] if p.is_file() else "none"


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> ClaimModel:
    """The shipped weights (or those at `path`)."""
    p = Path(path) if path else model_path()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClaimModelError(f"{p}: the learned claim model is missing; run evals/train_claims.py") from None
    except json.JSONDecodeError as exc:
        raise ClaimModelError(f"{p}: not valid JSON ({exc})") from None
    return parse_model(data, str(p))


def decide(cands: list[ClaimCandidate], model: ClaimModel) -> tuple[list[PartyClaim], list[PartyClaim]]:
    """Winners and losers: per party the likelier side, kept when it clears the threshold."""
    probs = model.probabilities([c.features for c in cands])
    best: dict[str, tuple[float, ClaimCandidate]] = {}
    for c, p in zip(cands, probs):
        if c.key not in best or p > best[c.key][0]:
            best[c.key] = (float(p), c)
    winners: list[PartyClaim] = []
    losers: list[PartyClaim] = []
    for p, c in best.values():
        if p >= model.threshold:
            claim = PartyClaim(party=c.party, reason=c.reason, evidence=c.evidence.model_copy())
            (winners if c.role == "winner" else losers).append(claim)
    return merge_party_claims(winners), merge_party_claims(losers)


def apply(found: ArticleCandidates, model: ClaimModel) -> Outcome:
    winners, losers = decide(found.claims, model)
    analysis = found.rules.analysis.model_copy(update={"winners": winners, "losers": losers})
    return dataclasses.replace(found.rules, analysis=analysis, mode="learned")


def extract(article: Article, provider: Provider) -> Outcome:
    """The `learned` small mode: candidates from the parse, kept or dropped by the shipped model."""
    return apply(candidates(article, provider), load_model())
