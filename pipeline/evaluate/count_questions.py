"""The count-question eval: does `ask` answer "who lost most often", "when did X stop winning"
by counting, with the right party, the right counts and valid citations?

The claims come from hand-labeled gold (`evals/gold*/`), not from a model: each labeled winner and
loser becomes a claim of an `ExtractionRecord` (its `party` as the name, its `evidence` as the
quote) in a temporary home, so the figures do not move with the embedded model's extraction.
Questions and expected answers: `evals/count_questions.yaml` (format in its header).

A question passes when it is routed to counting, found (or refused) as expected, names the
expected party (or parties), has the expected counts/date/sources, every citation is valid (an
article counted, a stored chunk of it, the quote at its offsets in the article's text), and it
cites every expected article and no other.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import yaml

from pipeline.errors import UsageError
from pipeline.evaluate.gold import load_gold
from pipeline.parties.model import Link, PartyIndex, PartyMention
from pipeline.text.ground import locate
from pipeline.text.parties import party_key
from pipeline.types import (Article, ArticleAnalysis, ExtractionRecord, ExtractionStats, PartyClaim,
                            UnchangedClaim)

if TYPE_CHECKING:
    from pipeline.query.retrieve import Retriever

GOLD_MODEL = "gold"  # the `model` of records built from gold files


class SameKey:
    """The eval's matcher: a name joins the party whose name or alias has its `party_key`, and
    nothing else (no acronyms, no similarity), so the expected answers, written from the gold's
    names, do not move when the resolver's fuzzier rules change."""

    def match(self, mention: PartyMention, index: PartyIndex,
              article_mentions: Sequence[PartyMention]) -> Link | None:
        key = party_key(mention.name)
        pid = next((pid for pid, p in index.parties.items() if key in {party_key(a) for a in [p.name, *p.aliases]}),
                   None)
        return Link(article_id=mention.article_id, name=mention.name, party_id=pid, rule="key") if pid else None


class CountSetError(UsageError, ValueError):
    """A malformed count-question set; the message names the file and the question."""


def gold_records(gold: list[str | Path], articles: Mapping[str, Article],
                 resolve: Callable[[str], str | None]) -> list[ExtractionRecord]:
    """One record per gold file: its labeled winners, losers and unchanged, quotes located.
    `resolve`: an article reference (id or path) → its id in the store, or None."""
    out, missing = [], []
    for g in load_gold(gold):
        aid = resolve(g.ref)
        if aid is None:
            missing.append(f"{g.file}: {g.ref}")
            continue
        text = articles[aid].text
        claims = {f: [PartyClaim(party=it.text, reason="labeled", evidence=locate(it.evidence or "", text))
                      for it in g.field_items(f)] for f in ("winners", "losers")}
        unchanged = [UnchangedClaim(statement=it.text, evidence=locate(it.evidence or "", text))
                     for it in g.field_items("unchanged")]
        out.append(ExtractionRecord(article_id=aid, model=GOLD_MODEL, prompt_hash=GOLD_MODEL,
                                    analysis=ArticleAnalysis(winners=claims["winners"], losers=claims["losers"],
                                                             unchanged=unchanged),
                                    stats=ExtractionStats(path=g.ref)))
    if missing:
        raise CountSetError("gold articles not in the store (run `pipeline ingest corpus/` first): "
                            + "; ".join(missing))
    return out


def load_count_set(path: str | Path) -> dict[str, Any]:
    """Read and check a count-question set; gold folders are relative to the set's folder."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CountSetError(f"{p}: cannot read the count-question set: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise CountSetError(f"{p}: expected a mapping with a non-empty 'questions' list")
    gold = data.get("gold")
    if not isinstance(gold, list) or not gold or not all(isinstance(g, str) for g in gold):
        raise CountSetError(f"{p}: 'gold' must be a list of gold folders or files")
    anchor = data.get("anchor")
    if anchor is not None and not isinstance(anchor, dt.date):
        raise CountSetError(f"{p}: 'anchor' must be a date (YYYY-MM-DD), got {anchor!r}")
    keys = {"id", "question", "party", "counts", "date", "disagree", "sources", "cite", "found", "reason"}
    for i, q in enumerate(data["questions"], start=1):
        where = f"{p}: question {i}"
        if not isinstance(q, dict) or not isinstance(q.get("question"), str) or not isinstance(q.get("id"), str):
            raise CountSetError(f"{where}: needs 'id' and 'question' strings")
        if set(q) - keys:
            raise CountSetError(f"{where} ({q['id']}): unknown key(s): {', '.join(sorted(set(q) - keys))}")
        if q.get("found", True) and not q.get("party"):
            raise CountSetError(f"{where} ({q['id']}): an answerable question needs 'party' and 'cite'")
    return {"gold": [str(p.parent / g) for g in gold], "anchor": anchor, "questions": data["questions"]}


def _answer_parties(doc: dict[str, Any]) -> set[str]:
    c = doc.get("count") or {}
    names = c.get("parties") if c.get("kind") in ("top", "disagree") and c.get("parties") is not None \
        else [c.get("party")]
    return {party_key(n) for n in names or [] if n}


def _got_counts(doc: dict[str, Any]) -> dict[str, int]:
    c = doc.get("count") or {}
    if c.get("kind") == "top" and c.get("ranking"):
        return {k: v for k, v in c["ranking"][0].items() if k in ("winner", "loser", "unchanged")}
    return dict(c.get("counts") or {})


def citation_problems(doc: dict[str, Any], articles: Mapping[str, Article],
                      chunk_text: Any) -> list[str]:
    """Why each invalid citation is invalid (empty: all valid)."""
    counted = {c["article_id"] for c in doc.get("counted") or []}
    bad = []
    for c in doc.get("citations") or []:
        aid, cid = c.get("article_id"), c.get("chunk_id", "")
        art = articles.get(aid or "")
        qs, qe = c.get("quote_start"), c.get("quote_end")
        if art is None:
            bad.append(f"{cid}: article {aid} is not in the store")
        elif aid not in counted:
            bad.append(f"{cid}: article {aid} was not counted")
        elif chunk_text(cid) is None or chunk_text(cid) != c.get("text"):
            bad.append(f"{cid}: no such stored chunk, or its text differs")
        elif qs is None or qe is None or art.text[qs:qe] != c.get("quote") or not c.get("quote"):
            bad.append(f"{cid}: the quote is not at {qs}-{qe} of the article")
        elif not (c.get("start", 0) <= qs < c.get("end", 0)):
            bad.append(f"{cid}: the quote is outside the cited chunk")
    return bad


def score_count_question(q: dict[str, Any], doc: dict[str, Any], articles: Mapping[str, Article],
                         chunk_text: Any, ref_id: Any) -> dict[str, Any]:
    """One question's verdict against one `ask --json` document."""
    want_found = bool(q.get("found", True))
    row: dict[str, Any] = {"id": q["id"], "question": q["question"], "route": doc.get("route"),
                           "found": bool(doc.get("found")), "answer": doc.get("answer", ""), "problems": []}
    probs: list[str] = row["problems"]
    if doc.get("route") != "count":
        probs.append("not routed to counting")
    if row["found"] != want_found:
        probs.append(f"found is {row['found']}, expected {want_found}: {doc.get('reason', '')}")
    if not want_found:
        if q.get("reason") and str(q["reason"]).casefold() not in str(doc.get("reason", "")).casefold():
            probs.append(f"refusal reason {doc.get('reason')!r} does not say {q['reason']!r}")
        row["passed"] = not probs
        return row
    want = q["party"] if isinstance(q["party"], list) else [q["party"]]
    if _answer_parties(doc) != {party_key(n) for n in want}:
        probs.append(f"party: expected {want}, got {sorted(_answer_parties(doc))}")
    c = doc.get("count") or {}
    got = _got_counts(doc)
    for role, n in (q.get("counts") or {}).items():
        if got.get(role) != n:
            probs.append(f"{role} count: expected {n}, got {got.get(role)}")
    if "date" in q and str(c.get("date")) != str(q["date"]):
        probs.append(f"date: expected {q['date']}, got {c.get('date')}")
    if "disagree" in q and bool(c.get("disagree")) != bool(q["disagree"]):
        probs.append(f"disagree: expected {q['disagree']}, got {c.get('disagree')}")
    if "sources" in q and sorted(c.get("sources") or []) != sorted(q["sources"]):
        probs.append(f"sources: expected {q['sources']}, got {c.get('sources')}")
    invalid = citation_problems(doc, articles, chunk_text)
    cited = {x.get("article_id") for x in doc.get("citations") or []}
    expected = {ref_id(r) for r in q.get("cite") or []}
    row.update(citations=len(doc.get("citations") or []), invalid_citations=invalid,
               missing=sorted(expected - cited), extra=sorted(cited - expected))
    probs += invalid
    if expected - cited:
        probs.append(f"not cited: {sorted(expected - cited)}")
    if cited - expected:
        probs.append(f"cited beyond the expected articles: {sorted(cited - expected)}")
    row["passed"] = not probs
    return row


def evaluate_count_questions(set_path: str | Path, retriever: Retriever,
                             resolve: Callable[[str], str | None]) -> dict[str, Any]:
    """Ask every question of the set over gold-built claims; the `count_questions` block.
    `resolve`: an article reference (id or path) → its id in the retriever's store, or None."""
    from pipeline.parties import resolve_corpus
    from pipeline.parties.questions import anchor_day, ask_json, ask_routed
    from pipeline.records import append_record

    spec = load_count_set(set_path)
    arts = retriever.articles
    refs = {r for q in spec["questions"] for r in q.get("cite") or []}
    unresolved = sorted(r for r in refs if resolve(r) is None)
    if unresolved:
        raise CountSetError(f"{set_path}: cited articles not in the store: {', '.join(unresolved)}")
    with tempfile.TemporaryDirectory(prefix="pipeline-countq-") as tmp:
        home = Path(tmp)
        for rec in gold_records(spec["gold"], arts, resolve):
            append_record(rec, home / "extractions.jsonl")
        res = resolve_corpus(retriever.store, home=home, matcher=SameKey(), save=False)
    anchor = spec["anchor"] or anchor_day(arts)
    chunks: dict[str, dict[str, str]] = {}

    def chunk_text(cid: str) -> str | None:
        aid = cid.rsplit("#", 1)[0]
        if aid not in chunks:
            chunks[aid] = {c.id: c.text for c in retriever.store.get_chunks(aid)} if aid in arts else {}
        return chunks[aid].get(cid)

    rows = []
    for q in spec["questions"]:
        doc = ask_json(ask_routed(q["question"], retriever=retriever, resolution=res, anchor=anchor))
        rows.append(score_count_question(q, doc, arts, chunk_text, resolve))
    answered = [r for r in rows if "citations" in r]
    n_cites = sum(r["citations"] for r in answered)
    n_bad = sum(len(r["invalid_citations"]) for r in answered)
    return {"set": str(set_path), "questions": len(rows), "passed": sum(r["passed"] for r in rows),
            "accuracy": round(sum(r["passed"] for r in rows) / len(rows), 4),
            "answered": sum(r["found"] for r in rows), "refusals": sum(not r["found"] for r in rows),
            "citations": n_cites, "citation_validity": round((n_cites - n_bad) / n_cites, 4) if n_cites else None,
            "claims": len(res.mentions), "anchor": anchor.isoformat(), "per_question": rows}


__all__ = ["CountSetError", "evaluate_count_questions", "gold_records", "load_count_set", "score_count_question"]
