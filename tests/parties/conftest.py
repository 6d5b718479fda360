"""Fixtures for `pipeline.parties` tests.

Resolution: a mention builder, a dictionary NER, a toy embedder. Queries and `pipeline parties`:
homes with hand-made extraction records and the articles' dates and sources in the manifest
(tests/cli uses `write_home` too). Count questions: a small dated corpus (`COUNT_ARTICLES`):
Acme a winner on 01-05 (Daily Ledger), a loser on 02-10 (Daily Ledger) and 03-15 (Metro Wire), a
winner again on 06-02 (Metro Wire); Borel a loser on 01-05, a winner on 02-10 and in an undated
article with no source; Cato a loser on 06-02; Dax a loser whose quote is not in its article.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest

from pipeline.corpus.manifest import Manifest, Row
from pipeline.parties.model import PartyMention
from pipeline.records import append_record
from pipeline.types import (Article, ArticleAnalysis, Chunk, Evidence, ExtractionRecord, PartyClaim,
                            UnchangedClaim)

# (id, published_at, source, paragraphs, winners, losers); a claim is (party, quote)
COUNT_ARTICLES: list[tuple[str, str | None, str | None, list[str], list[tuple[str, str]], list[tuple[str, str]]]] = [
    ("a1", "2026-01-05", "Daily Ledger",
     ["Acme shares soared after the merger closed.", "Borel lost its biggest client to the merged firm."],
     [("Acme", "Acme shares soared after the merger closed.")],
     [("Borel", "Borel lost its biggest client to the merged firm.")]),
    ("a2", "2026-02-10", "Daily Ledger",
     ["Borel rebounded on a wave of new orders.", "Acme stumbled on weak holiday sales."],
     [("Borel", "Borel rebounded on a wave of new orders.")],
     [("Acme Corp.", "Acme stumbled on weak holiday sales.")]),
    ("a3", "2026-03-15T09:30:00+00:00", "Metro Wire",
     ["Costs rose across the sector.", "Acme slumped again as its costs rose faster than prices."],
     [], [("Acme", "Acme slumped again as its costs rose faster than prices.")]),
    ("a4", "2026-06-02", "Metro Wire",
     ["Acme recovered with a record quarter.", "Cato was hurt by the new tariff on its imports."],
     [("Acme", "Acme recovered with a record quarter.")],
     [("Cato", "Cato was hurt by the new tariff on its imports.")]),
    ("a5", None, None, ["Borel was the quiet winner of the year, its rivals squeezed."],
     [("Borel", "Borel was the quiet winner of the year")], []),
    ("a6", "2026-06-05", "Metro Wire", ["Dax issued a statement on Friday."],
     [], [("Dax", "Dax collapsed under its debts.")]),  # the quote is not in the article
]


def _chunks(a: Article) -> list[Chunk]:
    """One chunk per paragraph (blank-line separated), offsets into the article text."""
    out, pos = [], 0
    for i, para in enumerate(a.text.split("\n\n")):
        start = a.text.index(para, pos)
        pos = start + len(para)
        out.append(Chunk(id=f"{a.id}#{i}", article_id=a.id, index=i, start=start, end=pos, text=para,
                         tokens=len(para.split())))
    return out


@dataclass
class MiniCorpus:
    articles: dict[str, Article]
    records: list[ExtractionRecord]
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)

    def chunks_of(self, article_id: str) -> list[Chunk]:
        return self.chunks.get(article_id, [])

    def resolution(self) -> Any:
        from pipeline.evaluate.count_questions import SameKey
        from pipeline.parties.mentions import mentions_of
        from pipeline.parties.resolve import resolve

        return resolve(mentions_of(self.records, self.articles), matcher=SameKey())


def build_mini() -> MiniCorpus:
    arts, recs = {}, []
    for aid, when, source, paras, winners, losers in COUNT_ARTICLES:
        a = Article(id=aid, title=f"Article {aid}", text="\n\n".join(paras), path=f"{aid}.md",
                    content_hash=aid, format="md", source=source, published_at=when)
        arts[aid] = a

        def claim(party: str, quote: str, text: str = a.text) -> PartyClaim:
            pos = text.find(quote)
            return PartyClaim(party=party, evidence=Evidence(
                quote=quote, start=pos if pos >= 0 else None, end=pos + len(quote) if pos >= 0 else None,
                status="exact" if pos >= 0 else "unverified"))

        recs.append(ExtractionRecord(article_id=aid, model="fake:scripted", prompt_hash="p" * 12,
                                     analysis=ArticleAnalysis(winners=[claim(*w) for w in winners],
                                                              losers=[claim(*lo) for lo in losers])))
    return MiniCorpus(arts, recs, {aid: _chunks(a) for aid, a in arts.items()})


class StubStore:
    """What the router reads from a store: the chunks of an article."""

    def __init__(self, mini: MiniCorpus) -> None:
        self.mini = mini

    def get_chunks(self, article_id: str) -> list[Chunk]:
        return self.mini.chunks_of(article_id)


class StubRetriever:
    """The router's view of a `Retriever`: `articles` and `store` (no search: count questions
    never retrieve; a retrieval question is handed to `ask`, replaced in the routing tests)."""

    def __init__(self, mini: MiniCorpus) -> None:
        self.articles = mini.articles
        self.store = StubStore(mini)


@pytest.fixture
def mini() -> MiniCorpus:
    return build_mini()



def mention(article_id: str, name: str, role: str = "winner", quote: str = "") -> PartyMention:
    """A winner/loser claim about `name` in `article_id`."""
    return PartyMention(article_id=article_id, name=name, role=role, quote=quote or f"{name} said so.")  # type: ignore[arg-type]


def mentions(article_id: str, *names: str) -> list[PartyMention]:
    return [mention(article_id, n) for n in names]


class ToyEmbedder:
    """Names → vectors from a table (unit vectors; unknown names get a vector of their own)."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table
        self.calls = 0
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += texts
        out = []
        for i, t in enumerate(texts):
            v = np.array(self.table.get(t, [0.0, 0.0, 0.0, 1.0 + i]), dtype=np.float32)
            out.append(v / np.linalg.norm(v))
        return np.stack(out)


@pytest.fixture
def ner(monkeypatch) -> Iterator[Callable[..., None]]:
    """Replace spaCy's entity label of a short name with a table: `ner(Japan="GPE", ...)`;
    names not in the table are organizations ("ORG"). Keeps unit tests free of the parser."""
    from pipeline.parties import coref, shortform

    table: dict[str, str] = {}

    def fake(name: str) -> str:
        return table.get(name.strip(), "ORG")

    monkeypatch.setattr(coref, "entity_type", fake)
    monkeypatch.setattr(shortform, "entity_type", fake)
    monkeypatch.setattr(importlib.import_module("pipeline.parties.resolve"), "entity_type", fake)
    monkeypatch.setattr(importlib.import_module("pipeline.parties.match"), "entity_type", fake)
    monkeypatch.setattr(importlib.import_module("pipeline.parties.politics"), "entity_type", fake)

    def set_labels(**labels: str) -> None:
        table.update({k.replace("_", " "): v for k, v in labels.items()})

    yield set_labels


# article id: (published, source, winners, losers, unchanged statements)
ARTICLES: dict[str, tuple[str | None, str, list[str], list[str], list[str]]] = {
    "a1": ("2026-01-05", "Harbor Ledger", ["Amazon Web Services", "Acme Corp."], ["Globex"], []),
    "a2": ("2026-02-10", "Metro Money", ["AWS"], ["Acme"], ["AWS prices stay the same."]),
    "a3": ("2026-03-15", "Harbor Ledger", ["Globex's shares", "customers"], ["Amazon Web Services"], []),
    "a4": ("2026-04-20", "Metro Money", ["Acme's stock"], ["Companies", "Initech"], ["Globex keeps its plant."]),
    "a5": (None, "Harbor Ledger", ["Initech"], [], []),
}


def make_article(aid: str, published: str | None, source: str, text: str) -> Article:
    return Article(id=aid, title=f"Story {aid}", text=text, path=f"corpus/{aid}.md",
                   content_hash=hashlib.sha256(text.encode()).hexdigest(), format="md", source=source,
                   published_at=published)


def make_record(aid: str, winners: list[str], losers: list[str], unchanged: list[str] = (),  # type: ignore[assignment]
                model: str = "m", created_at: str | None = None) -> ExtractionRecord:
    def claim(name: str, verb: str) -> PartyClaim:
        return PartyClaim(party=name, reason=verb, evidence=Evidence(quote=f"{name} {verb} in {aid}.", status="exact"))

    extra = {"created_at": created_at} if created_at else {}
    return ExtractionRecord(article_id=aid, model=model, prompt_hash="p", **extra, analysis=ArticleAnalysis(
        winners=[claim(n, "wins") for n in winners], losers=[claim(n, "loses") for n in losers],
        unchanged=[UnchangedClaim(statement=s, evidence=Evidence(quote=s, status="exact")) for s in unchanged]))


def store_articles(home: Path, articles: list[Article]) -> None:
    """The articles in the manifest, as an ingest leaves them (no chunks: nothing here searches)."""
    manifest = Manifest(home / "manifest.sqlite")
    try:
        for a in articles:
            manifest.put_pending(Row(article=a, source_key=f"/t/{a.id}", fingerprint=a.content_hash, minhash=None,
                                     chunk_ids=[], status="pending", replaces=None))
            manifest.complete_article(a.id, [])
    finally:
        manifest.close()


def write_home(home: Path, articles: dict = ARTICLES) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    arts = []
    for aid, (published, source, winners, losers, unchanged) in articles.items():
        arts.append(make_article(aid, published, source, " ".join(winners + losers + unchanged)))
        append_record(make_record(aid, winners, losers, unchanged), home / "extractions.jsonl")
    store_articles(home, arts)
    return home


@pytest.fixture
def parties_home(home) -> Path:
    """$PIPELINE_HOME with five articles' records (ARTICLES), dated and sourced in the manifest,
    and parties.yaml merging "AWS" into "Amazon Web Services"."""
    write_home(home)
    (home / "parties.yaml").write_text("merge:\n  - [Amazon Web Services, AWS]\nsplit:\n  - [Globex, Initech]\n",
                                       encoding="utf-8")
    return home
