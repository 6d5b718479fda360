"""Exact and near-duplicate detection: content hash, then MinHash/LSH (datasketch) over word shingles.

A near duplicate is the same story re-syndicated: a new headline, a changed sentence or two,
an added byline. Word 5-gram shingles ignore case and punctuation so those survive; distinct
articles on the same topic share almost no 5-grams.

Signatures are datasketch MinHashes (its affine32 permutations) over a 32-bit hash of each
shingle. Until signature version 2 that hash was SHA-1 of the shingle's bytes, one Python call
per shingle; now each distinct word is hashed once (BLAKE2b, cached) and a shingle's hash mixes
its five words' hashes in numpy, ~2.5x faster. Stored signatures of another version are
recomputed from the stored text (`Manifest.rehash_minhashes`) before any comparison.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import AbstractSet
from hashlib import blake2b

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine32"
SHINGLE = 5
THRESHOLD = 0.7  # estimated Jaccard similarity of shingle sets
VERSION = "2"  # of the signature values: bump whenever they change, so stored ones are recomputed

# Words are the `\w+` runs of the lowercased text, found without the regex engine stepping through
# every word: non-ASCII non-word characters become spaces (skipped for ASCII text), then a byte
# table turns ASCII non-word characters into spaces too, and the UTF-8 is split on whitespace.
_NON_ASCII_NON_WORD = re.compile(r"[^\w\x00-\x7f]")
_ASCII_NON_WORD_TO_SPACE = bytes(c if c >= 0x80 or re.fullmatch(r"\w", chr(c)) else 0x20 for c in range(256))


def _words(text: str) -> list[bytes]:
    r"""`re.findall(r"\w+", text.lower())`, each word UTF-8 encoded."""
    text = text.lower()
    if not text.isascii():
        text = _NON_ASCII_NON_WORD.sub(" ", text)
    return text.encode("utf-8").translate(_ASCII_NON_WORD_TO_SPACE).split()


_WORD_HASHES: dict[bytes, int] = {}  # a corpus repeats its vocabulary: each word is hashed once
_WORD_CACHE_LIMIT = 1 << 20
# Odd 64-bit multipliers, one per position in the shingle, so "a b" and "b a" hash apart.
_POSITION = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)[:SHINGLE]


def _word_hashes(words: list[bytes]) -> np.ndarray:
    cache = _WORD_HASHES
    if len(cache) > _WORD_CACHE_LIMIT:
        cache.clear()
    values = list(map(cache.get, words))
    if None in values:
        for i, v in enumerate(values):
            if v is None:
                v = cache.get(words[i])
                if v is None:
                    v = cache[words[i]] = int.from_bytes(blake2b(words[i], digest_size=8).digest(), "little")
                values[i] = v
    return np.array(values, dtype=np.uint64)


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (in place): every input bit moves every output bit."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the text's word 5-grams (one hash of all its words if it has no more);
    a repeated shingle repeats its hash, which cannot change a minimum."""
    w = _word_hashes(_words(text))
    n = len(w)
    if n <= SHINGLE:  # the whole (short) text is the one shingle; its length keeps "a" and "a a" apart
        h = np.array([int((w * _POSITION[:n]).sum()) + n], dtype=np.uint64) if n else np.zeros(1, np.uint64)
    else:
        h = w[:n - SHINGLE + 1] * _POSITION[0]  # numpy uint64 arithmetic wraps mod 2**64
        for k in range(1, SHINGLE):
            h += w[k:n - SHINGLE + 1 + k] * _POSITION[k]
    return (_fmix64(h) >> np.uint64(32)).astype(np.uint32)


# Drawing the permutations costs more than hashing a short article; they depend only on the
# seed, so every signature shares one copy (datasketch only reads them).
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations
_A, _B = _PERMUTATIONS  # uint32 arrays of NUM_PERM: the affine32 permutation h -> a * h + b mod 2**32
_CHUNK = 4096  # shingles per (NUM_PERM x chunk) block of permuted hashes: 2 MiB, however long the text


def signature(text: str) -> MinHash:
    """The text's MinHash: per permutation, the least permuted shingle hash."""
    hashes = shingle_hashes(text)
    hashvalues = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)  # datasketch's empty sketch
    for start in range(0, len(hashes), _CHUNK):
        permuted = np.multiply.outer(_A, hashes[start:start + _CHUNK])  # uint32: wraps mod 2**32
        permuted += _B[:, None]
        np.minimum(hashvalues, permuted.min(axis=1), out=hashvalues)
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=hashvalues, permutations=_PERMUTATIONS)


def signature_bytes(text: str) -> bytes:
    return to_bytes(signature(text))


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

    def match(self, mh: MinHash, exclude: AbstractSet[str] = frozenset()) -> tuple[str, float] | None:
        """The most similar indexed article at or above the threshold, if any."""
        best: tuple[str, float] | None = None
        for key in self._lsh.query(mh):
            if key in exclude:
                continue
            sim = float(mh.jaccard(self._sigs[key]))
            if sim >= self.threshold and (best is None or sim > best[1] or (sim == best[1] and key < best[0])):
                best = (key, sim)
        return best
