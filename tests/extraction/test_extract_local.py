"""Extraction with the real embedded model (SmolLM2-135M through llama-cpp-python)."""

from __future__ import annotations

import pytest

from pipeline.extraction.extract import extract_article
from pipeline.extraction import small
from pipeline.text.ground import verify
from pipeline.types import ExtractionRecord
from tests.extraction.conftest import make_article, seed_article

pytest.importorskip("llama_cpp")

pytestmark = pytest.mark.slow


def _check_record(rec: ExtractionRecord, text: str) -> None:
    ExtractionRecord.model_validate_json(rec.model_dump_json())  # schema-valid round trip
    for claim in [*rec.analysis.winners, *rec.analysis.losers, *rec.analysis.unchanged]:
        ev = claim.evidence
        assert verify(ev, text)
        if ev.status == "exact":
            assert text[ev.start:ev.end] == ev.quote


def test_default_local_extraction_of_the_seed_article(home, monkeypatch):
    monkeypatch.delenv("PIPELINE_SMALL_MODE", raising=False)
    art = seed_article()
    rec = extract_article(art, "local")
    assert rec.strategy == "small" and rec.model.startswith("local")
    _check_record(rec, art.text)
    assert all(c.evidence.status == "exact" for c in [*rec.analysis.winners, *rec.analysis.losers])
    winners = {c.party for c in rec.analysis.winners}
    assert {"Google Cloud", "Oracle", "AWS"} <= winners
    assert rec.stats["seconds"] < 60


def test_local_model_answers_the_constrained_questions(home, monkeypatch):
    """hybrid mode: the real model labels each candidate sentence through a JSON-schema grammar."""
    monkeypatch.setenv("PIPELINE_SMALL_MODE", "hybrid")
    text = seed_article().text
    start = text.index("Who Wins, Who Loses")
    end = text.index("What Stays The Same")
    art = make_article(text[start:end], id="excerpt")
    cands = [c for c in small.candidates(art.text) if small.allowed_labels(c)]
    rec = extract_article(art, "local")
    assert rec.stats["small_mode"] == "hybrid"
    assert rec.usage.calls == len(cands) >= 4  # one tiny call per candidate sentence, no re-asks
    assert rec.usage.output_tokens <= 16 * len(cands)
    _check_record(rec, art.text)
    allowed = {c.span.start: set(small.allowed_labels(c)) for c in cands}
    for role, items in (("winner", rec.analysis.winners), ("loser", rec.analysis.losers)):
        for c in items:
            assert role in allowed[c.evidence.start]  # the model can veto a cue, never invent one
