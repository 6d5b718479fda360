"""Citations in an answer: which sentence cites which chunk, and whether that chunk supports it.

Shared by both of `ask`'s strategies and by the check of a written answer (`pipeline.query.vet`).
A cited sentence is supported by its chunk when the chunk mentions every number and name in it
and either enough of its content words and word pairs appear in the chunk (lexical) or MiniLM
finds a chunk sentence that says nearly the same (semantic). Calibrated on paraphrases and
false claims about the seed article (tests/query/test_ask_unit.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from pipeline.query.retrieve import Hit
from pipeline.query.support import lexical_support, novel_facts
from pipeline.text.sentences import sentence_spans

if TYPE_CHECKING:
    from pipeline.corpus.protocols import TextEmbedder

LEXICAL_SUPPORT = 0.5  # mean of unigram and bigram recall of the sentence's content tokens
SEMANTIC_SUPPORT = 0.75  # cosine of the sentence vs its most similar sentence in the chunk

_CITE = re.compile(r"\[([^\[\]]*#\d+[^\[\]]*)\]")
_CITE_ID = re.compile(r"([A-Za-z0-9][\w.\-]*#\d+)")


class Citation(BaseModel):
    """One citation in an answer: the chunk it names and whether that chunk supports the sentence."""

    article_id: str
    chunk_id: str
    start: int | None = None  # chunk offsets in the article's normalized text
    end: int | None = None
    text: str = ""  # the chunk text (the cited passage)
    supported: bool = False
    retrieved: bool = True  # False: the answer cited a chunk that retrieval did not return
    sentence: str = ""  # the answer sentence that carries this citation
    quote: str = ""  # the chunk's sentence closest to it
    quote_start: int | None = None  # article offsets of `quote`
    quote_end: int | None = None
    lexical: float = 0.0
    semantic: float = 0.0
    reason: str = ""


def strip_citations(text: str) -> str:
    s = re.sub(r"\s+", " ", _CITE.sub("", text)).strip()
    return re.sub(r"\s+([.,;:!?])", r"\1", s)


_LEADING_CITES = re.compile(r"^(?:\s*\[[^\[\]]*#\d+[^\[\]]*\])+")


def parse_citations(answer: str) -> list[tuple[str, list[str]]]:
    """(sentence without citations, [chunk ids cited in it]) for every sentence of the answer.

    Citations may sit before or after the sentence's full stop ("… win [a#1]." or "… win. [a#1]");
    a citation group that opens a sentence belongs to the sentence before it.
    """
    out: list[tuple[str, list[str]]] = []
    for s, e in sentence_spans(answer):
        sent = answer[s:e]
        lead = _LEADING_CITES.match(sent)
        if lead and out:
            prev_ids = out[-1][1]
            prev_ids += [i for i in _CITE_ID.findall(lead.group(0)) if i not in prev_ids]
            sent = sent[lead.end():]
        ids: list[str] = []
        for m in _CITE.finditer(sent):
            ids += [i for i in _CITE_ID.findall(m.group(1)) if i not in ids]
        text = strip_citations(sent)
        if text:
            out.append((text, ids))
        elif out:
            out[-1][1].extend(i for i in ids if i not in out[-1][1])
    return out


# ---------------------------------------------------------------- support check

class SupportChecker:
    """Checks answer sentences against chunks: lexical overlap or MiniLM similarity."""

    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder
        self._vecs: dict[str, np.ndarray] = {}  # a chunk's sentences are embedded once per answer

    def vectors(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vecs))
        if missing:
            self._vecs.update(zip(missing, np.asarray(self.embedder.embed(missing))))
        return np.stack([self._vecs[t] for t in texts])

    def check(self, sentence: str, hit: Hit) -> Citation:
        chunk = hit.chunk
        spans = sentence_spans(chunk.text) or [(0, len(chunk.text))]
        texts = [chunk.text[s:e] for s, e in spans]
        vecs = self.vectors([sentence] + texts)
        sims = vecs[1:] @ vecs[0]
        lexes = [lexical_support(sentence, t) for t in texts]
        best = int(np.argmax(sims + 0.5 * np.asarray(lexes)))  # the quote: closest in meaning and words
        lex = max(lexical_support(sentence, chunk.text), max(lexes))
        sem = float(np.max(sims))
        novel = novel_facts(sentence, chunk.text)
        ok = not novel and (lex >= LEXICAL_SUPPORT or sem >= SEMANTIC_SUPPORT)
        s, e = spans[best]
        if novel:
            reason = f"{chunk.id} does not mention {', '.join(novel)}"
        elif not ok:
            reason = (f"not supported by {chunk.id}: word overlap {lex:.2f} < {LEXICAL_SUPPORT} and "
                      f"similarity {sem:.2f} < {SEMANTIC_SUPPORT}")
        else:
            reason = ""
        return Citation(article_id=chunk.article_id, chunk_id=chunk.id, start=chunk.start, end=chunk.end,
                        text=chunk.text, supported=ok, sentence=sentence, quote=texts[best],
                        quote_start=chunk.start + s, quote_end=chunk.start + e,
                        lexical=round(lex, 4), semantic=round(sem, 4), reason=reason)


def validate_citations(answer: str, hits: list[Hit], checker: SupportChecker) -> list[Citation]:
    """Every citation of the answer, checked: retrieved chunk? does it support its sentence?"""
    by_id = {h.chunk_id: h for h in hits}
    out: list[Citation] = []
    for sentence, ids in parse_citations(answer):
        for cid in ids:
            hit = by_id.get(cid)
            if hit is None:
                art = cid.rsplit("#", 1)[0]
                out.append(Citation(article_id=art, chunk_id=cid, supported=False, retrieved=False,
                                    sentence=sentence,
                                    reason=f"{cid} was not among the retrieved passages"))
            else:
                out.append(checker.check(sentence, hit))
    return out


__all__ = ["Citation", "LEXICAL_SUPPORT", "SEMANTIC_SUPPORT", "SupportChecker", "parse_citations",
           "strip_citations", "validate_citations"]
