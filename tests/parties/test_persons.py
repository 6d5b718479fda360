"""A person's surname across articles: one person of that surname in the corpus, or none."""

from __future__ import annotations

from pipeline.parties import default_matcher, resolve
from pipeline.parties.persons import Surnames, full_name, surname_form
from tests.parties.conftest import mentions

LABELS = {"Kestrel": "ORG", "Brask": "GPE", "Odile Brask": "PERSON"}


def label(name: str) -> str:
    return LABELS.get(name, "")


def test_surname_forms_and_full_names():
    assert surname_form("Varnholt") == ("varnholt", False)
    assert surname_form("President Varnholt") == ("varnholt", True)
    assert surname_form("US President Varnholt") == ("varnholt", True)
    assert surname_form("the President") is None and surname_form("Ilse Varnholt") is None
    assert full_name("Ilse Varnholt") == "varnholt" and full_name("Chancellor Ilse Varnholt") == "varnholt"
    assert full_name("Kestrel Motors") is None and full_name("Varnholt") is None and full_name("AIG Europe") is None


def test_one_person_of_the_surname_links_two_do_not():
    s = Surnames(label)
    s.add("ilse", "Ilse Varnholt")
    assert s.link("Varnholt", []) == "ilse" and s.link("President Varnholt", []) == "ilse"
    s.add("jon", "Jon Varnholt")
    assert s.link("Varnholt", []) is None  # two people of that surname
    s.add("k", "Ada Kestrel")
    assert s.link("Kestrel", []) is None  # spaCy's organization, untitled
    assert s.link("Varnholt", ["Ilse Varnholt"]) is None  # the article's own full name: coref's


def test_a_full_name_joins_the_one_party_known_by_its_surname():
    s = Surnames(label)
    s.add("p", "President Varnholt")
    assert s.link("US President Varnholt", []) == "p"
    assert s.link("Ilse Varnholt", []) == "p"
    s.add("o", "Oskar Varnholt")
    assert s.link("Ilse Varnholt", []) is None  # another Varnholt is known: no telling which


def test_resolve_links_surnames_across_articles(ner):
    ner(Ilse_Varnholt="PERSON", Varnholt="PERSON", Odile_Brask="PERSON", Brask="GPE")
    texts = {"a": "Ilse Varnholt sued Kestrel.", "b": "Varnholt won the suit.", "c": "President Varnholt signed it.",
             "d": "The Kestrel plant closed.", "e": "Brask welcomed the port."}
    ms = [*mentions("a", "Ilse Varnholt", "Kestrel Freight"), *mentions("b", "Varnholt"),
          *mentions("c", "President Varnholt"), *mentions("d", "Kestrel"), *mentions("e", "Brask"),
          *mentions("a", "Odile Brask")]
    res = resolve(ms, matcher=default_matcher(texts=texts), texts=texts)
    ilse = res.index.party_of("a", "Ilse Varnholt")
    assert res.index.party_of("b", "Varnholt") is ilse and res.index.party_of("c", "President Varnholt") is ilse
    assert res.index.link_map()[("b", "Varnholt")].rule == "surname"
    assert res.index.party_of("e", "Brask").id != res.index.party_of("a", "Odile Brask").id  # a place
