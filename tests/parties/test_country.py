"""Bare public bodies ("Senate", "Foreign Ministry") link across articles only by their country;
names of government bodies that differ only in word order, number or a country prefix are one."""

from __future__ import annotations

from pipeline.parties import default_matcher, resolve
from pipeline.parties.country import country_near, country_of, from_alias, qualified
from pipeline.parties.match import NameMatcher, compare
from pipeline.parties.model import CanonicalParty, PartyIndex
from pipeline.parties.names import name_key
from tests.parties.conftest import mention, mentions

TEXTS = {
    "ph": "Manila: the Philippine Senate debated. The Senate of the Philippines voted in Manila on Monday.",
    "us": "In Washington the Senate passed the bill; senators from Ohio and Texas backed it.",
    "us2": "The Senate in Washington will vote again, Ohio senators said.",
    "none": "The Senate met today.",
    "none2": "The Senate adjourned.",
}


def test_the_country_of_an_article_and_of_a_sentence():
    assert country_of(TEXTS["ph"]) == "philippines" and country_of(TEXTS["us"]) == "united states"
    assert country_of(TEXTS["none"]) is None
    text = "Greece's debt worried lenders. A senator from Virginia called on Congress to act. Greece waits. Ohio too."
    assert country_near("Congress", text) == "united states"  # the article is unclear: the sentence says
    text = "Ohio and Texas voters, Washington insiders. Congress approved aid to Ukraine."
    assert country_near("Congress", text) == "united states"  # the article is about one country


def test_a_bare_body_is_keyed_by_its_country():
    assert qualified("Senate", TEXTS["ph"]) == "senate@philippines"
    assert qualified("Philippine Senate", "") == "senate@philippines"
    assert qualified("Turkish Ministry of Foreign Affairs", "") == qualified("Turkish Foreign Ministry", "")
    assert qualified("Defence Forces", "Hungary's army. Hungary's Defence Forces.") == "defence force@hungary"
    assert qualified("Acme Corp", TEXTS["us"]) is None  # not a body every country has
    assert from_alias("Senate (Philippines)") == "senate@philippines" and from_alias("Acme (Inc)") is None


def test_bare_bodies_of_different_countries_stay_apart_and_of_one_country_join():
    ms = [*mentions("ph", "Senate"), *mentions("us", "Senate"), *mentions("us2", "Senate"),
          *mentions("none", "Senate"), *mentions("none2", "Senate")]
    res = resolve(ms, matcher=default_matcher(texts=TEXTS), texts=TEXTS)
    ph, us, us2, none, none2 = (res.index.party_of(a, "Senate").id for a in ("ph", "us", "us2", "none", "none2"))
    assert ph != us and us == us2 and none not in (ph, us) and none == none2  # no country said: one party
    # the country stays with the party: a later run links a new US article to the US Senate
    later = {**TEXTS, "us3": "Washington: the Senate, with Ohio and Texas votes, agreed."}
    grown = resolve([*ms, mention("us3", "Senate")], res.index, matcher=default_matcher(texts=later), texts=later)
    assert grown.index.party_of("us3", "Senate").id == us


def test_government_body_spellings():
    assert name_key("U.S. Securities and Exchange Commission") == name_key("Securities and Exchange Commission")
    assert name_key("US Steel") == "us steel"  # a company, not a public body
    assert compare("Ministry of Home Affairs", "Home Ministry").same is True
    assert compare("Justice Department", "United States Department of Justice").same is True
    assert compare("Northfield Rangers", "Northfield Ranger").same is True
    assert compare("Houthis", "Houthi").same is not True  # a one-word plural is another word


def test_a_partys_own_short_form_vetoes_no_match_with_its_long_form():
    party = CanonicalParty(id="tji", name="Tessaro Jones Industrial Average",
                           aliases=["Tessaro Jones Industrial Average", "Tessaro"])
    index = PartyIndex(parties={"tji": party})
    link = NameMatcher().match(mention("b", "Tessaro Jones index"), index, [])
    assert link is not None and link.party_id == "tji"
    cloud = CanonicalParty(id="g", name="Gorble", aliases=["Gorble"])
    assert NameMatcher().match(mention("b", "Gorble Cloud"), PartyIndex(parties={"g": cloud}), []) is None


def test_the_federal_government_is_keyed_by_its_country(ner):
    us = "Detroit automakers asked the U.S. for aid. U.S. lawmakers agreed. The federal government spoke."
    au = "Australia helps Ford Australia. Australia's plan: the federal government pays A$20 million."
    assert qualified("federal government", us) == qualified("United States government", "") == "government@united states"
    assert qualified("the government", au) == "government@australia" != qualified("federal government", us)
    texts = {"g1": us, "g2": au, "g3": "The US government bought shares."}
    ms = [*mentions("g1", "federal government"), *mentions("g2", "federal government"), *mentions("g3", "US government")]
    res = resolve(ms, matcher=default_matcher(texts=texts), texts=texts)
    p = {m.article_id: party.id for m, party in res.mentions}
    assert p["g1"] == p["g3"] != p["g2"]


def test_an_article_naming_one_country_once_and_no_other_is_about_it():
    assert country_of("Orla Motors offered buyouts to U.S. workers; Congress was asked for loans.") == "united states"
    assert country_of("U.S. and Japanese makers met; Congress was asked.") is None  # two countries, once each
    assert country_of("Orla Motors offered buyouts; Congress was asked.") is None
