"""What the stages above the corpus need from a store and an embedder, as structural types.

`Store` and `Embedder` satisfy these without naming them; so do the small fakes tests pass in.
Annotating with a protocol instead of `Any` lets the type checker see every call a stage makes,
and importing it costs nothing (no chromadb, no torch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Protocol

from pipeline.types import Article, Chunk

if TYPE_CHECKING:  # importing this module must stay free: `pipeline parties` needs no numpy
    import numpy as np


class ArticleStore(Protocol):
    """Read access to the stored articles: what extraction, summaries, batches and evals use."""

    def list_articles(self) -> list[Article]: ...

    def get_article(self, article_id: str) -> Article: ...

    def find_article(self, ref: str) -> Article | None: ...

    def close(self) -> None: ...


class ChunkStore(ArticleStore, Protocol):
    """An article store that also serves chunks and vector search: what retrieval uses."""

    def get_chunks(self, article_id: str) -> list[Chunk]: ...

    def iter_chunks(self) -> Iterator[Chunk]: ...

    def search(self, query_embedding: Any, k: int = 8,
               where: dict[str, Any] | None = None) -> list[tuple[Chunk, float]]: ...


class TextEmbedder(Protocol):
    """Texts in, one L2-normalized row per text out."""

    def embed(self, texts: list[str]) -> np.ndarray: ...
