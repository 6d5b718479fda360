"""The corpus as a LangChain retriever: our store and hybrid retrieval inside any LangChain chain.

    from pipeline.integrations.langchain import PipelineRetriever
    chain = {"context": PipelineRetriever(k=4) | format_docs, "question": RunnablePassthrough()} | prompt | llm

Each `Document` is one chunk: `page_content` is the chunk text and `metadata` carries
`article_id`, `chunk_id`, `index`, `start`/`end` (offsets into the article's normalized text,
as `pipeline show` prints it), title, source, published_at and the retrieval scores.
Needs `langchain-core` (`pip install 'article-pipeline[langchain]'`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Optional

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("pipeline.integrations.langchain needs langchain-core: "
                      "pip install 'article-pipeline[langchain]'") from exc
from pydantic import ConfigDict, PrivateAttr

from pipeline.query.retrieve import Hit, Mode, Retriever


def hit_to_document(hit: Hit) -> Document:
    """One retrieved chunk as a LangChain Document with ids and offsets in its metadata."""
    meta: dict[str, Any] = {
        "article_id": hit.article_id, "chunk_id": hit.chunk_id, "index": hit.chunk.index,
        "start": hit.chunk.start, "end": hit.chunk.end, "title": hit.title, "source": hit.source,
        "published_at": hit.published_at, "path": hit.path, "score": hit.score,
        "dense_score": hit.dense_score, "bm25_score": hit.bm25_score,
    }
    return Document(page_content=hit.chunk.text, metadata=meta, id=hit.chunk_id)


class PipelineRetriever(BaseRetriever):
    """Hybrid (dense + BM25, reciprocal-rank fused) retrieval over a pipeline store.

    `home`: the `$PIPELINE_HOME` to read (default: the environment's). `source`/`since`
    filter by publication and date; `mode` is `hybrid`, `dense` or `bm25`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    k: int = 6
    source: Optional[str] = None
    since: Optional[str] = None
    mode: Mode = "hybrid"
    home: Optional[str] = None
    _retriever: Optional[Retriever] = PrivateAttr(default=None)
    _owner: Optional[int] = PrivateAttr(default=None)
    _local: Any = PrivateAttr(default_factory=threading.local)

    @classmethod
    def from_retriever(cls, retriever: Retriever, **kwargs: Any) -> "PipelineRetriever":
        """Wrap an existing `pipeline.query.retrieve.Retriever` (shares its store and caches)."""
        obj = cls(**kwargs)
        obj._retriever = retriever
        obj._owner = threading.get_ident()
        return obj

    @property
    def retriever(self) -> Retriever:
        """This thread's retriever. LangChain runs parallel branches and `batch` on worker threads,
        and the store's SQLite manifest may only be used by the thread that opened it."""
        if self._retriever is not None and self._owner == threading.get_ident():
            return self._retriever
        mine = getattr(self._local, "retriever", None)
        if mine is None:
            from pipeline.corpus.store import Store

            if self._retriever is not None:  # same store as the wrapped one, opened here
                base = self._retriever.store
                store = Store(home=getattr(base, "home", None), chroma_url=getattr(base, "chroma_url", None) or "")
                mine = Retriever(store, embedder=self._retriever._embedder)
            else:
                mine = Retriever(Store(home=Path(self.home)) if self.home else Store())
            self._local.retriever = mine
        return mine

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.retriever.search(query, k=self.k, source=self.source, since=self.since, mode=self.mode)
        return [hit_to_document(h) for h in hits]


__all__ = ["PipelineRetriever", "hit_to_document"]
