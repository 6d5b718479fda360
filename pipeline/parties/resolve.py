"""Linking mentions to canonical parties, incrementally.

A mention already linked keeps its party (so ids never move on a re-run); a new one goes through,
in order (docs/parties.md):

1. parties.yaml: `ignore` and `merge` always win (a `split` vetoes any later rule);
2. same-article coreference (`coref`): a dropped descriptor ("the airline" with two airlines) is
   generic; an alias ("AWS", "Skyline", "the carrier") takes its lead's party;
3. the generic filter ("Companies", "it");
4. the key (`names.name_key`) or an acronym the corpus defined; a bare public body ("Senate")
   by its key and country only (`country.qualified`);
5. the `Matcher` (`match.NameMatcher`: spelling, acronyms, MiniLM, optional LLM) for named parties;
6. otherwise a new party, id = slug of its key, `kind="group"` for a common-noun phrase.

Unchanged statements are attached to the parties their article names in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Protocol, Sequence

from pipeline.parties import coref
from pipeline.parties import country as ctry
from pipeline.parties import names as nm
from pipeline.parties.generic import entity_type, is_generic, is_group
from pipeline.parties.model import CanonicalParty, Link, PartyIndex, PartyKind, PartyMention
from pipeline.parties.overrides import Overrides
from pipeline.parties.persons import Surnames
from pipeline.parties.scope import local
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


class _Linker:
    """One resolve pass: the index being extended and the lookups that follow it."""

    def __init__(self, index: PartyIndex, ov: Overrides, matcher: Matcher | None) -> None:
        self.index, self.ov, self.matcher = index, ov, matcher
        self.keys: dict[str, str] = {}  # name_key of every alias → party id (first party wins)
        self.acronyms: dict[str, str] = {}  # "AWS" → party id
        self.qkeys: dict[str, str] = {}  # "senate@philippines" → party id (`country.qualified`)
        # (article id, name_key) → party id of a description or office ("the index", "German airline",
        # "President of the United States"), which links in its article only (`scope.local`)
        self.local: dict[tuple[str, str], str] = {}
        self.text = ""  # the article being linked
        self.article = ""
        for lk in index.links:
            if lk.party_id and local(lk.name):
                self.local.setdefault((lk.article_id, nm.name_key(lk.name)), lk.party_id)
        self.surnames = Surnames(entity_type)  # "Musk" → the one "Elon Musk" (`persons`)
        for pid, p in index.parties.items():
            for a in [p.name, *p.aliases]:
                if not local(a):
                    self.keys.setdefault(nm.name_key(a), pid)
                    if p.kind == "party":
                        self.surnames.add(pid, a)
                if (q := ctry.from_alias(a)) is not None:
                    self.qkeys.setdefault(q, pid)
            if not any(ctry.from_alias(a) for a in p.aliases):  # a body whose country no article said
                for a in p.aliases:
                    if (q := ctry.qualified(a, "")) is not None:
                        self.qkeys.setdefault(q, pid)
            for a in p.acronyms:
                self.acronyms.setdefault(a, pid)

    def qualified(self, name: str) -> str | None:
        """The country-qualified key of a bare public body ("senate@?" where no country is said)."""
        return ctry.qualified(name, self.text)

    def lookup(self, name: str) -> str | None:
        """The party a name's key gives: a bare body ("Senate") only by its country's key, an
        description or office ("the President", "German airline") only in its own article."""
        if local(name):
            return self.local.get((self.article, nm.name_key(name)))
        q = self.qualified(name)
        return self.qkeys.get(q) if q is not None else self.keys.get(nm.name_key(name))

    def add_context(self, party: CanonicalParty, name: str) -> None:
        """Keep a bare body's country with its party (an alias "Senate (Philippines)")."""
        q = self.qualified(name)
        if q is None:
            return
        self.qkeys.setdefault(q, party.id)
        if "@?" not in q and (alias := ctry.display(q)) not in party.aliases:
            party.aliases.append(alias)

    def new_party(self, key: str, name: str, kind: PartyKind) -> CanonicalParty:
        base = slug(key)
        pid, n = base, 2
        while pid in self.index.parties:
            pid, n = f"{base}-{n}", n + 1
        party = CanonicalParty(id=pid, name=name, aliases=[], created_at=utcnow_iso(), kind=kind)
        self.index.parties[pid] = party
        self.add_alias(party, name)
        return party

    def add_alias(self, party: CanonicalParty, name: str, acronyms: set[str] = set()) -> None:
        if name not in party.aliases:
            party.aliases.append(name)
        if local(name):
            self.local.setdefault((self.article, nm.name_key(name)), party.id)
        else:
            self.keys.setdefault(nm.name_key(name), party.id)
            if party.kind == "party":
                self.surnames.add(party.id, name)
        for a in sorted(acronyms):
            if a not in party.acronyms:
                party.acronyms.append(a)
            self.acronyms.setdefault(a, party.id)

    def apart(self, name: str, pid: str) -> bool:
        p = self.index.parties[pid]
        return any(self.ov.apart(name, a) for a in dict.fromkeys([p.name, *p.aliases]))

    def overridden(self, m: PartyMention) -> Link | None:
        if self.ov.ignored(m.name):
            return Link(article_id=m.article_id, name=m.name, party_id=None, rule="ignored")
        key = party_key(m.name)
        group = next((g for g in self.ov.merge if key in {party_key(n) for n in g}), None)
        if group is None:
            return None
        pid = next((self.keys[nm.name_key(n)] for n in group if nm.name_key(n) in self.keys), None)
        if pid is None:
            pid = self.new_party(nm.name_key(group[0]), group[0], "party").id
        return Link(article_id=m.article_id, name=m.name, party_id=pid, rule="override")

    def by_name(self, m: PartyMention, kind: PartyKind, same_article: Sequence[PartyMention]) -> Link:
        """Key, then a defined acronym, then the matcher, else a new party."""
        key = nm.name_key(m.name)
        pid = self.lookup(m.name)
        if pid is not None and not self.apart(m.name, pid):
            return Link(article_id=m.article_id, name=m.name, party_id=pid, rule="key")
        if kind == "party" and self.qualified(m.name) is None and not local(m.name):
            # a bare body links by its country only; an anaphor in its article only
            acr = nm.acronym_of(m.name) if nm.is_acronym(m.name) else None
            pid = self.acronyms.get(acr) if acr else None
            if pid is not None and not self.apart(m.name, pid):
                return Link(article_id=m.article_id, name=m.name, party_id=pid, rule="acronym")
            pid = self.surnames.link(m.name, [n.name for n in same_article])
            if pid is not None and not self.apart(m.name, pid):  # "Musk" … "Elon Musk"
                return Link(article_id=m.article_id, name=m.name, party_id=pid, rule="surname")
            if self.matcher is not None:
                link = self.matcher.match(m, self.index, same_article)
                if link is not None and link.party_id and not self.apart(m.name, link.party_id):
                    return link
        party = self.new_party(key, m.name, kind)
        return Link(article_id=m.article_id, name=m.name, party_id=party.id, rule="new")

    def decide(self, m: PartyMention, co: coref.ArticleCoref, text: str,
               links: dict[tuple[str, str], Link], same_article: Sequence[PartyMention]) -> Link:
        link = self.overridden(m)
        if link is not None:
            return link
        if m.name in co.dropped:
            return Link(article_id=m.article_id, name=m.name, party_id=None, rule="generic")
        lead = co.resolve(m.name)
        if lead is not None:
            name, rule = lead
            done = links.get((m.article_id, name))
            if done is not None:
                pid = done.party_id
            elif (known := self.lookup(m.name)) is not None and \
                    nm.name_key(name) not in self.keys and not self.apart(name, known):
                pid = known  # "Facebook" is known; this article's "Facebook Ireland Limited" joins it
                self.add_alias(self.index.parties[pid], name, co.acronyms.get(nm.name_key(name), set()))
            else:  # a longer name only the text gives: its own party decision
                pid = self.by_name(m.model_copy(update={"name": name}), "party", same_article).party_id
                if pid:
                    self.add_alias(self.index.parties[pid], name, co.acronyms.get(nm.name_key(name), set()))
            if pid and not self.apart(m.name, pid) and not self.ov.ignored(name):
                return Link(article_id=m.article_id, name=m.name, party_id=pid, rule=rule)
        known = self.lookup(m.name)
        if known is not None and self.index.parties[known].kind == "party" and not self.apart(m.name, known) \
                and not is_generic(m.name):  # "microsoft" written in lower case, once Microsoft is known
            return Link(article_id=m.article_id, name=m.name, party_id=known, rule="key")
        group = is_group(m.name, text)
        if is_generic(m.name) or (group and len(nm.words(m.name)) == 1):  # "Buyers", "lenders"
            return Link(article_id=m.article_id, name=m.name, party_id=None, rule="generic")
        if not group and nm.name_key(m.name) not in self.keys:
            # the long form of a short name already known ("Facebook Ireland Limited" … "Facebook")
            for short in sorted({n.name for n in same_article if n.name != m.name}):
                known = self.lookup(short)
                if known is not None and (co.resolve(short) or ("", ""))[0] == m.name and not self.apart(m.name, known):
                    return Link(article_id=m.article_id, name=m.name, party_id=known, rule="coreference")
        return self.by_name(m, "group" if group else "party", same_article)


def _copy(index: PartyIndex) -> PartyIndex:
    """The index to extend, the caller's left as it was (links are never changed in place)."""
    parties = {pid: p.model_copy(update={"aliases": list(p.aliases), "acronyms": list(p.acronyms)})
               for pid, p in index.parties.items()}
    return index.model_copy(update={"parties": parties, "links": list(index.links)})


def _affected(ov: Overrides) -> set[str]:
    """Keys of every name parties.yaml speaks of."""
    return {party_key(n) for g in [*ov.merge, *ov.split, ov.ignore] for n in g}


def resolve(mentions: Sequence[PartyMention], index: PartyIndex | None = None,
            overrides: Overrides | None = None, matcher: Matcher | None = None,
            texts: Mapping[str, str] | None = None) -> Resolution:
    """Link every named mention (new ones only, and those parties.yaml now speaks of) and return
    them. `texts` (article id → text; default: the matcher's) feed same-article coreference."""
    index = _copy(index) if index is not None else PartyIndex()
    ov = overrides or Overrides()
    texts = texts if texts is not None else getattr(matcher, "texts", None) or {}
    links = index.link_map()
    if index.overrides_hash != ov.digest:  # the user's word changed: decide what it touches again
        touched = _affected(ov)
        for ref, lk in list(links.items()):
            if lk.rule in ("override", "ignored") or party_key(lk.name) in touched:
                del links[ref]
                old = index.parties.get(lk.party_id or "")
                if old is not None and lk.name in old.aliases and not any(
                        o.name == lk.name and o.party_id == old.id for o in links.values()):
                    old.aliases.remove(lk.name)
        index.overrides_hash = ov.digest
    linker = _Linker(index, ov, matcher)
    named = [m for m in mentions if m.role != "unchanged" and m.name]
    by_article: dict[str, list[PartyMention]] = {}
    for m in named:
        by_article.setdefault(m.article_id, []).append(m)
    new = 0
    for aid, ms in by_article.items():
        pending = list({m.ref: m for m in ms if m.ref not in links}.values())
        if not pending:
            continue
        text = texts.get(aid, "")
        linker.text, linker.article = text, aid
        co = coref.analyze([m.name for m in ms], text)
        pending.sort(key=lambda m: (m.name in co.lead or m.name in co.dropped))  # leads first
        for m in pending:
            lk = linker.decide(m, co, text, links, ms)
            links[m.ref] = lk
            new += 1
            if lk.party_id:
                party = index.parties[lk.party_id]
                acr = {nm.acronym_of(m.name)} if lk.rule == "acronym" and nm.is_acronym(m.name) else set()
                linker.add_alias(party, m.name, acr | co.acronyms.get(nm.name_key(m.name), set()))
                linker.add_context(party, m.name)
    index.links = sorted(links.values(), key=lambda lk: (lk.article_id, lk.name))
    for p in index.parties.values():
        p.name = ov.display(p.name) or next((ov.display(a) for a in p.aliases if ov.display(a)), None) \
            or ov.merge_display(p.name) or p.name
    res = Resolution(index=index, new_links=new)
    for m in named:
        lk = links[m.ref]
        if lk.party_id and lk.party_id in index.parties:
            res.mentions.append((m, index.parties[lk.party_id]))
    _attach_unchanged(res, mentions)
    return res


def _whole_word(alias: str, text: str) -> bool:
    return bool(alias) and re.search(r"(?<!\w)" + re.escape(alias) + r"(?!\w)", text, re.I) is not None


def _attach_unchanged(res: Resolution, mentions: Sequence[PartyMention]) -> None:
    """Unchanged statements: attached to the article's own parties that they name."""
    own: dict[str, dict[str, CanonicalParty]] = {}
    for mm, p in res.mentions:
        own.setdefault(mm.article_id, {})[p.id] = p
    for m in mentions:
        if m.role != "unchanged":
            continue
        said = f"{m.reason}\n{m.quote}"
        folded = said.casefold()
        for party in own.get(m.article_id, {}).values():
            hit = next((a for a in party.aliases if a.casefold() in folded and _whole_word(a, said)), None)
            if hit:
                res.mentions.append((m.model_copy(update={"name": hit}), party))
