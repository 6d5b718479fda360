"""One party key for every stage: extraction, digest, report and claims group a party alike."""

from __future__ import annotations

from pipeline.extraction import claims, parties
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
