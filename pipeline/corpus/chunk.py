"""Article → Chunk[]: token-bounded windows with exact character offsets.

Chunks are packed from sentences (`pipeline.text.sentences`), preferring to end at a paragraph break, with a few sentences of
overlap. Sentence sizes come from one encoding of the whole article (`_TokenIndex`); each chunk's
count is then taken exactly, so every chunk is at most `MAX_TOKENS` cl100k tokens, and
`article.text[c.start:c.end] == c.text` holds by construction (chunks are slices, never re-joined
strings). The default size leaves head
room under MiniLM's 256 word-piece window (English runs ~4% more word-pieces than cl100k tokens).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.text.headings import is_heading
from pipeline.text.sentences import sentences
from pipeline.tokens import count_tokens, encoding
from pipeline.types import Article, Chunk

MAX_TOKENS = 256  # hard ceiling: the embedding model reads 256 word-pieces
DEFAULT_TOKENS = 224
DEFAULT_OVERLAP = 32



@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    para_start: bool


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _char_offset(token_bytes: list[bytes]) -> int:
    """Character index where the last token starts (the char holding its first byte)."""
    chars = 0
    for token in token_bytes[:-1]:
        chars += sum(1 for b in token if not 0x80 <= b < 0xC0)
    last = token_bytes[-1]
    return max(0, chars - (1 if last and 0x80 <= last[0] < 0xC0 else 0))


def _hard_split(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int, int]]:
    """A span as pieces of at most `max_tokens`, cut at token boundaries, preferring whitespace.

    Encodes a growing window rather than the whole rest of the span, so one enormous
    unpunctuated paragraph stays linear (BPE on megabytes at once is very slow).
    """
    enc = encoding()
    pieces: list[tuple[int, int, int]] = []
    pos = start
    while True:
        pos, end = _strip(text, pos, end)
        if pos >= end:
            return pieces
        window = min(end, pos + max_tokens * 8)
        while True:
            tokens = enc.encode(text[pos:window], disallowed_special=())
            if len(tokens) > max_tokens or window == end:
                break
            window = min(end, pos + (window - pos) * 4)
        if len(tokens) <= max_tokens:
            s, e = _strip(text, pos, end)
            pieces.append((s, e, len(tokens)))
            return pieces
        cut = pos + max(1, _char_offset(enc.decode_tokens_bytes(tokens[: max_tokens + 1])))
        space = max((i for i in range(pos + 1, cut) if text[i].isspace()), default=-1)
        if space > pos + (cut - pos) // 2:
            cut = space
        while True:
            s, e = _strip(text, pos, cut)
            n = count_tokens(text[s:e])
            if n <= max_tokens or cut - pos <= 1:
                break
            cut = pos + max(1, (cut - pos) * 9 // 10)
        pieces.append((s, e, n))
        pos = cut


@lru_cache(maxsize=1)
def _token_chars() -> tuple[np.ndarray, np.ndarray]:
    """Per cl100k token id: how many characters start in its bytes (UTF-8 lead bytes), and
    whether it begins inside a character (a continuation byte)."""
    enc = encoding()
    ranks = enc._mergeable_ranks  # bytes -> id; tiktoken keeps it on every Encoding
    ids = np.fromiter(ranks.values(), dtype=np.int64, count=len(ranks))
    lengths = np.fromiter((len(b) for b in ranks), dtype=np.int64, count=len(ranks))
    flat = np.frombuffer(b"".join(ranks), dtype=np.uint8)
    lead = ((flat & 0xC0) != 0x80).astype(np.int32)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    chars = np.zeros(enc.n_vocab, dtype=np.int32)
    starts_inside = np.zeros(enc.n_vocab, dtype=np.int32)
    chars[ids] = np.add.reduceat(lead, offsets)
    starts_inside[ids] = 1 - lead[offsets]
    return chars, starts_inside


class _TokenIndex:
    """Where the tokens of the whole text start, from one encoding of it.

    Counting each sentence on its own meant thousands of encoder calls an article; counting the
    tokens that overlap a span of the whole text's encoding is a bisection, and agrees with the
    span's own count but for a token or two where the span's first or last token runs across its
    edge. Unit sizes only steer packing: every chunk's final count is exact (`count_tokens`).
    """

    def __init__(self, starts: list[int]) -> None:
        self.starts = starts

    @classmethod
    def of(cls, text: str) -> _TokenIndex | None:
        """None where the character arithmetic does not add up (then units are counted one by one)."""
        if not text:
            return None
        chars, starts_inside = _token_chars()
        tokens = np.asarray(encoding().encode_ordinary(text), dtype=np.int64)
        ends = np.cumsum(chars[tokens])
        if not len(ends) or int(ends[-1]) != len(text):
            return None
        return cls((ends - chars[tokens] - starts_inside[tokens]).tolist())

    def count(self, start: int, end: int) -> int:
        """Tokens overlapping text[start:end]."""
        return bisect_left(self.starts, end) - max(0, bisect_right(self.starts, start) - 1)


# A unit whose estimate comes this close to the ceiling is counted exactly (estimates are off by
# a token or two at the edges, and an over-long unit must be split).
_EXACT_MARGIN = 8


def _units(text: str, max_tokens: int) -> list[_Unit]:
    """Sentences (or token-bounded pieces of over-long ones), flagged where a paragraph begins."""
    units: list[_Unit] = []
    index = _TokenIndex.of(text)
    para = -1
    for sent in sentences(text):
        first, para = sent.paragraph != para, sent.paragraph
        estimate = index.count(sent.start, sent.end) if index is not None else max_tokens
        if estimate <= max_tokens - _EXACT_MARGIN:
            units.append(_Unit(sent.start, sent.end, estimate, first))
        else:
            for ps, pe, n in _hard_split(text, sent.start, sent.end, max_tokens):
                units.append(_Unit(ps, pe, n, first))
                first = False
    return units


def chunk_spans(
    text: str, max_tokens: int = DEFAULT_TOKENS, overlap_tokens: int = DEFAULT_OVERLAP
) -> list[tuple[int, int, int]]:
    """(start, end, tokens) of each chunk of `text`, in order."""
    if not 8 <= max_tokens <= MAX_TOKENS:
        raise ValueError(f"max_tokens must be between 8 and {MAX_TOKENS}, got {max_tokens}")
    if not 0 <= overlap_tokens < max_tokens // 2:
        raise ValueError(f"overlap_tokens must be between 0 and {max_tokens // 2 - 1}")
    units = _units(text, max_tokens)
    out: list[tuple[int, int, int]] = []
    i, must = 0, 0  # chunk starts at unit i and has to reach unit `must` (progress)
    n = len(units)
    while i < n:
        j, total = i, units[i].tokens
        while j + 1 < n and total + units[j + 1].tokens + 1 <= max_tokens:
            j += 1
            total += units[j].tokens + 1
        j = max(j, must)
        if j + 1 < n:  # prefer ending at a paragraph break when one falls in the back half
            budget = 0
            best = None
            for k in range(i, j + 1):
                if (k > max(i, must) and units[k].para_start and budget >= max_tokens // 2
                        and not (units[k - 1].para_start
                                 and is_heading(text[units[k - 1].start:units[k - 1].end]))):
                    best = k - 1
                budget += units[k].tokens + 1
            if best is not None and best < j:
                j = best
        tokens = count_tokens(text[units[i].start:units[j].end])
        while tokens > max_tokens:  # the estimate was short: drop units, never the required one
            if j > must:
                j -= 1
            elif i < must:
                i += 1
            else:
                break
            tokens = count_tokens(text[units[i].start:units[j].end])
        out.append((units[i].start, units[j].end, tokens))
        if j + 1 >= n:
            break
        must = j + 1
        k, acc = must, units[must].tokens
        while k - 1 > i and acc + units[k - 1].tokens + 1 <= min(overlap_tokens + units[must].tokens, max_tokens):
            k -= 1
            acc += units[k].tokens + 1
        i = k
    return out


def chunk_article(
    article: Article, max_tokens: int = DEFAULT_TOKENS, overlap_tokens: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    text = article.text
    return [
        Chunk(id=f"{article.id}#{idx}", article_id=article.id, index=idx,
              start=s, end=e, text=text[s:e], tokens=n)
        for idx, (s, e, n) in enumerate(chunk_spans(text, max_tokens, overlap_tokens))
    ]
