"""`python -m bench.answers_vet [--model M] [--set FILE] [--limit N]`: the free (written) answer path on
the answer gold, with and without the sentence check of `pipeline.query.vet`.

One run gives both figures: each question is asked once through `ask(strategy="free")`; the model's
first written answer is caught as it reaches the check and scored as the unchecked answer (every
citation kept, as `ask` did before the check), and the answer `ask` returns is scored as the checked
one (drops and the one re-ask included). Scores: `pipeline.evaluate.answers` (fact recall,
attribution precision). Needs `$PIPELINE_HOME` with the corpus ingested, and a model that writes
(default `local:qwen2.5-coder-1.5b`, about 13 s a question on a laptop CPU). Not in `python -m
bench`'s default list: it takes minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.answers_vet", description=__doc__.splitlines()[0])
    p.add_argument("--model", default="local:qwen2.5-coder-1.5b")
    p.add_argument("--set", default="evals/answers/dev.yaml", help="answer gold (tune on dev only)")
    p.add_argument("--limit", type=int, default=0, help="first N questions only (0: all)")
    p.add_argument("--k", type=int, default=6)
    p.add_argument("--out", type=Path, default=None, help="write the JSON report here too")
    args = p.parse_args(argv)

    import pipeline.query.vet as vet_mod
    from pipeline.evaluate.answers import load_answer_gold, score_question, summarize_scores
    from pipeline.evaluate.retrieval import resolve_article
    from pipeline.query.ask import AskResult, ask, validate_citations
    from pipeline.query.retrieve import Retriever

    r = Retriever()
    questions = load_answer_gold([args.set])[: args.limit or None]
    first: dict[str, Any] = {}
    real_vet = vet_mod.vet

    def catching_vet(answer: Any, hits: Any, checker: Any, f: Any, lead_of: Any) -> Any:
        if "answer" not in first:  # the first written answer of this question, before any re-ask
            first.update(answer=answer, citations=validate_citations(answer, hits, checker))
        return real_vet(answer, hits, checker, f, lead_of)

    vet_mod.vet = catching_vet

    def aid(ref: str) -> str | None:
        return resolve_article(ref, r.articles, r.store)

    rows: dict[str, list[dict[str, Any]]] = {"unchecked": [], "checked": []}
    calls = reasked = dropped = 0
    started = time.monotonic()
    report: dict[str, Any] = {}
    for n, q in enumerate(questions, start=1):
        first.clear()
        try:
            res = ask(q.question, k=args.k, model=args.model, strategy="free", retriever=r)
        except Exception as exc:  # a model that cannot write the JSON: scored as a refusal both ways
            print(f"[{n}/{len(questions)}] {q.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            res = AskResult(question=q.question, answer="", found=False)
            first.clear()
        doc = res.to_json()
        raw = dict(doc)
        if "answer" in first:
            raw.update(found=True, answer=first["answer"], citations=[c.model_dump() for c in first["citations"]])
        rows["unchecked"].append(score_question(q, raw, aid))
        rows["checked"].append(score_question(q, doc, aid))
        calls += res.usage.calls
        reasked += res.reasked
        dropped += sum(1 for d in res.dropped if d.scope == "sentence")
        print(f"[{n}/{len(questions)}] {q.id}: reasked={res.reasked} dropped={len(res.dropped)}", file=sys.stderr)
        report = {"model": args.model, "set": args.set, "questions": n,
                  "seconds": round(time.monotonic() - started, 1), "llm_calls": calls, "reasked": reasked,
                  "sentences_dropped_in_final_answers": dropped,
                  **{k: summarize_scores(v) for k, v in rows.items()},
                  "per_question": [{"id": c["id"], **{k: {f: rows[k][i].get(f) for f in ("found", "facts_covered",
                                                                                           "misattributed")}
                                                      for k in rows}}
                                   for i, c in enumerate(rows["checked"])]}
        if args.out:  # after every question: a run cut short still leaves its figures so far
            args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
