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


def test_a_name_the_article_introduces_then_shortens(ner):
    text = ("Polaris Satcom signed a deal with Northstar. Analysts said Polaris would gain. "
            "The Steven F. Udvar-Hazy Center will host the shuttle; the Udvar-Hazy Center is in Virginia. "
            "The Boeing 737 Max was grounded. The 737 Max returns next year.")
    co = analyze(["Polaris Satcom", "Polaris", "Steven F. Udvar-Hazy Center", "Udvar-Hazy Center",
                  "Boeing 737 Max", "737 Max"], text)
    assert lead(co, "Polaris") == "Polaris Satcom"
    assert lead(co, "Udvar-Hazy Center") == "Steven F. Udvar-Hazy Center"
    assert lead(co, "737 Max") == "Boeing 737 Max"


def test_a_longer_name_the_text_treats_as_its_own_party_is_not_shortened(ner):
    # the added word is written on its own ("Azure"): the platform is not the company
    co = analyze(["Microsoft", "Microsoft Azure"],
                 "OpenAI ran on Microsoft Azure. Microsoft kept its license. Rivals pitched Azure less.")
    assert lead(co, "Microsoft") is None
    # an acronym of its own, or the short one owning things: a unit beside its parent
    co = analyze(["Amazon", "Amazon Web Services"],
                 "Amazon Web Services (AWS) cut prices. Amazon shares rose.")
    assert lead(co, "Amazon") is None
    co = analyze(["Google", "Google Cloud Platform"],
                 "Its cloud unit, Google Cloud Platform, kept prices low. Google reported higher revenue.")
    assert lead(co, "Google") is None
    # the short name comes first on its own: the longer one is something else it has
    co = analyze(["Netto", "Netto Poland"], "Netto grew in Denmark. Netto Poland was sold. Netto rose.")
    assert lead(co, "Netto") is None
    # two parties joined by "and" are not one long name
    co = analyze(["Skyline Regional", "Cascadia Air"],
                 "Skyline Regional and Cascadia Air will merge. Skyline Regional shares rose.")
    assert lead(co, "Skyline Regional") is None


def test_acronyms_written_with_ampersand_or_lower_case_letters(ner):
    co = analyze(["PG&E", "Pacific Gas and Electric Company"],
                 "Pacific Gas and Electric Company cut power. PG&E said the outages would end soon.")
    assert lead(co, "PG&E") == "Pacific Gas and Electric Company"
    co = analyze(["AfCFTA", "African Continental Free Trade Area"],
                 "Benin joined the African Continental Free Trade Area. The AfCFTA starts in July.")
    assert lead(co, "AfCFTA") == "African Continental Free Trade Area"


def test_a_titled_person_and_a_lower_case_repeat(ner):
    co = analyze(["President Rodrigo Duterte", "Duterte"],
                 "President Rodrigo Duterte threatened the network. Duterte denied it.")
    assert lead(co, "Duterte") == "President Rodrigo Duterte"
    co = analyze(["Panama Canal Authority", "canal authority"],
                 "The Panama Canal Authority raised draft limits; the canal authority said water rose.")
    assert lead(co, "canal authority") == "Panama Canal Authority"
    co = analyze(["Skyline", "Skyline Regional", "Skyline's shares"],
                 "Skyline Regional agreed to merge. Skyline's shares rose after Skyline said so.")
    assert lead(co, "Skyline's shares") == lead(co, "Skyline") == "Skyline Regional"


def test_storage_is_a_company_type_word(ner):
    text = "Kelvary Storage will build two sites. Kelvary and the other storage developers gain."
    assert lead(analyze(["Kelvary Storage", "Kelvary"], text), "Kelvary") == "Kelvary Storage"


def test_a_maker_is_not_the_model_it_introduces_first(ner):
    """"Zephyr 450 Skyliners" is a product of Zephyr (a number and a product word, or a model code);
    a bare trailing number is a size ("Quill 225" … "Quill": one index)."""
    text = ("Borealis Air ordered 12 Zephyr 450 Skyliners, a jet Zephyr is still building. "
            "It also leased a Kestrel K90 that Kestrel delivered. "
            "The Quill 225 rose; the Quill has gained for a week.")
    co = analyze(["Borealis Air", "Zephyr", "Zephyr 450 Skyliners", "Kestrel", "Kestrel K90", "Quill 225", "Quill"],
                 text)
    assert lead(co, "Zephyr") is None
    assert lead(co, "Kestrel") is None
    assert lead(co, "Quill") == "Quill 225"


def test_a_short_name_the_text_sets_against_a_longer_one_is_the_other_long_name(ner):
    # "Orla and Orla Corps": the text names two parties; "Orla" alone is the other "Orla ..." name
    text = ("The Beatles' Orla Corps has sued Orla Computer. Orla Corps claims Orla Computer broke the deal. "
            "A statement said that Orla and Orla Corps now read the deal differently.")
    co = analyze(["Orla Corps", "Orla Computer", "Orla"], text)
    assert lead(co, "Orla") == "Orla Computer"
    co = analyze(["Orla Corps", "Orla"], "Orla Corps sued. Orla and Orla Corps disagree.")
    assert lead(co, "Orla") is None


def test_a_stock_symbol_in_brackets_is_the_company(ner):
    co = analyze(["Kestrel", "KSTL"], "Kestrel named a new chief. Kestrel shares (KSTL) slid 5%.")
    assert lead(co, "KSTL") == "Kestrel"
    co = analyze(["Orla Freight Inc.", "ORFR"], "Orla Freight Inc. (NASDAQ: ORFR) rose.")
    assert lead(co, "ORFR") == "Orla Freight"  # the same key as the claim "Orla Freight Inc."
    co = analyze(["Kestrel", "KSTL"], "Kestrel rose; KSTL was up.")  # no brackets: no symbol
    assert lead(co, "KSTL") is None


def test_the_federal_government_is_the_one_country_s_government(ner):
    text = "The U.S. government lent $5 billion. The federal government said it would not run the firm."
    co = analyze(["U.S. government", "federal government", "Orla Motors"], text)
    assert lead(co, "federal government") == "U.S. government"
    two = text + " The German government lent $1 billion, and the U.S. government would buy more cars."
    co = analyze(["U.S. government", "German government", "federal government"], two)
    assert lead(co, "federal government") == "U.S. government"  # named twice as often
    co = analyze(["U.S. government", "German government", "federal government"],
                 "The U.S. government and the German government lent money; the federal government spoke.")
    assert lead(co, "federal government") is None


def test_a_president_s_administration_is_the_country_s(ner):
    ner(Ilse_Marrow="PERSON")
    text = "Ilse Marrow took office in May. The Marrow administration spoke. Allies asked the US administration for aid."
    co = analyze(["Ilse Marrow", "Marrow administration", "US administration"], text)
    assert lead(co, "Marrow administration") == "US administration"
    co = analyze(["Marrow administration", "US administration"], text)  # no person of that name
    assert lead(co, "Marrow administration") is None


def test_a_model_s_name_after_its_number_is_the_model(ner):
    text = ("Zephyr unveiled its new 797 Skyliner on Sunday. The mid-sized 797 seats 300. The Skyliner is "
            "aimed at smaller airports. Orla ordered Zephyr 797 Skyliners.")
    co = analyze(["Zephyr", "797 Skyliner", "Skyliner"], text)
    assert lead(co, "Skyliner") == "797 Skyliner"
    assert lead(co, "Zephyr") is None  # the maker is not its model
    co = analyze(["Zephyr 797 Skyliners", "Skyliner"], "Orla ordered Zephyr 797 Skyliners. The Skyliner is light.")
    assert lead(co, "Skyliner") == "Zephyr 797 Skyliners"


def test_a_model_number_alone_is_the_one_model_named_with_it(ner):
    text = "Zephyr unveiled its 797 Skyliner. The mid-sized 797 seats 300; the 787 it replaces sat fewer."
    co = analyze(["Zephyr", "797 Skyliner", "797"], text)
    assert lead(co, "797") == "797 Skyliner"
    co = analyze(["797 Skyliner", "797 Freighter", "797"], text)
    assert lead(co, "797") is None  # two models carry the number
    co = analyze(["797 Skyliner", "787"], text)
    assert lead(co, "787") is None  # another number


def test_the_company_ending_a_clause_is_the_one_company_earlier_in_its_sentence(ner):
    ner(Ilse_Marrow="PERSON")
    text = "Ilse Marrow, founder of Orla, will step down as CEO of the company. Kestrel Freight grew."
    co = analyze(["Ilse Marrow", "Orla", "Kestrel Freight", "the company"], text)
    assert lead(co, "the company") == "Orla"
    two = "Orla and Kestrel Freight agreed terms with the company. Analysts doubted it."
    co = analyze(["Orla", "Kestrel Freight", "the company"], two)
    assert lead(co, "the company") is None  # two companies in the sentence
