"""The outcome reader on roles beyond subject and object: the party an exception singles out,
the opponent of a contest, the place where jobs go, the taker of a sale, the payer of
compensation, a claim upheld, a party bound to act. Sentences are invented for the tests."""

from __future__ import annotations

import pytest

from pipeline.extraction import outcomes
from pipeline.text.nlp import parse_many


def read(*sentences: str) -> set[tuple[str, str]]:
    return {(r.party, r.label) for r in outcomes.read(parse_many(list(sentences)))}


@pytest.mark.parametrize("sentence, expected", [
    # an exception to what happens to everyone else goes the other way
    ("Every airline in the alliance except Morwen Air lost passengers in March.",
     {("Morwen Air", "winner")}),
    ("All stocks in the index, other than Tessaly Mining, rose on Friday.", {("Tessaly Mining", "loser")}),
    # the opponent of a contest lost or won
    ("Gravik Records lost its lawsuit against Ostrell Media on Monday.",
     {("Gravik Records", "loser"), ("Ostrell Media", "winner")}),
    ("Brantley Foods has lost market share to Kerrow Group.",
     {("Brantley Foods", "loser"), ("Kerrow Group", "winner")}),
    # jobs cut at a named place belong to that place
    ("Halvard Motors said it would cut 2,000 jobs at its Belgian unit, Trevik.", {("Trevik workers", "loser")}),
    # who takes over a company or a stake gains it
    ("Norvane Capital acquired the furniture maker Dalbey Group last week.", {("Norvane Capital", "winner")}),
    ("Pellor Holdings sold its shipping arm to Casswell Partners for $2 billion.",
     {("Casswell Partners", "winner")}),
    # whoever has to pay compensation loses
    ("Rivanne Rail will be compensated by Stroud Engineering for the late trains.",
     {("Rivanne Rail", "winner"), ("Stroud Engineering", "loser")}),
    # a claim upheld is a win for its owner
    ("The tribunal upheld Kessler Logistics' complaint.", {("Kessler Logistics", "winner")}),
    ("The tribunal rejected Kessler Logistics' complaint.", {("Kessler Logistics", "loser")}),
    # a party ordered or required to act is burdened
    ("Veltro Networks was ordered to refund its customers.", {("Veltro Networks", "loser")}),
    # what a party loses another takes: "market share taken by X and Y"
    ("Its market share has been taken by rival brewers Kolbeck and Arnhem.",
     {("Kolbeck", "winner"), ("Arnhem", "winner")}),
    # an elided repeat of the predicate: "..., as did Y", "and so did Y"
    ("Shares of Tarvik Steel fell sharply, as did those of Mollen Metals.",
     {("Tarvik Steel", "loser"), ("Mollen Metals", "loser")}),
    ("Brannock Foods reported a big loss, and so did Ellery Dairy.",
     {("Brannock Foods", "loser"), ("Ellery Dairy", "loser")}),
    # a thing both parties own, and a share of what a party owns
    ("The ruling imperils the Castor Energy and Delmont Gas pipeline plan.",
     {("Castor Energy", "loser"), ("Delmont Gas", "loser")}),
    ("Harwick Motors will close about 300 of its dealerships next year.", {("Harwick Motors dealerships", "loser")}),
    # a member of a group shares the group's outcome
    ("Kestrel Air was among the airlines affected by the strike.", {("Kestrel Air", "loser")}),
    ("Among the companies hit hardest were Dorran Foods and Pell Bakeries.",
     {("Dorran Foods", "loser"), ("Pell Bakeries", "loser")}),
    ("Dorran Foods was among the firms that benefited from the subsidy.", {("Dorran Foods", "winner")}),
])
def test_outcomes_reach_parties_in_other_roles(sentence, expected):
    got = read(sentence)
    assert expected <= got
    assert not {(p, "loser" if lab == "winner" else "winner") for p, lab in expected} & got


@pytest.mark.parametrize("sentence", [
    "Norvane Capital plans to acquire Dalbey Group.",                      # a plan, not a sale
    "Norvane Capital would acquire Dalbey Group if regulators agree.",     # a condition
    "Every carrier in the alliance, including Morwen Air, lost passengers.",  # no exception
    "Analysts ordered coffee before the results.",                            # no party bound to act
    "Halvard Motors cancelled a deal to sell Trevik to Norvane Capital.",      # a sale that did not happen
])
def test_no_extra_party_where_the_role_is_absent(sentence):
    assert not any(p in ("Morwen Air", "Dalbey Group") and lab == "winner" for p, lab in read(sentence))
    assert ("Norvane Capital", "winner") not in read(sentence)
