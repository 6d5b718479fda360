"""Fixtures for `pipeline.parties` tests.

Resolution: a mention builder, a dictionary NER, a toy embedder. Count questions: a small dated
corpus with extraction records.

Acme: a winner on 01-05 (Daily Ledger), a loser on 02-10 (Daily Ledger) and 03-15 (Metro Wire),
a winner again on 06-02 (Metro Wire). Borel: a loser on 01-05, a winner on 02-10 and in an undated
article with no source. Cato: a loser on 06-02. Dax: a loser whose quote is not in its article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import pytest

from pipeline.parties.model import PartyMention
from pipeline.types import Article, ArticleAnalysis, Chunk, Evidence, ExtractionRecord, PartyClaim

# (id, published_at, source, paragraphs, winners, losers); a claim is (party, quote)
ARTICLES: list[tuple[str, str | None, str | None, list[str], list[tuple[str, str]], list[tuple[str, str]]]] = [
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
    for aid, when, source, paras, winners, losers in ARTICLES:
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
    from pipeline.parties import coref

    table: dict[str, str] = {}

    def fake(name: str) -> str:
        return table.get(name.strip(), "ORG")

    monkeypatch.setattr(coref, "entity_type", fake)

    def set_labels(**labels: str) -> None:
        table.update({k.replace("_", " "): v for k, v in labels.items()})

    yield set_labels
