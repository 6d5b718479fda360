"""Citation parsing and the support check, with the real MiniLM embedder on the seed article."""

from __future__ import annotations

import pytest

from pipeline.query.ask import (LEXICAL_SUPPORT, SEMANTIC_SUPPORT, SupportChecker, lexical_support,
                          novel_facts, parse_citations, validate_citations)
from pipeline.text.sentences import sentence_spans
from pipeline.query.retrieve import Hit
from pipeline.types import Chunk
from tests.conftest import CORPUS

SEED = (CORPUS / "seed-article.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def embedder():
    from pipeline.corpus.embed import get_embedder

    return get_embedder()


@pytest.fixture(scope="module")
def checker(embedder):
    return SupportChecker(embedder)  # one for the module: its sentence vectors are reused


@pytest.fixture(scope="module")
def seed_hits() -> list[Hit]:
    """The seed article's long paragraphs as chunks with exact offsets."""
    hits, pos = [], 0
    for i, para in enumerate(p for p in SEED.split("\n") if len(p) > 200):
        start = SEED.index(para, pos)
        pos = start + len(para)
        hits.append(Hit(chunk=Chunk(id=f"seed#{i}", article_id="seed", index=i, start=start,
                                    end=start + len(para), text=para, tokens=0)))
    return hits


def test_split_sentences_offsets_are_exact():
    text = "First one. Second “quoted.” Third!\nHeading line\n  Last? yes"
    spans = sentence_spans(text)
    parts = [text[s:e] for s, e in spans]
    assert parts == ["First one.", "Second “quoted.”", "Third!", "Heading line", "Last?", "yes"]


def test_citations_after_the_full_stop_belong_to_the_sentence_before():
    ans = "Fares rise. [a#0] Boise loses its hub. [a#1][b#2] Pilots win. [c#3]"
    assert parse_citations(ans) == [("Fares rise.", ["a#0"]), ("Boise loses its hub.", ["a#1", "b#2"]),
                                    ("Pilots win.", ["c#3"])]


def test_parse_citations_per_sentence():
    ans = ("Google Cloud wins [a-1#2]. AWS wins partially [a-1#3, b-2#0]. "
           "No citation here. Trailing group. [c#1]")
    got = parse_citations(ans)
    assert got[0] == ("Google Cloud wins.", ["a-1#2"])
    assert got[1] == ("AWS wins partially.", ["a-1#3", "b-2#0"])
    assert got[2] == ("No citation here.", [])
    assert got[3] == ("Trailing group.", ["c#1"])  # a lone citation joins the sentence before it


def test_novel_numbers_and_names_are_caught():
    passage = "Microsoft still owns roughly 49% of OpenAI. The stock dropped 2.4% in Japan."
    assert novel_facts("Microsoft owns 90% of OpenAI.", passage) == ["90"]
    assert novel_facts("Microsoft invested in Brazil.", passage) == ["Brazil"]
    assert novel_facts("The stock fell 2.4% in Japan.", passage) == []
    assert lexical_support("the stock dropped 2.4%", passage) == pytest.approx(1.0)


# (expected supported?, answer sentence) checked against the best seed chunk
CALIBRATION = [
    (True, "Microsoft's license to OpenAI's IP is no longer exclusive."),
    (True, "OpenAI may now run its products on any cloud provider."),
    (True, "Microsoft's shares fell 2.4% after hours."),
    (True, "Google Cloud and Oracle are winners of the amendment."),
    (True, "Microsoft still holds about 49% of OpenAI's capped-profit arm."),
    (True, "Workload migration to other clouds will take 18 to 24 months."),
    (False, "OpenAI was acquired by Google."),
    (False, "The amendment bans OpenAI from using AWS."),
    (False, "Microsoft owns 90% of OpenAI."),
    (False, "Grocery chains are removing self-checkout lanes."),
    (False, "Microsoft invested $10 billion in Brazil."),
    (False, "Anthropic wins the most from this deal."),
]


@pytest.mark.parametrize("expected,sentence", CALIBRATION)
def test_support_check_calibration(checker, seed_hits, expected, sentence):
    checks = [checker.check(sentence, h) for h in seed_hits]
    assert any(c.supported for c in checks) is expected, [(c.chunk_id, c.lexical, c.semantic) for c in checks]
    if expected:
        best = next(c for c in checks if c.supported)
        assert SEED[best.quote_start:best.quote_end] == best.quote  # the quote's offsets are exact
        assert best.lexical >= LEXICAL_SUPPORT or best.semantic >= SEMANTIC_SUPPORT
    else:
        assert all(c.reason for c in checks)


def test_validate_citations_flags_unretrieved_and_unsupported(checker, seed_hits):
    h = {x.chunk_id: x for x in seed_hits}
    good = next(cid for cid, x in h.items() if "Google Cloud and Oracle win." in x.chunk.text)
    answer = (f"Google Cloud and Oracle win from the amendment [{good}]. "
              f"Microsoft owns 90% of OpenAI [{good}]. Oracle bought TikTok [seed#99].")
    cites = validate_citations(answer, seed_hits, checker)
    assert [(c.chunk_id, c.supported, c.retrieved) for c in cites] == [
        (good, True, True), (good, False, True), ("seed#99", False, False)]
    assert "90" in cites[1].reason and "not among the retrieved" in cites[2].reason
    assert cites[0].start == h[good].chunk.start and cites[0].text == h[good].chunk.text
