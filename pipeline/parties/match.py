"""Cross-article matching: is a new name one of the parties already in the index?

`compare(a, b)` decides one pair of names, in order (first rule that decides wins):

1. key: equal `name_key` (case, punctuation, legal suffixes, possessive, title);
2. digits: different numbers ("IE6" / "IE7", "Aster-2" / "Aster-3") → different;
3. compact: equal once spaces and hyphens go ("Wal-Mart" / "Walmart") → same;
4. acronym: "AWS" / "Amazon Web Services" (initials, 3+ letters, or an acronym the text defined)
   → same; an acronym against any other name ("AWS" / "Amazon") → different;
5. number and word order: a plural last word ("Defence Forces" / "Defence Force"), a government
   body named both ways ("Foreign Ministry" / "Ministry of Foreign Affairs") → same;
6. distinguishing word: one name's words inside the other's, or one compact key the start of the
   other ("Google" / "Google Cloud", "Japan" / "Japan Airlines", "Citi" / "Citigroup") →
   different: a parent is not its unit unless an article's text says so (see `coref`);
7. spelling: rapidfuzz ratio ≥ `string` on keys with as many words (a typo) → same;
8. meaning: MiniLM cosine of the keys ≥ `embedding` → same; in [`borderline`, `embedding`) the LLM
   is asked when `confirm_model` is set; otherwise different.

Groups ("Buyers") and descriptors only ever match by key (`resolve` does that before calling here).
Name vectors are kept in `parties/vectors.npz` so a name is embedded once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from rapidfuzz import fuzz

from pipeline.corpus.protocols import TextEmbedder
from pipeline.parties import forms
from pipeline.parties import names as nm
from pipeline.parties.confirm import Confirmer
from pipeline.parties import country as ctry
from pipeline.parties.generic import descriptor, entity_type, is_generic, is_group
from pipeline.parties.politics import party_form, same_party
from pipeline.parties.model import CanonicalParty, Link, PartyIndex, PartyMention
from pipeline.parties.scope import local
from pipeline.parties.shortform import designated


@dataclass(frozen=True)
class Thresholds:
    """Measured on the labeled dev pairs (docs/parties.md): merge precision first."""

    string: float = 92.0  # rapidfuzz ratio (0-100) of two keys with as many words
    # MiniLM cosine that merges on its own. None (never): on the dev pairs no rule decides, the
    # best-scoring ones are hard negatives (Panama Canal Authority / Panama's government 0.78,
    # Greece / Crete 0.76) and no threshold reaches precision 0.95 with any merge.
    embedding: float | None = None
    borderline: float = 0.60  # from here up to `embedding` the LLM decides (when one is set)


@dataclass(frozen=True)
class Verdict:
    same: bool | None  # None: no rule decided (the embedding may)
    rule: str
    score: float | None = None


@dataclass(frozen=True)
class _Name:
    key: str
    words: frozenset[str]
    compact: str
    digits: str
    acronym: str | None  # "AWS" when the name is one
    initials: frozenset[str]


@lru_cache(maxsize=65536)
def _info(name: str) -> _Name:
    key = nm.name_key(name)
    return _Name(key=key, words=frozenset(key.split()), compact=nm.compact(key), digits=nm.digits(key),
                 acronym=nm.acronym_of(name) if nm.is_acronym(name) else None,
                 initials=frozenset(nm.initials(name)) | frozenset(nm.initials(key)))


@lru_cache(maxsize=65536)
def _family(name: str) -> str:
    """A market index without its trailing index words: "Nikkei 225" → "Nikkei", "Dow Jones
    Industrial Average" → "Dow Jones", "Standard & Poor's 500" → "Standard & Poor"."""
    ws = nm.words(name)
    while len(ws) > 1 and ws[-1].casefold() in forms.INDEX_WORDS:
        ws = ws[:-1]
    return " ".join(ws)


@lru_cache(maxsize=65536)
def _joined(name: str) -> str:
    return " ".join(nm.words(name))


def compare(a: str, b: str, defined: Sequence[str] = (), thresholds: Thresholds = Thresholds()) -> Verdict:
    """Decide whether names `a` and `b` are one party (`defined`: acronyms the text gave b)."""
    if (cf := forms.country_form(a)) is not None and cf == forms.country_form(b):
        return Verdict(True, "country form", 1.0)  # "US government" / "United States government"
    if (ca := ctry.country_name(a)) is not None and ca == ctry.country_name(b):
        return Verdict(True, "country", 1.0)  # "Britain" / "United Kingdom", "US" / "America"
    if same_party(a, b):
        return Verdict(True, "party form", 1.0)  # "Liberal Party" / "Liberals", "US Democratic Party"
    if forms.same_index(a, b) or forms.index_acronym(a, b) or forms.index_acronym(b, a):
        return Verdict(True, "index", 1.0)  # "German Dax" / "Dax", "DJIA" / "Dow Jones"
    fa, fb = _family(a), _family(b)
    sizes = nm.digits(a), nm.digits(b)  # "FTSE 100" / "FTSE 250": two indexes
    if (fa != _joined(a) or fb != _joined(b)) and fa and fb and not (all(sizes) and sizes[0] != sizes[1]):
        v = _compare(fa, fb, defined, thresholds)
        if v.same:
            return Verdict(True, "index", v.score)
    return _compare(a, b, defined, thresholds)


def _compare(a: str, b: str, defined: Sequence[str], thresholds: Thresholds) -> Verdict:
    x, y = _info(a), _info(b)
    if not x.key or not y.key:
        return Verdict(False, "empty")
    if x.key == y.key:
        return Verdict(True, "key", 1.0)
    if x.digits != y.digits:
        return Verdict(False, "digits")
    if x.compact == y.compact:
        return Verdict(True, "similar", 1.0)
    for p, q in ((x, y), (y, x)):
        if p.acronym and q.acronym is None:
            ok = p.acronym in defined if q is y else False
            ok = ok or (len(p.acronym) >= 3 and p.acronym in q.initials)
            return Verdict(True, "acronym", 1.0) if ok else Verdict(False, "acronym")
    if x.acronym and y.acronym:
        return Verdict(False, "acronym")
    if _singular(x.key) == _singular(y.key) or _reordered(x.key) == _reordered(y.key):
        return Verdict(True, "similar", 1.0)
    if _maker_model(x.key, y.key) or _maker_model(y.key, x.key):
        return Verdict(True, "model", 1.0)  # "787 Dreamliner" / "Boeing 787 Dreamliners", "A380" / "Airbus A380"
    if _company_form(a, b) or _company_form(b, a):
        return Verdict(True, "designator", 1.0)  # "Apple" / "Apple Computer", "Saab" / "Saab Automobile"
    if x.words < y.words or y.words < x.words or x.compact.startswith(y.compact) \
            or y.compact.startswith(x.compact):
        return Verdict(False, "distinguishing word")
    if len(x.words) == len(y.words) and min(len(x.compact), len(y.compact)) >= 5:
        score = fuzz.ratio(x.key, y.key)
        if score >= thresholds.string and _typo_words(x.key, y.key):
            return Verdict(True, "similar", score / 100)
    return Verdict(None, "none")


def _maker_model(short: str, long: str) -> bool:
    """`long` is the model `short` (a name with a model number) with its maker's one word before it:
    English names a product "maker + model" ("Airbus A380", "Boeing 787 Dreamliners"). A word after
    the number is another model ("Boeing 737" / "Boeing 737 Max")."""
    s, lw = _singular(short).split(), _singular(long).split()
    if not nm.digits(short) or len(lw) != len(s) + 1 or lw[1:] != s:
        return False
    return not any(ch.isdigit() for ch in lw[0]) and any(ch.isdigit() for w in s for ch in w)


def _company_form(short: str, long: str) -> bool:
    """`long` is `short` plus words that only say what kind of company it is ("Computer", "Motors",
    "Automobile", "Inc"), and `short` is no place ("Japan" / "Japan Airlines" are two parties)."""
    ws = [w for w in nm.words(short) if w.casefold() != "the"]
    ks, kl = _info(short).key.split(), _info(long).key.split()  # legal suffixes gone: "Apple Inc." is "apple"
    if not ws or not ks or nm.is_acronym(short) or not all(nm.capitalized(w) for w in ws) \
            or not designated(ks, kl) or ctry.country_name(short) is not None:
        return False
    return entity_type(" ".join(w for w in ws if w.casefold() in ks) or short) not in ("GPE", "LOC", "NORP", "FAC", "?")


def _typo_words(a: str, b: str) -> bool:
    """Each word that differs is a misspelling of its counterpart, not another word: "Deutsche
    Bank" / "Deutsche Bahn" share "Deutsche" and are two parties ("bank"/"bahn" ratio 75)."""
    return all(u == v or (min(len(u), len(v)) >= 4 and fuzz.ratio(u, v) >= TYPO_WORD)
               for u, v in zip(a.split(), b.split()))


TYPO_WORD = 80.0  # rapidfuzz ratio a differing word needs ("halvorson"/"halvorsen" 89, "bahn"/"bank" 75)


_BODY = re.compile(r"^(?P<pre>(?:\S+ )*?)(?P<head>ministry|department|office|bureau|agency) of (?:the )?"
                   r"(?P<obj>\S+(?: \S+)??)(?: affairs)?$")


@lru_cache(maxsize=65536)
def _reordered(key: str) -> str:
    """"ministry of foreign affairs" → "foreign ministry", "department of justice" → "justice
    department": the two ways English names a government body."""
    m = _BODY.match(key)
    if m is None or len(key.split()) < 3:
        return key
    return f"{m.group('pre')}{m.group('obj')} {m.group('head')}"


@lru_cache(maxsize=65536)
def _singular(key: str) -> str:
    """The key with a plural last word made singular ("defence forces" → "defence force"); only
    for names of two words or more (a one-word plural is another word: "Houthis", "Sears")."""
    ws = key.split()
    if len(ws) < 2 or not nm.plural(ws[-1]):
        return key
    return " ".join([*ws[:-1], ws[-1][:-1]])


@lru_cache(maxsize=65536)
def _probe(name: str) -> frozenset[str]:
    """What two names that some rule could call one party have in common: a key word, the first
    letters of the compact key, the initials or the acronym, the index family's first word."""
    out: set[str] = set()
    for x in {_info(name), _info(_family(name) or name)}:
        out |= {f"w:{w}" for w in x.words} | {f"p:{x.compact[:3]}"} | {f"a:{i}" for i in x.initials}
        out |= {f"i:{i[:2]}" for i in x.initials}  # "Dow Jones" may be "DJIA" (`forms.index_acronym`)
        if x.acronym:
            out |= {f"a:{x.acronym}", f"i:{x.acronym[:2]}"}
    if (c := ctry.country_name(name)) is not None:
        out.add(f"c:{c}")  # "Britain" may be "United Kingdom"
    if (p := party_form(name)) is not None:
        out.add(f"party:{p[1]}")  # "Liberals" may be "Liberal Party"
    return frozenset(out)


def _vetoed(forms: list[str], verdicts: list[Verdict]) -> bool:
    """An alias says "another party" ("Google Cloud" against a party called "Google"), unless it
    is a shorter form of an alias that says "same" (the party "Dow Jones Industrial Average" that
    its article also calls "Dow" is still the "Dow Jones index")."""
    yes = [_info(f).words for f, v in zip(forms, verdicts) if v.same]
    return any(v.same is False and v.rule in ("digits", "distinguishing word")
               and not any(_info(f).words < w or _info(_family(f) or f).words < w for w in yes)
               for f, v in zip(forms, verdicts))


class NameMatcher:
    """The production matcher: `compare` against every alias of every named party, then MiniLM."""

    def __init__(self, texts: Mapping[str, str] | None = None, thresholds: Thresholds = Thresholds(),
                 embedder: TextEmbedder | None = None, confirm: Confirmer | None = None,
                 vectors_path: Path | None = None) -> None:
        self.texts: Mapping[str, str] = texts or {}
        self.thresholds = thresholds
        self.confirm = confirm
        self._embedder = embedder
        self.vectors_path = vectors_path
        self.vectors: dict[str, np.ndarray] = _load_vectors(vectors_path)
        self._dirty = False
        self.decisions: list[tuple[str, str, Verdict]] = []  # (new name, party id, verdict), for reports
        self._probes: dict[str, tuple[int, frozenset[str]]] = {}

    def _embed(self, keys: list[str]) -> None:
        missing = list(dict.fromkeys(k for k in keys if k not in self.vectors))
        if not missing:
            return
        if self._embedder is None:
            from pipeline.corpus.embed import get_embedder
            self._embedder = get_embedder()
        for k, v in zip(missing, self._embedder.embed(missing)):
            self.vectors[k] = np.asarray(v, dtype=np.float32)
        self._dirty = True

    def match(self, mention: PartyMention, index: PartyIndex,
              article_mentions: Sequence[PartyMention]) -> Link | None:
        name = mention.name
        text = self.texts.get(mention.article_id)
        if is_generic(name) or descriptor(name) is not None or is_group(name, text):
            return None
        hits: list[tuple[float, str, Verdict]] = []
        open_forms: list[tuple[str, str]] = []  # (party id, form) no rule decided
        probe = _probe(name)
        use_meaning = self.thresholds.embedding is not None or self.confirm is not None
        for pid, party in index.parties.items():
            if party.kind != "party" or not (use_meaning or self._may_match(probe, pid, party)):
                continue
            forms = [f for f in (party.name, *party.aliases, *party.acronyms) if not local(f)]
            if not forms:
                continue  # "the index" alone: a party of one article (`scope.local`)
            verdicts = [compare(name, f, party.acronyms, self.thresholds) for f in forms]
            if _vetoed(forms, verdicts):
                continue  # one alias says "another party": no other alias may say otherwise
            yes = [v for v in verdicts if v.same]
            if yes:
                v = max(yes, key=lambda v: v.score or 0.0)
                hits.append((v.score or 0.0, pid, v))
            elif all(v.same is None for v in verdicts):
                open_forms += [(pid, f) for f in dict.fromkeys([party.name, *party.aliases]) if not local(f)]
        if hits:
            hits.sort(key=lambda h: -h[0])
            top = [h for h in hits if h[0] == hits[0][0]]
            if len(top) > 1:  # two parties fit as well ("NTC": two councils with those initials)
                return None
            return self._link(mention, top[0][1], top[0][2])
        return self._by_meaning(mention, index, open_forms)

    def _may_match(self, probe: frozenset[str], pid: str, party: CanonicalParty) -> bool:
        """A cheap filter: a rule can only say "same" where the names share a word, an acronym or
        a word start (kept per party, rebuilt when its aliases change)."""
        size = len(party.aliases) + len(party.acronyms)
        seen = self._probes.get(pid)
        if seen is None or seen[0] != size:
            feats: set[str] = set()
            for f in dict.fromkeys([party.name, *party.aliases, *party.acronyms]):
                feats |= _probe(f)
            seen = self._probes[pid] = (size, frozenset(feats))
        return not probe.isdisjoint(seen[1])

    def _by_meaning(self, mention: PartyMention, index: PartyIndex,
                    forms: list[tuple[str, str]]) -> Link | None:
        th = self.thresholds
        if not forms or (th.embedding is None and self.confirm is None):
            return None
        key = nm.name_key(mention.name)
        fkeys = [nm.name_key(f) for _, f in forms]
        self._embed([key, *fkeys])
        sims = np.stack([self.vectors[k] for k in fkeys]) @ self.vectors[key]
        i = int(np.argmax(sims))
        score, pid = float(sims[i]), forms[i][0]
        if th.embedding is not None and score >= th.embedding:
            return self._link(mention, pid, Verdict(True, "embedding", score))
        if self.confirm is not None and score >= th.borderline:
            party = index.parties[pid]
            other = f"{party.name} (also written: {', '.join(party.aliases[:5])})"
            if self.confirm.same(mention.name, other, mention.quote):
                return self._link(mention, pid, Verdict(True, "llm", score))
        return None

    def _link(self, m: PartyMention, pid: str, v: Verdict) -> Link:
        self.decisions.append((m.name, pid, v))
        return Link(article_id=m.article_id, name=m.name, party_id=pid, rule=v.rule, score=v.score)

    def save(self) -> None:
        """Write the name vectors next to the index (only when some were added)."""
        if not self._dirty or self.vectors_path is None or not self.vectors:
            return
        self.vectors_path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        tmp = self.vectors_path.with_name(self.vectors_path.name + ".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vecs=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.vectors_path)
        self._dirty = False


def _load_vectors(path: Path | None) -> dict[str, np.ndarray]:
    if path is None or not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            return {str(k): v.astype(np.float32) for k, v in zip(data["keys"], data["vecs"])}
    except (OSError, ValueError, KeyError):  # a damaged cache is only a cache: embed again
        return {}


def thresholds_from(settings: Any) -> tuple[Thresholds, str | None]:
    """`[parties]` in pipeline.toml: string, embedding, borderline, confirm_model."""
    raw = getattr(settings, "raw", None) or {}
    table = raw.get("parties") or {}
    base = Thresholds()
    emb = table.get("embedding", base.embedding)
    th = Thresholds(string=float(table.get("string", base.string)),
                    embedding=None if emb in (None, False, "off") else float(emb),
                    borderline=float(table.get("borderline", base.borderline)))
    model = table.get("confirm_model")
    return th, (str(model) if model else None)


def default_matcher(texts: Mapping[str, str] | None = None, settings: Any = None,
                    home: Path | None = None, embedder: TextEmbedder | None = None,
                    confirm_model: Any = None) -> NameMatcher:
    """The matcher `resolve_corpus` uses: measured thresholds, `[parties]` settings, LLM
    confirmation only when `confirm_model` (argument or setting) is given."""
    th, model = thresholds_from(settings)
    model = confirm_model if confirm_model is not None else model
    path = Path(home) / "parties" / "vectors.npz" if home is not None else None
    return NameMatcher(texts=texts, thresholds=th, embedder=embedder,
                       confirm=Confirmer(model) if model else None, vectors_path=path)


__all__ = ["NameMatcher", "Thresholds", "Verdict", "compare", "default_matcher", "thresholds_from"]
