"""`pipeline claims` data grouped by canonical party; the digest's counts by canonical party."""

from __future__ import annotations

from pipeline.parties.claims import corpus_claims
from pipeline.parties.state import resolve_home
from pipeline.records import latest_records
from pipeline.summarize.digest import digest_facts


def test_claims_group_by_canonical_party_and_keep_each_name_as_written(parties_home):
    data = corpus_claims(titles={})
    groups = {g["party"]: g for g in data["parties"]}
    assert set(groups) == {"Amazon Web Services", "Acme Corp.", "Globex", "Initech"}  # no "customers", "Companies"
    aws = groups["Amazon Web Services"]
    assert aws["party_id"] and set(aws["names"]) == {"Amazon Web Services", "AWS"}
    assert (aws["winner_count"], aws["loser_count"]) == (2, 1)
    assert {c["party"] for c in aws["winners"]} == {"Amazon Web Services", "AWS"}
    assert set(aws["winners"][0]) >= {"article_id", "article_title", "party", "reason", "quote", "start", "end",
                                      "status", "flagged_injection", "model", "created_at"}
    assert data["articles"] == 5 and data["filter"] == {"party": None, "model": None}
    one = corpus_claims(party="aws", titles={})
    assert [g["party_id"] for g in one["parties"]] == [aws["party_id"]]
    assert corpus_claims(party="nobody at all", titles={})["parties"] == []


def test_the_digest_counts_canonical_parties_and_lists_no_generic_names(parties_home):
    records = latest_records()
    res = resolve_home(parties_home, meta={}).resolution
    facts = digest_facts(sorted(records), records, resolution=res)
    winners = {t.party: t for t in facts["winners"]}
    parties = {"Amazon Web Services", "Acme", "Globex", "Initech"}  # the most common spelling, shortest on ties
    assert set(winners) == parties
    assert winners["Amazon Web Services"].count == 2 and winners["Amazon Web Services"].articles == ["a1", "a2"]
    assert winners["Amazon Web Services"].quotes["a2"] == "AWS wins in a2."
    assert {t.party for t in facts["losers"]} == parties
    assert {d.party for d in facts["disagreements"]} == parties
    # without a resolution: grouped by name key, generic names still left out, AWS apart
    plain = digest_facts(sorted(records), records)
    assert {t.party for t in plain["winners"]} == parties | {"AWS"}
    assert not {"customers", "Companies"} & {t.party for side in ("winners", "losers") for t in plain[side]}


def test_a_rename_in_parties_yaml_names_the_party_in_the_digest(parties_home):
    (parties_home / "parties.yaml").write_text("rename:\n  Acme: ACME Corporation\n", encoding="utf-8")
    records = latest_records()
    facts = digest_facts(sorted(records), records, resolution=resolve_home(parties_home, meta={}).resolution)
    assert "ACME Corporation" in {t.party for t in facts["winners"]}
