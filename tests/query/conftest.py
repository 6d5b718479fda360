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


@pytest.fixture(scope="session")
def picking() -> Callable[..., Callable[[list, dict], dict]]:
    """A scripted small model for `FakeProvider`: it picks every offered sentence holding one of
    `words` (the first three), so a test says which sentence the model would choose and checks
    what `ask`'s own checks do with it."""
    def script(*words: str) -> Callable[[list, dict], dict]:
        def pick(messages: list, schema: dict) -> dict:
            lines = messages[-1].content.splitlines()
            picks = [int(ln.split(".", 1)[0]) for ln in lines
                     if ln[:1].isdigit() and ". " in ln and any(w in ln for w in words)]
            return {"found": True, "picks": picks[:3] or [1]}
        return pick
    return script


@pytest.fixture(scope="session")
def ask_picking(picking) -> Callable[..., object]:
    """`ask(question)` extractive over `retriever`, the small model scripted by `picking(*words)`."""
    def run(question: str, retriever: object, *words: str) -> object:
        from pipeline.llm.fake import FakeProvider
        from pipeline.query.ask import ask

        return ask(question, strategy="extractive", model=FakeProvider(script=[picking(*words)]),
                   retriever=retriever)
    return run
