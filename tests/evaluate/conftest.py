"""Helpers for the eval tests: records, predictions files and gold files written in a tmp dir."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pytest

from pipeline.parties.model import Link, PartyIndex, PartyMention
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


# ---------------------------------------------------------------- party-resolution eval

CLOUD_A = ("Amazon Web Services (AWS) cut the price of its GPU instances on Monday. AWS said the cut "
           "applies worldwide. Amazon's retail business is not affected. Google Cloud matched the cut "
           "within hours. Customers welcomed the news.\n")
CLOUD_B = ("---\ntitle: Google keeps cloud prices low\nsource: Cloud Wire\npublished_at: 2026-03-03\n---\n"
           "Alphabet's Google said on Tuesday that its cloud unit, Google Cloud Platform, would keep the "
           "lower prices through the year. Google itself reported higher advertising revenue.\n")
PARTY_GOLD = """split: dev
pairs:
- {id: aws-variant, kind: variant, same: true, a: {article: docs/a.txt, name: Amazon Web Services}, b: {article: docs/a.txt, name: AWS}}
- {id: gcp-cross, kind: cross, same: true, a: {article: docs/a.txt, name: Google Cloud}, b: {article: docs/b.md, name: Google Cloud Platform}}
- {id: amazon-aws, kind: hard, same: false, a: {article: docs/a.txt, name: Amazon}, b: {article: docs/a.txt, name: AWS}, why: retail vs cloud}
- {id: google-gcp, kind: hard, same: false, a: {article: docs/b.md, name: Google}, b: {article: docs/b.md, name: Google Cloud Platform}, why: parent vs unit}
- {id: aws-gcloud, kind: easy, same: false, a: {article: docs/a.txt, name: AWS}, b: {article: docs/a.txt, name: Google Cloud}}
generic:
- {id: generic-customers, article: docs/a.txt, name: Customers}
"""


@pytest.fixture()
def party_set(tmp_path, home, monkeypatch) -> Path:
    """Two small articles and a party-gold file naming them by path; cwd is their folder, the
    store is empty (articles are read from the files)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(CLOUD_A, encoding="utf-8")
    (docs / "b.md").write_text(CLOUD_B, encoding="utf-8")
    (tmp_path / "parties.yaml").write_text(PARTY_GOLD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "parties.yaml"


class MergeAll:
    """Links every new name to the first party there is: merges everything."""

    def match(self, mention: PartyMention, index: PartyIndex, article_mentions: Sequence[PartyMention]) -> Link | None:
        pid = next(iter(index.parties), None)
        return Link(article_id=mention.article_id, name=mention.name, party_id=pid, rule="similar") if pid else None


class ByGroup:
    """Links a name to a party holding a name of the same group: the gold's own answer."""

    def __init__(self, groups: dict[str, str]) -> None:
        self.groups = groups
        self.seen_texts: list[str] = []

    def match(self, mention: PartyMention, index: PartyIndex, article_mentions: Sequence[PartyMention]) -> Link | None:
        group = self.groups.get(mention.name)
        for pid, p in index.parties.items():
            if group and any(self.groups.get(a) == group for a in p.aliases):
                return Link(article_id=mention.article_id, name=mention.name, party_id=pid, rule="similar")
        return None


ORACLE = {"Amazon Web Services": "aws", "AWS": "aws", "Google Cloud": "gcp", "Google Cloud Platform": "gcp"}
