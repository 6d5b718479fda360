"""Descriptions with no "the" written beside a name (`pipeline.parties.beside`), invented names."""

from __future__ import annotations

import pytest

from pipeline.parties.beside import is_description, named_beside
from pipeline.parties.coref import analyze

TEXT = ("Norwegian airframer Zephyr has delayed its new jet. Lapland carrier Borealis Air Lines was "
        "cleared to fly. Zephyr Senior Vice President Ola Brekke said the jet is late. "
        "A second Norwegian jet maker, Kestrel Aero, said it will not be late. "
        "Another builder, Falk Works (FW), asked for loans. "
        "Ingrid Dahl, formerly a Zephyr executive overseeing design, left. "
        "The board named Per Vik, the current chief design officer, as head.")


@pytest.mark.parametrize("name,lead", [
    ("Norwegian airframer", "Zephyr"),                     # the description right before the name
    ("Lapland carrier", "Borealis Air Lines"),
    ("Zephyr Senior Vice President", "Ola Brekke"),
    ("second Norwegian jet maker", "Kestrel Aero"),        # the name apposed after it
    ("Another builder", "Falk Works"),                     # an apposition names "another X"
    ("Zephyr executive", "Ingrid Dahl"),                   # the name apposed before it
    ("chief design officer", "Per Vik"),
])
def test_a_description_takes_the_name_beside_it(name, lead):
    claims = ["Zephyr", "Borealis Air Lines", "Ola Brekke", "Kestrel Aero", "Falk Works", "Ingrid Dahl", "Per Vik", name]
    assert named_beside(name, claims, TEXT) == lead


def test_the_claim_the_text_s_longer_name_starts_with_is_the_lead():
    assert named_beside("Lapland carrier", ["Borealis Air", "Lapland carrier"], TEXT) == "Borealis Air"


def test_no_name_beside_or_two_names_give_no_lead():
    text = "Norwegian airframer Zephyr grew. Later Norwegian airframer Kestrel shrank. The Lapland carrier grew."
    assert named_beside("Norwegian airframer", ["Zephyr", "Kestrel"], text) is None
    assert named_beside("Lapland carrier", ["Zephyr"], text) is None
    assert named_beside("Baltic carrier", ["Zephyr"], TEXT) is None  # not in the text


@pytest.mark.parametrize("name,expected", [
    ("Norwegian airframer", True), ("chief operating officer", True), ("Zephyr Senior Vice President", True),
    ("Industry analysts", False), ("Borealis Air Lines", False), ("carrier", False), ("Zephyr's executive", False),
])
def test_what_is_a_description(name, expected):
    assert is_description(name) is expected


def test_coreference_links_the_description_to_its_name(ner):
    co = analyze(["Zephyr", "Norwegian airframer", "Ola Brekke", "Zephyr Senior Vice President"], TEXT)
    assert co.resolve("Norwegian airframer") == ("Zephyr", "coreference")
    assert co.resolve("Zephyr Senior Vice President") == ("Ola Brekke", "coreference")


def test_an_apposed_word_no_claim_names_is_no_lead():
    text = "Yesterday, the chief design officer resigned. Ola Brekke, the new chief design officer, spoke."
    assert named_beside("chief design officer", ["Zephyr"], "Yesterday, the chief design officer resigned.") is None
    assert named_beside("chief design officer", ["Ola Brekke"], text) is None  # two: Yesterday, Ola Brekke
    assert named_beside("Lapland carrier", ["Zephyr"], TEXT) == "Borealis Air Lines"  # written right after it


def test_a_possessive_determiner_may_open_the_apposed_description():
    text = "Deliveries to Borealis Air Lines, its launch customer, are late."
    assert named_beside("launch customer", ["Borealis Air Lines", "launch customer"], text) == "Borealis Air Lines"
