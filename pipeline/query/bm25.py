"""The BM25 half of hybrid retrieval: one tokenizer, a bm25s index by chunk id, and its disk cache.

BM25 finds the rare names and numbers that MiniLM blurs. The index is cached in
`$PIPELINE_HOME/bm25/` under a key derived from the chunk-id set (ids embed content hashes), so
it is rebuilt exactly when the corpus changes, and a damaged cache is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from pipeline.config import home as pipeline_home
from pipeline.types import Chunk

BM25_DIR = "bm25"

_stemmer: Any = None


def get_stemmer() -> Any:
    """PyStemmer's Snowball English stemmer when installed (wins/winning → win), else none."""
    global _stemmer
    if _stemmer is None:
        try:
            import Stemmer

            _stemmer = Stemmer.Stemmer("english")
        except ImportError:  # pragma: no cover - optional speed-up of recall, not correctness
            _stemmer = False
    return _stemmer or None


def tokenize(texts: list[str]) -> list[list[str]]:
    """The one tokenizer for BM25 index and queries (lowercase, English stopwords, stemmed)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=get_stemmer(), return_ids=False,
                          show_progress=False)


@dataclass
class BM25Index:
    """A bm25s index over chunk texts, addressed by chunk id."""

    ids: list[str]
    model: Any  # bm25s.BM25
    key: str = ""
    pos: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pos = {cid: i for i, cid in enumerate(self.ids)}

    @classmethod
    def build(cls, ids: list[str], texts: list[str], key: str = "") -> "BM25Index":
        import bm25s

        model = bm25s.BM25()
        model.index(tokenize(texts), show_progress=False)
        return cls(ids=list(ids), model=model, key=key)

    def save(self, directory: Path) -> None:
        """Write atomically: a temp folder renamed into place, so a reader never sees half."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=directory.parent))
        try:
            self.model.save(str(tmp), show_progress=False)
            (tmp / "ids.json").write_text(json.dumps({"key": self.key, "ids": self.ids}), encoding="utf-8")
            try:
                os.replace(tmp, directory)
            except OSError:  # another process won the race: its index is the same one
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path) -> "BM25Index":
        import bm25s

        meta = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        model = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(ids=list(meta["ids"]), model=model, key=str(meta.get("key", "")))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no query term is in the corpus)."""
        if not self.ids:
            return np.zeros(0, dtype=np.float32)
        toks = tokenize([query])[0]
        if not toks:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.model.get_scores(toks), dtype=np.float32)

    def top(self, query: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """The n best chunks with a positive score, optionally only among `allowed` chunk ids."""
        s = self.scores(query)
        if allowed is not None:
            mask = np.array([cid in allowed for cid in self.ids], dtype=bool)
            s = np.where(mask, s, 0.0)
        order = np.argsort(-s, kind="stable")[:n]
        return [(self.ids[i], float(s[i])) for i in order if s[i] > 0]


def corpus_key(chunk_ids: Iterable[str]) -> str:
    """The cache key of a corpus: sha256 over its sorted chunk ids (ids embed content hashes)."""
    h = hashlib.sha256()
    for cid in sorted(chunk_ids):
        h.update(cid.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:24]


_memo: dict[str, BM25Index] = {}  # index folder → loaded index, for repeated queries in one process


def load_or_build_index(chunks: Sequence[Chunk] | Sequence[str], cache_dir: Path | None = None,
                        load: Callable[[], Sequence[Chunk]] | None = None) -> BM25Index:
    """The BM25 index for exactly these chunks: from memory, else the disk cache, else built.

    `chunks` may be the chunk ids alone (cheap to list) with `load` to fetch the chunks when the
    index has to be built.
    """
    ids = [c if isinstance(c, str) else c.id for c in chunks]
    key = corpus_key(ids)
    root = cache_dir if cache_dir is not None else pipeline_home() / BM25_DIR
    target = root / key
    if str(target) in _memo:
        return _memo[str(target)]
    index: BM25Index | None = None
    if (target / "ids.json").is_file():
        try:
            index = BM25Index.load(target)
            if index.key != key or len(index.ids) != len(ids):
                index = None
        except (OSError, ValueError, KeyError):
            index = None  # a damaged cache is rebuilt, never trusted
    if index is None:
        shutil.rmtree(target, ignore_errors=True)
        full = [c for c in chunks if isinstance(c, Chunk)] if load is None else list(load())
        ordered = sorted(full, key=lambda c: c.id)
        index = BM25Index.build([c.id for c in ordered], [c.text for c in ordered], key=corpus_key(c.id for c in ordered))
        index.save(root / index.key)
        for other in root.iterdir():  # only the current corpus's index is worth keeping
            if other.is_dir() and other.name != index.key and not other.name.startswith(".bm25-"):
                shutil.rmtree(other, ignore_errors=True)
        target = root / index.key
    if len(_memo) > 8:
        _memo.clear()
    _memo[str(target)] = index
    return index
