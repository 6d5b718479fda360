"""The shapes of party resolution: a mention (one claim's party as its article wrote it), a
canonical party (one identity across the corpus, with a stable id), and the index that links the
first to the second and is kept between runs.

Contract: `PartyMention`, `CanonicalParty` and `PartyIndex` JSON is read back by later runs
(`$PIPELINE_HOME/parties/index.json`) and shown by `pipeline parties --json`; change them only
by adding fields.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pipeline.types import EvidenceStatus

Role = Literal["winner", "loser", "unchanged"]
ROLES: tuple[Role, ...] = ("winner", "loser", "unchanged")
PartyKind = Literal["party", "group"]


class PartyMention(BaseModel):
    """One claim about a party in one article: the name as written, the role, the evidence."""

    article_id: str
    name: str  # as the claim names the party ("Amazon's cloud unit")
    role: Role
    quote: str = ""
    start: int | None = None
    end: int | None = None
    status: EvidenceStatus = "unverified"
    reason: str = ""
    published_at: str | None = None  # the article's date (ISO), when it has one
    source: str | None = None  # the article's publication
    article_title: str = ""
    model: str = ""  # the model whose extraction record holds the claim

    @property
    def ref(self) -> tuple[str, str]:
        """What a link is keyed by: (article_id, name as written)."""
        return (self.article_id, self.name)


class CanonicalParty(BaseModel):
    """One party across the corpus. `id` never changes once given (re-runs, new articles)."""

    id: str  # stable slug, e.g. "amazon-web-services"
    name: str  # display name (a `rename` in parties.yaml wins)
    aliases: list[str] = Field(default_factory=list)  # every spelling linked to it, first seen first
    acronyms: list[str] = Field(default_factory=list)  # "AWS" from "Amazon Web Services (AWS)"
    created_at: str = ""  # when the id was first given
    kind: PartyKind = "party"  # "group": a common-noun class ("Buyers"), hidden by default


class Link(BaseModel):
    """Why a mention belongs to a party: the rule that decided and its score."""

    article_id: str
    name: str
    party_id: str | None  # None: ignored (a generic non-party, or `ignore` in parties.yaml)
    rule: str  # "override", "key", "acronym", "coreference", "similar", "index", "embedding", "llm", "new", "generic", "ignored"
    score: float | None = None


class PartyIndex(BaseModel):
    """The persisted resolution: canonical parties and the link of every mention seen so far."""

    version: int = 1
    parties: dict[str, CanonicalParty] = Field(default_factory=dict)  # id -> party
    links: list[Link] = Field(default_factory=list)
    overrides_hash: str = ""  # sha256 of parties.yaml as last applied

    def link_map(self) -> dict[tuple[str, str], Link]:
        return {(lk.article_id, lk.name): lk for lk in self.links}

    def party_of(self, article_id: str, name: str) -> CanonicalParty | None:
        lk = self.link_map().get((article_id, name))
        return self.parties.get(lk.party_id) if lk is not None and lk.party_id else None
