"""Country and index forms of one party across articles (`pipeline.parties.forms`), invented names."""

from __future__ import annotations

import pytest

from pipeline.parties.forms import country_form, index_acronym, same_index
from pipeline.parties.match import compare, NameMatcher
from pipeline.parties.model import PartyMention
from pipeline.parties.resolve import resolve


def _m(article: str, name: str) -> PartyMention:
    return PartyMention(article_id=article, name=name, role="winner", quote=f"{name} said so.")


@pytest.mark.parametrize("a,b", [
    ("US government", "United States government"),
    ("U.S. government", "United States Government"),
    ("America's government", "US government"),
    ("government of Norway", "Norwegian Government"),
    ("Norway's government", "Norwegian government"),
    ("US Treasury", "U.S. Treasury Department"),
    ("American administration", "US administration"),
])
def test_a_government_written_three_ways_is_one_party(a, b):
    assert country_form(a) is not None and country_form(a) == country_form(b)
    v = compare(a, b)
    assert v.same is True and v.rule == "country form"


@pytest.mark.parametrize("a,b", [
    ("Norwegian government", "Swedish government"),
    ("Ohio government", "US government"),        # a state is not its country
    ("Norwegian Pacific", "Pacific of Norway"),  # no public body: a company's name
    ("Norwegian government", "Norwegian army"),
])
def test_other_countries_or_other_bodies_stay_apart(a, b):
    assert compare(a, b).same is not True


@pytest.mark.parametrize("a,b", [
    ("Zorx", "Norwegian Zorx"),                  # a bare index and its country form
    ("Norwegian Zorx", "ZORX index of Norway"),
    ("Swedish Vell index", "VELL 30"),
    ("Danish KRX index", "KRX 20"),
])
def test_an_index_with_its_country_or_index_words_is_that_index(a, b):
    assert same_index(a, b)
    assert compare(a, b).same is True and compare(b, a).same is True


@pytest.mark.parametrize("a,b", [
    ("Norwegian Zorx", "Swedish Zorx"),          # two countries
    ("Norwegian Open", "Swedish Open"),
    ("Norwegian Government", "Government"),      # a body word is no index name
    ("Norwegian Airlines", "Airlines"),
    ("VELL 30", "VELL 50"),                      # two sizes
])
def test_no_index_form_merges_two_parties(a, b):
    assert not same_index(a, b)
    assert compare(a, b).same is not True


def test_an_index_acronym_adds_industrial_average():
    assert index_acronym("QRIA", "Quill Reed")
    assert compare("Quill Reed", "QRIA").same is True
    assert not index_acronym("QRAC", "Quill Reed")  # "Acceptance Corporation" is no index word
    assert not index_acronym("QR", "Quill Reed")


def test_the_matcher_finds_an_index_by_its_acronym_written_first():
    """"QRIA" in one article, "Quill Reed" in the next: no word is shared, the initials are."""
    res = resolve([_m("a1", "QRIA"), _m("a2", "Quill Reed"), _m("a3", "Quill Reed Industrial Average")],
                  None, None, NameMatcher())
    ids = {m.name: p.id for m, p in res.mentions}
    assert ids["QRIA"] == ids["Quill Reed"] == ids["Quill Reed Industrial Average"]


def test_the_matcher_links_a_government_across_articles():
    res = resolve([_m("a1", "government of Norway"), _m("a2", "Norwegian Government"),
                   _m("a3", "Swedish Government")], None, None, NameMatcher())
    ids = {m.name: p.id for m, p in res.mentions}
    assert ids["government of Norway"] == ids["Norwegian Government"] != ids["Swedish Government"]


def test_a_size_joined_by_a_hyphen_and_the_level_of_a_government():
    assert same_index("FTSE-100", "British FTSE index") and compare("FTSE-100", "FTSE 100").same is True
    assert compare("FTSE-100", "FTSE 250").same is False
    assert country_form("United States federal government") == country_form("US government")
    assert country_form("federal government") is None
