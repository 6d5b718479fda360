"""Batch summaries of what is new, and a digest across them: who wins, who loses, what stays.

Bookkeeping lives in `$PIPELINE_HOME/summaries.jsonl` (one atomic line per summary or digest,
keyed by article, model and prompt hash), so a re-run with nothing new makes no LLM call.
The digest's winners/losers/unchanged/disagreements are counted from extraction records (exact,
cited, no model involved); the model writes only the overview, by map-reduce over the summaries
so that it fits any context window. Small models (the embedded default) pick sentences instead
of writing prose: summaries and overview are verbatim article sentences, grounded by construction.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import numpy as np
from pydantic import BaseModel, Field, ValidationError, create_model

from pipeline import config
from pipeline.types import Article, ExtractionRecord, Usage, utcnow_iso

log = logging.getLogger(__name__)

SUMMARIES_FILE = "summaries.jsonl"
DIGEST_FILE = "digest.md"
PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
Strategy = Literal["auto", "free", "extractive"]
SUMMARY_CANDIDATES = 8  # sentences a small model chooses from per article
SUMMARY_PICKS = 3
OVERVIEW_PICKS = 4
_lock = threading.Lock()


# ---------------------------------------------------------------- prompts (shared with ask)

@dataclass(frozen=True)
class Prompt:
    """A prompt file: `<!-- role: system -->` / `<!-- role: user -->` sections, Jinja2 templated."""

    name: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    def messages(self, **values: Any) -> list[dict[str, str]]:
        import jinja2

        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                                 keep_trailing_newline=False)
        parts = re.split(r"<!--\s*role:\s*(system|user|assistant)\s*-->", self.text)
        if len(parts) == 1:
            return [{"role": "user", "content": env.from_string(self.text).render(**values).strip()}]
        return [{"role": role, "content": env.from_string(body).render(**values).strip()}
                for role, body in zip(parts[1::2], parts[2::2])]


def load_prompt(name: str) -> Prompt:
    path = Path(os.environ.get("PIPELINE_PROMPTS") or PROMPTS_DIR) / f"{name}.md"
    try:
        return Prompt(name, path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileNotFoundError(f"{path}: prompt file missing ({exc.strerror})") from exc


# ---------------------------------------------------------------- records

class SummaryRecord(BaseModel):
    """One line of summaries.jsonl for an article."""

    model_config = {"protected_namespaces": ()}

    kind: Literal["article"] = "article"
    article_id: str
    title: str = ""
    model: str  # the model that served
    requested_model: str = ""
    prompt_hash: str
    content_hash: str | None = None
    strategy: str = ""
    summary: str
    spans: list[tuple[int, int]] = Field(default_factory=list)  # article offsets of picked sentences
    created_at: str = Field(default_factory=utcnow_iso)
    usage: Usage = Field(default_factory=Usage)


class PartyTally(BaseModel):
    party: str
    count: int  # distinct articles
    articles: list[str]
    quotes: dict[str, str] = Field(default_factory=dict)  # article id → evidence quote


class Disagreement(BaseModel):
    party: str
    winner_in: list[str]
    loser_in: list[str]


class UnchangedItem(BaseModel):
    statement: str
    article_id: str
    quote: str = ""


class DigestRecord(BaseModel):
    """One line of summaries.jsonl for a digest over a set of articles."""

    model_config = {"protected_namespaces": ()}

    kind: Literal["digest"] = "digest"
    key: str  # hash of the inputs that decide the overview (article summaries, model, prompt)
    article_ids: list[str]
    model: str
    requested_model: str = ""
    prompt_hash: str
    strategy: str = ""
    overview: str
    winners: list[PartyTally] = Field(default_factory=list)
    losers: list[PartyTally] = Field(default_factory=list)
    unchanged: list[UnchangedItem] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    without_extraction: list[str] = Field(default_factory=list)
    dropped_citations: list[str] = Field(default_factory=list)
    created_at: str = Field(default_factory=utcnow_iso)
    usage: Usage = Field(default_factory=Usage)


def summaries_path() -> Path:
    return config.home() / SUMMARIES_FILE


def append_jsonl(path: Path, obj: BaseModel) -> None:
    """One write of one whole line on O_APPEND, fsync'd, under a lock (a kill loses no record)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (obj.model_dump_json() + "\n").encode("utf-8")
    with _lock:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a killed writer left a torn line: start on a fresh one
            if os.write(fd, line) != len(line):
                raise OSError(f"{path}: short write")
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def read_summaries(path: Path | None = None) -> tuple[list[SummaryRecord], list[DigestRecord]]:
    """Every record in file order; a torn or invalid line is skipped with a warning."""
    path = path or summaries_path()
    arts: list[SummaryRecord] = []
    digs: list[DigestRecord] = []
    if not path.is_file():
        return arts, digs
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if data.get("kind") == "digest":
                digs.append(DigestRecord.model_validate(data))
            else:
                arts.append(SummaryRecord.model_validate(data))
        except (json.JSONDecodeError, ValidationError, AttributeError) as exc:
            log.warning("%s:%d: skipping unreadable line (%s)", path, n, str(exc).splitlines()[0])
    return arts, digs


def latest_summaries(path: Path | None = None) -> dict[str, SummaryRecord]:
    """article id → its newest summary (any model); for the report."""
    out: dict[str, SummaryRecord] = {}
    for rec in read_summaries(path)[0]:
        out[rec.article_id] = rec
    return out


def latest_digest(path: Path | None = None) -> DigestRecord | None:
    digs = read_summaries(path)[1]
    return digs[-1] if digs else None


# ---------------------------------------------------------------- digest facts (no model)

def party_key(name: str) -> str:
    """Normalized party name: case, possessives, punctuation and a leading 'the' ignored."""
    s = name.casefold().replace("\u2019", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w\s&+.-]", " ", s)
    s = re.sub(r"^the\s+", "", s.strip())
    return re.sub(r"\s+", " ", s).strip(" .")


def digest_facts(article_ids: Sequence[str], records: dict[str, ExtractionRecord],
                 top: int = 10) -> dict[str, Any]:
    """Winners/losers by article count, disagreements, unchanged statements, with citations."""
    sides: dict[str, dict[str, dict[str, str]]] = {"winners": defaultdict(dict), "losers": defaultdict(dict)}
    names: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unchanged: list[UnchangedItem] = []
    missing = []
    for aid in article_ids:
        rec = records.get(aid)
        if rec is None:
            missing.append(aid)
            continue
        for side in ("winners", "losers"):
            for claim in getattr(rec.analysis, side):
                key = party_key(claim.party)
                if not key:
                    continue
                names[key][claim.party.strip()] += 1
                sides[side][key].setdefault(aid, claim.evidence.quote)
        seen = set()
        for u in rec.analysis.unchanged:
            k = u.statement.strip().casefold()
            if k and k not in seen:
                seen.add(k)
                unchanged.append(UnchangedItem(statement=u.statement.strip(), article_id=aid,
                                               quote=u.evidence.quote))

    def label(key: str) -> str:
        return max(names[key].items(), key=lambda kv: (kv[1], -len(kv[0])))[0]

    def tally(side: str) -> list[PartyTally]:
        rows = [PartyTally(party=label(k), count=len(arts), articles=list(arts), quotes=dict(arts))
                for k, arts in sides[side].items()]
        return sorted(rows, key=lambda t: (-t.count, t.party.casefold()))[:top]

    disagreements = []
    for key in sorted(set(sides["winners"]) & set(sides["losers"])):
        w, lo = list(sides["winners"][key]), list(sides["losers"][key])
        if any(x != y for x in w for y in lo):  # one article's "wins, partially" is no disagreement
            disagreements.append(Disagreement(party=label(key), winner_in=w, loser_in=lo))
    return {"winners": tally("winners"), "losers": tally("losers"), "unchanged": unchanged,
            "disagreements": disagreements, "without_extraction": missing}


# ---------------------------------------------------------------- map-reduce

def pack(items: Sequence[str], budget: int, count: Callable[[str], int]) -> list[list[int]]:
    """Greedy groups of consecutive item indexes whose token total fits the budget."""
    groups: list[list[int]] = []
    cur: list[int] = []
    used = 0
    for i, item in enumerate(items):
        n = count(item)
        if cur and used + n > budget:
            groups.append(cur)
            cur, used = [], 0
        cur.append(i)
        used += n
    if cur:
        groups.append(cur)
    return groups


def truncate_tokens(text: str, limit: int) -> str:
    from pipeline.tokens import encoding

    enc = encoding()
    toks = enc.encode(text, disallowed_special=())
    return text if len(toks) <= limit else enc.decode(toks[:limit]) + " …"


def map_reduce(items: list[str], budget: int, count: Callable[[str], int],
               step: Callable[[list[str], bool], list[str]], max_levels: int = 8) -> list[str]:
    """Reduce items with `step(group, final)` until one group fits the budget; returns its output.

    An item too long to pair with another is truncated to half the budget, so every level at
    least halves the work and the recursion ends.
    """
    half = max(16, budget // 2)
    for _ in range(max_levels):
        items = [it if count(it) <= half else truncate_tokens(it, half) for it in items]
        groups = pack(items, budget, count)
        if len(groups) == 1:
            return step(items, True)
        items = [out for g in groups for out in step([items[i] for i in g], False)]
    return step(items[:2], True)


# ---------------------------------------------------------------- the run

class SummaryOut(BaseModel):
    summary: str = Field(description="2-3 sentences")


class OverviewOut(BaseModel):
    overview: str = Field(description="a short paragraph citing articles as [article_id]")


class SummarizeResult(BaseModel):
    model_config = {"protected_namespaces": ()}

    nothing_new: bool = False
    message: str = ""
    model: str | None = None
    strategy: str = ""
    articles: list[dict[str, Any]] = Field(default_factory=list)
    digest: DigestRecord | None = None
    out: str | None = None
    llm_calls: int = 0
    usage: Usage = Field(default_factory=Usage)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _picks_type(n: int, most: int) -> type[BaseModel]:
    choice = Literal[tuple(range(1, n + 1))]  # type: ignore[valid-type]
    return create_model("Picks", picks=(list[choice], Field(default_factory=list, max_length=most)))


def _pick(provider: Any, prompt: Prompt, items: list[str], most: int, usage: list[Usage],
          **values: Any) -> list[int]:
    """Ask the model to choose up to `most` of the numbered items; 0-based, de-duplicated."""
    from pipeline.llm import generate

    listing = "\n".join(f"{i}. {t}" for i, t in enumerate(items, start=1))
    res = generate(provider, prompt.messages(items=listing, n=len(items), most=most, **values),
                   _picks_type(len(items), most), max_tokens=64, temperature=0.0)
    usage.append(res.usage)
    picks = [p - 1 for p in dict.fromkeys(getattr(res.output, "picks", []) or []) if 1 <= p <= len(items)]
    return picks[:most]


def _summary_extractive(article: Article, provider: Any, embedder: Any,
                        usage: list[Usage]) -> tuple[str, list[tuple[int, int]]]:
    """Central, well-formed sentences as candidates; the model picks; the summary quotes them."""
    from pipeline.ask import split_sentences

    text = article.text
    spans = [(s, e) for s, e in split_sentences(text)
             if text[e - 1] in ".!?\"'\u201d\u2019" and 6 <= len(text[s:e].split()) <= 60]
    if not spans:
        spans = split_sentences(text)[:SUMMARY_CANDIDATES] or [(0, min(len(text), 400))]
    vecs = np.asarray(embedder.embed([text[s:e] for s, e in spans]))
    centroid = vecs.mean(axis=0)
    score = vecs @ (centroid / (np.linalg.norm(centroid) or 1.0))
    score[: min(3, len(score))] += 0.08  # news puts the point first
    best = sorted(np.argsort(-score, kind="stable")[:SUMMARY_CANDIDATES])
    cands = [spans[i] for i in best]
    picks = _pick(provider, load_prompt("summarize_extractive"), [text[s:e] for s, e in cands],
                  SUMMARY_PICKS, usage, title=article.title)
    if not picks:  # nothing chosen: the two most central sentences
        order = sorted(range(len(cands)), key=lambda i: -score[best[i]])
        picks = order[:2]
    chosen = [cands[i] for i in sorted(picks)]
    return " ".join(text[s:e].strip() for s, e in chosen), chosen


def _budget(provider: Any, prompt: Prompt, max_tokens: int, **values: Any) -> int:
    overhead = sum(provider.count_tokens(m["content"]) for m in prompt.messages(**values))
    return max(64, int(provider.context_window * 0.9) - overhead - max_tokens)


def _summary_free(article: Article, provider: Any, usage: list[Usage], max_tokens: int) -> str:
    """Summary of the article; a long one is summarized by sections, then the sections merged."""
    from pipeline.llm import generate

    prompt = load_prompt("summarize")
    budget = _budget(provider, prompt, max_tokens, title=article.title, text="", partial=True)

    def step(group: list[str], final: bool) -> list[str]:
        res = generate(provider, prompt.messages(title=article.title, text="\n\n".join(group),
                                                 partial=not final), SummaryOut,
                       max_tokens=max_tokens, temperature=0.0)
        usage.append(res.usage)
        return [res.output.summary.strip() if res.output else ""]

    return map_reduce(pieces(article.text, budget // 2, provider.count_tokens), budget,
                      provider.count_tokens, step)[0]


def pieces(text: str, limit: int, count: Callable[[str], int]) -> list[str]:
    """The text as consecutive runs of whole sentences of at most `limit` tokens each."""
    from pipeline.ask import split_sentences

    out: list[str] = []
    used = 0
    for s, e in split_sentences(text):
        sent, n = text[s:e], count(text[s:e])
        if out and used + n + 1 <= limit:
            out[-1], used = f"{out[-1]} {sent}", used + n + 1
        else:
            out.append(sent)
            used = n
    return out


_CITED = re.compile(r"\[([^\[\]\s]+)\]")


def _overview(summaries: list[SummaryRecord], facts_text: str, provider: Any, strategy: str,
              usage: list[Usage], max_tokens: int) -> tuple[str, list[str]]:
    """Map-reduce overview over the summaries; returns it and any citations it had to drop."""
    from pipeline.ask import split_sentences
    from pipeline.llm import generate

    ids = {s.article_id for s in summaries}
    if strategy == "extractive":
        prompt = load_prompt("digest_extractive")
        items = [f"{r.summary[s:e].strip()} [{r.article_id}]" for r in summaries
                 for s, e in split_sentences(r.summary)]
        budget = _budget(provider, prompt, 64, items="", n=1, most=OVERVIEW_PICKS, facts=facts_text)

        def step(group: list[str], final: bool) -> list[str]:
            if len(group) <= (OVERVIEW_PICKS if final else 1):
                return group
            picks = _pick(provider, prompt, group, OVERVIEW_PICKS, usage, facts=facts_text)
            return [group[i] for i in (picks or [0])]
    else:
        prompt = load_prompt("digest")
        items = [f"[{r.article_id}] {r.title}: {r.summary}" for r in summaries]
        budget = _budget(provider, prompt, max_tokens, summaries="", facts=facts_text, partial=True)

        def step(group: list[str], final: bool) -> list[str]:
            res = generate(provider, prompt.messages(summaries="\n\n".join(group), facts=facts_text,
                                                     partial=not final), OverviewOut,
                           max_tokens=max_tokens, temperature=0.0)
            usage.append(res.usage)
            return [res.output.overview.strip() if res.output else ""]

    text = " ".join(map_reduce(items, budget, provider.count_tokens, step))
    dropped = sorted({m.group(1) for m in _CITED.finditer(text) if m.group(1) not in ids})
    text = _CITED.sub(lambda m: m.group(0) if m.group(1) in ids else "", text)
    return re.sub(r"[ \t]+", " ", text).strip(), dropped


def _facts_text(facts: dict[str, Any]) -> str:
    def side(rows: list[PartyTally]) -> str:
        return "; ".join(f"{t.party} ({t.count})" for t in rows[:6]) or "none"

    return (f"Most named winners: {side(facts['winners'])}. Most named losers: {side(facts['losers'])}. "
            f"Disputed: {', '.join(d.party for d in facts['disagreements'][:5]) or 'none'}.")


def _articles(store: Any) -> list[Article]:
    arts = []
    for a in store.list_articles():
        if not isinstance(a, Article) or not a.text:
            a = store.get_article(a.id if hasattr(a, "id") else a["id"])
        arts.append(a)
    return sorted(arts, key=lambda a: (a.published_at or "", a.id))


def summarize(*, since: str | None = None, model: Any = None, out: str | Path | None = None,
              strategy: Strategy = "auto", store: Any = None, embedder: Any = None,
              on_progress: Callable[[int, int, str], None] | None = None,
              max_tokens: int = 300) -> SummarizeResult:
    """Summarize what is new (or published since DATE) and write the digest as Markdown."""
    from pipeline.ask import is_small
    from pipeline.config import load_settings
    from pipeline.llm import get_provider
    from pipeline.records import latest_records
    from pipeline.retrieve import open_store, parse_since, published_ts

    store = store if store is not None else open_store()
    provider = get_provider(model or load_settings().model_for("summarize"))
    req = provider.model_string
    strat = strategy if strategy != "auto" else ("extractive" if is_small(provider) else "free")
    prompt = load_prompt("summarize_extractive" if strat == "extractive" else "summarize")
    since_ts = parse_since(since)
    arts, digests = read_summaries()
    done = {r.article_id: r for r in arts if req in (r.requested_model, r.model)
            and r.prompt_hash == prompt.hash}
    corpus = _articles(store)
    if since_ts is not None:
        targets = [a for a in corpus if (published_ts(a.published_at) or -1) >= since_ts]
    else:
        targets = [a for a in corpus if a.id not in done or done[a.id].content_hash not in (None, a.content_hash)]
    result = SummarizeResult(model=req, strategy=strat)
    if not targets:
        result.nothing_new = True
        result.message = (f"No articles published since {since}; nothing to summarize (no LLM call)."
                          if since_ts is not None else
                          f"Nothing new to summarize: all {len(corpus)} articles already have a summary "
                          f"from {req} (prompt {prompt.hash}); no LLM call made.")
        return result
    if embedder is None and strat == "extractive":
        from pipeline.embed import get_embedder

        embedder = get_embedder()
    usages: list[Usage] = []
    records: list[SummaryRecord] = []
    fresh = 0
    reused: set[str] = set()
    for n, a in enumerate(targets, start=1):
        if on_progress:
            on_progress(n, len(targets), a.id)
        prev = done.get(a.id)
        if prev is not None and prev.content_hash in (None, a.content_hash):
            records.append(prev)
            reused.add(a.id)
            continue
        mine: list[Usage] = []
        if strat == "extractive":
            text, spans = _summary_extractive(a, provider, embedder, mine)
        else:
            text, spans = _summary_free(a, provider, mine, max_tokens), []
        use = sum(mine[1:], mine[0]) if mine else Usage()
        rec = SummaryRecord(article_id=a.id, title=a.title, model=req, requested_model=req,
                            prompt_hash=prompt.hash, content_hash=a.content_hash, strategy=strat,
                            summary=text, spans=spans, usage=use)
        append_jsonl(summaries_path(), rec)
        usages += mine
        records.append(rec)
        fresh += 1
    facts = digest_facts([r.article_id for r in records], latest_records())
    dprompt = load_prompt("digest_extractive" if strat == "extractive" else "digest")
    key = hashlib.sha256(json.dumps([req, dprompt.hash, strat, sorted((r.article_id, r.summary) for r in records)])
                         .encode("utf-8")).hexdigest()[:16]
    old = next((d for d in reversed(digests) if d.key == key), None)
    if old is not None:
        overview, dropped = old.overview, old.dropped_citations
    else:
        dusage: list[Usage] = []
        overview, dropped = _overview(records, _facts_text(facts), provider, strat, dusage, max_tokens)
        usages += dusage
    digest = DigestRecord(key=key, article_ids=[r.article_id for r in records], model=req, requested_model=req,
                          prompt_hash=dprompt.hash, strategy=strat, overview=overview,
                          dropped_citations=dropped, **facts,
                          usage=sum(usages[1:], usages[0]) if usages else Usage())
    if old is None or old.model_dump(exclude={"created_at", "usage"}) != digest.model_dump(exclude={"created_at", "usage"}):
        append_jsonl(summaries_path(), digest)
    result.usage = sum(usages[1:], usages[0]) if usages else Usage()
    result.llm_calls = result.usage.calls
    result.nothing_new = result.llm_calls == 0 and fresh == 0
    result.digest = digest
    by_id = {a.id: a for a in targets}
    result.articles = [{"article_id": r.article_id, "title": r.title, "source": by_id[r.article_id].source,
                        "published_at": by_id[r.article_id].published_at, "summary": r.summary,
                        "spans": r.spans, "reused": r.article_id in reused}
                       for r in records]
    path = Path(out) if out else config.ensure_home() / DIGEST_FILE
    _write_atomic(path, render_markdown(result))
    result.out = str(path)
    result.message = (f"Summarized {fresh} article(s); digest over {len(records)} written to {path}"
                      + (" (no LLM call: everything was already summarized)" if result.nothing_new else ""))
    return result


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_markdown(result: SummarizeResult) -> str:
    """The digest as Markdown: overview, parties, unchanged, disagreements, per-article summaries."""
    d = result.digest
    titles = {a["article_id"]: a["title"] for a in result.articles}
    lines = [f"# Digest of {len(result.articles)} article(s)", "",
             f"_model: {result.model} · strategy: {result.strategy} · {d.created_at if d else utcnow_iso()}_", ""]
    if d is None:
        return "\n".join(lines + [result.message]) + "\n"

    def cite(ids: Sequence[str]) -> str:
        return ", ".join(f"[{i}]" for i in ids)

    lines += ["## Overview", "", d.overview or "_(no overview)_", ""]
    if d.without_extraction:
        lines += [f"_No extraction records for {len(d.without_extraction)} article(s) "
                  f"({cite(d.without_extraction)}); run `pipeline extract --new` to include their winners "
                  "and losers._", ""]
    for title, rows in (("Most often named winners", d.winners), ("Most often named losers", d.losers)):
        lines += [f"## {title}", ""]
        lines += [f"- **{t.party}**: {t.count} article(s) {cite(t.articles)}" for t in rows] or ["- none found"]
        lines.append("")
    lines += ["## What stays the same", ""]
    lines += [f"- {u.statement} [{u.article_id}]" for u in d.unchanged] or ["- none found"]
    lines += ["", "## Where articles disagree", ""]
    lines += [f"- **{x.party}**: a winner in {cite(x.winner_in)}; a loser in {cite(x.loser_in)}"
              for x in d.disagreements] or ["- no party is called a winner in one article and a loser in another"]
    lines += ["", "## Articles", ""]
    for a in result.articles:
        meta = " · ".join(x for x in (a.get("source"), a.get("published_at")) if x)
        lines += [f"### {titles.get(a['article_id']) or a['article_id']} [{a['article_id']}]", ""]
        if meta:
            lines += [f"_{meta}_", ""]
        lines += [a["summary"], ""]
    return "\n".join(lines).rstrip() + "\n"
