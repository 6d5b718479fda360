"""Retrieval evals: recall@k and MRR of each retrieval mode on a labeled question set.

Lives with the other evals rather than in `pipeline.query.retrieve`: it scores the retriever
from outside, through its public `search`, over whatever the current store holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from pipeline.query.retrieve import MODES, Mode, RetrievalError, Retriever, rank_articles
from pipeline.types import Article

if TYPE_CHECKING:
    from pipeline.corpus.protocols import ArticleStore

MRR_DEPTH = 10  # MRR is computed over the first 10 distinct articles


def resolve_article(ref: str, articles: dict[str, Article], store: ArticleStore | None = None) -> str | None:
    """An article id from an id, a source path (as ingested, or any suffix of it) or a file name."""
    ref = str(ref).strip()
    if ref in articles:
        return ref
    found = store.find_article(ref) if store is not None and hasattr(store, "find_article") else None
    if found is not None and found.id in articles:
        return found.id
    want = Path(ref).as_posix().lstrip("./")
    for a in articles.values():
        p = Path(a.path).as_posix() if a.path else ""
        if p and (p == want or p.endswith("/" + want) or want.endswith("/" + p.lstrip("./"))):
            return a.id
    stem = Path(ref).name
    for a in articles.values():
        if a.path and Path(a.path).name == stem:
            return a.id
    return None


def load_retrieval_set(set_path: str | Path) -> tuple[list[dict[str, Any]], int | None]:
    """Read and validate a retrieval set; errors name the file and the question."""
    import yaml

    path = Path(set_path)
    if not path.is_file():
        raise RetrievalError(f"{path}: retrieval set not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RetrievalError(f"{path}: invalid YAML: {exc}") from exc
    if isinstance(data, list):
        data = {"questions": data}
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise RetrievalError(f"{path}: expected a mapping with a non-empty 'questions' list")
    out = []
    for i, q in enumerate(data["questions"], start=1):
        where = f"{path}: question {i}"
        if not isinstance(q, dict) or not isinstance(q.get("question"), str) or not q["question"].strip():
            raise RetrievalError(f"{where}: needs a non-empty 'question' string")
        rel = q.get("relevant")
        if isinstance(rel, str):
            rel = [rel]
        if not isinstance(rel, list) or not rel or not all(isinstance(r, str) for r in rel):
            raise RetrievalError(f"{where}: 'relevant' must be a non-empty list of article ids or paths")
        out.append({"id": str(q.get("id", f"q{i}")), "question": q["question"].strip(), "relevant": rel,
                    "source": q.get("source"), "since": q.get("since")})
    k = data.get("k")
    return out, int(k) if k is not None else None


def evaluate_retrieval(set_path: str | Path = "evals/retrieval.yaml", k: int | None = None,
                       retriever: Retriever | None = None,
                       modes: Sequence[Mode] = MODES) -> dict[str, Any]:
    """recall@k and MRR of each retrieval mode on a labeled set, over the current store.

    recall@k: share of a question's relevant articles among the first k distinct articles,
    averaged over questions. MRR: mean of 1/rank of the first relevant article (0 when none is
    in the first `MRR_DEPTH`). The top-level `recall_at_k`/`mrr` are the hybrid mode's.
    """
    questions, set_k = load_retrieval_set(set_path)
    k = int(k or set_k or 5)
    r = retriever or Retriever()
    if not r.articles:
        raise RetrievalError("the store is empty: run `pipeline ingest corpus/` before a retrieval eval")
    unresolved = []
    for q in questions:
        ids = [resolve_article(ref, r.articles, r.store) for ref in q["relevant"]]
        unresolved += [f"{q['id']}: {ref}" for ref, i in zip(q["relevant"], ids) if i is None]
        q["relevant_ids"] = [i for i in ids if i]
    if unresolved:
        raise RetrievalError(f"{set_path}: relevant articles not in the store: " + "; ".join(unresolved))
    depth = max(k, MRR_DEPTH)
    results: dict[str, Any] = {"set": str(set_path), "k": k, "questions": len(questions), "modes": {}}
    per_q: list[dict[str, Any]] = [{"id": q["id"], "question": q["question"],
                                   "relevant": q["relevant_ids"], "ranks": {}} for q in questions]
    for mode in modes:
        recalls, rrs = [], []
        for q, row in zip(questions, per_q):
            hits = r.search(q["question"], k=depth, source=q["source"], since=q["since"], mode=mode,
                            cosines=False)
            ranked = rank_articles(hits)[:depth]
            rel = set(q["relevant_ids"])
            recalls.append(len(rel & set(ranked[:k])) / len(rel))
            first = next((i for i, a in enumerate(ranked, start=1) if a in rel), None)
            rrs.append(1.0 / first if first else 0.0)
            row["ranks"][mode] = first
        results["modes"][mode] = {f"recall@{k}": round(float(np.mean(recalls)), 4),
                                  "recall_at_k": round(float(np.mean(recalls)), 4),
                                  "mrr": round(float(np.mean(rrs)), 4)}
    main = results["modes"].get("hybrid") or next(iter(results["modes"].values()))
    results["recall_at_k"], results["mrr"] = main["recall_at_k"], main["mrr"]
    results["per_question"] = per_q
    count_set = count_questions_set(set_path)
    if count_set is not None:  # questions answered by counting, scored over gold-built claims
        from pipeline.evaluate.count_questions import evaluate_count_questions

        results["count_questions"] = evaluate_count_questions(
            count_set, r, lambda ref: resolve_article(ref, r.articles, r.store))
    return results


def count_questions_set(set_path: str | Path) -> Path | None:
    """The count-question set a retrieval set names (`count_questions:`, relative to it), if any."""
    import yaml

    path = Path(set_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None  # load_retrieval_set has already said what is wrong with the file
    name = data.get("count_questions") if isinstance(data, dict) else None
    if name is None:
        return None
    target = path.parent / str(name)
    if not isinstance(name, str) or not target.is_file():
        raise RetrievalError(f"{path}: count_questions: {name!r} is not a file next to the set")
    return target


__all__ = ["MRR_DEPTH", "count_questions_set", "evaluate_retrieval", "load_retrieval_set"]
