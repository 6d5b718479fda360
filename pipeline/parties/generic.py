"""Names that are never a canonical party: generic nouns ("Companies", "Community"), bare
pronouns and possessives ("it", "Ardent's" alone is kept as Ardent; "its" is dropped)."""

from __future__ import annotations

from pipeline.text.parties import party_key

GENERIC = {
    "", "companies", "company", "community", "communities", "firms", "firm", "businesses", "business",
    "consumers", "customers", "people", "investors", "shareholders", "workers", "employees", "users",
    "industry", "the industry", "market", "markets", "the market", "government", "officials", "others",
    "some", "many", "everyone", "it", "its", "they", "them", "he", "she", "we", "you", "this", "that",
    "these", "those", "who", "which", "rivals", "competitors", "the public", "public", "economy",
    "the company", "the firm", "the group", "sector", "the sector", "stocks", "shares",
}


def is_generic(name: str) -> bool:
    """True for a name no reader could link to one party."""
    key = party_key(name)
    return key in GENERIC or not any(ch.isalnum() for ch in key)
