"""An answer must state the asked detail, not only the asked topic.

On the fresh4 part (elections, courts, government) refusal failed where a sentence was about the
asked event but lacked the one thing asked: "how many measles vaccine doses" answered by a sentence
on measles vaccination that counts no doses (the asked noun's head), "what share of the popular
vote" by a seat count (a ratio is asked for), "who are the two new members Lam agreed to add" by
"Lam agreed to add two members" (the asked one is no answer to "who"), and "how many seats did the
Conservative Party of Canada win" by the UK article's "Conservative Party" (an asked doer "X of Y" is
X only where Y is said too). The articles are written for these tests (real spaCy, Chroma and MiniLM; the
picking model is scripted).
"""

from __future__ import annotations

import pytest

from pipeline.query.answertype import carries
from pipeline.query.focus import asked_head, focus, names_ratio


def _md(title: str, date: str, body: str) -> str:
    return f"---\ntitle: {title}\nsource: Test Wire\npublished_at: {date}\n---\n{body}\n"


VACCINES = _md("Norland Begins Vaccination Drive", "2019-12-05",
               "The government of Norland began a two-day shutdown for a nationwide measles vaccination campaign. "
               "Over 4,000 people in Norland have been infected with measles since October. "
               "Health workers from the Red Cross visited 20,000 homes in Norland on Thursday.")
ELECTION = _md("Blue Party Wins Majority in Estria", "2019-12-13",
               "The Blue Party of Estria won 365 seats in the Estrian general election on Thursday. "
               "The Blue Party gained 66 seats since the last parliament, while the Red Party lost 42. "
               "Turnout was slightly lower than in the previous election.")
COUNCIL = _md("Estria Leader Withdraws Bill", "2019-09-04",
              "Estria's leader Mara Venn announced on Wednesday that the bill would be withdrawn. "
              "Venn also agreed to add two members to the existing police oversight council. "
              "The council was set up by the Estrian parliament in 2008.")


def test_the_asked_nouns_head_and_a_ratio_are_what_a_part_asks_for():
    assert asked_head("How many measles vaccine doses did UNICEF supply") == "dose"
    assert asked_head("How many seats did the party win") == "seat"
    assert asked_head("How much less fuel per passenger does the jet burn") == "fuel"
    assert asked_head("At what level did the index close") == ""  # a measure: answers give the value
    assert asked_head("What did the court decide") == ""  # no asked noun
    f = focus("What share of the popular vote did the Blue Party win?")
    assert f.part_ratio == (True,) and f.part_heads == ("",)
    assert names_ratio("Turnout was 67 percent.") and names_ratio("They took 17 out of 18 districts.")
    assert not names_ratio("The Blue Party won 365 seats.")
    assert not names_ratio("It won 365 seats, more than the 326 needed for a majority.")  # a majority is no share


def test_who_is_not_answered_by_the_party_the_question_names():
    names = ("Mara Venn", "Estria's")
    assert not carries("agent", "Venn also agreed to add two members to Estria's police oversight council.",
                       names=names)
    assert carries("agent", "Venn named Tomas Arl and Ilse Brand to Estria's police oversight council.", names=names)
    assert carries("agent", "The suit was brought by a men's rights group.", names=names)


@pytest.fixture(scope="module")
def details(retriever_over):
    return retriever_over("details", {"vaccines.md": VACCINES, "election.md": ELECTION, "council.md": COUNCIL})




def test_a_count_of_a_noun_no_sentence_counts_is_refused(details, ask_picking):
    res = ask_picking("How many measles vaccine doses did the Red Cross supply to Norland?", details, "measles")
    assert not res.found, res.answer
    res = ask_picking("How many homes did Red Cross health workers visit in Norland?", details, "homes")
    assert res.found and "20,000 homes" in res.answer, res.answer


def test_a_share_no_sentence_gives_is_refused(details, ask_picking):
    res = ask_picking("What share of the popular vote did the Blue Party win in the Estrian election?", details, "seats")
    assert not res.found, res.answer
    res = ask_picking("How many seats did the Blue Party win in the Estrian election?", details, "seats")
    assert res.found and "365 seats" in res.answer, res.answer


def test_who_was_added_is_refused_when_no_sentence_names_them(details, ask_picking):
    res = ask_picking("Who are the two new members Mara Venn agreed to add to Estria's police oversight council?",
               details, "members")
    assert not res.found, res.answer


def test_a_party_named_x_of_y_is_not_another_x(details, ask_picking):
    res = ask_picking("How many seats did the Blue Party of Canada win in the 2019 Canadian general election?", details,
               "seats")
    assert not res.found and "Blue Party of Canada" in res.reason, res.answer  # Estria's Blue Party won them
