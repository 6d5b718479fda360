"""The corpus retriever inside real langchain-core chains (Runnables, prompt templates, an LLM)."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_core")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.language_models.fake import FakeListLLM  # noqa: E402
from langchain_core.output_parsers import StrOutputParser  # noqa: E402
from langchain_core.prompts import PromptTemplate  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402
from langchain_core.runnables import RunnableLambda, RunnablePassthrough  # noqa: E402

from pipeline.integrations.langchain import PipelineRetriever  # noqa: E402


def format_docs(docs: list[Document]) -> str:
    return "\n\n".join(f"[{d.metadata['chunk_id']}] {d.page_content}" for d in docs)


def test_documents_carry_ids_and_exact_offsets(retriever):
    lc = PipelineRetriever.from_retriever(retriever, k=4)
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("Which neocloud cut GPU prices by 35%?")
    assert len(docs) == 4
    assert docs[0].metadata["article_id"].startswith("lattice-compute")
    for d in docs:
        m = d.metadata
        assert d.id == m["chunk_id"] == f"{m['article_id']}#{m['index']}"
        text = retriever.store.get_article(m["article_id"]).text
        assert text[m["start"]:m["end"]] == d.page_content
        assert m["dense_score"] is not None and m["score"] > 0


def test_retriever_in_a_rag_chain_with_prompt_and_llm(retriever):
    seen: list[str] = []

    def capture(prompt_value):
        seen.append(prompt_value.to_string())
        return prompt_value

    prompt = PromptTemplate.from_template("Context:\n{context}\n\nQuestion: {question}\nAnswer:")
    llm = FakeListLLM(responses=["Spokane becomes the hub."])
    chain = ({"context": PipelineRetriever.from_retriever(retriever, k=3) | RunnableLambda(format_docs),
              "question": RunnablePassthrough()}
             | prompt | RunnableLambda(capture) | llm | StrOutputParser())
    out = chain.invoke("Which city becomes the main hub of the merged regional airline?")
    assert out == "Spokane becomes the hub."
    assert "[skyline-and-cascadia" in seen[0] and "Spokane" in seen[0]
    assert "Question: Which city becomes the main hub" in seen[0]


def test_filters_batch_and_home_from_env(corpus_home):
    lc = PipelineRetriever(k=3, source="Freight Current")  # opens the store of $PIPELINE_HOME
    results = lc.batch(["Which ports gain?", "Who loses rail revenue?"])
    assert len(results) == 2
    assert all(d.metadata["source"] == "Freight Current" for docs in results for d in docs)
    bm25 = PipelineRetriever(k=2, mode="bm25", home=str(corpus_home)).invoke("Polaris Satcom")
    assert bm25[0].metadata["article_id"].startswith("northstar")
