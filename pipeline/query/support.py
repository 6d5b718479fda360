"""Word-level support of a sentence by a passage: shared content words, and no new facts.

The lexical half of ask's citation check (the semantic half is MiniLM). Tokens are BM25's
stems, so "wins" in an answer meets "winning" in its chunk.
"""

from __future__ import annotations

import re

from pipeline.query.bm25 import get_stemmer

_TERM = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w&\-]*[A-Za-z]")


def _content_tokens(text: str) -> list[str]:
    """Lowercased, stemmed words and whole numbers ("2.4" stays one token), stopwords dropped."""
    from bm25s.stopwords import STOPWORDS_EN

    words = [w for w in _TERM.findall(text.lower().replace("\u2019", "'")) if w not in STOPWORDS_EN]
    stem = get_stemmer()
    return stem.stemWords(words) if stem else words


def lexical_support(sentence: str, passage: str) -> float:
    """Mean of unigram and bigram recall of the sentence's content tokens in the passage."""
    s = _content_tokens(sentence)
    if not s:
        return 0.0
    p = _content_tokens(passage)
    pset = set(p)
    uni = sum(t in pset for t in s) / len(s)
    if len(s) < 2:
        return uni
    pbi = set(zip(p, p[1:]))
    sbi = list(zip(s, s[1:]))
    bi = sum(b in pbi for b in sbi) / len(sbi)
    return (uni + bi) / 2


def novel_facts(sentence: str, passage: str) -> list[str]:
    """Numbers and capitalized names of the sentence that the passage never mentions.

    Embeddings barely tell "49%" from "90%" or Japan from Brazil; a claim with a number or a
    name its passage lacks is not supported by it, however similar it reads.
    """
    low = passage.lower().replace("\u2019", "'")
    nums = set(NUMBER.findall(passage))
    out = [n for n in NUMBER.findall(sentence) if n not in nums]
    stems = set(_content_tokens(passage))
    for name in _NAME.findall(sentence):
        if name.lower() not in low and not set(_content_tokens(name)) <= stems:
            out.append(name)
    return list(dict.fromkeys(out))
