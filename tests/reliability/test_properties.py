"""Property-based tests (hypothesis) on arbitrary Unicode: quote alignment, sentence and flag
offsets, normalization, ids. Chunk offsets on arbitrary Unicode are in `tests/corpus/test_chunk.py`;
here they are checked once more end to end (normalize → chunk → align a quote inside a chunk).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline.corpus.chunk import MAX_TOKENS, chunk_spans
from pipeline.text.ground import locate, verify
from pipeline.text.sentences import sentences
from pipeline.corpus.ingest.metadata import make_id, slugify
from pipeline.corpus.ingest.normalize import normalize_inline, normalize_text
from pipeline.text.injection import detect_injection
from pipeline.tokens import count_tokens

SETTINGS = settings(max_examples=int(__import__("os").environ.get("RELIABILITY_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Text a hostile article could hold: every category (no lone surrogates: a str from decoded bytes
# cannot contain them), plus over-represented troublemakers.
TRICKY = ("\u200b\u200d\u2060\ufeff\u00ad\u202e\u202c\u2066\u2069\u200f"  # invisible, bidi
          "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\"'"  # quotes, dashes, ellipsis
          "\ufb01\u00df\u0130\u03a3\u1e9e\u2126\u212a\u00c5"  # NFKC/casefold expanders
          "e\u0301\u0308\u0327"  # combining marks
          "\U0001f600\U0001f1fa\U0001f1f8\u4e2d\u6587\u0627\u0644\u05e9"  # astral, CJK, RTL scripts
          " \n\t\r\u00a0\u2028\u2029\u3000")
tricky_text = st.text(alphabet=st.one_of(st.characters(exclude_categories=["Cs"]),
                                         st.sampled_from(TRICKY)), max_size=600)
prose_word = st.text(alphabet=st.one_of(st.characters(categories=["L", "N"]), st.sampled_from(TRICKY)),
                     min_size=1, max_size=12)
prose = st.lists(prose_word, min_size=3, max_size=120).map(
    lambda ws: " ".join(w + ("." if i % 7 == 6 else "") for i, w in enumerate(ws)))


@SETTINGS
@given(tricky_text, st.data())
def test_verbatim_quote_is_found_exactly(text, data):
    """Any slice of the article, quoted verbatim, aligns `exact` and `text[start:end] == quote`."""
    assume(text.strip())
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    quote = text[i:j]
    assume(quote.strip())
    ev = locate(quote, text)
    assert ev.status == "exact", (quote, ev)
    assert text[ev.start:ev.end] == ev.quote
    assert ev.quote == quote or ev.quote == quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()


@SETTINGS
@given(tricky_text, tricky_text)
def test_aligned_evidence_always_points_at_its_quote(quote, text):
    """Whatever a model sends, `exact`/`fuzzy` evidence satisfies `text[start:end] == quote`."""
    ev = locate(quote, text)
    assert verify(ev, text), (quote, text, ev)
    if ev.status != "unverified":
        assert 0 <= ev.start < ev.end <= len(text)
        assert text[ev.start:ev.end] == ev.quote


def _mangle(s: str, how: int) -> str:
    """What models do to quotes: straight↔curly quotes, collapsed spacing, case, dashes."""
    if how == 0:
        return s.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    if how == 1:
        return re.sub(r"\s+", " ", s)
    if how == 2:  # upper case, where upper-casing is undone by case folding (not 'ı' → 'I')
        return "".join(c.upper() if c.upper().casefold() == c.casefold() else c for c in s)
    return s.replace("\u2014", "-").replace("\u2013", "-").replace("'", "\u2019")


@SETTINGS
@given(prose, st.data(), st.integers(0, 3))
def test_mangled_quote_aligns_to_the_articles_words(text, data, how):
    """A quote with swapped quotes/spacing/case still aligns, and to the article's own words."""
    text = normalize_text(text)
    words = [m for m in re.finditer(r"\S+", text)]
    assume(len(words) >= 3)
    a = data.draw(st.integers(0, len(words) - 3))
    b = data.draw(st.integers(a + 2, min(len(words) - 1, a + 20)))
    original = text[words[a].start():words[b].end()]
    quote = _mangle(original, how)
    assume(len(re.sub(r"\W", "", quote)) >= 4)
    ev = locate(quote, text)
    assert verify(ev, text)
    assert ev.status in ("exact", "fuzzy"), (quote, original, ev)
    assert text[ev.start:ev.end] == ev.quote


@SETTINGS
@given(prose, st.data())
def test_quote_aligned_within_a_chunk_gets_whole_article_offsets(text, data):
    """normalize → chunk → align a quote inside one chunk's window: offsets are into the article."""
    text = normalize_text(text)
    assume(text)
    spans = chunk_spans(text, max_tokens=32, overlap_tokens=4)
    assert spans
    for s, e, n in spans:
        assert 0 <= s < e <= len(text) and n == count_tokens(text[s:e]) <= MAX_TOKENS
    s, e, _ = spans[data.draw(st.integers(0, len(spans) - 1))]
    i = data.draw(st.integers(s, e - 1))
    j = data.draw(st.integers(i + 1, e))
    quote = text[i:j]
    assume(quote.strip())
    ev = locate(quote, text, within=(s, e))
    assert ev.status == "exact" and text[ev.start:ev.end] == ev.quote
    assert s <= ev.start and ev.end <= e or text.find(quote) == ev.start


@SETTINGS
@given(tricky_text)
def test_sentence_and_injection_offsets_are_exact(text):
    text_n = normalize_text(text)
    for t in (text, text_n):
        last = -1
        for s in sentences(t):
            assert t[s.start:s.end] == s.text and s.text.strip()
            assert s.start >= last
            last = s.end
        for f in detect_injection(t):
            assert 0 <= f.start < f.end <= len(t)
            assert f.excerpt.rstrip("\u2026") and t[f.start:f.end].startswith(f.excerpt.rstrip("\u2026"))


@SETTINGS
@given(tricky_text)
def test_normalization_is_idempotent_and_clean(text):
    """Stored text re-normalizes to itself (stable hashes, stable offsets) and holds no
    control or zero-width characters."""
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]", once)
    inline = normalize_inline(text)
    assert normalize_inline(inline) == inline and "\n" not in inline


@SETTINGS
@given(tricky_text, st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_article_ids_are_safe_file_names(title, digest):
    """Titles are attacker-controlled (front matter, JSON): ids never carry a path or markup."""
    aid = make_id(title, digest)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}", aid), aid
    assert ".." not in aid and "/" not in aid and len(aid) <= 64
    assert slugify(title) == slugify(title)
