"""An answer must state the asked relation, and every part of the question gets its own best sentences.

Unanswerable questions passed when a sentence was about a party the question names but told another
relation: Boeing's orders from other airlines for "how many jets has Ryanair ordered", the Belgian
government's aid for "how much aid has the French government promised", a capital infusion for
"how large is the bridge loan". And answerable parts went unanswered when the small model's pick
fitted a part loosely while a plainer sentence sat in the pool, or when a setting before the
question ("After the vote, ...") was taken for a part. The articles are written for these tests
(real spaCy, Chroma and MiniLM; the picking model is scripted).
"""

from __future__ import annotations

import pytest

from pipeline.query.answertype import carries, instance_labels
from pipeline.query.focus import focus, question_parts
from pipeline.query.whose import doers, other_owner


def _md(title: str, date: str, body: str) -> str:
    return f"---\ntitle: {title}\nsource: Test Wire\npublished_at: {date}\n---\n{body}\n"


ORDERS = _md("Halden Aero Unveils Its New Jet", "2007-07-09",
             "Halden Aero unveiled its new H9 jet on Sunday in Everett. "
             "On Saturday, Halden Aero announced 35 new orders from Corvid Air and Meridian Leasing, bringing the "
             "total to 677 orders from 47 customers. The first deliveries are due in May 2008.")
AID = _md("Ardena Makes Its First Flight to Chicago", "2007-03-19",
          "The Ardena A9, the largest passenger plane, landed in Chicago on Monday after a test flight. "
          "The Belgian government has announced that it will give up to 150 million euros in aid to help "
          "sub-contractors which supply Ardena. Production delays have cost Ardena more than 6 billion dollars.")
LIMITS = _md("Stores Limit Paper Purchases", "2020-03-09",
             "Rival grocer Ocado limited purchases of toilet paper to two packs per order on Sunday. "
             "Kestrel Foods also introduced a one-pack limit on toilet paper, on Monday. "
             "Shoppers queued outside stores across the country before they opened.")
DEAL = _md("Talon Buys Brindle", "2021-05-04",
           "Shareholders of Brindle Motors approved the sale on Monday. "
           "Talon Motors will pay US$2.1 billion in cash for Brindle Motors. "
           "The deal is expected to close in September, Talon said.")


def test_the_doer_the_question_asks_about_is_its_verbs_subject():
    f = focus("How many 737 Max jets has Ryanair ordered?")
    assert doers(f.parts, f.names) == ("Ryanair",)  # not the maker, and not the fronted asked thing
    f = focus("What did Bank of America earn in the same quarter a year before?")
    assert doers(f.parts, f.names) == ("Bank of America",)
    f = focus("How much did the FTSE gain on the day Washington said it would buy bad loans?")
    assert "Washington" not in doers(f.parts, f.names)  # the occasion's speaker is not the asked doer


def test_the_same_thing_of_another_named_owner_is_not_the_asked_ones():
    part = "How much aid has the French government promised the sub-contractors that supply Ardena"
    assert other_owner(part, "The Belgian government will give 150 million euros in aid to sub-contractors.")
    assert not other_owner(part, "The French government said it would give 100 million euros in aid.")
    assert not other_owner(part, "The government said it would give 100 million euros in aid.")  # unnamed: unknown
    assert other_owner("How far did Kestrel's sales fall", "Brindle's sales fell 17%.")
    assert not other_owner("What stake would the US government hold", "The United States government would hold 60%.")


def test_what_a_part_asks_for_and_where_a_part_begins():
    assert {"bridg", "loan"} <= focus("How large is the bridge loan that Ontario is giving Kestrel now?").part_wants[0]
    assert "handset" in focus("How many iPhone 4 handsets had Apple sold?").part_wants[0]
    assert instance_labels("Which four core brands would the New GM focus on")  # a named brand is asked for
    assert not carries("number", "The Ardena A9, the largest passenger plane, landed after a test flight.")
    assert carries("number", "Qantas flew 5,000 passengers home.")
    assert question_parts("When Jobs took leave in January 2011, did he stay on as CEO, and whom did he put in "
                          "charge?") == ["did he stay on as CEO", "whom did he put in charge"]
    assert question_parts("How soon could it run out of cash, and by when could it repay its loans?") == [
        "How soon could it run out of cash", "by when could it repay its loans"]
    assert len(question_parts("Roughly how many people was the A9 carrying, and what were its test flights for?")) == 2


@pytest.fixture(scope="module")
def relations(retriever_over):
    return retriever_over("relations", {"orders.md": ORDERS, "aid.md": AID, "limits.md": LIMITS, "deal.md": DEAL})




def test_an_order_by_a_party_no_article_names_is_refused(relations, ask_picking):
    res = ask_picking("How many Halden Aero H9 jets has Ryanair ordered?", relations, "orders")
    assert not res.found and "Ryanair" in res.reason, res.answer


def test_another_governments_aid_does_not_answer_for_the_asked_government(relations, ask_picking):
    res = ask_picking("How much aid has the French government promised the sub-contractors that supply Ardena?",
               relations, "aid")
    assert not res.found, res.answer


def test_the_sentence_that_fits_the_part_best_is_cited_even_when_the_model_picks_another(relations, ask_picking):
    res = ask_picking("What limit did Kestrel Foods put on toilet paper purchases?", relations, "Ocado")
    assert res.found and "one-pack limit" in res.answer, res.answer


def test_a_two_part_question_after_a_setting_answers_both_parts(relations, ask_picking):
    res = ask_picking("Alongside its results for the quarter, how much will Talon Motors pay for Brindle Motors, and "
               "when is the deal expected to close?", relations, "pay")
    assert res.found and "US$2.1 billion" in res.answer and "September" in res.answer, res.answer
    assert res.unanswered_parts == []
