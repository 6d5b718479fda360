"""Counting over resolved parties: tallies in a window, top N, timelines, finding a party by
any of its names, and "did you mean" for one that is not there."""

from __future__ import annotations

import pytest

from pipeline.parties.query import (PartyNotFound, Window, count_parties, find_party, party_rows, require_party,
                                    timeline)
from pipeline.parties.state import resolve_home
from pipeline.corpus.store import Store
from pipeline.text.dates import DateError


@pytest.fixture
def res(parties_home):
    store = Store(parties_home)
    try:
        return resolve_home(parties_home, store=store).resolution
    finally:
        store.close()


def _counts(rows):
    return {r.name: (r.winner, r.loser, r.unchanged) for r in rows}


def test_rows_count_articles_per_role_and_leave_generic_names_out(res):
    rows = party_rows(res)
    assert _counts(rows) == {"Amazon Web Services": (2, 1, 1), "Acme Corp.": (2, 1, 0), "Globex": (1, 1, 0),
                             "Initech": (1, 1, 0)}
    assert [r.name for r in rows] == ["Amazon Web Services", "Acme Corp.", "Globex", "Initech"]
    aws = rows[0]
    assert set(aws.aliases) == {"Amazon Web Services", "AWS"} and aws.articles == 3
    assert (aws.first_seen, aws.last_seen) == ("2026-01-05", "2026-03-15")
    assert {s: (c.winner, c.loser, c.unchanged) for s, c in aws.sources.items()} == {
        "Harbor Ledger": (1, 1, 0), "Metro Money": (1, 0, 1)}
    ini = rows[3]
    assert (ini.first_seen, ini.last_seen) == ("2026-04-20", "2026-04-20")  # the undated article has no day


def test_a_window_admits_dates_inclusively_and_one_source(res):
    rows = party_rows(res, Window(since="2026-02-10", until="2026-03-15"))
    assert _counts(rows) == {"Amazon Web Services": (1, 1, 1), "Acme Corp.": (0, 1, 0), "Globex": (1, 0, 0)}
    assert _counts(party_rows(res, Window(source="metro money"))) == {
        "Amazon Web Services": (1, 0, 1), "Acme Corp.": (1, 1, 0), "Initech": (0, 1, 0)}
    assert count_parties(res, Window(since="2026-04-01")) == 2  # Acme and Initech on 04-20; a5 is undated
    with pytest.raises(DateError, match="not a date"):
        Window(since="last tuesday")


def test_top_keeps_the_order_and_builds_only_those_rows(res):
    assert [r.name for r in party_rows(res, top=2)] == ["Amazon Web Services", "Acme Corp."]
    assert count_parties(res) == 4


def test_a_timeline_is_by_publication_date_with_undated_last_and_each_quote(res):
    ini = timeline(res, require_party(res, "initech"))
    assert [(e.published_at, e.role, e.article_id) for e in ini] == [("2026-04-20", "loser", "a4"),
                                                                     (None, "winner", "a5")]
    aws = timeline(res, require_party(res, "AWS"))
    assert [e.published_at for e in aws] == sorted(e.published_at for e in aws)
    assert [(e.name, e.quote) for e in aws if e.role == "winner"] == [
        ("Amazon Web Services", "Amazon Web Services wins in a1."), ("AWS", "AWS wins in a2.")]


def test_a_party_is_found_by_id_name_or_alias_and_a_miss_suggests_close_names(res):
    aws = find_party(res, "amazon web services")
    assert aws is not None and find_party(res, aws.id) is aws and find_party(res, "AWS") is aws
    assert find_party(res, "Acme's shares") is find_party(res, "Acme Corp.")
    assert find_party(res, "customers") is None  # generic: never a party
    with pytest.raises(PartyNotFound) as err:
        require_party(res, "Globx")
    assert err.value.suggestions[0] == "Globex" and "did you mean 'Globex'" in str(err.value)
    assert err.value.exit_code == 2
