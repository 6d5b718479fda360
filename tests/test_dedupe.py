"""MinHash signatures: the fast path in `dedupe.signature` must give exactly datasketch's values.

Signatures are stored in manifests (`to_bytes`) and compared with new ones, so any change to a
single hash value would silently break near-duplicate detection against existing corpora.
"""

from __future__ import annotations

import hashlib
import random
import re

import numpy as np
import pytest
from datasketch import MinHash

from pipeline.ingest import dedupe


def _reference_shingles(text: str, size: int = dedupe.SHINGLE) -> set[bytes]:
    """The shingle definition signatures were first stored with (regex words, str joins)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def _reference_signature(text: str) -> MinHash:
    mh = MinHash(num_perm=dedupe.NUM_PERM, scheme="affine32")
    mh.update_batch(list(_reference_shingles(text)))
    return mh


def _prose(seed: int, n_words: int) -> str:
    """Deterministic English-like text whose 5-grams are (nearly) all distinct."""
    rng = random.Random(seed)
    vocab = ["the", "a", "of", "to", "in", "and", "market", "price", "rose", "fell", "said", "company",
             "analysts", "shares", "bank", "rate", "investors", "quarter", "report", "growth", "demand",
             "supply", "plant", "energy", "policy", "data", "model", "chip", "government", "officials",
             "trade", "deal", "costs", "revenue", "profit", "workers", "union", "city", "week", "year",
             "Tuesday", "Brussels", "Reuters", "percent", "billion", "million", "customers", "sales"]
    sentences = []
    while sum(len(s.split()) for s in sentences) < n_words:
        words = [rng.choice(vocab) for _ in range(rng.randint(6, 18))]
        words[rng.randrange(len(words))] += rng.choice([",", ";", " --", "'s"])
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


TEXTS = {
    "empty": "",
    "punctuation only": "!!! -- ... ?",
    "one word": "Hello",
    "exactly five words": "One two three four five.",
    "six words": "One two three four five six",
    "long english": _prose(1, 800),
    "longer than one chunk": _prose(2, dedupe._CHUNK + 1500),
    "repeated shingles": "The cat sat on the mat. " * 60,
    "case and punctuation": "IT'S A Test -- it's a TEST!!! snake_case 3.14 x2\tTAB\nnew\u00a0nbsp",
    "non-ascii latin": "Café Zürich: straße, ŁÓDŹ, İstanbul, ǅemal — “quoted” it’s €40 ½ ² ٣ naïve",
    "cjk": "東京の株価は上昇した。投資家は「良いニュース」と述べた、ソウル 서울 증시도 올랐다",
    "emoji": "Investors cheered 🎉🎉 the news 👍🏽 and 🙂 rockets🚀launched 👨‍👩‍👧 family",
    "lone surrogate": "broken \ud800 text with a lone surrogate in the middle of it",
}


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_shingles_match_the_reference_definition(text):
    assert dedupe.shingles(text) == _reference_shingles(text)


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_signature_equals_datasketch_update_batch(text):
    got, want = dedupe.signature(text), _reference_signature(text)
    assert got.hashvalues.dtype == want.hashvalues.dtype
    np.testing.assert_array_equal(got.hashvalues, want.hashvalues)
    assert dedupe.to_bytes(got) == dedupe.to_bytes(want)
    assert got.scheme == want.scheme and got.seed == want.seed
    np.testing.assert_array_equal(got.permutations, want.permutations)


def test_words_match_regex_for_every_code_point():
    chars = [chr(c) for c in range(0x110000)]
    for text in (" ".join(chars), "".join(chars), "x".join(reversed(chars))):
        assert dedupe._words(text) == [w.encode("utf-8") for w in re.findall(r"\w+", text.lower())]


def test_signature_bytes_pinned():
    """Digests of `to_bytes` computed with datasketch's own update_batch before the fast path."""
    text = (
        "Regulators in Brussels approved the merger on Tuesday, ending an 18-month review. "
        "The combined company — worth roughly €40 billion — will sell 12 plants, the Commission said. "
        "Analysts at Café Zürich called it “a pragmatic outcome”; shares rose 3.5% in early trading. "
        "東京でも株価が上昇した。 Investors cheered 🎉 the news, and the CEO's_memo was leaked. "
    ) * 3
    digest = hashlib.sha256(dedupe.to_bytes(dedupe.signature(text))).hexdigest()
    assert digest == "65311e0e511a11d63ea757832842ea217df973d2d5c13fc81deb90afb970036d"
    digest = hashlib.sha256(dedupe.to_bytes(dedupe.signature(""))).hexdigest()
    assert digest == "4e7cfa1b4d97689f519f2a8f97b2846875576f3a1cf2e6e7de1d844d679a4aa9"


def test_to_bytes_from_bytes_roundtrip():
    mh = dedupe.signature(TEXTS["long english"])
    blob = dedupe.to_bytes(mh)
    assert len(blob) == dedupe.NUM_PERM * 8
    back = dedupe.from_bytes(blob)
    np.testing.assert_array_equal(back.hashvalues, mh.hashvalues)
    assert dedupe.to_bytes(back) == blob
    assert back.jaccard(mh) == 1.0


def test_near_duplicate_index_finds_light_edit_not_unrelated_text():
    original, unrelated = _prose(10, 600), _prose(11, 600)
    sentences = original.split(". ")
    sentences[len(sentences) // 2] = "A spokesperson declined to comment on the figures"
    edited = "UPDATED: Syndicated from Example Wire. " + ". ".join(sentences) + " By Jane Doe."

    index = dedupe.NearDuplicateIndex()
    index.add("original", dedupe.signature(original))
    hit = index.match(dedupe.signature(edited))
    assert hit is not None and hit[0] == "original" and hit[1] >= dedupe.THRESHOLD
    assert index.match(dedupe.signature(unrelated)) is None
    assert index.match(dedupe.from_bytes(dedupe.to_bytes(dedupe.signature(edited))))[0] == "original"
