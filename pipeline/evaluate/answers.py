"""The answer-quality eval: does `ask` answer what was asked, citing sentences about it?

The retrieval eval scores which chunks come back; this one scores the answer itself against
hand-labeled gold (`evals/answers/{dev,test}.yaml`, format in evals/README.md "Answer gold"):

- **fact recall**: gold facts (verbatim article quotes) covered by a sentence the answer cites;
- **attribution precision**: cited sentences that are about the question, judged by the gold
  labels, never by the model under test: a cited sentence counts as attributed when it comes from
  an article the gold names for the question or itself names one of the question's `entities`, and
  is not one of the question's `off_topic` quotes;
- **correct refusal**: unanswerable questions answered with "not in the corpus"; answerable ones
  refused count as misses (their facts are not covered).

Citations are compared by article and by words: a fact is covered when a cited sentence of its
article holds at least COVER of the fact's content words (answers may cite a longer or shorter
span than the labeler quoted).
"""

from __future__ import annotations

import functools
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from pipeline.errors import UsageError
from pipeline.evaluate.goldyaml import read_mapping, validate_items, yaml_files
from pipeline.progress import Progress, as_progress
from pipeline.query.focus import mentions



COVER = 0.6  # share of a quote's content words a cited sentence must hold to count as that quote
_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
_STOP = frozenset("a an the of to in on at for and or but by with from as is are was were be been it its "
                  "this that these those has have had will would said says".split())


class AnswerGoldError(UsageError, ValueError):
    """A malformed answer-gold file; the message names the file and the question."""


class Quote(BaseModel):
    quote: str
    article: str


class Part(BaseModel):
    ask: str
    facts: list[Quote] = Field(default_factory=list)


class AnswerQuestion(BaseModel):
    id: str
    question: str
    articles: list[str] = Field(default_factory=list)
    answerable: bool = True
    entities: list[str] = Field(default_factory=list)
    parts: list[Part] = Field(default_factory=list)
    off_topic: list[Quote] = Field(default_factory=list)
    trap: str | None = None
    split: str = ""

    @property
    def facts(self) -> list[Quote]:
        return [f for p in self.parts for f in p.facts]


def load_answer_gold(paths: Iterable[str | Path]) -> list[AnswerQuestion]:
    """Questions from answer-gold files (a file or a folder of them), in file order."""
    files = yaml_files(paths)
    out: list[AnswerQuestion] = []
    for f in files:
        data = read_mapping(f, "questions", AnswerGoldError, "answer gold")
        out += validate_items(f, data["questions"], AnswerQuestion, data.get("split", f.stem), AnswerGoldError,
                              "question")
    if not out:
        raise AnswerGoldError(f"no questions in {', '.join(map(str, files)) or 'the given paths'}")
    return out


def content_words(text: str) -> set[str]:
    """Lower-cased words and numbers without the commonest function words (quotes differ in those)."""
    norm = text.casefold().replace("\u2019", "'").replace("\u2018", "'")
    return {w for w in _WORD.findall(norm) if w not in _STOP}


def holds(sentence: str, quote: str) -> bool:
    """Does `sentence` carry `quote` (COVER of its content words, or all of them when it is short)?"""
    want = content_words(quote)
    if not want:
        return False
    got = content_words(sentence)
    return len(want & got) / len(want) >= COVER


def cited_sentences(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(article_id, sentence) pairs the answer cites, each once; the article's sentence is preferred."""
    seen: dict[tuple[str, str], None] = {}
    for c in result.get("citations") or []:
        text = c.get("sentence") or c.get("quote") or ""
        seen[(c.get("article_id", ""), text.strip())] = None
    return [k for k in seen if k[1]]


def score_question(q: AnswerQuestion, result: dict[str, Any], article_id: Callable[[str], str | None]
                   ) -> dict[str, Any]:
    """One question's scores against one `ask --json` result."""
    found = bool(result.get("found"))
    cited = cited_sentences(result) if found else []
    row: dict[str, Any] = {"id": q.id, "question": q.question, "split": q.split, "answerable": q.answerable,
                           "found": found, "trap": q.trap, "cited": len(cited)}
    if not q.answerable:
        row["refused_correctly"] = not found
        row["wrong_citations"] = [s for _, s in cited]
        return row
    gold_ids = {article_id(a) for a in q.articles} - {None}
    covered = [f for f in q.facts if any(aid == article_id(f.article) and holds(s, f.quote) for aid, s in cited)]
    parts_answered = sum(1 for p in q.parts if any(f in covered for f in p.facts))
    bad = [(aid, s) for aid, s in cited
           if (aid not in gold_ids and not any(mentions(s, e) for e in q.entities))
           or any(aid == article_id(o.article) and holds(s, o.quote) for o in q.off_topic)]
    row.update(facts=len(q.facts), facts_covered=len(covered), parts=len(q.parts), parts_answered=parts_answered,
               attributed=len(cited) - len(bad), misattributed=[{"article_id": a, "sentence": s} for a, s in bad],
               missed_facts=[f.quote for f in q.facts if f not in covered], refused=not found)
    return row


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def summarize_scores(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged fact recall and attribution precision, refusal rates, worst questions first."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    facts = sum(r["facts"] for r in ans)
    cited = sum(r["cited"] for r in ans)
    per_q = [r["facts_covered"] / r["facts"] for r in ans if r["facts"]]
    return {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "fact_recall": _ratio(sum(r["facts_covered"] for r in ans), facts),
        "fact_recall_per_question": round(statistics.fmean(per_q), 4) if per_q else None,
        "part_coverage": _ratio(sum(r["parts_answered"] for r in ans), sum(r["parts"] for r in ans)),
        "attribution_precision": _ratio(sum(r["attributed"] for r in ans), cited),
        "correct_refusal": _ratio(sum(1 for r in una if r["refused_correctly"]), len(una)),
        "false_refusal": _ratio(sum(1 for r in ans if r["refused"]), len(ans)),
        "trap_questions": sum(1 for r in rows if r.get("trap")),
        "trap_misattributed": sum(len(r.get("misattributed", [])) for r in rows if r.get("trap")),
    }


def worst(rows: Sequence[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """The questions that went most wrong: misattributions and wrong answers first, then missed facts."""
    def badness(r: dict[str, Any]) -> tuple[float, float]:
        if not r["answerable"]:
            return (0.0 if r["refused_correctly"] else 2.0, 0.0)
        return (len(r["misattributed"]), 1 - (r["facts_covered"] / r["facts"] if r["facts"] else 1))
    return sorted((r for r in rows if badness(r) != (0.0, 0.0)), key=badness, reverse=True)[:n]


def evaluate_answers(paths: Iterable[str | Path], *, ask_fn: Callable[[str], dict[str, Any]],
                     article_id: Callable[[str], str | None],
                     progress: Progress | Callable[[int, int, str], None] | None = None) -> dict[str, Any]:
    """Ask every gold question through `ask_fn` (question → `ask --json` document) and score it.

    The report holds `overall`, `splits.<name>` (same keys) and `per_question` rows; the answer
    text of each question is kept so a reader can see what was scored. Progress: stage `answer`,
    one update per question (note: its id).
    """
    questions = load_answer_gold(paths)
    article_id = functools.cache(article_id)  # a path is resolved once, not per fact and citation
    missing = sorted({a for q in questions for a in q.articles + [f.article for f in q.facts + q.off_topic]
                      if article_id(a) is None})
    if missing:
        raise AnswerGoldError("articles named by the answer gold are not in the store (run `pipeline ingest "
                              f"corpus/` first): {', '.join(missing[:5])}" + (" …" if len(missing) > 5 else ""))
    reporter = as_progress(progress)
    rows = []
    for i, q in enumerate(questions, start=1):
        reporter.update("answer", i, len(questions), q.id)
        result = ask_fn(q.question)
        row = score_question(q, result, article_id)
        row["answer"] = result.get("answer", "")
        rows.append(row)
    splits = sorted({r["split"] for r in rows})
    return {"overall": summarize_scores(rows),
            "splits": {s: summarize_scores([r for r in rows if r["split"] == s]) for s in splits},
            "worst": [{k: r[k] for k in ("id", "split", "found", "answer") if k in r}
                      | {"misattributed": r.get("misattributed", []), "missed_facts": r.get("missed_facts", [])}
                      for r in worst(rows)],
            "per_question": rows}


__all__ = ["AnswerGoldError", "AnswerQuestion", "COVER", "evaluate_answers", "holds", "load_answer_gold",
           "score_question", "summarize_scores"]
