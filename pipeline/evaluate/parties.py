"""The party-resolution eval: does the resolver merge the names that are one party, and only those?

Gold (`evals/parties/{dev,test}.yaml`, format in evals/README.md "Party-resolution gold") holds
pairs of mentions (a name exactly as one article wrote it) labeled same / different party by a
reader, and generic names ("customers", "Companies") that must not become a party. Every mention
of the set goes through the resolver the way `pipeline parties` sends claims through it (same
function, the production matcher, no parties.yaml: the user's overrides would hide the resolver's
own errors), all together; a pair is predicted the same party when both mentions link to one
canonical id. Scores:

- **merge precision**: pairs merged that are one party / pairs merged;
- **merge recall**: pairs that are one party that were merged / pairs that are one party;
- **generic drop rate**: generic mentions linked to no party / generic mentions.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from pipeline.errors import UsageError
from pipeline.evaluate.goldyaml import read_mapping, validate_items, yaml_files
from pipeline.parties.model import Link, PartyIndex, PartyMention
from pipeline.parties.overrides import Overrides
from pipeline.parties.resolve import Matcher, resolve
from pipeline.types import Article

Kind = Literal["variant", "cross", "hard", "easy"]
KINDS: tuple[Kind, ...] = ("variant", "cross", "hard", "easy")
WORST = 15  # false and missed merges listed in the report


class PartyGoldError(UsageError, ValueError):
    """A malformed party-gold file, or a mention whose article cannot be found; names file and pair."""


class MentionRef(BaseModel, extra="forbid"):
    article: str  # repo-relative source path (an article id also works)
    name: str  # exactly as the article wrote it
    verbatim: bool = True  # False: a descriptor the article implies, with a note
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.article, self.name)


class PartyPair(BaseModel, extra="forbid"):
    id: str
    kind: Kind
    same: bool
    a: MentionRef
    b: MentionRef
    why: str = ""
    split: str = ""


class GenericRef(MentionRef, extra="forbid"):
    id: str
    split: str = ""


class PartyGold(BaseModel):
    pairs: list[PartyPair]
    generic: list[GenericRef]

    def mentions(self) -> list[MentionRef]:
        """Every distinct mention (article, name) of the set, first seen first."""
        seen: dict[tuple[str, str], MentionRef] = {}
        for p in self.pairs:
            seen.setdefault(p.a.key, p.a)
            seen.setdefault(p.b.key, p.b)
        for g in self.generic:
            seen.setdefault(g.key, MentionRef(article=g.article, name=g.name))
        return list(seen.values())


def load_party_gold(paths: Iterable[str | Path]) -> PartyGold:
    """Pairs and generic names from party-gold files (a file or a folder of them), in file order."""
    pairs: list[PartyPair] = []
    generic: list[GenericRef] = []
    files = yaml_files(paths)
    for f in files:
        data = read_mapping(f, "pairs", PartyGoldError, "party gold", hint=" (and optionally 'generic')")
        split = str(data.get("split") or f.stem)
        if not isinstance(data.get("generic") or [], list):
            raise PartyGoldError(f"{f}: 'generic' must be a list")
        pairs += validate_items(f, data["pairs"], PartyPair, split, PartyGoldError, "pairs item", brief=True)
        generic += validate_items(f, data.get("generic") or [], GenericRef, split, PartyGoldError, "generic item",
                                  brief=True)
    if not pairs:
        raise PartyGoldError(f"no pairs in {', '.join(map(str, files)) or 'the given paths'}")
    ids = [p.id for p in pairs] + [g.id for g in generic]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise PartyGoldError(f"{', '.join(map(str, files))}: duplicate id(s): {', '.join(dup[:5])}")
    for p in pairs:
        if p.a.key == p.b.key:
            raise PartyGoldError(f"pair {p.id} ({p.split}): a and b are the same mention")
    return PartyGold(pairs=pairs, generic=generic)


def _sentence(text: str, name: str) -> tuple[str, int | None, int | None, int]:
    """The sentence of the article that first names `name` (what a claim's evidence would quote), its
    span, and where the name is."""
    m = re.search(r"(?<!\w)" + re.escape(name.replace("\u2019", "'")) + r"(?!\w)",
                  text.replace("\u2019", "'"), re.I)
    if m is None:
        return "", None, None, 1 << 30
    dot, line = text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start())
    start = max(dot + 2 if dot >= 0 else 0, line + 1)
    end = min((i for i in (text.find(". ", m.end()), text.find("\n", m.end())) if i >= 0), default=len(text))
    end = min(end + 1, len(text))
    return text[start:end].strip(), start, end, m.start()


def build_mentions(gold: PartyGold, article: Callable[[str], Article | None]) -> tuple[
        list[PartyMention], dict[tuple[str, str], tuple[str, str]], dict[str, str]]:
    """PartyMentions for every mention of the set, as `pipeline.parties.mentions` makes them from
    claims (role winner, the article's date, source and title, the naming sentence as the quote),
    ordered like production: by article id, then by where the article first names them.

    Returns the mentions, gold key → mention ref (article id, name), and article id → text.
    """
    missing = sorted({m.article for m in gold.mentions() if article(m.article) is None})
    if missing:
        raise PartyGoldError("articles named by the party gold are neither in the store nor readable files "
                             f"(paths are relative to the repository root): {', '.join(missing[:5])}"
                             + (" …" if len(missing) > 5 else ""))
    out: list[tuple[tuple[str, int, str], PartyMention]] = []
    refs: dict[tuple[str, str], tuple[str, str]] = {}
    texts: dict[str, str] = {}
    done: set[tuple[str, str]] = set()
    for m in gold.mentions():
        art = article(m.article)
        assert art is not None
        texts[art.id] = art.text
        refs[m.key] = (art.id, m.name)
        if (art.id, m.name) in done:
            continue
        done.add((art.id, m.name))
        quote, start, end, pos = _sentence(art.text, m.name)
        pm = PartyMention(article_id=art.id, name=m.name, role="winner", quote=quote, start=start, end=end,
                          status="exact" if quote else "unverified", published_at=art.published_at,
                          source=art.source, article_title=art.title, model="gold")
        out.append(((art.id, pos, m.name), pm))
    out.sort(key=lambda x: x[0])
    return [pm for _, pm in out], refs, texts


def _production_matcher(texts: Mapping[str, str]) -> Matcher | None:
    """The matcher `pipeline parties` resolves with (`resolve_corpus`), given the article texts."""
    from pipeline.parties.match import default_matcher

    return default_matcher(texts=texts)


def run_resolver(mentions: Sequence[PartyMention], texts: Mapping[str, str],
                 matcher: Matcher | None = None, use_production: bool = True) -> tuple[dict[tuple[str, str], Link],
                                                                                      PartyIndex]:
    """Resolve the mentions from scratch (no saved index, no parties.yaml); (article id, name) → link."""
    if matcher is None and use_production:
        matcher = _production_matcher(texts)
    kwargs: dict[str, Any] = {"texts": texts} if "texts" in inspect.signature(resolve).parameters else {}
    res = resolve(list(mentions), None, Overrides(), matcher, **kwargs)
    return res.index.link_map(), res.index


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarize_pairs(rows: Sequence[dict[str, Any]], generic: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Merge precision/recall/F1 over pair rows, the share of hard negatives kept apart, generic drops."""
    tp = sum(1 for r in rows if r["same"] and r["predicted_same"])
    fp = sum(1 for r in rows if not r["same"] and r["predicted_same"])
    fn = sum(1 for r in rows if r["same"] and not r["predicted_same"])
    tn = len(rows) - tp - fp - fn
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * p * r / (p + r), 4) if p and r else (0.0 if p is not None and r is not None else None)
    hard = [x for x in rows if x["kind"] == "hard"]
    dropped = sum(1 for g in generic if g["party"] is None)
    return {"pairs": len(rows), "same": tp + fn, "different": fp + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "merge_precision": p, "merge_recall": r, "merge_f1": f1,
            "hard_negatives": len(hard), "hard_kept_apart": _ratio(sum(1 for x in hard if not x["predicted_same"]),
                                                                   len(hard)),
            "generic": len(generic), "generic_dropped": dropped, "generic_drop_rate": _ratio(dropped, len(generic))}


def _side(ref: MentionRef, link: Link | None) -> dict[str, Any]:
    return {"article": ref.article, "name": ref.name, "party": link.party_id if link else None,
            "rule": link.rule if link else None}


def score_party_gold(gold: PartyGold, links: Mapping[tuple[str, str], Link],
                     refs: Mapping[tuple[str, str], tuple[str, str]]) -> dict[str, Any]:
    """Pair rows, generic rows, figures overall / per split / per kind, and the worst errors."""
    rows: list[dict[str, Any]] = []
    for p in gold.pairs:
        la, lb = links.get(refs[p.a.key]), links.get(refs[p.b.key])
        merged = bool(la and lb and la.party_id and la.party_id == lb.party_id)
        rows.append({"id": p.id, "split": p.split, "kind": p.kind, "same": p.same, "predicted_same": merged,
                     "a": _side(p.a, la), "b": _side(p.b, lb), "why": p.why})
    generic: list[dict[str, Any]] = []
    for g in gold.generic:
        lk = links.get(refs[g.key])
        generic.append({"id": g.id, "split": g.split, "article": g.article, "name": g.name,
                        "party": lk.party_id if lk else None, "rule": lk.rule if lk else None})
    splits = sorted({r["split"] for r in rows} | {g["split"] for g in generic})
    by_kind = {}
    for k in KINDS:
        ks = [r for r in rows if r["kind"] == k]
        ok = sum(1 for r in ks if r["predicted_same"] == r["same"])
        by_kind[k] = {"pairs": len(ks), "correct": ok, "accuracy": _ratio(ok, len(ks))}
    order = {"hard": 0, "cross": 1, "variant": 2, "easy": 3}
    false_merges = sorted((r for r in rows if r["predicted_same"] and not r["same"]), key=lambda r: order[r["kind"]])
    missed = sorted((r for r in rows if r["same"] and not r["predicted_same"]), key=lambda r: order[r["kind"]])
    return {"overall": summarize_pairs(rows, generic),
            "splits": {s: summarize_pairs([r for r in rows if r["split"] == s],
                                          [g for g in generic if g["split"] == s]) for s in splits},
            "by_kind": by_kind,
            "false_merges": false_merges[:WORST], "missed_merges": missed[:WORST],
            "kept_generic": [g for g in generic if g["party"] is not None],
            "per_pair": rows, "per_generic": generic}


def evaluate_parties(paths: Iterable[str | Path], article: Callable[[str], Article | None],
                     matcher: Matcher | None = None, use_production: bool = True) -> dict[str, Any]:
    """Load the gold, resolve its mentions, score every pair and generic name (see the module doc).

    `matcher` replaces the production one (tests); `use_production=False` with no matcher runs the
    resolver on names alone.
    """
    gold = load_party_gold(paths)
    mentions, refs, texts = build_mentions(gold, article)
    links, index = run_resolver(mentions, texts, matcher, use_production)
    report = score_party_gold(gold, links, refs)
    report["mentions"], report["parties"] = len(mentions), len(index.parties)
    return report


__all__ = ["KINDS", "GenericRef", "MentionRef", "PartyGold", "PartyGoldError", "PartyPair", "build_mentions",
           "evaluate_parties", "load_party_gold", "run_resolver", "score_party_gold", "summarize_pairs"]
