"""Exact and near-duplicate detection: content hash, then MinHash/LSH (datasketch) over word shingles.

A near duplicate is the same story re-syndicated: a new headline, a changed sentence or two,
an added byline. Word 5-gram shingles ignore case and punctuation so those survive; distinct
articles on the same topic share almost no 5-grams.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine32"
SHINGLE = 5
THRESHOLD = 0.7  # estimated Jaccard similarity of shingle sets

_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


# Drawing the permutations costs more than hashing a short article; they depend only on the
# seed, so every signature shares one copy (datasketch only reads them).
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def signature(text: str) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS)
    mh.update_batch(list(shingles(text)))
    return mh


def to_bytes(mh: MinHash) -> bytes:
    return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()


def from_bytes(blob: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=np.frombuffer(blob, dtype=np.uint64),
                   permutations=_PERMUTATIONS)


@lru_cache(maxsize=4)
def _bands(threshold: float) -> tuple[int, int]:
    """LSH (bands, rows) for the threshold: datasketch finds them by numerical integration,
    ~20 ms that every ingest would otherwise pay again."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


class NearDuplicateIndex:
    """LSH over the stored corpus plus whatever this run accepts."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=_bands(threshold))
        self._sigs: dict[str, MinHash] = {}

    def add(self, article_id: str, mh: MinHash) -> None:
        if article_id in self._sigs:
            return
        self._lsh.insert(article_id, mh)
        self._sigs[article_id] = mh

    def remove(self, article_id: str) -> None:
        if article_id in self._sigs:
            self._lsh.remove(article_id)
            del self._sigs[article_id]

    def match(self, mh: MinHash, exclude: set[str] = frozenset()) -> tuple[str, float] | None:
        """The most similar indexed article at or above the threshold, if any."""
        best: tuple[str, float] | None = None
        for key in self._lsh.query(mh):
            if key in exclude:
                continue
            sim = float(mh.jaccard(self._sigs[key]))
            if sim >= self.threshold and (best is None or sim > best[1] or (sim == best[1] and key < best[0])):
                best = (key, sim)
        return best
