"""The one heading detector, as chunking and the small extraction strategy use it."""

from __future__ import annotations

import re

import pytest

from pipeline.corpus.chunk import chunk_spans
from pipeline.extraction.small import _summary
from pipeline.text.headings import is_heading


@pytest.mark.parametrize("line", ["Who wins", "## What stays the same", "# anything at all",
                                  "What Changes for Airlines (and Why)", "The Losers"])
def test_headings(line):
    assert is_heading(line)


@pytest.mark.parametrize("line", ["Prices rose.", "Who wins?", "What comes next:", "Wait\u2026",
                                  "lower-case start", "He said \u201cno.\u201d",
                                  "A line of thirteen words is too long to be any heading at all here"])
def test_not_headings(line):
    assert not is_heading(line)


def test_a_sentence_sharing_its_paragraph_is_a_heading_only_with_a_marker():
    assert not is_heading("Who wins", whole_paragraph=False)
    assert is_heading("# Who wins", whole_paragraph=False)


def test_chunking_and_summaries_agree_on_what_is_a_heading():
    body = " ".join(f"Line {i} explains who gains from the merger today." for i in range(12))
    text = "\n".join(f"Who Gains In Round {n}\n{body}" for n in range(6))
    for start, end, _ in chunk_spans(text)[:-1]:
        assert not re.search(r"Round \d+$", text[start:end])  # never a chunk's last line
    assert "Round" not in _summary(text)  # never a summary sentence
