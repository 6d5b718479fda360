"""Stand-ins for party-resolution tests: a mention builder, a dictionary NER, a toy embedder."""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import pytest

from pipeline.parties.model import PartyMention


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
