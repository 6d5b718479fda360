"""Resolution kept warm between commands: `$PIPELINE_HOME/parties/mentions[-<model>].json`.

`resolve_corpus` reads every record and links every mention each time; at 10,000 claims that is
seconds. Here the resolved mentions of each article are kept in a sidecar beside the index, keyed
by the records file (size, and a hash of its last bytes: the file is append-only), the index file
and parties.yaml. With nothing new a command reads the sidecar and the index, not the records;
with new records only the lines appended since are parsed, and only their articles' mentions are
linked (against the parties alone, so the cost does not grow with the corpus). A changed
parties.yaml, a rewritten records file or a missing sidecar resolves everything again.

The sidecar is a cache: deleting it loses nothing. Article titles, sources and dates are read from
the store every time (cheap), so re-ingested metadata shows without a re-resolve.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from pipeline.corpus.protocols import ArticleStore
from pipeline.parties.index import load_index, save_index
from pipeline.parties.mentions import latest_records, mentions_of
from pipeline.parties.model import CanonicalParty, PartyIndex, PartyMention
from pipeline.parties.overrides import load_overrides
from pipeline.parties.resolve import Matcher, Resolution, resolve
from pipeline.types import Article, ExtractionRecord

log = logging.getLogger(__name__)

VERSION = 1
TAIL = 4096  # bytes hashed at the end of the records file to tell an append from a rewrite
_META = ("published_at", "source", "article_title")  # from the store on every call, never kept
_FIELDS = tuple(k for k in PartyMention.model_fields if k not in _META)  # a new field makes a new sidecar


@dataclass
class Meta:
    """Article facts a mention shows: title, source, publication date."""

    title: str = ""
    source: str | None = None
    published_at: str | None = None


@dataclass
class HomeResolution:
    """What `resolve_home` did, beside the Resolution itself (for `pipeline run` and benchmarks)."""

    resolution: Resolution
    articles: int = 0  # articles with a record in view
    relinked: list[str] = field(default_factory=list)  # articles whose mentions were linked this time
    full: bool = False  # everything resolved again (no sidecar, parties.yaml changed, records rewritten)
    new_parties: int = 0


def sidecar_path(home: Path, model: str | None) -> Path:
    tag = "" if not model else "-" + re.sub(r"[^A-Za-z0-9._-]+", "_", model)[:80]
    return home / "parties" / f"mentions{tag}.json"


def _stat(path: Path) -> dict[str, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return {"size": 0, "mtime_ns": 0}
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _tail_hash(path: Path, size: int) -> str:
    if size <= 0:
        return ""
    with open(path, "rb") as fh:
        fh.seek(max(0, size - TAIL))
        return hashlib.sha256(fh.read(size - max(0, size - TAIL))).hexdigest()


def wanted(rec: ExtractionRecord, model: str | None) -> bool:
    """The record filter of `latest_records`: a model, the model asked for, or a family ("local:")."""
    return not model or rec.model == model or rec.stats.requested_model == model \
        or rec.model.startswith(model.rstrip(":") + ":")


def _appended(path: Path, offset: int) -> list[ExtractionRecord] | None:
    """Records in the lines appended after `offset`; None when a line there cannot be read whole."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    out: list[ExtractionRecord] = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            out.append(ExtractionRecord.model_validate_json(line))
        except ValidationError:
            return None  # torn or invalid: let the full read skip and warn about it
    return out


def article_meta(store: ArticleStore | None) -> dict[str, Meta]:
    if store is None:
        return {}
    return {a.id: Meta(a.title, a.source, a.published_at) for a in store.list_articles()}


def manifest_meta(home: Path) -> dict[str, Meta]:
    """Article facts straight from the manifest (what `Store.list_articles` reads, without
    opening the store: a counting command needs neither Chroma nor numpy)."""
    path = Path(home) / "manifest.sqlite"
    if not path.exists():
        return {}
    from pipeline.corpus.manifest import Manifest

    manifest = Manifest(path)
    try:
        return {aid: Meta(title, source, published) for aid, title, source, published in manifest.article_facts()}
    finally:
        manifest.close()


def _articles(meta: Mapping[str, Meta]) -> dict[str, Article]:
    """Stand-in Articles for `mentions_of` (it reads the title, source and date only)."""
    return {aid: Article.model_construct(id=aid, title=m.title, source=m.source, published_at=m.published_at)
            for aid, m in meta.items()}


def _rows(res: Resolution) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for m, p in res.mentions:
        d = m.model_dump(mode="json", include=set(_FIELDS))
        out.setdefault(m.article_id, []).append([d[f] for f in _FIELDS] + [p.id])
    return out


def _construct(values: dict[str, Any]) -> PartyMention:
    """A PartyMention from trusted values (the sidecar this module wrote), as `model_construct`
    builds one, at a tenth of its cost: 10,000 of them are read on every command."""
    m = object.__new__(PartyMention)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", set(values))
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


def _mentions(rows: Mapping[str, list[list[Any]]], parties: Mapping[str, CanonicalParty],
              meta: Mapping[str, Meta]) -> list[tuple[PartyMention, CanonicalParty]]:
    defaults = {k: None if f.is_required() else f.get_default(call_default_factory=True)  # every field,
                for k, f in PartyMention.model_fields.items()}  # in order: a dump reads as a validated one
    out = []
    blank = Meta()
    for aid in sorted(rows):
        mt = meta.get(aid, blank)
        base = {**defaults, "published_at": mt.published_at, "source": mt.source, "article_title": mt.title}
        for row in rows[aid]:
            party = parties.get(row[-1])
            if party is not None:
                values = base.copy()
                values.update(zip(_FIELDS, row))
                out.append((_construct(values), party))
    return out


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


def _write_sidecar(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def article_texts(home: Path, store: ArticleStore | None, ids: set[str] | None = None) -> dict[str, str]:
    """The texts same-article coreference reads ("Amazon Web Services (AWS)"): of `ids`, or all."""
    if store is not None:
        if ids is None:
            return {a.id: a.text for a in store.list_articles()}
        out = {}
        for aid in ids:
            art = store.find_article(aid)
            if art is not None:
                out[aid] = art.text
        return out
    path = Path(home) / "manifest.sqlite"
    if not path.exists():
        return {}
    from pipeline.corpus.manifest import Manifest

    manifest = Manifest(path)
    try:
        rows = manifest.complete() if ids is None else [r for i in sorted(ids) if (r := manifest.get(i))]
        return {r.article.id: r.article.text for r in rows}
    finally:
        manifest.close()


def _matcher(matcher: Matcher | None, texts: Mapping[str, str], home: Path, settings: Any) -> Matcher:
    """The caller's matcher, or the one `resolve_corpus` uses (`[parties]` settings)."""
    if matcher is not None:
        return matcher
    from pipeline import config
    from pipeline.parties.match import default_matcher

    return default_matcher(texts=texts, settings=settings if settings is not None else config.load_settings(),
                           home=home)


def link_new(index: PartyIndex, records: list[ExtractionRecord], meta: Mapping[str, Meta],
             overrides: Any, matcher: Matcher | None,
             texts: Mapping[str, str] | None = None) -> tuple[PartyIndex, Resolution]:
    """Link the mentions of these records' articles against the index's parties (not its links
    to other articles: a new article's names are decided by the parties and its own text). The
    links keep the index's order with the new ones last (`resolve` sorts them on a full pass)."""
    ids = {r.article_id for r in records}
    sub = PartyIndex(version=index.version, parties=index.parties, overrides_hash=index.overrides_hash,
                     links=[lk for lk in index.links if lk.article_id in ids])
    res = resolve(mentions_of(records, _articles({i: meta[i] for i in ids if i in meta})), sub, overrides, matcher,
                  texts=texts)
    merged = PartyIndex(version=index.version, parties=res.index.parties, overrides_hash=res.index.overrides_hash,
                        links=[lk for lk in index.links if lk.article_id not in ids] + res.index.links)
    return merged, res


def resolve_home(home: Path, model: str | None = None, store: ArticleStore | None = None,
                 matcher: Matcher | None = None, save: bool = True,
                 meta: Mapping[str, Meta] | None = None, settings: Any = None) -> HomeResolution:
    """The resolution of the newest record of every article (of `model`, when given), linking
    only what is new since the last call; saves the index and the sidecar unless `save` is False.
    Without a `matcher`, `default_matcher` as `resolve_corpus` builds it, over the texts of the
    articles being linked (from `store`, else the manifest); nothing new: no matcher at all."""
    from pipeline.records import records_path

    home = Path(home)
    rpath, ipath = records_path(home), home / "parties" / "index.json"
    cpath = sidecar_path(home, model)
    meta = dict(meta) if meta is not None else article_meta(store)
    overrides = load_overrides(home / "parties.yaml")
    index = load_index(ipath)
    rstat = _stat(rpath)
    side = _read_sidecar(cpath)
    ok = (side is not None and side.get("fields") == list(_FIELDS) and side.get("model") == model
          and side.get("overrides") == overrides.digest
          and side.get("index") == _stat(ipath) and index.overrides_hash == overrides.digest)
    fresh: list[ExtractionRecord] | None = None
    if ok and side is not None:
        old = side["records"]
        if (old.get("size"), old.get("mtime_ns")) == (rstat["size"], rstat["mtime_ns"]):
            fresh = []  # nothing new
        elif rstat["size"] > old["size"] and _tail_hash(rpath, old["size"]) == old.get("tail"):
            fresh = _appended(rpath, old["size"])
    out = HomeResolution(resolution=Resolution(index=index))
    before, saved_hash, new_links = len(index.parties), index.overrides_hash, 0
    used: Any = None
    if fresh is None or side is None:  # resolve everything again
        recs = latest_records(model, rpath)
        texts = article_texts(home, store) if recs else {}
        used = _matcher(matcher, texts, home, settings) if recs else matcher
        res = resolve(mentions_of(recs, _articles(meta)), index, overrides, used, texts=texts)
        index, new_links = res.index, res.new_links
        rows = _rows(res)
        latest = {r.article_id: [r.created_at, r.model] for r in recs}
        out.full, out.relinked = True, sorted(latest)
    else:
        rows, latest = side["articles"], side["latest"]
        changed: dict[str, ExtractionRecord] = {}
        for rec in fresh:
            if not wanted(rec, model):
                continue
            cur = changed.get(rec.article_id)
            prev = latest.get(rec.article_id)
            if (cur is None or rec.created_at >= cur.created_at) and (prev is None or rec.created_at >= prev[0]):
                changed[rec.article_id] = rec
        if changed:
            texts = article_texts(home, store, set(changed))
            used = _matcher(matcher, texts, home, settings)
            index, res = link_new(index, list(changed.values()), meta, overrides, used, texts)
            new_links = res.new_links
            rows = {k: v for k, v in rows.items() if k not in changed} | _rows(res)
            latest = latest | {aid: [r.created_at, r.model] for aid, r in changed.items()}
            out.relinked = sorted(changed)
    out.new_parties = len(index.parties) - before
    out.articles = len(latest)
    if save and (out.relinked or not ok or fresh) and rpath.exists():  # no records: nothing kept, no folder made
        if new_links or index.overrides_hash != saved_hash or not ipath.exists():
            save_index(index, ipath)
        _write_sidecar(cpath, {"version": VERSION, "fields": list(_FIELDS), "model": model,
                               "overrides": overrides.digest,
                               "index": _stat(ipath), "records": {**rstat, "tail": _tail_hash(rpath, rstat["size"])},
                               "latest": latest, "articles": rows})
        if used is not None and hasattr(used, "save"):  # the matcher's name vectors, when it embedded any
            used.save()
    out.resolution = Resolution(index=index, mentions=_mentions(rows, index.parties, meta),
                                new_links=new_links)
    return out
