"""An answer must be the asked thing's, not a neighbour's: the value in the asked event's clause,
for the asked place, and for "which companies" a company the question does not already name.

"On what date will the vendor end support?" over a quote saying "now that we're in 2031, it's time
to say goodbye" holds a year, but in a clause about being in 2031; "how many deaths in Ohio" over
"16,000 deaths in the United States" holds the count for another place; "which companies bid
against Talon" over "Talon acquired Kestrel" names only the parties the question names. The
articles are written for these tests.
"""

from __future__ import annotations

import pytest

from pipeline.query.answertype import asked_kinds, asked_places, asked_verbs, gives, in_scope, instance_labels, \
    names_instance

TAKEOVER = """Talon Defence Buys Kestrel Arms

Talon Defence said on Monday that it had acquired the mortar maker Kestrel Arms after a bidding contest.

Kestrel Arms confirmed the deal in a statement, and said its 300 workers would keep their jobs.

Talon Defence did not say how many rival offers it had beaten or who had made them.
"""

PIPELINE = """Three Countries Sign Seaway Pipeline Deal

Greece, Cyprus and Israel signed an agreement on Thursday to build the Seaway gas pipeline.

The estimated cost is five billion euros, and competition from liquefied gas (LNG) terminals could keep private investors away, an analyst said.
"""


def _gives(part: str, sentence: str, similar=None) -> bool:
    """`gives` with what `focus` reads from the part (its kinds, verbs, names, class and place)."""
    from pipeline.query.focus import focus

    f = focus(part + "?")
    return gives(f.part_kinds[0], f.part_verbs[0], sentence, similar, frozenset(), f.part_instance[0], f.names,
                 f.part_places[0])


def test_a_value_counts_only_in_a_clause_that_says_the_asked_event(embedder):
    from pipeline.query.answertype import WordSimilarity

    similar = WordSimilarity(embedder)
    part = "On what date will Vendorix end support for its old browser"
    assert _gives(part, "Vendorix will end support for the browser on 12 April 2031.", similar=similar)
    assert not _gives(part, 'Now that we are in 2031, it is time to say goodbye to the browser, Vendorix says.',
                      similar=similar)  # a year, and a farewell, but the year is the "we are in" clause's
    # a clause without a subject of its own belongs to the clause it hangs from: "to carry ... at $80 million"
    assert _gives("How much does Rivermark pay per passenger",
                  "Rivermark pays the agency to carry its passengers, at roughly $80 million per passenger.")


def test_a_value_for_another_place_does_not_answer_for_the_asked_one():
    part = "How many premature deaths in Ohio did the study count"
    assert asked_places(part) == {"Ohio"}
    assert not _gives(part, "In the United States, the study counted 16,000 premature deaths.")
    assert _gives(part, "In Ohio, the study counted 1,200 premature deaths.")
    assert not _gives(part, "The study counted seven premature deaths per 100,000 people.")  # whose? not said
    assert in_scope(frozenset(), "In Texas, 300 people died.")  # no place asked: nothing to check


def test_how_was_it_decided_needs_the_decision_of_the_thing_asked_about():
    from pipeline.query.focus import focus

    part = "How was the petition that the minister filed against the broadcaster decided"
    assert asked_kinds(part) == {"manner"} and asked_verbs(part) == {"file", "decide"}
    f = focus(part + "?")
    assert f.part_verbs == (frozenset({"decide"}),)  # the filing is the subject's, not the asked event
    assert "petit" in f.part_wants[0]  # an answer names the petition
    assert _gives(part, "The court decided the petition in the broadcaster's favour on 3 May.")
    assert not _gives(part, "The minister filed the petition on 10 February.")  # the filing, not the decision


def test_a_modal_after_and_starts_a_part_of_its_own():
    from pipeline.query.focus import question_parts

    assert question_parts("Which countries are in the project, and can others join?") == [
        "Which countries are in the project", "can others join"]


def test_which_companies_asks_for_a_company_the_question_does_not_name():
    part = "Which companies made the competing bids for Kestrel Arms that Talon Defence beat"
    names = ("Kestrel Arms", "Talon Defence")
    assert instance_labels(part) == {"ORG", "PERSON", "PRODUCT"} and "instance" in asked_kinds(part)
    assert instance_labels("Which country won the bid to host the secretariat") == {"GPE"}
    assert instance_labels("What did Bank of America earn") == frozenset()  # "what did": no class asked
    assert not names_instance(instance_labels(part), "Talon Defence acquired the mortar maker Kestrel Arms.", names)
    assert names_instance(instance_labels(part), "Brightwater Holdings and Ordway Group also bid for Kestrel Arms.",
                          names)
    # a name that only modifies another noun ("(LNG) terminals") is not an investor
    assert not names_instance(frozenset({"ORG", "PERSON"}), PIPELINE.splitlines()[-1])
    # named, but as the subject of another event than the one asked
    bid = frozenset({"bid"})
    assert not names_instance(instance_labels(part), "Northgate Capital said that the bid was a legal framework only.",
                              names, bid)
    assert names_instance(instance_labels(part), "Brightwater Holdings had bid for Kestrel Arms too.", names, bid)
    assert not names_instance(instance_labels(part), "The Democratic Labour Party, the main opposition force, "
                              "underlined that the sale is final, and any further bid is in the hands of private "
                              "investors.", names, bid)  # the bid is in a clause of its own, not the party's


@pytest.fixture(scope="module")
def embedder():
    from pipeline.corpus.embed import get_embedder

    return get_embedder()


@pytest.fixture(scope="module")
def deals_retriever(retriever_over):
    return retriever_over("deals", {"talon-kestrel.txt": TAKEOVER, "seaway-pipeline.txt": PIPELINE})


def _pick_first_three(messages, schema):  # a small model that picks whatever is offered first
    import re

    offered = [int(n) for n in re.findall(r"^(\d+)\. ", messages[-1].content, re.M)]
    return {"found": True, "picks": offered[:3]}


def test_rival_bidders_the_article_does_not_name_are_refused(deals_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import NOT_IN_CORPUS, ask

    res = ask("Which companies made the competing bids for Kestrel Arms that Talon Defence beat?",
              model=FakeProvider(script=[_pick_first_three]), strategy="extractive", retriever=deals_retriever)
    assert not res.found and res.answer == NOT_IN_CORPUS, res.answer


def test_which_countries_is_answered_by_the_countries(deals_retriever):
    from pipeline.llm.fake import FakeProvider
    from pipeline.query.ask import ask

    res = ask("Which countries signed the agreement to build the Seaway pipeline?",
              model=FakeProvider(script=[_pick_first_three]), strategy="extractive", retriever=deals_retriever)
    assert res.found and "Greece, Cyprus and Israel" in res.answer, res.answer
    assert "private investors" not in res.answer
