"""Linking mentions to canonical parties, incrementally.

A mention already linked keeps its party (so ids never move on a re-run); a new one goes through,
in order: parties.yaml (`merge`/`ignore` always win), the generic-name filter, the name key
(`party_key`), then the `Matcher` (acronyms, same-article coreference, string and embedding
similarity, optional LLM confirmation), and otherwise becomes a new party whose id is the slug
of its key. Unchanged statements are attached to the parties their article names in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol, Sequence

from pipeline.parties.generic import is_generic
from pipeline.parties.model import CanonicalParty, Link, PartyIndex, PartyMention
from pipeline.parties.overrides import Overrides
from pipeline.text.parties import party_key
from pipeline.types import utcnow_iso


class Matcher(Protocol):
    """Finds the existing party a new name belongs to (None: none does)."""

    def match(self, mention: PartyMention, index: PartyIndex,
              article_mentions: Sequence[PartyMention]) -> Link | None: ...


def slug(key: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", key.casefold()).strip("-")
    return s or "party"


@dataclass
class Resolution:
    """The index after linking, and each mention with the party it belongs to."""

    index: PartyIndex
    mentions: list[tuple[PartyMention, CanonicalParty]] = field(default_factory=list)
    new_links: int = 0

    def of(self, party_id: str) -> list[PartyMention]:
        return [m for m, p in self.mentions if p.id == party_id]


def _new_party(index: PartyIndex, key: str, name: str) -> CanonicalParty:
    base = slug(key)
    pid, n = base, 2
    while pid in index.parties:
        pid, n = f"{base}-{n}", n + 1
    party = CanonicalParty(id=pid, name=name, aliases=[name], created_at=utcnow_iso())
    index.parties[pid] = party
    return party


def _by_key(index: PartyIndex) -> dict[str, str]:
    """party_key of every alias → party id (first party wins)."""
    out: dict[str, str] = {}
    for pid, p in index.parties.items():
        for a in [p.name, *p.aliases]:
            out.setdefault(party_key(a), pid)
    return out


def _decide(m: PartyMention, index: PartyIndex, keys: dict[str, str], ov: Overrides,
            matcher: Matcher | None, same_article: Sequence[PartyMention]) -> Link:
    key = party_key(m.name)
    if ov.ignored(m.name):
        return Link(article_id=m.article_id, name=m.name, party_id=None, rule="ignored")
    merged = ov.merged_key(m.name)
    if merged is not None:
        pid = keys.get(merged)
        if pid is None:
            pid = _new_party(index, merged, ov.merge_display(m.name) or m.name).id
            keys[merged] = pid
        return Link(article_id=m.article_id, name=m.name, party_id=pid, rule="override")
    if is_generic(m.name):
        return Link(article_id=m.article_id, name=m.name, party_id=None, rule="generic")
    if key in keys and not ov.apart(m.name, index.parties[keys[key]].name):
        return Link(article_id=m.article_id, name=m.name, party_id=keys[key], rule="key")
    if matcher is not None:
        link = matcher.match(m, index, same_article)
        if link is not None and link.party_id and not ov.apart(m.name, index.parties[link.party_id].name):
            return link
    party = _new_party(index, key, m.name)
    return Link(article_id=m.article_id, name=m.name, party_id=party.id, rule="new")


def _whole_word(alias: str, text: str) -> bool:
    return bool(alias) and re.search(r"(?<!\w)" + re.escape(alias) + r"(?!\w)", text, re.I) is not None


def resolve(mentions: Sequence[PartyMention], index: PartyIndex | None = None,
            overrides: Overrides | None = None, matcher: Matcher | None = None) -> Resolution:
    """Link every named mention (new ones only, unless parties.yaml changed) and return them."""
    index = index.model_copy(deep=True) if index is not None else PartyIndex()
    ov = overrides or Overrides()
    if index.overrides_hash != ov.digest:  # the user's word changed: decide every link again
        index.links = [lk for lk in index.links if lk.rule not in ("override", "ignored")]
        index.overrides_hash = ov.digest
        relink = True
    else:
        relink = False
    links = index.link_map()
    keys = _by_key(index)
    named = [m for m in mentions if m.role != "unchanged" and m.name]
    by_article: dict[str, list[PartyMention]] = {}
    for m in named:
        by_article.setdefault(m.article_id, []).append(m)
    new = 0
    for m in named:
        lk = links.get(m.ref)
        if lk is None or (relink and (ov.ignored(m.name) or ov.merged_key(m.name) is not None)):
            lk = _decide(m, index, keys, ov, matcher, by_article[m.article_id])
            links[m.ref] = lk
            new += 1
            party = index.parties.get(lk.party_id) if lk.party_id else None
            if party is not None:
                if m.name not in party.aliases:
                    party.aliases.append(m.name)
                keys.setdefault(party_key(m.name), party.id)  # a new party's own name too
    index.links = sorted(links.values(), key=lambda lk: (lk.article_id, lk.name))
    for pid, p in index.parties.items():
        p.name = ov.display(p.name) or next((ov.display(a) for a in p.aliases if ov.display(a)), None) \
            or ov.merge_display(p.name) or p.name
    res = Resolution(index=index, new_links=new)
    for m in named:
        lk = links[m.ref]
        if lk.party_id and lk.party_id in index.parties:
            res.mentions.append((m, index.parties[lk.party_id]))
    # unchanged statements: attached to the article's own parties that they name
    own: dict[str, dict[str, CanonicalParty]] = {}
    for mm, p in res.mentions:
        own.setdefault(mm.article_id, {})[p.id] = p
    for m in mentions:
        if m.role != "unchanged":
            continue
        for party in own.get(m.article_id, {}).values():
            hit = next((a for a in party.aliases if _whole_word(a, m.reason) or _whole_word(a, m.quote)), None)
            if hit:
                res.mentions.append((m.model_copy(update={"name": hit}), party))
    return res
