"""People named by their role: the one person the article's text names in it."""

from __future__ import annotations

from pipeline.parties.coref import analyze
from pipeline.parties.roles import is_role, person_for

TEXT = ("Valdorian President Ilse Marrow opened the port on Monday. Tomas Brandt, CEO of Kestrel "
        "Freight, said volumes would double. Chancellor Oda Venn's spokesperson, Piet Laroux, declined "
        "to comment. Norvish trade minister Aldo Ferrant signed too. The court sided with the "
        "claimant, Rhea Oakes-Lindqvist. Marrow thanked the workers, and the President left at noon.")


def test_a_role_is_a_role_word_no_name_follows():
    assert is_role("the President") and is_role("CEO of Kestrel Freight") and is_role("Norvish trade minister")
    assert is_role("Oda Venn's spokesperson") and is_role("US Ambassador to Norvland")
    assert not is_role("President Ilse Marrow") and not is_role("Kestrel Freight") and not is_role("Marrow")


def test_the_one_person_the_text_names_in_the_role():
    named = ["Marrow", "Tomas Brandt", "Kestrel Freight"]
    assert person_for("the President", named, TEXT) == "Marrow"  # the claim name, not the text's
    assert person_for("CEO of Kestrel Freight", named, TEXT) == "Tomas Brandt"  # apposed before it
    assert person_for("Oda Venn's spokesperson", named, TEXT) == "Piet Laroux"  # only the text names him
    assert person_for("Norvish trade minister", named, TEXT) == "Aldo Ferrant"
    assert person_for("the claimant", named, TEXT) == "Rhea Oakes-Lindqvist"
    assert person_for("Kestrel Freight", named, TEXT) is None  # no role


def test_two_holders_or_a_former_one_give_no_lead():
    two = TEXT + " President Jon Aska of Ostmark replied."
    assert person_for("the President", ["Marrow"], two) is None
    former = "Former Valdorian President Ugo Hale built it. President Ilse Marrow reopened it."
    assert person_for("the President", ["Ilse Marrow"], former) == "Ilse Marrow"
    assert person_for("the President", ["Ilse Marrow"], "The President spoke; nobody else did.") is None


def test_coref_links_the_role_to_its_person(ner):
    ner(Ilse_Marrow="PERSON", Marrow="PERSON")
    co = analyze(["President Ilse Marrow", "Marrow", "the President", "CEO of Kestrel Freight", "Tomas Brandt"],
                 TEXT)
    assert co.resolve("the President")[0] == co.resolve("Marrow")[0]
    assert co.resolve("the President")[0].endswith("President Ilse Marrow")
    assert co.resolve("CEO of Kestrel Freight")[0] == "Tomas Brandt"


def test_a_person_found_by_role_is_no_antecedent_of_an_institution(ner):
    text = "The ruling favored the claimant, Rhea Oakes. Rhea Oakes won. The Luxen-based court said it was final."
    co = analyze(["Rhea Oakes", "the claimant", "Luxen-based court"], text)
    assert co.resolve("the claimant")[0] == "Rhea Oakes"
    assert co.resolve("Luxen-based court") is None  # Rhea Oakes is a person, whatever spaCy says


def test_officers_initials_suffixes_and_a_person_named_as_the_role():
    text = ("Kestrel Freight left current chief operating officer Tomas J. Brandt in charge. Ilse Marrow, the "
            "Chief Executive Officer of Kestrel Freight, spoke. Orla Motors named Ana Vey as its new chief "
            "executive. \"We grow,\" said Piet Laroux Jr., executive chairman of Orla Motors Co. Orla Motors "
            "Company has not asked for aid.")
    assert is_role("Chief Executive Officer of Kestrel Freight") and is_role("chief operating officer")
    assert person_for("chief operating officer", [], text) == "Tomas J. Brandt"  # not "Tomas J"
    assert person_for("Chief Executive Officer of Kestrel Freight", ["Ilse Marrow"], text) == "Ilse Marrow"
    assert person_for("new chief executive", ["Ana Vey"], text) == "Ana Vey"
    assert person_for("executive chairman of Orla Motors Co.", ["Piet Laroux Jr."], text) == "Piet Laroux Jr."


def test_a_then_holder_an_owned_apposition_and_a_former_holder_alone():
    text = ("Brandt, then-Norvish Governor Ilse Marrow's deputy chief of staff, and Aska, then the deputy "
            "director, were charged. Former Vice President of Valdoria Ugo Hale spoke; Rhea Oakes, formerly "
            "the mayor of Port Lind, did not.")
    assert person_for("Norvish Governor", ["Ilse Marrow"], text) == "Ilse Marrow"  # "then-" held it then
    assert person_for("deputy chief of staff", ["Tomas Brandt"], text) == "Tomas Brandt"  # another's role
    assert person_for("deputy director", ["Jon Aska"], text) == "Jon Aska"
    assert person_for("Vice President of Valdoria", ["Ugo Hale"], text) == "Ugo Hale"  # no current one
    assert person_for("mayor of Port Lind", ["Rhea Oakes"], text) == "Rhea Oakes"
    both = text + " Vice President of Valdoria Ada Quell replied."
    assert person_for("Vice President of Valdoria", ["Ugo Hale", "Ada Quell"], both) == "Ada Quell"


def test_a_day_after_a_role_is_no_person():
    text = "The emergency began last Friday, the president said."
    assert person_for("the president", ["Ilse Marrow"], text) is None
