"""What the text says about names coref leaves open: "A (B)" pairs, apposed descriptors, the head
word, the nearest fitting antecedent; short forms the text makes (clipped, possessive, "of" a place)."""

from __future__ import annotations

from pipeline.parties.antecedent import paired
from pipeline.parties.coref import analyze
from pipeline.parties.generic import descriptor, is_generic


def lead(co, name):
    r = co.resolve(name)
    return r[0] if r else None


def test_two_claim_names_written_as_a_pair_are_one_party_whatever_their_letters(ner):
    text = ("Fishers of the Northern Coast Guild (GPN) protested. Later the ALV (Lisbon Wine "
            "Association) joined them; GPN and ALV both won a hearing.")
    co = analyze(["Northern Coast Guild", "GPN", "ALV", "Lisbon Wine Association"], text)
    assert lead(co, "GPN") == "Northern Coast Guild"  # foreign initials: not "NCG"
    assert co.acronyms["northern coast guild"] == {"GPN"}
    assert lead(co, "ALV") == "Lisbon Wine Association"  # short form first, long in brackets
    assert lead(co, "Lisbon Wine Association") is None  # the long form leads, no further
    assert paired(["Northern Coast Guild", "Lisbon Wine Association"], text) == {}  # only claim names pair


def test_a_descriptor_set_beside_one_name_is_that_name(ner):
    text = "Orvane Bank, Norway's largest lender, gains. Tessla Foundry, Chile's largest foundry, loses."
    co = analyze(["Orvane Bank", "Tessla Foundry", "Norway's largest lender", "Chile's largest foundry"], text)
    assert lead(co, "Norway's largest lender") == "Orvane Bank"
    assert lead(co, "Chile's largest foundry") == "Tessla Foundry"


def test_the_head_word_or_a_modifier_picks_the_one_name_of_its_kind(ner):
    text = ("The Kestrel Port Authority raised fees and Brightwater Bank lent more. Halden Motors cut jobs. "
            "The authority said traffic grew, after the auto firm announced losses.")
    co = analyze(["Kestrel Port Authority", "Brightwater Bank", "Halden Motors", "the authority",
                  "the auto firm"], text)
    assert lead(co, "the authority") == "Kestrel Port Authority"
    assert lead(co, "the auto firm") == "Halden Motors"


def test_a_descriptor_that_opens_a_statement_is_the_nearest_fitting_name_before_it(ner):
    ner(Marta_Quinn="PERSON", Oslo="GPE")
    text = ("Brightwater Bank lent more. Lumen Forge cut prices by a third. The company said demand rose. "
            "Trade commissioner Marta Quinn spoke in Oslo. The commissioner said talks go on.")
    co = analyze(["Brightwater Bank", "Lumen Forge", "The company", "Marta Quinn", "The commissioner"], text)
    assert lead(co, "The company") == "Lumen Forge"  # not the bank two sentences back
    assert lead(co, "The commissioner") == "Marta Quinn"  # a title stands for a person
    far = ("Lumen Forge cut prices. Rain fell. Snow fell. Wind blew. The company said demand rose. "
           "Brightwater Bank said so too.")
    co = analyze(["Lumen Forge", "Brightwater Bank", "The company"], far)
    assert "The company" in co.dropped  # too far back: no antecedent


def test_a_nationality_before_the_head_is_a_descriptor_a_technology_acronym_no_party():
    assert descriptor("The Dutch company") == (None, "company")
    assert descriptor("Kaupthing bank") is None  # a name comes first
    assert descriptor("AI vendor") == (None, "vendor")
    assert descriptor("the authority") == (None, "authority") and descriptor("Parliament") is None
    assert is_generic("GPU") and is_generic("EVs") and not is_generic("IBM")


def test_clipped_possessive_and_of_a_place_short_forms(ner):
    ner(Niger="GPE", Nigeria="GPE", Ghana="GPE")
    text = ("The Federal Reserve cut rates and the Fed said more may come. Niger hosted Nigeria. "
            "Corvex Systems supplied kiosks; Corvex's shares fell. Parliament voted first; the powers "
            "of the Parliament of Ghana grew.")
    co = analyze(["Federal Reserve", "the Fed", "Niger", "Nigeria", "Corvex Systems", "Corvex's shares",
                  "Parliament of Ghana", "Parliament"], text)
    assert lead(co, "the Fed") == "Federal Reserve"
    assert lead(analyze(["Intel", "Intelsat"], "Intel and Intelsat rose."), "Intel") is None
    assert lead(co, "Niger") is None  # a place is no clipped name
    assert lead(co, "Corvex's shares") == "Corvex Systems"
    assert lead(co, "Parliament") == "Parliament of Ghana"


def test_a_short_form_the_text_shortens_even_with_a_possessive_but_no_sentence_opener(ner):
    text = ("The Meridian Jones Industrial Average fell. The Meridian has lost ten percent; the Meridian's "
            "descent worries traders. If Lisbon declines, the deal waits.")
    co = analyze(["Meridian Jones Industrial Average", "Meridian", "Lisbon"], text)
    assert lead(co, "Meridian") == "Meridian Jones Industrial Average"
    assert lead(co, "Lisbon") is None  # "If Lisbon" opens a sentence; it is no longer name


def test_a_capitalized_plural_that_ner_calls_an_organization_is_a_name(monkeypatch):
    from pipeline.parties import generic
    monkeypatch.setattr(generic, "entity_type", lambda n: "ORG" if n == "Reuters" else "")
    text = "Reuters, citing sources, reported it. Buyers rushed in."
    assert not generic.is_group("Reuters", text) and generic.is_group("Buyers", text)


def test_a_group_shortened_by_its_last_words_is_that_group(ner):
    text = "Freight rail operators lose. The rail operators had asked for more time."
    co = analyze(["Freight rail operators", "rail operators"], text)
    assert lead(co, "Freight rail operators") == "rail operators"
    co = analyze(["Freight rail operators", "bus operators"], text)
    assert lead(co, "Freight rail operators") is None


def test_a_body_with_its_country_word_and_an_of_name_is_its_short_form(ner):
    text = ("The Spanish Constitutional Court of Appeals ruled on Monday. Later the Constitutional Court "
            "said more. Acme Bank of Madrid lost.")
    co = analyze(["Spanish Constitutional Court of Appeals", "Constitutional Court", "Acme Bank of Madrid"], text)
    assert lead(co, "Constitutional Court") == "Spanish Constitutional Court of Appeals"
    co = analyze(["Grand Constitutional Court of Appeals", "Constitutional Court"], text.replace("Spanish", "Grand"))
    assert lead(co, "Constitutional Court") is None  # "Grand" is no country word


def test_a_capital_beside_its_country_is_the_country(ner):
    ner(Brazil="GPE", Brasilia="GPE")
    text = "Brazil has not said whether it will follow. When Brasilia declines, Acme Corp loses."
    co = analyze(["Brazil", "Brasilia", "Acme Corp"], text)
    assert lead(co, "Brasilia") == "Brazil"
    assert lead(analyze(["Brasilia", "Acme Corp"], text), "Brasilia") is None  # no country claim: its own


def test_the_nearest_antecedent_is_a_subject_not_a_place_or_a_complement(ner):
    text = ("Kite Herald reported the landing at Fenwick, which was short. The jet was meant to land at Fenwick. "
            "The industry publication stated the runway was wet.")
    co = analyze(["Kite Herald", "Fenwick", "The industry publication"], text)
    assert lead(co, "The industry publication") == "Kite Herald"
    text = ("Orvane Air, the largest carrier, grew. Its chief has ties to the Vesta Guard Corps of Ruritania. "
            "The company is privately owned.")
    co = analyze(["Orvane Air", "Vesta Guard Corps", "The company"], text)
    assert lead(co, "The company") == "Orvane Air"


def test_a_pair_needs_the_whole_name_and_a_list_is_no_apposition(ner):
    text = "The Higher Court of Appeal (Oberes Gericht) ruled. Banks met: the Bank of Ruritania, the Bank of Zembla."
    co = analyze(["Court of Appeal", "Oberes Gericht", "Bank of Ruritania", "Bank of Zembla"], text)
    assert lead(co, "Court of Appeal") is None and lead(co, "Oberes Gericht") != "Court of Appeal"
    assert lead(co, "Bank of Zembla") is None  # ", the Bank of Zembla" is the next item
    co = analyze(["Elena Ruiz", "Minister of Ports"], "Elena Ruiz, the Minister of Ports, spoke.")
    assert lead(co, "Minister of Ports") == "Elena Ruiz"  # a title is a description


def test_the_index_is_the_one_index_or_the_one_the_story_is_about(ner):
    one = "The Brenner 40 fell 3%. After the news the index dipped again."
    assert lead(analyze(["Brenner 40", "Ostbank", "the index"], one), "the index") == "Brenner 40"
    many = ("The Kestrel Composite fell 300 points, its worst day since March. The Kestrel Composite has lost "
            "9% this month, and the Norvish Composite slipped too. The index fell over 2,000 points in nine days.")
    co = analyze(["Kestrel Composite", "Norvish Composite", "The index"], many)
    assert lead(co, "The index") == "Kestrel Composite"  # named twice, the other once
    even = "Prices fell on the Kestrel Composite and on the Norvish Composite. The index is down."
    assert co.resolve("The index") and analyze(["Kestrel Composite", "Norvish Composite", "The index"],
                                               even).resolve("The index") is None


def test_a_descriptor_written_right_before_a_name_and_a_place_adjective(ner):
    text = "The Norwegian index the Brenner 40 rose. Meridel Foundry wins. The Tessin-based contract maker has grown."
    co = analyze(["Brenner 40", "Norwegian index", "Meridel Foundry", "Tessin-based contract maker"], text)
    assert descriptor("Japanese index") == (None, "index") and descriptor("Tessin-based contract maker") == (None, "maker")
    assert lead(co, "Norwegian index") == "Brenner 40"
    assert lead(co, "Tessin-based contract maker") == "Meridel Foundry"


def test_a_company_descriptor_is_the_one_name_before_it_in_its_sentence(ner):
    text = ("Regulators met on Monday with Orsk Air and Halden Rail. Brightmoor did not comment, telling "
            "reporters the company \"extends its condolences\". Later, the costs of the company grew.")
    co = analyze(["Orsk Air", "Halden Rail", "Brightmoor", "the company"], text)
    assert lead(co, "the company") == "Brightmoor"
    costs = "Orsk Air and Halden Rail met. Brightmoor grew most of the company's costs."
    assert analyze(["Orsk Air", "Halden Rail", "Brightmoor", "the company"], costs).resolve("the company") is None


def test_an_apposed_name_leads_its_description(ner):
    text = "Shares fell on the primary Norvish index, the Brenner 40, for a third day."
    co = analyze(["primary Norvish index", "Brenner 40"], text)
    assert lead(co, "primary Norvish index") == "Brenner 40" and co.resolve("Brenner 40") is None


def test_the_company_is_never_a_person_or_a_public_body(ner):
    ner(**{"Jane Roe": "PERSON", "Roe": "ORG"})  # a surname alone: not a person to the parser
    text = ("Jane Roe, formerly of Zorvex Inc., left. Roe said the company grew. "
            "The Norwegian Treasury lent Kelda Motors money. The company has warned it may run out.")
    co = analyze(["Jane Roe", "Roe", "Zorvex Inc.", "the company"], text)
    assert lead(co, "the company") != "Roe" and lead(co, "the company") != "Jane Roe"
    co = analyze(["Norwegian Treasury", "The company"], "The Norwegian Treasury lent money. The company has warned.")
    assert co.resolve("The company") is None  # a treasury is no company


def test_the_company_is_the_one_incorporated_company_the_article_is_about(ner):
    text = ("Zorvex Inc. doubled its profit. Zorvex sold more phones; analysts at Brill Research praised "
            "Zorvex. Its chief said: we grew. The revenue of the company rose.")
    co = analyze(["Zorvex Inc.", "Zorvex", "Brill Research", "the company"], text)
    assert (lead(co, "the company") or "").startswith("Zorvex")
    fed = ("The Fed cut rates. The Fed said more cuts may come. Brill Research praised the Fed. "
           "The revenue of the company rose.")  # the one name named most is no company by its name
    assert analyze(["Fed", "Brill Research", "the company"], fed).resolve("the company") is None
