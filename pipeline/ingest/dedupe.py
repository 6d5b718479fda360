"""Exact and near-duplicate detection: content hash, then MinHash/LSH (datasketch) over word shingles.

A near duplicate is the same story re-syndicated: a new headline, a changed sentence or two,
an added byline. Word 5-gram shingles ignore case and punctuation so those survive; distinct
articles on the same topic share almost no 5-grams.

Signatures are datasketch MinHashes (affine32 scheme, SHA-1 of each shingle), computed here by a
vectorized equivalent of `MinHash.update_batch`; stored signatures depend on those exact values.
"""

from __future__ import annotations

import re
from functools import lru_cache
from hashlib import sha1

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine32"
SHINGLE = 5
THRESHOLD = 0.7  # estimated Jaccard similarity of shingle sets

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


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """The text's word `size`-grams, words joined by one space, UTF-8; all its words if no more than `size`."""
    words = _words(text)
    if len(words) <= size:
        return {b" ".join(words)}
    grams = zip(*(words[i:] for i in range(size)))  # (w0..w4), (w1..w5), ... without slicing per gram
    return {b" ".join(gram) for gram in grams}


# Drawing the permutations costs more than hashing a short article; they depend only on the
# seed, so every signature shares one copy (datasketch only reads them).
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations
_A, _B = _PERMUTATIONS  # uint32 arrays of NUM_PERM: the affine32 permutation h -> a * h + b mod 2**32
_CHUNK = 4096  # shingles per (NUM_PERM x chunk) block of permuted hashes: 2 MiB, however long the text


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which affine32 applies to each input hash (in place)."""
    h ^= h >> 16
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> 13
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> 16
    return h


def signature(text: str) -> MinHash:
    # Fast path for what was `mh.update_batch(list(shingles(text)))`, whose per-shingle Python calls
    # (sha1_hash32, struct.unpack) and numpy passes cost as much as building the shingles. It MUST
    # stay bit-identical to datasketch's update_batch for the affine32 scheme, because signatures
    # stored by to_bytes are compared with new ones (tests/test_dedupe.py checks against datasketch).
    # sha1_hash32 is the first 4 digest bytes as a little-endian uint32: every 5th uint32 of the
    # joined 20-byte digests. Duplicate shingles cannot change a minimum; the set only saves hashing.
    digests = b"".join([sha1(gram).digest() for gram in shingles(text)])
    hashes = _fmix32(np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32))
    hashvalues = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)  # datasketch's empty sketch
    for start in range(0, len(hashes), _CHUNK):
        permuted = np.multiply.outer(_A, hashes[start:start + _CHUNK])  # uint32: wraps mod 2**32
        permuted += _B[:, None]
        np.minimum(hashvalues, permuted.min(axis=1), out=hashvalues)
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=hashvalues, permutations=_PERMUTATIONS)


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
