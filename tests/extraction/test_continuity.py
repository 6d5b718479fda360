"""Continuity read from the clause structure: a reported clause that says nothing changes, an
inflection the cue phrases miss, and the forms that only look like continuity (a trend that goes
on, a plan, an option, a speaker going on, a prevention). Sentences are invented for the tests."""

from __future__ import annotations

import pytest

from pipeline.extraction import continuity, small
from pipeline.text.nlp import parse_many


@pytest.mark.parametrize("sentence", [
    "Halvorsen Air say that the merger does not affect plans to open new routes next year.",
    "The union said it had been told that the pension agreement with Drammel would remain in place.",
    "The Ostrava government has continued to hold all exchanges closed until Monday.",
    "We are continuing our testing program until we find the cause.",
])
def test_continuity_in_the_clause_structure_is_unchanged(sentence: str) -> None:
    assert continuity.continues(parse_many([sentence])[0])
    cand = small.candidates(sentence)[0]
    assert "unchanged" in small.allowed_labels(cand)


@pytest.mark.parametrize("sentence", [
    "Brelt said that losses from mortgages would probably continue to increase.",
    "The port expects to keep most of its customers through the winter.",
    "Tarvik can keep relying on its distributors or sell directly.",
    '"We are not worried about the price," he continued.',
    "Two clauses keep the parties from reaching a settlement.",
    "The merger will change the pension agreement with Drammel.",
])
def test_forms_that_only_look_like_continuity_are_not(sentence: str) -> None:
    assert not continuity.continues(parse_many([sentence])[0])
