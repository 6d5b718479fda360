"""Hybrid retrieval on the real corpus in a real store (Chroma + MiniLM + bm25s)."""

from __future__ import annotations


import pytest

from pipeline.evaluate.retrieval import evaluate_retrieval, load_retrieval_set
from pipeline.query.retrieve import RetrievalError, Retriever, rank_articles
from tests.conftest import REPO

SET = REPO / "evals" / "retrieval.yaml"


@pytest.mark.slow  # real MiniLM over every question of evals/retrieval.yaml (~7-12 s)
def test_single_article_questions_retrieve_their_article_in_top_k(retriever):
    questions, _ = load_retrieval_set(SET)
    single = [q for q in questions if len(q["relevant"]) == 1]
    assert len(single) >= 12
    misses, lost = [], []
    for q in single:
        want = retriever.store.find_article(q["relevant"][0]).id
        ranked = rank_articles(retriever.search(q["question"], k=6, cosines=False))
        if want not in ranked[:3]:
            misses.append((q["id"], ranked[:3]))
        if want not in ranked:  # the 6 passages `ask` reads
            lost.append(q["id"])
    # Every article within the 6 passages `ask` reads; in the top 3 for all but one question
    # (helio-shares, rank 4 since the 12 real-fresh articles about falling shares joined the corpus).
    assert not lost and len(misses) <= 1, misses


def test_keyword_question_needs_bm25_and_hybrid_keeps_it(retriever):
    # "31%" and the company are in one article; MiniLM alone does not find it in the top 3. Hybrid
    # keeps it among the 6 passages `ask` reads (rank 3 on the 54-article corpus, rank 4 since the
    # 12 real-fresh articles about shares falling joined it on 2026-12-07).
    want = retriever.store.find_article("corpus/satellite-direct-to-phone.html").id
    q = "Whose shares rose 31%?"
    assert rank_articles(retriever.search(q, k=10, mode="bm25"))[0] == want
    assert want in rank_articles(retriever.search(q, k=10, mode="hybrid"))[:6]
    hits = retriever.search(q, k=10, mode="hybrid")
    assert all(h.dense_score is not None for h in hits)  # every hit carries its cosine
    assert hits == sorted(hits, key=lambda h: -h.score)


@pytest.mark.slow  # real MiniLM over every question of evals/retrieval.yaml (~7-12 s)
def test_evaluate_retrieval_reports_every_mode(corpus_home):
    res = evaluate_retrieval(SET, k=3)
    assert set(res["modes"]) == {"hybrid", "dense", "bm25"}
    assert res["questions"] >= 12 and res["k"] == 3
    hybrid, dense = res["modes"]["hybrid"], res["modes"]["dense"]
    assert hybrid["recall@3"] >= 0.9 and hybrid["mrr"] >= 0.9
    assert hybrid["recall@3"] >= dense["recall@3"]
    assert res["recall_at_k"] == hybrid["recall_at_k"] and res["mrr"] == hybrid["mrr"]
    assert all(set(q["ranks"]) == {"hybrid", "dense", "bm25"} for q in res["per_question"])


def test_unknown_relevant_article_is_a_clear_error(corpus_home, tmp_path):
    p = tmp_path / "set.yaml"
    p.write_text("questions:\n  - {question: 'anything', relevant: [corpus/no-such-article.md]}\n")
    with pytest.raises(RetrievalError, match=r"not in the store: q1: corpus/no-such-article.md"):
        evaluate_retrieval(p)


def test_source_and_since_filters(retriever):
    grid = retriever.store.find_article("corpus/grid-storage-utilities.md")
    hits = retriever.search("new capacity prices", k=6, source=grid.source.upper())  # case-insensitive
    assert hits and {h.article_id for h in hits} == {grid.id}
    assert {h.source for h in hits} == {grid.source}
    with pytest.raises(RetrievalError, match="no article has source 'Nope'; known sources: .*Gridline Weekly"):
        retriever.search("prices", source="Nope")
    dated = {a.id: a.published_at for a in retriever.store.list_articles()}
    recent = retriever.search("price cuts and who loses", k=20, since="2026-05-01")
    assert recent
    for h in recent:  # undated articles and older ones are excluded, by dense and BM25 alike
        assert dated[h.article_id] and dated[h.article_id][:10] >= "2026-05-01"
    with pytest.raises(RetrievalError, match="not a date"):
        retriever.search("prices", since="last week")


def test_bm25_index_follows_the_corpus(corpus_copy, tmp_path):
    from pipeline.corpus.ingest import ingest_paths
    from pipeline.corpus.store import Store

    store = Store(home=corpus_copy, chroma_url="")
    r = Retriever(store)
    assert not r.bm25().top("zorbulon", 3)
    before = {p.name for p in (corpus_copy / "bm25").iterdir()}
    new = tmp_path / "new.md"
    new.write_text("---\ntitle: Zorbulon Mining Strikes Lithium\nsource: Ore Weekly\n"
                   "published_at: 2026-07-01\n---\nZorbulon Mining found lithium brine in Nevada. "
                   "Battery makers win a domestic supply; importers lose pricing power.\n")
    assert ingest_paths([new], store=store, progress=False).ingested
    r.refresh()
    top = r.search("zorbulon", k=3, mode="bm25")
    assert top and top[0].title.startswith("Zorbulon")
    after = {p.name for p in (corpus_copy / "bm25").iterdir()}
    assert after and after.isdisjoint(before)  # rebuilt under a new key, the stale index removed
