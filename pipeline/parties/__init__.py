"""Party resolution: one identity per party across the corpus (`pipeline parties`).

mentions (claims as written) → resolve (parties.yaml, same-article coreference, generic filter,
key, matcher: spelling, acronyms, MiniLM, optional LLM) → index
(stable ids, kept between runs) → queries (counts, timelines, disagreements)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.corpus.protocols import ArticleStore
from pipeline.parties.index import load_index, save_index
from pipeline.parties.match import NameMatcher, default_matcher
from pipeline.parties.mentions import latest_records, mentions_of
from pipeline.parties.model import CanonicalParty, Link, PartyIndex, PartyMention
from pipeline.parties.overrides import load_overrides
from pipeline.parties.resolve import Matcher, Resolution, resolve


def resolve_corpus(store: ArticleStore | None = None, model: str | None = None,
                   home: Path | None = None, matcher: Matcher | None = None,
                   save: bool = True, settings: Any = None) -> Resolution:
    """Resolve the newest extraction of every article against the saved index; save it back.

    Without a `matcher`, `default_matcher` with the articles' texts and `[parties]` settings."""
    from pipeline import config
    from pipeline.records import records_path

    home = Path(home) if home is not None else config.home()
    recs = latest_records(model, records_path(home))
    articles = {a.id: a for a in store.list_articles()} if store is not None else {}
    texts = {aid: a.text for aid, a in articles.items()}
    if matcher is None:
        matcher = default_matcher(texts=texts, settings=settings if settings is not None
                                  else config.load_settings(), home=home)
    saved = load_index(home / "parties" / "index.json")
    saved_hash = saved.overrides_hash
    res = resolve(mentions_of(recs, articles), saved, load_overrides(home / "parties.yaml"), matcher,
                  texts=texts)
    if save and (res.new_links or res.index.overrides_hash != saved_hash):
        save_index(res.index, home / "parties" / "index.json")
    if save and isinstance(matcher, NameMatcher):
        matcher.save()
    return res


__all__ = ["CanonicalParty", "Link", "Matcher", "NameMatcher", "PartyIndex", "PartyMention", "Resolution",
           "default_matcher", "resolve", "resolve_corpus"]
