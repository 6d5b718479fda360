"""A description or an office links only inside its own article; two articles' descriptions meet
only through the named party each one stands for."""

from __future__ import annotations

from pipeline.parties import default_matcher, resolve
from pipeline.parties import names as nm
from pipeline.parties.scope import local
from tests.parties.conftest import mentions


def test_descriptions_and_offices_are_local_names_are_not():
    for name in ("Norwegian airline", "primary Swedish index", "the company", "President of the United States",
                 "Chief Executive Officer of Kestrel Freight", "the CEO"):
        assert local(name), name
    for name in ("Kestrel Freight", "US Secretary of State Ilse Marrow", "the Kestrel airframe company",
                 "Ledger news agency", "federal government"):
        assert not local(name), name


def test_an_office_of_a_country_is_no_key_of_the_country():
    assert "united states" != nm.name_key("President of the United States")
    assert nm.name_key("Secretary of the Treasury Oda Venn") == "oda venn"
    assert nm.name_key("US Secretary of State Ilse Marrow") == "ilse marrow"


def test_one_description_in_two_articles_is_two_parties(ner):
    ner(Ilse_Marrow="PERSON", Tomas_Brandt="PERSON")
    texts = {"a1": "Kestrel Air ordered jets, and so did Norwegian airline Orla Wings. Kestrel Air led.",
             "a2": "Pilots of Norwegian airline Brisa Air went on strike.",
             "a3": "President of the United States Ilse Marrow signed it.",
             "a4": "Tomas Brandt, President of the United States, vetoed it."}
    ms = [*mentions("a1", "Kestrel Air", "Orla Wings", "Norwegian airline"), *mentions("a2", "Brisa Air", "Norwegian airline"),
          *mentions("a3", "Ilse Marrow", "President of the United States"),
          *mentions("a4", "Tomas Brandt", "President of the United States")]
    res = resolve(ms, matcher=default_matcher(texts=texts), texts=texts)
    p = {(m.article_id, m.name): party.id for m, party in res.mentions}
    assert p["a1", "Norwegian airline"] == p["a1", "Orla Wings"]
    assert p["a2", "Norwegian airline"] == p["a2", "Brisa Air"] != p["a1", "Norwegian airline"]
    assert p["a2", "Brisa Air"] != p["a1", "Orla Wings"]  # the description pulls no name along
    assert p["a3", "President of the United States"] == p["a3", "Ilse Marrow"]
    assert p["a4", "President of the United States"] == p["a4", "Tomas Brandt"] != p["a3", "Ilse Marrow"]


def test_an_office_nobody_is_named_in_stays_in_its_article(ner):
    texts = {"b1": "The President of the United States spoke on Monday.", "b2": "The President of the United States left."}
    ms = [*mentions("b1", "President of the United States"), *mentions("b2", "President of the United States")]
    first = resolve(ms, matcher=default_matcher(texts=texts), texts=texts)
    ids = {m.article_id: party.id for m, party in first.mentions}
    assert len(ids) == 2 and ids["b1"] != ids["b2"]
    again = resolve(ms, index=first.index, matcher=default_matcher(texts=texts), texts=texts)
    assert {m.article_id: party.id for m, party in again.mentions} == ids  # ids stay on a re-run
