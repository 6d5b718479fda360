"""Same-article coreference: what the article's own text says about its names."""

from __future__ import annotations

import pytest

from pipeline.parties.coref import analyze, definitions


def lead(co, name):
    r = co.resolve(name)
    return r[0] if r else None


def test_definitions_in_parentheses():
    text = ("The cloud giant Amazon Web Services (AWS) said. DaimlerChrysler AG (Daimler) rose, as did "
            'Ardent Motors Corp. ("Ardent"); the Assembly of the African Union (AU) met in the '
            "Supreme Court of Justice (Oberster Gerichtshof) of Austria.")
    found = definitions(text)
    assert ("Amazon Web Services", "AWS") in found
    assert ("DaimlerChrysler", "Daimler") in found
    assert ("Ardent Motors", "Ardent") in found
    assert ("African Union", "AU") in found
    assert ("Supreme Court of Justice", "Oberster Gerichtshof") in found
    assert definitions("Prices rose (sharply) at Acme (see below).") == []


def test_an_acronym_defined_by_the_text_takes_the_long_name(ner):
    text = "Amazon Web Services (AWS) cut prices. AWS expects more customers."
    co = analyze(["AWS", "Google"], text)
    assert lead(co, "AWS") == "Amazon Web Services"
    assert co.acronyms["amazon web services"] == {"AWS"}
    assert lead(co, "Google") is None


def test_an_acronym_by_initials_of_another_name_of_the_article(ner):
    co = analyze(["American International Group", "AIG", "Amazon"], "AIG was bailed out.")
    assert lead(co, "AIG") == "American International Group"
    assert lead(co, "Amazon") is None  # "AWS"-style letters never join a one-word name


def test_short_form_after_the_text_opens_with_the_long_one(ner):
    text = ("Skyline Regional and Cascadia Air will merge. Skyline keeps its name; Cascadia pilots "
            "get a raise. Juniper Airways, the low-cost carrier, was not mentioned.")
    co = analyze(["Skyline", "Cascadia", "Juniper Airways", "the low-cost carrier"], text)
    assert lead(co, "Skyline") == "Skyline Regional"
    assert lead(co, "Cascadia") == "Cascadia Air"
    assert lead(co, "the low-cost carrier") == "Juniper Airways"  # the text sets them side by side


def test_a_parent_is_not_its_unit_or_product(ner):
    text = ("Microsoft and OpenAI amended their deal. OpenAI ran on Microsoft Azure until now. "
            "Ardent Motors cut prices; the Ardent Pathway crossover is cheaper, and Ardent EVs sell.")
    co = analyze(["Microsoft", "Microsoft Azure", "Ardent", "Ardent Pathway", "Ardent EVs"], text)
    assert lead(co, "Microsoft") is None  # the text writes "Microsoft" alone first
    assert lead(co, "Ardent") == "Ardent Motors"  # not the crossover, not the EVs


def test_a_place_is_not_the_company_named_after_it(ner):
    ner(Japan="GPE")
    co = analyze(["Japan", "Japan Airlines"], "Japan Airlines cut flights in Japan as it entered recession.")
    assert lead(co, "Japan") is None
    ner(Mahan="GPE")  # the parser alone calls it a place; the text never uses it as one
    co = analyze(["Mahan", "Mahan Air"], "Germany banned Mahan Air. Mahan flew to Syria.")
    assert lead(co, "Mahan") == "Mahan Air"
    ner(Delta="ORG")
    co = analyze(["Delta", "Delta Air Lines"], "Delta Air Lines rose. Delta said demand was strong.")
    assert lead(co, "Delta") == "Delta Air Lines"


def test_compound_and_surname_and_suffix(ner):
    ner(Doug_Hurley="PERSON")
    co = analyze(["Daimler", "DaimlerChrysler AG", "Doug Hurley", "Hurley", "Google Chrome", "Chrome"],
                 "DaimlerChrysler AG rose. Doug Hurley flew; Hurley landed. Google Chrome grew and Chrome won.")
    assert lead(co, "Daimler") == "DaimlerChrysler AG"
    assert lead(co, "Hurley") == "Doug Hurley"
    assert lead(co, "Chrome") == "Google Chrome"


def test_a_surname_needs_a_person(ner):
    ner(Henry_Ford="ORG")
    co = analyze(["Henry Ford", "Ford"], "Ford did not comment. Henry Ford museum visitors rose.")
    assert lead(co, "Ford") is None


def test_descriptor_links_to_the_one_party_of_its_kind(ner):
    one = analyze(["Mahan Air", "Iran", "The airline"], "Germany banned Mahan Air. The airline is private.")
    assert lead(one, "The airline") == "Mahan Air"
    two = analyze(["Skyline Regional", "Cascadia Air", "Juniper Airways", "the airline"],
                  "Skyline Regional, Cascadia Air and Juniper Airways fly here.")
    assert lead(two, "the airline") is None and "the airline" in two.dropped


def test_the_company_is_the_one_organization(ner):
    ner(Tennessee="GPE")
    co = analyze(["Ardent Motors", "Tennessee", "the company"], "Ardent Motors built a plant in Tennessee.")
    assert lead(co, "the company") == "Ardent Motors"
    co = analyze(["Ardent Motors", "Voltaris", "the company"], "Ardent Motors and Voltaris cut prices.")
    assert "the company" in co.dropped


def test_a_unit_descriptor_needs_a_name_that_extends_the_owner(ner):
    co = analyze(["Amazon", "Amazon Web Services", "Amazon's cloud unit"], "Amazon Web Services grew.")
    assert lead(co, "Amazon's cloud unit") == "Amazon Web Services"
    co = analyze(["Ardent", "Ardent's licensing partner"], "Ardent and its licensing partner built it.")
    assert lead(co, "Ardent's licensing partner") is None  # another party, unnamed
    assert "Ardent's licensing partner" not in co.dropped


def test_apposition_needs_a_determiner_not_a_list(ner):
    co = analyze(["UOKiK", "Polish anti-monopoly agency", "Deutsche Bahn", "Deutsche Telekom"],
                 "UOKiK, the Polish anti-monopoly agency, approved. Siemens, Deutsche Bahn, Deutsche Telekom.")
    assert lead(co, "Polish anti-monopoly agency") == "UOKiK"
    assert lead(co, "Deutsche Telekom") is None


def test_a_modified_group_is_the_article_s_bare_group(ner):
    co = analyze(["American hyperscalers", "hyperscalers", "Community banks", "large banks"],
                 "The three American hyperscalers lose. The hyperscalers as a group ...")
    assert lead(co, "American hyperscalers") == "hyperscalers"
    assert lead(co, "large banks") is None


@pytest.mark.slow
def test_real_parser_tells_a_country_from_a_company():
    co = analyze(["Japan", "Japan Airlines", "Ford", "Ford Motor Company"],
                 "Japan Airlines cut flights in Japan. Ford Motor Company said Ford would hire.")
    assert lead(co, "Japan") is None
    assert lead(co, "Ford") == "Ford Motor Company"
