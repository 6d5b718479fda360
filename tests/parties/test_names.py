"""Name analysis: keys, possessives, acronyms, the generic/group/descriptor rules."""

from __future__ import annotations

import pytest

from pipeline.parties.generic import descriptor, is_generic, is_group
from pipeline.parties.names import initials, is_acronym, name_key, possessive


@pytest.mark.parametrize("a,b", [
    ("Microsoft’s stock", "Microsoft"),
    ("Ardent's", "Ardent"),
    ("The Bank of America Corporation", "Bank of America Corp."),
    ("President Rodrigo Duterte", "Rodrigo Duterte"),
    ("US Secretary of State Mike Pompeo", "Mike Pompeo"),
    ("Indian Prime Minister Narendra Modi", "Narendra Modi"),
    ("Iranian airline Mahan Air", "Mahan Air"),
    ("The Boeing airframe company", "Boeing"),
    ("Kaupthing bank", "Kaupthing"),
    ("United States Department of Transportation", "Department of Transportation"),
    ("JPMorgan Chase & Co.", "JPMorgan Chase"),
])
def test_spellings_of_one_party_share_a_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a,b", [
    ("FreshWay's shareholders", "FreshWay"),
    ("AIG's stockholders", "AIG"),
    ("Angela Merkel's spokesperson", "Angela Merkel"),
    ("NASA's Commercial Crew Program", "NASA"),
    ("Ardent's licensing partner", "Ardent"),
    ("Google Cloud", "Google"),
    ("Polish anti-monopoly agency", "Poland"),
    ("Facebook user", "Facebook"),
    ("American International Group", "International Group"),
])
def test_another_party_keeps_its_own_key(a, b):
    assert name_key(a) != name_key(b)


def test_possessive_splits_off_a_role_but_not_an_aspect():
    assert possessive("Amazon's cloud unit") == ("Amazon", "cloud unit")
    assert possessive("Microsoft's stock") is None
    assert possessive("Russia's economy") is None


def test_a_possessive_is_the_owner_only_for_an_aspect_of_it():
    assert possessive("European Union's cybersecurity agency") == ("European Union", "cybersecurity agency")
    assert possessive("Ardent's licensing partner") == ("Ardent", "licensing partner")
    assert possessive("Facebook's appeal") is None and possessive("Tesco's profits") is None
    assert name_key("European Union's cybersecurity agency") != name_key("European Union")


def test_us_in_capitals_is_a_country_not_a_pronoun():
    assert not is_generic("US") and is_generic("us") and is_generic("it")


def test_acronyms_and_initials():
    assert is_acronym("AWS") and is_acronym("IE6") and is_acronym("S&P")
    assert not is_acronym("Amazon") and not is_acronym("A")
    assert "AWS" in initials("Amazon Web Services")
    assert {"BA", "BOA"} <= initials("Bank of America")
    assert initials("Amazon") == set()


@pytest.mark.parametrize("name", ["Buyers", "Dealers", "Lease companies", "foreign brands",
                                  "larger established automakers", "FreshWay store workers",
                                  "Ardent's suppliers", "canal authority"])
def test_common_noun_phrases_are_groups(name):
    assert is_group(name)


@pytest.mark.parametrize("name", ["Lehman Brothers", "Port of New York", "AWS", "Ardent", "Ardent's",
                                  "Amazon Web services", "Reuters news agency", "Russia's economy",
                                  "Procter & Gamble company", "President Bashar al-Assad"])
def test_names_are_not_groups(name):
    assert not is_group(name)


def test_one_capitalized_word_is_judged_by_the_text():
    shop = "Shares of Wal-Mart and Target fell. Target said little."
    assert not is_group("Target", shop)  # written with a capital mid-sentence: a name
    schools = "Schools closed early. Most schools reopen on Monday."
    assert is_group("Schools", schools)
    assert is_group("Buyers")  # no text: a plural is a group
    assert not is_group("Barclays", "Shares of Barclays rose while buyers waited.")


def test_generic_names_are_never_parties():
    for name in ("Companies", "the company", "it", "customers", "Others", "banks", "passengers"):
        assert is_generic(name), name
    assert not is_generic("Ardent's")


def test_descriptors():
    assert descriptor("the airline") == (None, "airline")
    assert descriptor("the low-cost carrier") == (None, "carrier")
    assert descriptor("The airline") == (None, "airline")
    assert descriptor("Amazon's cloud unit") == ("Amazon", "unit")
    assert descriptor("Kaupthing bank") is None  # a name comes first
    assert descriptor("Juniper Airways") is None
    assert descriptor("airlines") is None  # a plural is a group, not one party


@pytest.mark.parametrize("name,key", [("General Dynamics Land Systems", "general dynamics land systems"),
                                      ("King Digital Entertainment", "king digital entertainment"),
                                      ("Justice Department", "justice department")])
def test_a_company_that_starts_like_a_title_keeps_its_name(name, key):
    assert name_key(name) == key


def test_an_anaphor_is_a_determiner_and_common_words_only():
    from pipeline.parties.names import anaphor, distinct
    for n in ("the index", "The network", "the President", "another automaker", "the company", "a rival carrier"):
        assert anaphor(n), n
    for n in ("the Fed", "the Senate", "the White House", "Kestrel", "the big five banks", "index"):
        assert not anaphor(n), n
    assert distinct("another automaker") and distinct("a rival carrier") and distinct("other lenders")
    assert not distinct("the automaker") and not distinct("Another Round Inc")


def test_a_name_before_pipeline_or_project_is_that_name():
    from pipeline.parties.names import name_key
    assert name_key("Kestrel pipeline") == name_key("Kestrel project") == name_key("Kestrel") == "kestrel"
    assert name_key("Norvia gas pipeline") == "norvia"
    assert name_key("Kestrel Pipeline Company") != "kestrel"  # a capitalized head is a name of its own


@pytest.mark.parametrize("name", ["the two firms", "Wall Street experts", "the media", "broader industry",
                                  "Industry analysts", "Other companies", "most people", "Stock markets",
                                  "several observers"])
def test_a_class_with_only_counting_or_market_words_is_generic(name):
    assert is_generic(name)


@pytest.mark.parametrize("name", ["Mining companies", "Zorvex analysts", "Zorvex's investors", "Acme Media",
                                  "the Zorvex firms", "Stock Exchange"])
def test_a_class_with_any_other_word_is_no_generic_name(name):
    assert not is_generic(name)


@pytest.mark.parametrize("name,key", [("United States airframer", "united states airframer"),
                                      ("Norway carrier", "norway carrier"), ("Kaupthing bank", "kaupthing")])
def test_a_country_before_a_descriptor_describes_a_party_it_does_not_name(name, key):
    assert name_key(name) == key  # "United States airframer" is no "United States"


def test_a_country_word_inside_a_descriptor_keeps_it_a_descriptor():
    assert descriptor("large Norwegian battery maker") == (None, "maker")
    assert name_key("large Norwegian battery maker") == "large norwegian battery maker"  # not "large norwegian"
    assert descriptor("large Zorvex battery maker") is None  # a name inside: "Zorvex"'s maker


def test_a_capital_inside_a_lower_case_word_makes_a_name():
    text = "Kestrel sold more zPhones. The zPhone led; phones sold well and buyers were happy."
    assert not is_group("zPhone", text) and not is_group("eKestrel", text)
    assert is_group("phones", text) and is_group("buyers", text)
