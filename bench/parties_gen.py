"""Synthetic extraction records for the `parties` benchmark: N claims over N/5 articles, written
into a PIPELINE_HOME as `pipeline extract` would leave it (extractions.jsonl, plus the articles'
titles, sources and dates in the manifest), without ingesting or calling a model.

Parties are invented companies and public bodies written the ways articles write them ("Korvex
Energy", "Korvex Energy Inc.", "Korvex Energy's shares", "KE" after "Korvex Energy (KE)"), a few
generic non-parties ("customers", "Companies"), twelve outlets, dates over two years (a few
undated). Deterministic for a given (claims, seed).

    python -m bench.parties_gen 10000 /tmp/parties-home
"""

from __future__ import annotations

import hashlib
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pipeline.types import (Article, ArticleAnalysis, Evidence, ExtractionRecord, ExtractionStats, PartyClaim,
                            UnchangedClaim)

CLAIMS_PER_ARTICLE = 5  # 2 winners, 2 losers, 1 unchanged
_SYL = ["ar", "bel", "cor", "dan", "el", "fen", "gar", "hal", "is", "jor", "kel", "lum", "mar", "nor",
        "or", "pel", "quin", "ros", "sal", "tor", "ul", "ver", "wes", "xan", "yor", "zel", "tri", "vox"]
_KIND = ["Energy", "Capital", "Logistics", "Therapeutics", "Networks", "Foods", "Motors", "Bank",
         "Airlines", "Semiconductor", "Cloud", "Health", "Retail", "Telecom", "Mining", "Robotics"]
_BODIES = ["Federal Reserve", "European Commission", "Department of Energy", "Ministry of Finance",
           "Food and Drug Administration", "Securities and Exchange Commission", "World Bank"]
_GENERIC = ["customers", "Companies", "Community", "investors", "consumers", "workers"]
OUTLETS = ["Gridline Weekly", "The Compute Desk", "Harbor Ledger", "Market Street Journal", "Northwind Business",
           "The Freight Report", "Clinic & Capital", "Metro Money", "Signal Path News", "The Inference",
           "Aisle & Margin", "Health Economics Brief"]
START = date(2024, 7, 1)
DAYS = 730


@dataclass
class Synthetic:
    home: Path
    articles: list[Article]
    records: list[ExtractionRecord]
    claims: int


def _company(rng: random.Random) -> str:
    stem = "".join(rng.choice(_SYL) for _ in range(rng.choice((2, 3)))).capitalize()
    return f"{stem} {rng.choice(_KIND)}"


def _acronym(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isupper())


def _spelling(rng: random.Random, name: str, first: bool) -> tuple[str, str]:
    """(name as the claim writes it, how the article introduces it)."""
    acro = _acronym(name)
    r = rng.random()
    if r < 0.55:
        return name, name
    if r < 0.70:
        return f"{name} Inc.", f"{name} Inc."
    if r < 0.82:
        return f"{name}'s shares", name
    if r < 0.92 and len(acro) >= 2 and not first:
        return acro, f"{name} ({acro})"
    return f"the {name}" if name in _BODIES else name.upper() if len(name) < 12 else name, name


def parties(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = _company(rng)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return _BODIES + names


def synthesize(claims: int, root: Path, seed: int = 1234) -> Synthetic:
    """Write a home under `root` with `claims` claims over claims/5 articles; return what it holds."""
    from pipeline.corpus.manifest import Manifest, Row
    from pipeline.records import append_record

    rng = random.Random(seed)
    n_articles = max(1, claims // CLAIMS_PER_ARTICLE)
    pool = parties(max(20, n_articles // 4), seed)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(pool))]  # a few parties in many articles
    home = root
    home.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(home / "manifest.sqlite")
    articles: list[Article] = []
    records: list[ExtractionRecord] = []
    made = 0
    try:
        for i in range(n_articles):
            picks: list[str] = []
            while len(picks) < 4:
                p = rng.choices(pool, weights)[0]
                if p not in picks:
                    picks.append(p)
            if rng.random() < 0.08:
                picks[rng.randrange(4)] = rng.choice(_GENERIC)
            written = [_spelling(rng, p, first=j == 0) for j, p in enumerate(picks)]
            sents = [f"{intro} {'gains' if j < 2 else 'loses ground'} after the {rng.choice(_KIND).lower()} deal."
                     for j, (_, intro) in enumerate(written)]
            sents.append(f"Prices for {picks[0]} customers stay the same this quarter.")
            text = " ".join(sents)
            published = None if rng.random() < 0.03 else (START + timedelta(days=rng.randrange(DAYS))).isoformat()
            aid = f"story-{i:05d}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"
            art = Article(id=aid, title=f"{picks[0]} and {picks[2]}: the {rng.choice(_KIND).lower()} deal",
                          text=text, path=f"corpus/{aid}.md", content_hash=hashlib.sha256(text.encode()).hexdigest(),
                          format="md", source=rng.choice(OUTLETS), published_at=published)
            manifest.put_pending(Row(article=art, source_key=f"/bench/{aid}.md", fingerprint=art.content_hash,
                                     minhash=None, chunk_ids=[], status="pending", replaces=None))
            manifest.complete_article(aid, [])

            def ev(k: int) -> Evidence:
                s = text.find(sents[k])
                return Evidence(quote=sents[k], start=s, end=s + len(sents[k]), status="exact")

            analysis = ArticleAnalysis(
                winners=[PartyClaim(party=written[k][0], reason="gains", evidence=ev(k)) for k in (0, 1)],
                losers=[PartyClaim(party=written[k][0], reason="loses ground", evidence=ev(k)) for k in (2, 3)],
                unchanged=[UnchangedClaim(statement=sents[4], evidence=ev(4))])
            rec = ExtractionRecord(article_id=aid, model="local:qwen2.5-coder-1.5b", prompt_hash="bench",
                                   analysis=analysis, strategy="small", content_hash=art.content_hash,
                                   stats=ExtractionStats(claims=5, exact=5))
            append_record(rec, home / "extractions.jsonl")
            articles.append(art)
            records.append(rec)
            made += CLAIMS_PER_ARTICLE
    finally:
        manifest.close()
    return Synthetic(home=home, articles=articles, records=records, claims=made)


def new_article(syn: Synthetic, seed: int = 99) -> tuple[Article, ExtractionRecord]:
    """One more article naming known parties (and one never seen), not yet written anywhere."""
    rng = random.Random(seed)
    known = [c.party for c in syn.records[rng.randrange(len(syn.records))].analysis.winners]
    names = [*known, "Zephyrine Quantum Labs"]
    sents = [f"{n} gains from the deal." for n in names]
    text = " ".join(sents)
    aid = f"story-new-{hashlib.sha1(text.encode()).hexdigest()[:8]}"
    art = Article(id=aid, title="A new story", text=text, path=f"corpus/{aid}.md",
                  content_hash=hashlib.sha256(text.encode()).hexdigest(), format="md", source=OUTLETS[0],
                  published_at=(START + timedelta(days=DAYS)).isoformat())
    rec = ExtractionRecord(article_id=aid, model="local:qwen2.5-coder-1.5b", prompt_hash="bench",
                           analysis=ArticleAnalysis(winners=[
                               PartyClaim(party=n, evidence=Evidence(quote=s, start=text.find(s),
                                                                     end=text.find(s) + len(s), status="exact"))
                               for n, s in zip(names, sents)]))
    return art, rec


if __name__ == "__main__":
    syn = synthesize(int(sys.argv[1]), Path(sys.argv[2]))
    print(f"{syn.claims} claims over {len(syn.articles)} articles in {syn.home}")
