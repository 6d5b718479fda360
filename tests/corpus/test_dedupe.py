"""MinHash signatures: estimates that track true shingle Jaccard, values pinned per VERSION.

Signatures are stored in manifests (`to_bytes`) and compared with new ones: a change to their
values must come with a new `dedupe.VERSION`, which makes every store recompute its own.
"""

from __future__ import annotations

import hashlib
import random
import re

import numpy as np
import pytest

from pipeline.corpus.ingest import dedupe


def _reference_shingles(text: str, size: int = dedupe.SHINGLE) -> set[bytes]:
    """The shingle definition signatures were first stored with (regex words, str joins)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


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
def test_one_hash_per_reference_shingle_and_no_collisions(text):
    """Shingles are the regex definition's: as many distinct hashes as distinct shingles."""
    hashes = dedupe.shingle_hashes(text)
    assert hashes.dtype == np.uint32
    want = _reference_shingles(text)
    words = re.findall(r"\w+", text.lower())
    assert len(hashes) == max(1, len(words) - dedupe.SHINGLE + 1)
    assert len(set(hashes.tolist())) == len(want)


def test_signature_is_the_minimum_of_permuted_shingle_hashes():
    text = TEXTS["longer than one chunk"]  # spans two blocks of the permutation loop
    h = dedupe.shingle_hashes(text).astype(np.uint64)
    a, b = (x.astype(np.uint64) for x in dedupe._PERMUTATIONS)
    want = ((np.multiply.outer(a, h) + b[:, None]) % (1 << 32)).min(axis=1)
    np.testing.assert_array_equal(dedupe.signature(text).hashvalues.astype(np.uint64), want)


def _estimate_error(a: str, b: str) -> tuple[float, float]:
    sa, sb = _reference_shingles(a), _reference_shingles(b)
    true = len(sa & sb) / len(sa | sb)
    return true, abs(dedupe.signature(a).jaccard(dedupe.signature(b)) - true)


def test_jaccard_estimates_track_the_true_shingle_overlap():
    """128 permutations: the standard error is at most 0.045; every estimate within 0.15."""
    base = _prose(20, 900).split(". ")
    errors = []
    for keep in (1.0, 0.9, 0.75, 0.5, 0.25, 0.1):
        n = int(len(base) * keep)
        other = base[:n] + _prose(21 + n, 900).split(". ")[: len(base) - n]
        true, err = _estimate_error(". ".join(base), ". ".join(other))
        errors.append(err)
        assert err <= 0.15, (keep, true, err)
    assert sum(errors) / len(errors) <= 0.06


def test_signature_changes_only_with_the_text():
    """Reordered words, a changed word or case/punctuation: the first two change it, the last not."""
    text = TEXTS["long english"]
    same = dedupe.signature(text.upper().replace(".", " !"))
    assert dedupe.to_bytes(same) == dedupe.to_bytes(dedupe.signature(text))
    words = text.split()
    swapped = " ".join(words[:10] + [words[11], words[10]] + words[12:])
    assert dedupe.signature(swapped).jaccard(dedupe.signature(text)) < 1.0
    assert dedupe.signature("a").jaccard(dedupe.signature("a a")) < 1.0  # short texts: length counts


def test_words_match_regex_for_every_code_point():
    chars = [chr(c) for c in range(0x110000)]
    for text in (" ".join(chars), "".join(chars), "x".join(reversed(chars))):
        assert dedupe._words(text) == [w.encode("utf-8") for w in re.findall(r"\w+", text.lower())]


def test_signature_bytes_pinned():
    """Values of VERSION 2: if this fails, the signature changed; bump dedupe.VERSION and re-pin,
    so stores recompute theirs instead of comparing two kinds of value."""
    text = (
        "Regulators in Brussels approved the merger on Tuesday, ending an 18-month review. "
        "The combined company — worth roughly €40 billion — will sell 12 plants, the Commission said. "
        "Analysts at Café Zürich called it “a pragmatic outcome”; shares rose 3.5% in early trading. "
        "東京でも株価が上昇した。 Investors cheered 🎉 the news, and the CEO's_memo was leaked. "
    ) * 3
    assert dedupe.VERSION == "2"
    digest = hashlib.sha256(dedupe.to_bytes(dedupe.signature(text))).hexdigest()
    assert digest == "884e663b6bc198c304ad8a7fbe83bd01e09f22842508731de95664fd0a66c37f"
    digest = hashlib.sha256(dedupe.to_bytes(dedupe.signature(""))).hexdigest()
    assert digest == "956c1d089722d4f496716f05382c36ff7fb5c0471a5ecc96a12ab2f4d2208df3"


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


def test_stores_signed_by_another_version_are_rehashed_before_comparing(tmp_path):
    """A manifest whose signatures came from signature version 1 (SHA-1 of each shingle) gets
    them recomputed from the stored text on the next ingest, once; a re-syndicated copy of a
    stored article is then still caught."""
    from pipeline.corpus.ingest import ingest_paths
    from pipeline.corpus.manifest import Manifest
    from pipeline.corpus.store import Store

    original = _prose(30, 500)
    (tmp_path / "a.txt").write_text("Merger Approved\n\n" + original, encoding="utf-8")
    store = Store(home=tmp_path / "home", chroma_url="")
    first = ingest_paths([tmp_path / "a.txt"], store=store, progress=False)
    aid = first.ingested[0]
    store.close()
    m = Manifest(tmp_path / "home" / "manifest.sqlite")
    with m.transaction() as c:
        c.execute("UPDATE articles SET minhash=? WHERE id=?", (b"\x00" * (dedupe.NUM_PERM * 8), aid))
        c.execute("UPDATE meta SET value='1' WHERE key='minhash_version'")
    assert m.rehash_minhashes(dedupe.signature_bytes, dedupe.VERSION) == 1
    assert m.rehash_minhashes(dedupe.signature_bytes, dedupe.VERSION) == 0  # once
    assert m.get(aid).minhash == dedupe.signature_bytes(m.get(aid).article.text)
    with m.transaction() as c:
        c.execute("UPDATE articles SET minhash=? WHERE id=?", (b"\x00" * (dedupe.NUM_PERM * 8), aid))
        c.execute("UPDATE meta SET value='1' WHERE key='minhash_version'")
    m.close()
    (tmp_path / "b.txt").write_text("Merger Approved, Update\n\n" + original + " By Jane Doe.", encoding="utf-8")
    store = Store(home=tmp_path / "home", chroma_url="")
    second = ingest_paths([tmp_path / "b.txt"], store=store, progress=False)
    assert [d["duplicate_of"] for d in second.duplicates] == [aid] and second.ingested == []
    assert store.manifest.meta("minhash_version") == dedupe.VERSION
    store.close()
