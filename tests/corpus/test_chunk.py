"""Chunking: exact offsets, the token ceiling, coverage, overlap and paragraph-first splitting."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.corpus.chunk import DEFAULT_OVERLAP, DEFAULT_TOKENS, MAX_TOKENS, chunk_article, chunk_spans
from pipeline.corpus.ingest.files import discover, read_file
from pipeline.tokens import count_tokens

from tests.conftest import CORPUS


def _check(text: str, spans: list[tuple[int, int, int]], max_tokens: int = DEFAULT_TOKENS) -> None:
    """Offsets exact, within the ceiling, in order, and every non-space character covered."""
    covered = [False] * len(text)
    prev_start = -1
    for start, end, tokens in spans:
        assert 0 <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip(), "chunks start and end on non-space characters"
        assert tokens == count_tokens(piece) <= max_tokens <= MAX_TOKENS
        assert start > prev_start, "chunks advance"
        prev_start = start
        for i in range(start, end):
            covered[i] = True
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered characters at {missing[:5]}"


def _corpus_articles():
    arts = []
    for p in discover([CORPUS])[0]:  # the files `pipeline ingest corpus/` reads
        cands, _fails = read_file(p, 10 * 1024 * 1024)
        arts += [c.article for c in cands]
    return arts


def test_every_chunk_of_every_corpus_article_has_exact_offsets():
    articles = _corpus_articles()
    assert any(a.path.endswith("seed-article.txt") for a in articles)
    for article in articles:
        chunks = chunk_article(article)
        assert chunks, article.id
        _check(article.text, [(c.start, c.end, c.tokens) for c in chunks])
        for i, c in enumerate(chunks):
            assert article.text[c.start:c.end] == c.text
            assert c.id == f"{article.id}#{i}" and c.index == i and c.article_id == article.id
        # consecutive chunks overlap (context carries across the cut), or the cut falls between
        # paragraphs or sentences, never inside one
        for a, b in zip(chunks, chunks[1:]):
            before = article.text[:b.start].rstrip()
            assert b.start < a.end or "\n" in article.text[a.end - 1:b.start + 1] or \
                before.endswith((".", "!", "?", '"', "\u201d", ")")), (article.id, a.index)


def test_splits_prefer_paragraph_then_sentence_boundaries():
    para = " ".join(f"Sentence {i} says the carriers win and the lenders lose." for i in range(9))
    text = "\n\n".join([para] * 6)
    spans = chunk_spans(text)
    _check(text, spans)
    assert len(spans) > 1
    for start, end, _ in spans[:-1]:
        # each cut lands at a paragraph end, or at worst a sentence end
        assert text[end - 1] == "." and (end == len(text) or text[end] in "\n ")
    para_ends = {m.start() for m in re.finditer(r"\n\n", text)}
    assert sum(1 for _, end, _ in spans[:-1] if end in para_ends) >= len(spans) // 2


def test_overlong_sentence_and_word_are_split_at_token_boundaries():
    text = "x" * 5000 + " " + "word " * 900 + "日本語のテキスト" * 200
    spans = chunk_spans(text)
    _check(text, spans)
    assert len(spans) >= 6


def test_headings_are_not_left_dangling_at_a_chunk_end():
    body = " ".join(f"Line {i} explains who gains from the merger." for i in range(12))
    text = "\n".join(f"Section {n}\n{body}" for n in range(6))
    for start, end, _ in chunk_spans(text)[:-1]:
        assert not re.search(r"Section \d+$", text[start:end])


def test_parameters_are_validated():
    with pytest.raises(ValueError):
        chunk_spans("text", max_tokens=MAX_TOKENS + 1)
    with pytest.raises(ValueError):
        chunk_spans("text", max_tokens=64, overlap_tokens=40)
    assert chunk_spans("   \n\n  ") == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=0, max_size=3000),
       st.integers(min_value=16, max_value=MAX_TOKENS), st.integers(min_value=0, max_value=7))
def test_offsets_exact_on_arbitrary_unicode(text, max_tokens, overlap):
    spans = chunk_spans(text, max_tokens=max_tokens, overlap_tokens=overlap)
    _check(text, spans, max_tokens)


_words = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
                 min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_words, min_size=1, max_size=40).map(lambda ws: ". ".join(ws)), min_size=1, max_size=25),
       st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"]))
def test_offsets_exact_on_prose_like_text(paragraphs, sep):
    text = sep.join(paragraphs)
    _check(text, chunk_spans(text), DEFAULT_TOKENS)
    assert DEFAULT_OVERLAP < DEFAULT_TOKENS // 2
