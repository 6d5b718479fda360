"""The digest: parties counted from extraction records (no model), and the overview by map-reduce.

Counting winners, losers, unchanged statements and disagreements needs no model and is exact and
cited. Only the overview comes from the model, reduced in groups that fit its context window.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
from pydantic import BaseModel, Field

from pipeline.parties.generic import is_generic
from pipeline.summarize.prompts import top_up, prompt_budget, pick_items
from pipeline.templates import load_prompt
from pipeline.summarize.records import Disagreement, PartyTally, SummaryRecord, UnchangedItem
from pipeline.text.parties import party_key  # one key for every stage
from pipeline.text.sentences import sentence_spans
from pipeline.types import ExtractionRecord, Usage

if TYPE_CHECKING:
    from pipeline.corpus.protocols import TextEmbedder
    from pipeline.parties.resolve import Resolution
    from pipeline.llm.base import Provider

OVERVIEW_PICKS = 4


class OverviewOut(BaseModel):
    overview: str = Field(description="a short paragraph citing articles as [article_id]")


def digest_facts(article_ids: Sequence[str], records: dict[str, ExtractionRecord],
                 top: int = 10, resolution: Resolution | None = None) -> dict[str, Any]:
    """Winners/losers by article count, disagreements, unchanged statements, with citations.

    With a `resolution` (`pipeline.parties`), a party is its canonical party ("AWS" and "Amazon
    Web Services" count together, under its most common spelling or the name parties.yaml
    `rename`s it to); without one, its `party_key`.
    Generic non-parties ("customers", "Companies") and names parties.yaml ignores are not listed."""
    sides: dict[str, dict[str, dict[str, str]]] = {"winners": defaultdict(dict), "losers": defaultdict(dict)}
    names: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    links = resolution.index.link_map() if resolution is not None else {}
    canonical = resolution.index.parties if resolution is not None else {}
    unchanged: list[UnchangedItem] = []
    missing = []
    for aid in article_ids:
        rec = records.get(aid)
        if rec is None:
            missing.append(aid)
            continue
        for side in ("winners", "losers"):
            for claim in getattr(rec.analysis, side):
                name = claim.party.strip()
                lk = links.get((aid, name))
                if lk is not None:  # resolved: its canonical party, or none (generic, ignored)
                    if lk.party_id is None or lk.party_id not in canonical:
                        continue
                    key = "id:" + lk.party_id
                else:
                    key = party_key(claim.party)
                    if not key or is_generic(claim.party):
                        continue
                names[key][name] += 1
                sides[side][key].setdefault(aid, claim.evidence.quote)
        seen = set()
        for u in rec.analysis.unchanged:
            k = u.statement.strip().casefold()
            if k and k not in seen:
                seen.add(k)
                unchanged.append(UnchangedItem(statement=u.statement.strip(), article_id=aid,
                                               quote=u.evidence.quote))

    def label(key: str) -> str:
        """A display name from parties.yaml (`rename`), else the most common spelling."""
        party = canonical.get(key[3:]) if key.startswith("id:") else None
        if party is not None and party.name not in party.aliases:
            return party.name
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
    for _ in range(max_levels):
        groups = level_groups(items, budget, count)
        if len(groups) == 1:
            return step(groups[0], True)
        items = [out for g in groups for out in step(g, False)]
    return step(items[:2], True)


def level_groups(items: list[str], budget: int, count: Callable[[str], int]) -> list[list[str]]:
    """One map-reduce level: the groups `step` is called on (a single group is the final call).
    Public so a summary can publish its first level as planned calls (`summarize.plan`)."""
    half = max(16, budget // 2)
    items = [it if count(it) <= half else truncate_tokens(it, half) for it in items]
    return [[items[i] for i in g] for g in pack(items, budget, count)]


def pieces(text: str, limit: int, count: Callable[[str], int]) -> list[str]:
    """The text as consecutive runs of whole sentences of at most `limit` tokens each."""

    out: list[str] = []
    used = 0
    for s, e in sentence_spans(text):
        sent, n = text[s:e], count(text[s:e])
        if out and used + n + 1 <= limit:
            out[-1], used = f"{out[-1]} {sent}", used + n + 1
        else:
            out.append(sent)
            used = n
    return out


_CITED = re.compile(r"\[([^\[\]\s]+)\]")


def write_overview(summaries: list[SummaryRecord], facts_text: str, provider: Provider, strategy: str,
              usage: list[Usage], max_tokens: int, embedder: TextEmbedder | None = None) -> tuple[str, list[str]]:
    """Map-reduce overview over the summaries; returns it and any citations it had to drop."""
    from pipeline.llm import generate

    ids = {s.article_id for s in summaries}
    if strategy == "extractive":
        prompt = load_prompt("digest_extractive")
        # one candidate per article (its summary's lead), most representative of the batch first:
        # a small model tends to pick the first items, so the order carries the ranking
        leads = []
        for r in summaries:
            spans = sentence_spans(r.summary)
            if spans:
                leads.append(f"{r.summary[spans[0][0]:spans[0][1]].strip()} [{r.article_id}]")
        if embedder is not None and len(leads) > 1:
            vecs = np.asarray(embedder.embed(leads))
            centre = vecs.mean(axis=0)
            leads = [leads[i] for i in np.argsort(-(vecs @ centre), kind="stable")]
        items = leads
        budget = prompt_budget(provider, prompt, 64, items="", n=1, most=OVERVIEW_PICKS, facts=facts_text)

        def step(group: list[str], final: bool) -> list[str]:
            if len(group) <= (OVERVIEW_PICKS if final else 1):
                return group
            picks = pick_items(provider, prompt, group, OVERVIEW_PICKS, usage, facts=facts_text)
            picks = top_up(picks, list(range(len(group))), 3 if final else 1)
            return [group[i] for i in picks]
    else:
        prompt = load_prompt("digest")
        items = [f"[{r.article_id}] {r.title}: {r.summary}" for r in summaries]
        budget = prompt_budget(provider, prompt, max_tokens, summaries="", facts=facts_text, partial=True)

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


def facts_line(facts: dict[str, Any]) -> str:
    def side(rows: list[PartyTally]) -> str:
        return "; ".join(f"{t.party} ({t.count})" for t in rows[:6]) or "none"

    return (f"Most named winners: {side(facts['winners'])}. Most named losers: {side(facts['losers'])}. "
            f"Disputed: {', '.join(d.party for d in facts['disagreements'][:5]) or 'none'}.")
