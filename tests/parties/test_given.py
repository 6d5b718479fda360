"""A person's shorter given name and the given name alone, inside one article."""

from __future__ import annotations

from pipeline.parties.coref import analyze
from pipeline.parties.given import given_name, shorter_name


def person(name: str) -> bool:
    return name not in ("Kestrel Freight", "Orla Motors")


def test_a_shorter_given_name_is_the_full_one():
    names = ["Tomas J. Brandt", "Tom Brandt", "Kestrel Freight"]
    assert shorter_name("Tom Brandt", names, person) == "Tomas J. Brandt"
    assert shorter_name("T. Brandt", names, person) == "Tomas J. Brandt"
    assert shorter_name("Tomas J. Brandt", names, person) is None  # the longest leads
    assert shorter_name("Ana Brandt", names, person) is None  # another given name: another person
    assert shorter_name("Tom Brandt", [*names, "Tomas K. Brandt"], person) is None  # two fit


def test_the_given_name_alone_is_the_one_person_of_that_name():
    text = "Ilse Marrow founded Kestrel Freight. Ilse will stay on, the board said."
    assert given_name("Ilse", ["Ilse Marrow", "Kestrel Freight"], text, person) == "Ilse Marrow"
    two = text + " Ilse Aska, a director, agreed."
    assert given_name("Ilse", ["Ilse Marrow", "Kestrel Freight"], two, person) is None  # the text names two
    assert given_name("Ilse", ["Ilse Marrow", "Ilse Aska"], text, person) is None
    assert given_name("Orla", ["Orla Motors"], "Orla Motors grew.", person) is None  # no person


def test_coref_chains_the_forms_to_the_full_name(ner):
    ner(**{"Tomas J. Brandt": "PERSON"}, Tom_Brandt="PERSON", Tom="PERSON")
    text = ("Kestrel Freight left chief operating officer Tomas J. Brandt in charge. I have asked Tom Brandt "
            "to run it; Tom will do well.")
    co = analyze(["Tomas J. Brandt", "Tom Brandt", "Tom", "Kestrel Freight"], text)
    assert co.resolve("Tom Brandt") == ("Tomas J. Brandt", "coreference")
    assert co.resolve("Tom") is not None and co.resolve("Tom")[0] == "Tomas J. Brandt"
