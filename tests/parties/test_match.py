"""Cross-article matching: one pair of names, then the matcher against an index."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.llm.fake import FakeProvider
from pipeline.parties.confirm import Confirmer
from pipeline.parties.match import NameMatcher, Thresholds, compare, default_matcher
from pipeline.parties.model import CanonicalParty, PartyIndex
from tests.parties.conftest import ToyEmbedder, mention


@pytest.mark.parametrize("a,b,rule", [
    ("Wal-Mart", "Walmart", "similar"),
    ("Bank of America Corp.", "The Bank of America Corporation", "key"),
    ("AWS", "Amazon Web Services", "acronym"),
    ("Dow Jones Industrial Average", "DJIA", "acronym"),
    ("Lehman Brothrs", "Lehman Brothers", "similar"),
    ("Nikkei 225", "Nikkei", "index"),
    ("Dow Jones", "Dow Jones Industrial Average", "index"),
    ("S&P 500", "Standard & Poor's 500", "index"),
    ("Dax", "DAX", "key"),
])
def test_same_party(a, b, rule):
    v = compare(a, b)
    assert v.same is True and v.rule == rule


@pytest.mark.parametrize("a,b", [
    ("Amazon", "AWS"), ("Amazon", "Amazon Web Services"), ("Google", "Google Cloud"),
    ("Japan", "Japan Airlines"), ("Boeing", "Boeing 737"), ("Boeing 737 Max", "Boeing 737"),
    ("IE6", "IE9"), ("Citi", "Citigroup"), ("ECB", "ECJ"), ("Kennedy Space Center", "Kennedy Space Center Visitor Complex"),
    ("Deutsche Bahn", "Deutsche Telekom"), ("Air Force", "Royal Saudi Air Force"),
])
def test_hard_negatives_are_apart(a, b):
    assert compare(a, b).same is not True and compare(b, a).same is not True


def test_a_defined_acronym_may_be_short():
    assert compare("IE", "Internet Explorer").same is False  # two letters: only when the text said so
    assert compare("IE", "Internet Explorer", defined=["IE"]).same is True


def index_of(*parties: CanonicalParty) -> PartyIndex:
    return PartyIndex(parties={p.id: p for p in parties})


def party(pid: str, *aliases: str, acronyms: tuple[str, ...] = (), kind: str = "party") -> CanonicalParty:
    return CanonicalParty(id=pid, name=aliases[0], aliases=list(aliases), acronyms=list(acronyms), kind=kind)  # type: ignore[arg-type]


def test_matcher_links_by_rule_and_one_veto_wins():
    idx = index_of(party("amazon", "Amazon"), party("amazon-web-services", "Amazon Web Services", acronyms=("AWS",)),
                   party("walmart", "Walmart"))
    m = NameMatcher()
    link = m.match(mention("b", "AWS"), idx, [])
    assert link is not None and link.party_id == "amazon-web-services" and link.rule == "acronym"
    assert m.match(mention("b", "Wal-Mart"), idx, []).party_id == "walmart"  # type: ignore[union-attr]
    assert m.match(mention("b", "Amazon Prime"), idx, []) is None
    groups = index_of(party("buyers", "Buyers", kind="group"))
    assert m.match(mention("b", "Buyer"), groups, []) is None  # groups only ever match by key


def test_meaning_merges_only_above_the_threshold_and_never_past_a_veto(tmp_path):
    emb = ToyEmbedder({"ibm": [1.0, 0.1, 0.0, 0.0], "international business machines": [1.0, 0.12, 0.0, 0.0],
                       "google": [0.0, 1.0, 0.0, 0.0], "google cloud": [0.0, 1.0, 0.01, 0.0],
                       "oracle": [0.0, 0.3, 1.0, 0.0]})
    idx = index_of(party("international-business-machines", "International Business Machines"),
                   party("google-cloud", "Google Cloud"))
    m = NameMatcher(thresholds=Thresholds(embedding=0.95), embedder=emb, vectors_path=tmp_path / "v.npz")
    link = m.match(mention("b", "IBM Corp"), idx, [])
    assert link is not None and link.party_id == "international-business-machines" and link.rule == "embedding"
    assert link.score is not None and link.score >= 0.95
    assert m.match(mention("b", "Google"), idx, []) is None  # ⊂ "Google Cloud": vetoed whatever the cosine
    assert m.match(mention("b", "Oracle"), idx, []) is None  # below the threshold
    off = NameMatcher(thresholds=Thresholds(embedding=None), embedder=emb)
    assert off.match(mention("b", "IBM Corp"), idx, []) is None  # the default: meaning alone never merges


def test_name_vectors_are_kept_and_not_embedded_again(tmp_path):
    emb = ToyEmbedder({"acme": [1, 0, 0, 0], "apex": [0, 1, 0, 0]})
    idx = index_of(party("apex", "Apex"))
    path = tmp_path / "parties" / "vectors.npz"
    m = NameMatcher(thresholds=Thresholds(embedding=0.9), embedder=emb, vectors_path=path)
    assert m.match(mention("a", "Acme"), idx, []) is None
    m.save()
    assert path.exists() and emb.calls == 1
    again = NameMatcher(thresholds=Thresholds(embedding=0.9), embedder=emb, vectors_path=path)
    assert again.match(mention("b", "Acme"), idx, []) is None
    assert emb.calls == 1  # both names came from the file
    assert np.allclose(again.vectors["acme"], [1, 0, 0, 0])


def test_llm_confirms_a_borderline_pair_once(home):
    emb = ToyEmbedder({"big blue": [1.0, 0.8, 0.0, 0.0], "international business machines": [1.0, 0.0, 0.0, 0.0]})
    fake = FakeProvider(script=[{"same": True, "reason": "nickname"}])
    idx = index_of(party("ibm", "International Business Machines"))
    m = NameMatcher(thresholds=Thresholds(embedding=None, borderline=0.6), embedder=emb, confirm=Confirmer(fake))
    link = m.match(mention("a", "Big Blue", quote="Big Blue rallied."), idx, [])
    assert link is not None and link.rule == "llm" and link.party_id == "ibm"
    assert len(fake.calls) == 1
    prompt = " ".join(msg.content for msg in fake.calls[0]["messages"])
    assert "Big Blue" in prompt and "International Business Machines" in prompt and "Big Blue rallied." in prompt
    assert m.match(mention("b", "Big Blue"), idx, []) is not None and len(fake.calls) == 1  # asked once
    no = NameMatcher(thresholds=Thresholds(embedding=None, borderline=0.6), embedder=emb,
                     confirm=Confirmer(FakeProvider(script=[{"same": False}])))
    assert no.match(mention("a", "Big Blue"), idx, []) is None


def test_llm_calls_go_to_the_ledger(home):
    from pipeline.llm import ledger_summary, run_options

    emb = ToyEmbedder({"big blue": [1.0, 0.8, 0.0, 0.0], "international business machines": [1.0, 0.0, 0.0, 0.0]})
    idx = index_of(party("ibm", "International Business Machines"))
    with run_options() as run:
        m = NameMatcher(embedder=emb, confirm=Confirmer(FakeProvider(script=[{"same": True}])))
        m.match(mention("a", "Big Blue"), idx, [])
    assert ledger_summary(run.id)["totals"]["calls"] == 1


def test_llm_off_by_default_and_on_by_setting():
    assert default_matcher().confirm is None
    assert default_matcher().thresholds.embedding is None  # measured: no threshold is precise enough
    s = Settings(raw={"parties": {"confirm_model": "fake:echo", "borderline": 0.7, "string": 95}})
    m = default_matcher(settings=s)
    assert m.confirm is not None and m.confirm.model == "fake:echo"
    assert m.thresholds.borderline == 0.7 and m.thresholds.string == 95


def test_two_parties_that_fit_equally_well_link_to_neither():
    idx = index_of(party("ntc", "National Telecommunications Commission"),
                   party("ntc-2", "National Trucking Council"))
    assert NameMatcher().match(mention("c", "NTC"), idx, []) is None
    one = index_of(party("ntc", "National Telecommunications Commission"), party("nasa", "NASA"))
    assert NameMatcher().match(mention("c", "NTC"), one, []).party_id == "ntc"  # type: ignore[union-attr]


@pytest.mark.slow
def test_real_minilm_vectors_are_kept_beside_the_index(tmp_path):
    idx = index_of(party("zenith-labs", "Zenith Labs"))
    m = NameMatcher(thresholds=Thresholds(embedding=0.999), vectors_path=tmp_path / "vectors.npz")
    assert m.match(mention("a", "Acme Holdings"), idx, []) is None  # far apart in meaning
    m.save()
    with np.load(tmp_path / "vectors.npz") as data:
        assert sorted(data["keys"]) == ["acme", "zenith labs"] and data["vecs"].shape == (2, 384)


def test_a_typo_changes_letters_of_a_word_not_the_word():
    assert compare("Halvorsen Lithography", "Halvorson Lithography").same is True
    assert compare("Nordwerk Bank", "Nordwerk Bahn").same is not True  # ratio 92, "bank"/"bahn" another word
    assert compare("Kestrel Freight Lines", "Kestrel Freigth Lines").same is True


def test_a_name_with_company_type_words_only_is_the_same_company(ner):
    ner(Norway="GPE")
    for short, long in (("Orla", "Orla Computer"), ("Kestrel", "Kestrel Automobile"), ("Orla Inc.", "Orla Computer")):
        v = compare(short, long)
        assert v.same is True and v.rule == "designator", (short, long)
        assert compare(long, short).same is True
    assert compare("Norway", "Norway Airlines").same is not True  # a place is not the company named after it
    assert compare("Orla", "Orla Corps").same is not True  # "Corps" says no kind of company
    assert compare("Orla", "Orla Cloud").same is not True


def test_a_model_and_the_model_with_its_maker_are_one_product():
    for short, long in (("A380", "Airbus A380"), ("787 Dreamliner", "Boeing 787 Dreamliners"), ("zPad 4", "Kestrel zPad 4")):
        assert compare(short, long).same is True and compare(long, short).rule == "model", (short, long)
    assert compare("Boeing 737", "Boeing 737 Max").same is not True  # a word after the number: another model
    assert compare("Boeing", "Boeing 737").same is not True  # the maker is not its model
    assert compare("787 Dreamliner", "Boeing 737 Dreamliners").same is not True
