"""Helpers for the eval tests: records, predictions files and gold files written in a tmp dir."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from pipeline.types import ArticleAnalysis, Evidence, ExtractionRecord, PartyClaim, UnchangedClaim, Usage


def minilm_embed(texts: list[str]) -> np.ndarray:
    """The shipped MiniLM through the project's embedder (real model, loaded once)."""
    from pipeline.corpus.embed import get_embedder

    return get_embedder().embed(texts)


def onehot_embed(texts: list[str]) -> np.ndarray:
    """Cosine 1 for identical strings, 0 otherwise: for tests whose numbers must be exact."""
    vocab: dict[str, int] = {}
    ids = [vocab.setdefault(t, len(vocab)) for t in texts]
    out = np.zeros((len(texts), max(len(vocab), 1)), dtype=np.float32)
    out[np.arange(len(texts)), ids] = 1.0
    return out


def ev(quote: str = "q", start: int | None = None, end: int | None = None, status: str = "unverified") -> Evidence:
    return Evidence(quote=quote, start=start, end=end, status=status)


def analysis(winners: Iterable[str] = (), losers: Iterable[str] = (), unchanged: Iterable[str] = (),
             status: str = "exact") -> ArticleAnalysis:
    return ArticleAnalysis(
        winners=[PartyClaim(party=p, evidence=ev(f"about {p}", status=status)) for p in winners],
        losers=[PartyClaim(party=p, evidence=ev(f"about {p}", status=status)) for p in losers],
        unchanged=[UnchangedClaim(statement=s, evidence=ev(s, status=status)) for s in unchanged],
    )


def record(article_id: str, a: ArticleAnalysis, model: str = "fake:scripted", tokens: int = 100,
           cost: float | None = None) -> ExtractionRecord:
    return ExtractionRecord(article_id=article_id, model=model, prompt_hash="p" * 12, analysis=a,
                            usage=Usage(input_tokens=tokens, output_tokens=tokens // 2, calls=1, cost_usd=cost))


def write_jsonl(path: Path, records: Iterable[ExtractionRecord | str]) -> Path:
    lines = [r if isinstance(r, str) else r.model_dump_json() for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_gold(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{name}.yaml"
    p.write_text(text, encoding="utf-8")
    return p
