"""Questions about the corpus, answered with citations that are checked against their chunks.

Two strategies. `free` (capable models): the model writes the answer with `[article_id#chunk]`
citations; every citation is validated (it must name a retrieved chunk) and every cited sentence
is checked against its chunk. `extractive` (small models such as the embedded SmolLM2-135M, which
cannot be trusted to write grounded prose): candidate sentences are cut from the retrieved chunks
and ranked by similarity to the question; the model only picks among them, and the answer is made
of the picked sentences verbatim, so each citation is right by construction.
When the best retrieved chunk is too far from the question, no model is called and the answer
says the corpus does not contain it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from types import GenericAlias
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field, create_model

from pipeline.templates import load_prompt
from pipeline.query.answertype import WordSimilarity
from pipeline.query.focus import Focus, about, focus, mentions
from pipeline.query.parts import Cand, PartScore, cover_parts, text_of
from pipeline.query.scope import named_start, occasion_terms, tells_occasion, too_early
from pipeline.query.retrieve import NOT_FOUND_COSINE, Hit, Retriever, best_cosine
from pipeline.query.cite import (LEXICAL_SUPPORT, SEMANTIC_SUPPORT, Citation, SupportChecker, parse_citations,
                                 strip_citations, validate_citations)
from pipeline.query.support import NUMBER, lexical_support, novel_facts
from pipeline.query.whose import doers
from pipeline.text.sentences import sentence_spans
from pipeline.types import Usage

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.corpus.protocols import TextEmbedder
    from pipeline.llm.base import Provider

Strategy = Literal["auto", "free", "extractive"]

NOT_IN_CORPUS = "The corpus does not contain an answer to this question."
CANDIDATES = 6  # sentences offered to a small model
# A model that picks by default but is not small (Qwen2.5-1.5B) reads more: the answer is more
# often among 10, and each part of a several-part question gets its own best sentences offered too.
WIDE_CANDIDATES = 10
PART_CANDIDATES = 2
POOL = 18  # sentences a question's parts may draw from when the model's picks leave a part open
# A small model's "not found" is believed only when no candidate sentence is this close to the
# question (answerable corpus questions: best sentence 0.38-0.82; unanswerable in-domain 0.40-0.47).
SMALL_MODEL_REFUSAL = 0.5
_CLOSERS = ".!?\"'\u201d\u2019)"
MAX_PICKS = 3
PICK_MARGIN = 0.15  # cosine to the question a picked sentence may trail the best pick by

_WORD = re.compile(r"\w+", re.UNICODE)


class AskResult(BaseModel):
    question: str
    answer: str
    found: bool
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[dict[str, Any]] = Field(default_factory=list)
    strategy: str = ""
    model: str | None = None
    usage: Usage = Field(default_factory=Usage)
    thresholds: dict[str, float] = Field(default_factory=dict)
    reason: str = ""  # why not found, when not found
    unanswered_parts: list[str] = Field(default_factory=list)  # parts of the question left open
    dropped: list[Any] = Field(default_factory=list)  # free: `vet.Dropped`s the shown answer lacks
    reasked: bool = False  # free: the model was asked once more after a sentence was dropped

    def to_json(self) -> dict[str, Any]:
        """The `pipeline ask --json` document (contract keys first)."""
        return {
            "answer": self.answer,
            "citations": [c.model_dump() for c in self.citations],
            "retrieved": self.retrieved,
            "found": self.found, "question": self.question, "strategy": self.strategy,
            "model": self.model, "usage": self.usage.model_dump(), "thresholds": self.thresholds,
            "reason": self.reason, "unanswered_parts": self.unanswered_parts,
            "dropped": [d.model_dump() for d in self.dropped], "reasked": self.reasked,
        }


# ---------------------------------------------------------------- strategies

def candidate_sentences(question: str, hits: list[Hit], embedder: TextEmbedder,
                        n: int = CANDIDATES) -> list[tuple[Hit, int, int, float]]:
    """The n sentences of the retrieved chunks most similar to the question: (hit, start, end, cos).

    Overlapping chunks repeat sentences; each article span is offered once.
    """
    return rank_sentences([question], hits, embedder, [n])[0]


def rank_sentences(queries: list[str], hits: list[Hit], embedder: TextEmbedder,
                   ns: list[int]) -> list[list[tuple[Hit, int, int, float]]]:
    """`candidate_sentences` for several queries at once (a question and its parts): the chunks
    are split and their sentences embedded once, whatever the number of queries."""
    cands: list[tuple[Hit, int, int]] = []
    seen: set[tuple[str, int, int]] = set()
    for h in hits:
        for s, e in sentence_spans(h.chunk.text):
            key = (h.article_id, h.chunk.start + s, h.chunk.start + e)
            sent = h.chunk.text[s:e]
            if key in seen or len(_WORD.findall(sent)) < 4 or sent.rstrip()[-1] not in _CLOSERS:
                continue  # headings and fragments make poor answers
            seen.add(key)
            cands.append((h, s, e))
    if not cands:
        return [[] for _ in queries]
    texts = [h.chunk.text[s:e] for h, s, e in cands]
    vecs = np.asarray(embedder.embed(list(queries) + texts))
    out = []
    for qi, (query, n) in enumerate(zip(queries, ns)):
        sims = vecs[len(queries):] @ vecs[qi]
        lex = np.array([lexical_support(query, t) for t in texts])
        score = sims + 0.5 * lex  # shared words and numbers ("7%") separate near-identical sentences
        order = np.argsort(-score, kind="stable")[:n]
        out.append([(cands[i][0], cands[i][1], cands[i][2], float(sims[i])) for i in order])
    return out


def _pick_model(n: int) -> type[BaseModel]:
    """The small model's output type: a yes/no and up to MAX_PICKS sentence numbers from 1..n."""
    choice: Any = Literal[tuple(range(1, n + 1))]  # built at run time from n
    picks: Any = GenericAlias(list, choice)
    return create_model("Picks", found=(bool, ...),
                        picks=(picks, Field(default_factory=list, max_length=MAX_PICKS)))


def _article_text(r: Retriever, h: Hit) -> str:
    a = r.articles.get(h.article_id)
    return (a.text if a is not None else "") or h.chunk.text


def _published(r: Retriever, h: Hit) -> str | None:
    a = r.articles.get(h.article_id)
    return a.published_at if a is not None else None


def _where(c: Cand) -> tuple[str, int]:
    """A candidate sentence's place in the corpus: its article and start offset."""
    return c[0].article_id, c[0].chunk.start + c[1]


def _add_new(into: list[Cand], more: Iterable[Cand]) -> None:
    """Append the sentences of `more` not already in `into` (by place), in order."""
    seen = {_where(c) for c in into}
    for c in more:
        if _where(c) not in seen:
            seen.add(_where(c))
            into.append(c)


def part_closeness(f: Focus, pool: list[Cand], embedder: TextEmbedder) -> PartScore:
    """Each pooled sentence's cosine to each part of the question (the part with the question's
    names, as the parts' own rankings query), for `cover_parts` to give every part its best."""
    if not pool:
        return lambda i, c: 0.0
    queries = [" ".join([part, *f.names]) for part in f.parts]
    vecs = np.asarray(embedder.embed(queries + [text_of(c) for c in pool]))
    sims = vecs[len(queries):] @ vecs[:len(queries)].T
    row = {_where(c): j for j, c in enumerate(pool)}
    return lambda i, c: float(sims[row[_where(c)], i]) if _where(c) in row else 0.0


def _answer_extractive(question: str, hits: list[Hit], provider: Provider, embedder: TextEmbedder,
                       max_tokens: int, f: Focus) -> tuple[str, bool, Usage, str, list[str]]:
    from pipeline.llm import generate

    # each part's own nearest sentences too, so a second part is not crowded out of the pool
    part_queries = [" ".join([part, *f.names]) for part in f.parts] if len(f.parts) > 1 else []
    pool, *per_part = rank_sentences([question, *part_queries], hits, embedder,
                                     [POOL] + [CANDIDATES] * len(part_queries))
    profile = provider.profile  # a picking model that is not small (the local Qwen aliases) reads more
    small = profile.small or profile.answer != "extractive"
    cands = pool[:CANDIDATES if small else WIDE_CANDIDATES]
    _add_new(pool, (c for ranked in per_part for c in ranked))
    if not small:
        _add_new(cands, (c for ranked in per_part for c in ranked[:PART_CANDIDATES]))
    if not cands:
        return NOT_IN_CORPUS, False, Usage(), "no sentences in the retrieved passages", []
    prompt = load_prompt("answer_extractive")
    listing = "\n".join(f"{i}. {h.chunk.text[s:e]}" for i, (h, s, e, _) in enumerate(cands, start=1))
    msgs = prompt.messages(question=question, sentences=listing, n=len(cands))
    res = generate(provider, msgs, _pick_model(len(cands)), max_tokens=max_tokens, temperature=0.0)
    out = res.output
    picks = [p for p in dict.fromkeys(getattr(out, "picks", []) or []) if 1 <= p <= len(cands)]
    top_cos = max(c[3] for c in cands)
    if not getattr(out, "found", True) and top_cos < SMALL_MODEL_REFUSAL:
        return NOT_IN_CORPUS, False, res.usage, "the model found no answer among the passages", []
    if not picks:  # a small model that found an answer but picked nothing: use the best match
        picks = [1]
    chosen = sorted(picks, key=lambda p: -cands[p - 1][3])[:MAX_PICKS]
    best = cands[chosen[0] - 1][3]  # drop picks far weaker than the best one (a small model's filler)
    chosen = [p for p in chosen if cands[p - 1][3] >= best - PICK_MARGIN]
    asked = set(NUMBER.findall(question))  # "fell 7%": a sentence without the 7 does not answer it
    if asked:
        def has(p: int) -> bool:
            h, s, e, _ = cands[p - 1]
            return asked <= set(NUMBER.findall(h.chunk.text[s:e]))

        chosen = [p for p in chosen if has(p)] or chosen
    picked, unanswered = cover_parts(f, pool, [cands[p - 1] for p in chosen], WordSimilarity(embedder),
                                     part_closeness(f, pool, embedder))
    if not picked:
        return (NOT_IN_CORPUS, False, res.usage,
                f"no retrieved sentence says {' / '.join(unanswered or f.parts)}", unanswered)
    answer = " ".join(f"{text_of(c).strip()} [{c[0].chunk_id}]" for c in picked)
    return answer, True, res.usage, "", unanswered


def unnamed_by(answer: str, hits: list[Hit], names: tuple[str, ...], text_of_hit: Callable[[Hit], str]) -> list[str]:
    """The asked doers (`whose.doers`) that no article the answer cites mentions in full. A name
    "X of Y" is X only where Y is said too: "the Conservative Party of Canada" is not the UK article's
    "Conservative Party", which `mentions` accepts by the name's first two words."""
    cited = {h.article_id: h for h in hits if f"[{h.chunk_id}]" in answer}
    texts = [text_of_hit(h) for h in cited.values()]

    def named(n: str) -> bool:
        of = re.search(r"\s+of\s+(?:the\s+)?([A-Z][\w-]+)", n)
        tail = of.group(1)[:5].casefold() if of else ""  # "Canada": "Canadian" says it too
        return any(mentions(t, n) and (not tail or re.search(rf"\b{re.escape(tail)}", t, re.I) is not None)
                   for t in texts)

    return [n for n in names if texts and not named(n)]


def ask(question: str, *, k: int = 6, source: str | None = None, since: str | None = None,
        model: Any = None, strategy: Strategy = "auto", retriever: Retriever | None = None,
        max_tokens: int = 512, settings: Settings | None = None) -> AskResult:
    """Answer a question from the corpus with checked citations (or say the corpus lacks it).
    `settings`: the caller's (`Context.settings`); None reads them here, once."""
    from pipeline.config import load_settings
    from pipeline.llm import OutputValidationError, get_provider, settings_defaults

    r = retriever or Retriever()
    hits = r.search(question, k=k, source=source, since=since)
    thresholds = {"not_found_cosine": NOT_FOUND_COSINE, "lexical_support": LEXICAL_SUPPORT,
                  "semantic_support": SEMANTIC_SUPPORT}
    result = AskResult(question=question, answer=NOT_IN_CORPUS, found=False, thresholds=thresholds,
                       retrieved=[h.to_json() for h in hits])
    top = best_cosine(hits)
    if not hits or top < NOT_FOUND_COSINE:
        result.reason = (f"best retrieval similarity {top:.2f} is below {NOT_FOUND_COSINE}"
                         if hits else "no passages match the filters")
        return result  # no LLM call: guessing from unrelated passages is worse than saying so
    f = focus(question)
    about_names = {aid: about(_article_text(r, h), f.names)  # once per article, not per chunk
                   for aid, h in {h.article_id: h for h in hits}.items()}
    named = [h for h in hits if about_names[h.article_id]]
    if not named:  # "the carrier" in an article about another airline is not about the one asked
        result.reason = f"no retrieved article mentions {' or '.join(f.names)}"
        return result
    agents = doers(f.parts, f.names)  # "how many jets has Ryanair ordered": Ryanair's order, not Boeing's
    if agents:
        named = [h for h in named if about(_article_text(r, h), agents)]
        if not named:
            result.reason = f"no retrieved article mentions {' or '.join(agents)}, whose act is asked"
            return result
    start, occasion = named_start(question), occasion_terms(question, f.names)
    hits = [h for h in named if not too_early(_published(r, h), start)
            and tells_occasion(occasion, _article_text(r, h))]
    if not hits:  # a 2006 article cannot say what happened in February 2010
        result.reason = "no retrieved article " + " and ".join(
            ([f"dates from {start.isoformat()} or later"] if start else [])
            + ([f"tells the occasion asked ({' '.join(sorted(occasion))})"] if occasion else []))
        return result
    settings = settings if settings is not None else load_settings()  # library entry point
    provider = get_provider(model or settings.model_for("ask"))
    result.model = provider.model_string
    chosen = strategy if strategy != "auto" else provider.profile.answer  # extractive for small models
    result.strategy = chosen
    with settings_defaults(settings.fallbacks, settings.concurrency):  # pipeline.toml's, for every call
        checker = SupportChecker(r.embedder)
        if chosen == "free":  # written, then vetted sentence by sentence (pipeline.query.vet)
            from pipeline.query.vet import lead, write_answer

            def lead_of(aid: str) -> str:
                a = r.articles.get(aid)
                return lead(a.title, a.text) if a is not None else ""

            try:
                w = write_answer(question, hits, provider, max_tokens, f, checker, lead_of)
                answer, found, usage, why = w.answer if w.found else NOT_IN_CORPUS, w.found, w.usage, w.reason
                result.citations, result.dropped, result.reasked = w.citations, w.dropped, w.reasked
            except OutputValidationError:
                if strategy != "auto":
                    raise
                chosen = result.strategy = "extractive"  # a model that cannot write the JSON can still pick
        if chosen == "extractive":
            answer, found, usage, why, result.unanswered_parts = _answer_extractive(
                question, hits, provider, r.embedder, max_tokens, f)
            unnamed = unnamed_by(answer, hits, agents, lambda h: _article_text(r, h)) if found else []
            if unnamed:  # "how many seats did the Conservative Party of Canada win": not the UK party's
                answer, found = NOT_IN_CORPUS, False
                why = f"no cited article mentions {' or '.join(unnamed)}, whose act is asked"
            if found and result.unanswered_parts:
                why = f"the passages do not say: {'; '.join(result.unanswered_parts)}"
    result.usage, result.found, result.answer, result.reason = usage, found, answer, why
    if found:
        if chosen != "free":  # a written answer's citations were checked as it was vetted
            result.citations = validate_citations(answer, hits, checker)
        if not result.citations:
            result.reason = "the answer cites no passage"
    return result


def render_markdown(result: AskResult) -> str:
    """The human form: the answer, then each cited passage with its support verdict."""
    from pipeline.query.vet import render_dropped

    lines = [result.answer, ""]
    if not result.found:
        if result.reason:
            lines.append(f"_({result.reason})_")
        lines += ["", *render_dropped(result.dropped, result.reasked)] if result.dropped else []
        return "\n".join(lines).rstrip() + "\n"
    if result.reason:
        lines += [f"_warning: {result.reason}_", ""]
    if result.dropped:
        lines += [*render_dropped(result.dropped, result.reasked), ""]
    lines.append("Sources:")
    seen: set[str] = set()
    for c in result.citations:
        mark = "supported" if c.supported else ("NOT RETRIEVED" if not c.retrieved else "UNSUPPORTED")
        lines.append(f"- [{c.chunk_id}] ({mark}) chars {c.start}-{c.end}")
        if c.chunk_id not in seen and c.retrieved:
            seen.add(c.chunk_id)
            quote = c.quote or c.text[:300]
            lines.append(f"  > {quote}")
        if not c.supported and c.reason:
            lines.append(f"  ! {c.reason}")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["AskResult", "Citation", "LEXICAL_SUPPORT", "NOT_IN_CORPUS", "SEMANTIC_SUPPORT", "Strategy",
           "SupportChecker", "ask", "candidate_sentences", "lexical_support", "novel_facts", "parse_citations",
           "rank_sentences", "render_markdown", "strip_citations", "validate_citations"]
