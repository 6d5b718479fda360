"""Fixtures for the query tests: a real store and retriever over a few articles written in a test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest


@pytest.fixture(scope="session")
def retriever_over(tmp_path_factory) -> Iterator[Callable[[str, dict[str, str]], object]]:
    """Builds a `Retriever` over {file name: text}, ingested into a fresh home (real Chroma and
    MiniLM); every store is closed when the session ends."""
    from pipeline.corpus.ingest import ingest_paths
    from pipeline.corpus.store import Store
    from pipeline.query.retrieve import Retriever

    stores: list[Store] = []

    def build(name: str, docs: dict[str, str]) -> Retriever:
        root = tmp_path_factory.mktemp(name)
        (root / "docs").mkdir()
        for file, text in docs.items():
            (root / "docs" / file).write_text(text, encoding="utf-8")
        store = Store(home=root / "home", chroma_url="")
        stores.append(store)
        assert len(ingest_paths([root / "docs"], store=store, progress=False).ingested) == len(docs)
        return Retriever(store=store)

    yield build
    for store in stores:
        store.close()
