"""The digest eval: do the per-article summaries and the digest overview carry each article's key facts,
and does every sentence they write come from the article it is filed under?

Gold (`evals/digests/{dev,test}.yaml`, format in evals/README.md "Digest gold") lists 3-5 verbatim
key-fact quotes per real article. The measures are the answer eval's, on summaries:

- **fact recall**: gold facts covered by the summary. A fact is covered when one summary sentence,
  or two consecutive ones, hold at least `COVER` (0.6) of the fact's content words (`answers.holds`:
  lower-cased words and numbers, the commonest function words left out). An extractive summary that
  picked the sentence holding a fact covers it; a paraphrase covers it when it keeps its words.
- **attribution precision**: summary sentences supported by their own article's text. A sentence is
  supported when some run of at most `WINDOW` consecutive article sentences holds `LEXICAL_SUPPORT`
  of its content words and word pairs (`ask`'s lexical check) and the article mentions every number
  and name in it (`novel_facts`, the same guard `ask` applies). No model is involved.

The digest overview is scored the same way over the articles it cites: recall of the gold facts of
each cited article by the overview sentences citing it, and precision of the overview's sentences
(a sentence is attributed when one article it cites supports it; a sentence citing nothing is not).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from pipeline.errors import UsageError
from pipeline.evaluate.goldyaml import read_mapping, validate_items, yaml_files
from pipeline.evaluate.answers import COVER, holds
from pipeline.query.support import lexical_support, novel_facts
from pipeline.text.sentences import sentence_spans

LEXICAL_SUPPORT = 0.5  # = pipeline.query.ask.LEXICAL_SUPPORT, the lexical half of ask's support check
WINDOW = 3  # article sentences a summary sentence may fuse
_CITED = re.compile(r"\[([^\[\]\s]+)\]")
_SPACE = re.compile(r"\s+")


class DigestGoldError(UsageError, ValueError):
    """A malformed digest-gold file, or a quote not in its article; the message names the file."""


class ArticleFacts(BaseModel):
    article: str  # repo-relative path, as ingested
    facts: list[str] = Field(min_length=1)
    split: str = ""


def load_digest_gold(paths: Iterable[str | Path]) -> list[ArticleFacts]:
    """Articles and their key facts from digest-gold files (a file or a folder of them), in file order."""
    files = yaml_files(paths)
    out: list[ArticleFacts] = []
    for f in files:
        data = read_mapping(f, "articles", DigestGoldError, "digest gold")
        out += validate_items(f, data["articles"], ArticleFacts, data.get("split", f.stem), DigestGoldError,
                              "article", label_key="article")
    if not out:
        raise DigestGoldError(f"no articles in {', '.join(map(str, files)) or 'the given paths'}")
    seen: set[str] = set()
    for item in out:
        if item.article in seen:
            raise DigestGoldError(f"{item.article} is labeled twice in the digest gold")
        seen.add(item.article)
    return out


def squash(text: str) -> str:
    """Whitespace folded to single spaces and typographic quotes to plain ones (how quotes are compared)."""
    t = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return _SPACE.sub(" ", t).strip()


def not_verbatim(gold: Sequence[ArticleFacts], text_of: Callable[[str], str | None]) -> list[str]:
    """Every quote that is not in its article's text (whitespace and quote marks aside), named."""
    bad: list[str] = []
    for g in gold:
        text = text_of(g.article)
        if text is None:
            bad.append(f"{g.article}: article not found")
            continue
        body = squash(text)
        bad += [f"{g.article}: fact {i} is not verbatim in the article: {q[:80]!r}"
                for i, q in enumerate(g.facts, start=1) if squash(q) not in body]
    return bad


def sentences(text: str) -> list[str]:
    """A summary's sentences, by the one segmenter."""
    return [text[s:e].strip() for s, e in sentence_spans(text) if text[s:e].strip()]


def covered(fact: str, sents: Sequence[str]) -> bool:
    """Is the fact carried by one summary sentence or two consecutive ones (COVER of its words)?"""
    runs = list(sents) + [f"{a} {b}" for a, b in zip(sents, sents[1:])]
    return any(holds(r, fact) for r in runs)


def supported(sentence: str, article: str) -> bool:
    """Does the article support the sentence: a run of <= WINDOW of its sentences holds the
    sentence's words and word pairs (LEXICAL_SUPPORT), and it names every number and name in it?"""
    if novel_facts(sentence, article):
        return False
    art = sentences(article) or [article]
    for n in range(1, WINDOW + 1):
        for i in range(max(1, len(art) - n + 1)):
            if lexical_support(sentence, " ".join(art[i:i + n])) >= LEXICAL_SUPPORT:
                return True
    return False


def score_summary(g: ArticleFacts, summary: str | None, article: str) -> dict[str, Any]:
    """One article's summary against its key facts and its own text."""
    row: dict[str, Any] = {"article": g.article, "split": g.split, "summarized": summary is not None,
                           "facts": len(g.facts)}
    sents = sentences(summary or "")
    hit = [f for f in g.facts if covered(f, sents)]
    bad = [s for s in sents if not supported(s, article)]
    row.update(facts_covered=len(hit), sentences=len(sents), attributed=len(sents) - len(bad),
               missed_facts=[f for f in g.facts if f not in hit], unattributed=bad)
    return row


def cited_sentences(overview: str) -> list[tuple[str, list[str]]]:
    """(sentence without its citations, [article ids it cites]); a citation group that opens a sentence
    ("... last month. [a-1] Next ...") belongs to the sentence before it."""
    out: list[tuple[str, list[str]]] = []
    for s in sentences(overview):
        lead = re.match(r"^(?:\s*\[[^\[\]\s]+\])+", s)
        if lead and out:
            out[-1][1].extend(i for i in _CITED.findall(lead.group(0)) if i not in out[-1][1])
            s = s[lead.end():].strip()
        ids = list(dict.fromkeys(_CITED.findall(s)))
        text = re.sub(r"\s+([.,;:!?])", r"\1", _SPACE.sub(" ", _CITED.sub("", s))).strip()
        if text:
            out.append((text, ids))
        elif out:
            out[-1][1].extend(i for i in ids if i not in out[-1][1])
    return out


def score_overview(overview: str, gold_by_id: dict[str, ArticleFacts], text_by_id: Callable[[str], str]
                   ) -> dict[str, Any]:
    """The digest overview over the articles it cites: recall of their gold facts by the sentences
    citing each, and the share of its sentences that an article they cite supports."""
    pairs = cited_sentences(overview)
    cited = list(dict.fromkeys(i for _, ids in pairs for i in ids))
    graded = [i for i in cited if i in gold_by_id]
    facts = hit = 0
    missed: list[str] = []
    for aid in graded:
        mine = [s for s, ids in pairs if aid in ids]
        for f in gold_by_id[aid].facts:
            facts += 1
            if covered(f, mine):
                hit += 1
            else:
                missed.append(f)
    bad = [s for s, ids in pairs if not any(supported(s, text_by_id(i)) for i in ids)]
    return {"sentences": len(pairs), "cited_articles": len(cited), "graded_articles": len(graded),
            "facts": facts, "facts_covered": hit, "fact_recall": _ratio(hit, facts),
            "attributed": len(pairs) - len(bad), "attribution_precision": _ratio(len(pairs) - len(bad), len(pairs)),
            "missed_facts": missed, "unattributed": bad}


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def summarize_rows(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged fact recall and attribution precision over the article summaries."""
    facts = sum(r["facts"] for r in rows)
    sents = sum(r["sentences"] for r in rows)
    return {"articles": len(rows), "summarized": sum(1 for r in rows if r["summarized"]),
            "fact_recall": _ratio(sum(r["facts_covered"] for r in rows), facts),
            "attribution_precision": _ratio(sum(r["attributed"] for r in rows), sents),
            "facts": facts, "sentences": sents}


def evaluate_digests(gold: Sequence[ArticleFacts], *, article_id: Callable[[str], str | None],
                     text_by_id: Callable[[str], str], summaries: dict[str, str],
                     overview: str | None) -> dict[str, Any]:
    """Score every gold article's summary (`summaries`: article id → summary text) and the overview.

    The report holds `overall` and `splits.<name>` for the summaries, `overview` (None without a
    digest), and `per_article` rows. An article with no summary scores no facts covered.
    """
    ids = {g.article: article_id(g.article) for g in gold}
    missing = sorted(a for a, i in ids.items() if i is None)
    if missing:
        raise DigestGoldError("articles named by the digest gold are not in the store (run `pipeline ingest "
                              f"corpus/` first): {', '.join(missing[:5])}" + (" …" if len(missing) > 5 else ""))
    rows = []
    for g in gold:
        aid = ids[g.article]
        assert aid is not None
        row = score_summary(g, summaries.get(aid), text_by_id(aid))
        rows.append({"article_id": aid, **row})
    splits = sorted({r["split"] for r in rows})
    gold_by_id = {i: g for g in gold if (i := ids[g.article]) is not None}
    return {"overall": summarize_rows(rows),
            "splits": {s: summarize_rows([r for r in rows if r["split"] == s]) for s in splits},
            "overview": score_overview(overview, gold_by_id, text_by_id) if overview else None,
            "cover": COVER, "lexical_support": LEXICAL_SUPPORT, "window": WINDOW,
            "per_article": rows}


__all__ = ["ArticleFacts", "DigestGoldError", "LEXICAL_SUPPORT", "WINDOW", "cited_sentences", "covered",
           "evaluate_digests", "load_digest_gold", "not_verbatim", "score_overview", "score_summary", "supported"]
