"""How English names political parties, titled people, courts and a leader's government in one
article (`pipeline.parties.politics`, wired into `coref` and the matcher). Made-up names."""

from __future__ import annotations

from pipeline.parties.coref import analyze
from pipeline.parties.match import compare
from pipeline.parties.politics import court_of, party_form, same_party


def test_a_party_its_members_and_its_country_are_one_party():
    assert party_form("Canadian Valorist Party") == ("canada", "valorist", True)
    assert party_form("Valorists") == (None, "valorist", False)
    assert party_form("Democrats") == party_form("Democratic Party")[:2] + (False,)  # "Democratic" less "ic"
    assert same_party("Valorist Party", "Valorists") and same_party("Valorist Party", "Canadian Valorist Party")
    assert same_party("Conservative Party", "Tories")  # the nickname news uses
    assert not same_party("Valorists", "Valorist")  # neither says "Party": a class, not the party
    assert not same_party("Valorist Party of Canada", "Valorist Party of Japan")  # two countries
    assert not same_party("Valorist Party", "Grentist Party")
    assert party_form("Valorist Party leader") is None  # a role, its holder decides


def test_the_matcher_takes_party_forms_country_names_and_a_bare_party_word():
    assert compare("Valorists", "Valorist Party").same
    assert compare("Grent", "Grent Party").same  # "Labour" / "Labour Party"
    assert compare("Britain", "United Kingdom").same and compare("US", "America").same
    assert not compare("Britain", "Ireland").same
    assert not compare("Samoa", "American Samoa").same  # a place beside a country adjective is another place


def test_members_plural_takes_the_one_party_the_article_names(ner):
    text = "The Valorist Party won 40 seats. Valorists lost their majority to the Grentist Party."
    co = analyze(["Valorist Party", "Valorists", "Grentist Party"], text)
    assert co.resolve("Valorists") == ("Valorist Party", "coreference")
    assert analyze(["Valorists", "Grentist Party"], text).resolve("Valorists") is None


def test_a_titled_surname_is_the_articles_one_full_name(ner):
    ner(Ilse_Marrow="PERSON", Ugo_Marrow="PERSON", Tavita_Seluu_Malo="PERSON", **{"Rhea T. Oakes, Jr.": "PERSON"})
    text = ("Senator Ilse Marrow of Valdor spoke. Senator Marrow said no. Rhea T. Oakes, Jr. filed it; "
            "District Attorney Oakes declined. Tavita Seluu Malo won; Prime Minister Tavita thanked voters.")
    names = ["Ilse Marrow", "Senator Marrow", "Rhea T. Oakes, Jr.", "District Attorney Oakes",
             "Tavita Seluu Malo", "Prime Minister Tavita"]
    co = analyze(names, text)
    assert co.resolve("Senator Marrow") == ("Ilse Marrow", "coreference")
    assert co.resolve("District Attorney Oakes") == ("Rhea T. Oakes, Jr.", "coreference")  # "Jr." does not count
    assert co.resolve("Prime Minister Tavita") == ("Tavita Seluu Malo", "coreference")  # the first word of three
    two = analyze(["Ilse Marrow", "Ugo Marrow", "Senator Marrow"], text + " Ugo Marrow agreed.")
    assert two.resolve("Senator Marrow") is None  # two Marrows: no lead


def test_a_court_is_the_one_court_its_words_name():
    text = ("The Norvland District Court ruled on Monday; the Ninth Circuit Court of Appeals stayed it. "
            "The appeals court will hear the case. The court's order stands.")
    named = ["Norvland District Court", "Ninth Circuit Court of Appeals"]
    assert court_of("the appeals court", named, text) == "Ninth Circuit Court of Appeals"
    assert court_of("the district court", named, text) == "Norvland District Court"
    assert court_of("the court", named, text) == "Norvland District Court"  # the one the lead names first
    assert court_of("this Court", named, text) is None  # a judge's own words: not decided by order
    assert court_of("the Court", ["Supreme Court"], "The Supreme Court ruled. Writing for the Court, ...") \
        == "Supreme Court"
    assert court_of("the Valdoran court", named, text) is None  # a place adjective is no word of the name
    assert court_of("the Court", [], text) is None


def test_the_government_is_a_leaders_or_a_places_government(ner):
    ner(Marrow="PERSON", Valdor_City="GPE", Oakes="PERSON")
    co = analyze(["Marrow's government", "the government", "Ilse Marrow"], "Marrow's government lost. The government appealed.")
    assert co.resolve("the government") == ("Marrow's government", "coreference")
    co = analyze(["Valdor City government", "The government", "this government"], "Valdor City government fell.")
    assert co.resolve("The government") == ("Valdor City government", "coreference")
    assert co.resolve("this government") == ("Valdor City government", "coreference")
    co = analyze(["her government", "The government"], "Lam said her government would listen. The government did.")
    assert co.resolve("The government") == ("her government", "coreference")
    cabinet = analyze(["Oakes government", "the government"], "The Oakes government cut it; the government of 2001 raised it.")
    assert cabinet.resolve("the government") is None  # a named cabinet is one government of many years


def test_two_names_side_by_side_are_no_short_form_but_an_office_and_its_holder_are(ner):
    ner(Jon_Aska="PERSON")
    text = '"We object," Valdor director of Kestrel Aid Jon Aska said. Kestrel Aid later agreed.'
    co = analyze(["Kestrel Aid", "Jon Aska"], text)
    assert co.resolve("Kestrel Aid") is None and co.resolve("Jon Aska") is None
    text = '"No," said California Attorney General Jon Aska, who sued.'
    co = analyze(["California Attorney General", "Jon Aska"], text)
    assert co.resolve("Jon Aska") is not None and co.resolve("Jon Aska") == co.resolve("California Attorney General")


def test_an_honorific_or_a_judges_title_before_a_surname(ner):
    ner(Ada_Quell="PERSON", Jon_Aska="PERSON")
    text = "Chief Justice Ada Quell wrote it; Chief Justice Quell read it. Jon Aska objected, Mr. Aska said."
    co = analyze(["Ada Quell", "Chief Justice Quell", "Jon Aska", "Mr. Aska"], text)
    assert co.resolve("Chief Justice Quell") == ("Ada Quell", "coreference")
    assert co.resolve("Mr. Aska") == ("Jon Aska", "coreference")
    assert co.resolve("Chief Quell Aska") is None
