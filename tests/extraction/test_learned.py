"""The learned claim path: candidates and features from the parse, the shipped weights, training.

Sentences are written for the tests (none from the gold articles). The spaCy parser is real;
one parse of a short article takes well under a second once it is loaded.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from pipeline.extraction import claim_model, learned
from pipeline.extraction.extract import extract_article
from pipeline.extraction.plan import prompt_hash
from pipeline.llm.fake import FakeProvider
from pipeline.text.nlp import parse_many
from pipeline.types import Evidence
from tests.conftest import REPO
from tests.extraction.conftest import make_article

ARTICLE = ("Shares of Corvane Systems jumped 14% on Tuesday after the company won a $2 billion defence contract.\n\n"
           "Rival Helmark Industries, which had also bid for the contract, saw its shares fall 6%.\n\n"
           "Investors met in Frankfurt on Wednesday for an annual conference on the sector.")


def _token(doc, text):
    return next(t for t in doc if t.text == text)


@pytest.mark.parametrize("sentence, word, role, sign", [
    ("Shares of Harlow Foods fell 6% on Tuesday.", "Foods", "poss", -1),  # the owner of a falling quantity
    ("Vantor's quarterly earnings soared.", "Vantor", "poss", 1),
    ("The new tariff hits Brennard Steel.", "Steel", "obj", -1),  # the object of a harming verb
    ("Ostrava Mining won a ten-year contract.", "Mining", "subj", 1),  # the subject of winning
    ("The ruling is a blow to Palmer Airlines.", "Airlines", "comp", -1),  # the complement of "a blow to"
    ("Kessel Bank met regulators on Monday.", "Bank", "subj", 0),  # no outcome word governs it
])
def test_governing_word_gives_the_party_its_role_and_sign(sentence, word, role, sign):
    doc = parse_many([sentence])[0]
    got_role, got_sign, _ = learned.governing(_token(doc, word))
    assert (got_role, got_sign) == (role, sign)


def test_negated_predicate_is_flagged_as_blocked():
    collect = learned._Collector()
    from pipeline.extraction.naming import Context
    docs = parse_many(["Shares of Harlow Foods did not fall on Tuesday."])
    collect(0, docs[0], Context(docs))
    harlow = [m for m in collect.mentions if m.name == "Harlow Foods"]
    assert harlow and all(m.blocked and m.sign == -1 for m in harlow)


def test_candidates_carry_role_relative_features_and_grounded_evidence():
    art = make_article(ARTICLE, title="Corvane Systems wins defence contract")
    found = learned.candidates(art, FakeProvider())
    feats = {(c.party, c.role): dict(zip(learned.FEATURES, c.features)) for c in found.claims}
    win, lose = feats[("Corvane Systems", "winner")], feats[("Corvane Systems", "loser")]
    assert win["read_same"] > 0 and win["read_opp"] == 0 and lose["read_opp"] > 0
    assert win["in_title"] == 1.0 and win["in_lead"] == 1.0 and win["loser_side"] == 0.0
    assert ("Investors", "winner") in feats and feats[("Investors", "winner")]["rule_same"] == 0.0
    for c in found.claims:  # every candidate is pinned to a sentence of the article, verbatim
        assert ARTICLE[c.evidence.start:c.evidence.end] == c.evidence.quote


def test_an_acronym_and_a_surname_join_the_fuller_name():
    m = learned.Mention(0, "x", "subj", 0, False, "PERSON", False)
    same = learned.same_party({"tim cook": [m], "cook": [m], "general motors": [], "gm": [], "unions": []},
                              ["union"])
    assert same == {"gm": "general motors", "cook": "tim cook", "union": "unions"}


def test_shipped_model_keeps_a_clear_outcome_and_drops_a_bystander():
    out = claim_model.extract(make_article(ARTICLE, title="Corvane Systems wins defence contract"), FakeProvider())
    winners = {c.party for c in out.analysis.winners}
    losers = {c.party for c in out.analysis.losers}
    assert "Corvane Systems" in winners and "Corvane Systems" not in losers
    assert any("Helmark" in p for p in losers)
    assert not ({"Investors", "Frankfurt"} & (winners | losers))  # named, but nothing happens to them
    assert out.mode == "learned"
    for c in [*out.analysis.winners, *out.analysis.losers]:
        assert ARTICLE[c.evidence.start:c.evidence.end] == c.evidence.quote and c.evidence.status == "exact"


def test_learned_mode_runs_through_extract_article_and_changes_the_prompt_hash(home, monkeypatch):
    monkeypatch.setenv("PIPELINE_SMALL_MODE", "learned")
    rec = extract_article(make_article(ARTICLE), FakeProvider(), strategy="small")
    assert rec.stats.small_mode == "learned" and rec.usage.calls == 0
    assert "Corvane Systems" in {c.party for c in rec.analysis.winners}
    assert prompt_hash("small", small_mode="learned") != prompt_hash("small", small_mode="rules")


def test_weights_that_do_not_fit_the_features_are_a_clear_error(tmp_path):
    data = json.loads(claim_model.model_path().read_text())
    data["features"] = data["features"][:-1]
    bad = tmp_path / "weights.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(claim_model.ClaimModelError, match=r"weights\.json.*retrain"):
        claim_model.load_model(str(bad))
    with pytest.raises(claim_model.ClaimModelError, match="missing"):
        claim_model.load_model(str(tmp_path / "absent.json"))


def _trainer():
    spec = importlib.util.spec_from_file_location("train_claims", REPO / "evals" / "train_claims.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["train_claims"] = mod  # its dataclasses look their module up while being defined
    spec.loader.exec_module(mod)
    return mod


def _synthetic(tc, part: str, n: int) -> list:
    """Articles whose parties are winners exactly when the rule read them on that side."""
    ev = Evidence(quote="q", start=0, end=1, status="exact", score=100.0)
    items = []
    for i in range(n):
        claims, labels = [], []
        for j, role in enumerate(("winner", "loser") * 3):
            fired = (i + j) % 3 == 0
            f = [0.0] * len(learned.FEATURES)
            f[learned.FEATURES.index("read_same")] = 1.0 if fired else 0.0
            f[learned.FEATURES.index("mentions")] = float((i * 7 + j) % 5)
            claims.append(learned.ClaimCandidate(f"p{j}", f"Party {j}", role, f, ev, "r"))
            labels.append(1 if fired else 0)
        items.append(tc.Item(part, learned.ArticleCandidates(rules=None, claims=claims), labels, {}, "", 0))  # type: ignore[arg-type]
    return items


def test_training_is_deterministic_and_learns_the_signal():
    tc = _trainer()
    items = _synthetic(tc, "dev", 12) + _synthetic(tc, "fresh", 12) + _synthetic(tc, "holdout", 12)
    a, b = tc.fit(items), tc.fit(items)
    assert a.to_json() == b.to_json()
    fired = [0.0] * len(learned.FEATURES)
    fired[learned.FEATURES.index("read_same")] = 1.0
    quiet = [0.0] * len(learned.FEATURES)
    p_fired, p_quiet = a.probabilities([fired, quiet])
    assert p_fired > a.threshold > p_quiet
