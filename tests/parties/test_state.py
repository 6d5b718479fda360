"""The warm resolution (`pipeline.parties.state.resolve_home`): the same answer as resolving
everything, with only what is new read and linked."""

from __future__ import annotations

import json

import pytest

from pipeline.corpus.store import Store
from pipeline.parties import resolve_corpus
from pipeline.parties import state
from pipeline.parties.state import resolve_home, sidecar_path
from pipeline.records import append_record
from tests.parties.conftest import make_article, make_record, store_articles


def _view(res):
    return sorted((m.article_id, m.name, m.role, p.name, m.published_at or "", m.source or "")
                  for m, p in res.mentions)


def _no_full_read(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("read every record again")
    monkeypatch.setattr(state, "latest_records", boom)


def test_the_first_call_resolves_everything_and_later_calls_read_nothing_new(parties_home, monkeypatch):
    store = Store(parties_home)
    first = resolve_home(parties_home, store=store)
    assert first.full and first.relinked == ["a1", "a2", "a3", "a4", "a5"] and first.articles == 5
    assert {p.name for _, p in first.resolution.mentions} == {"Amazon Web Services", "Acme Corp.", "Globex", "Initech"}
    assert (parties_home / "parties" / "index.json").is_file() and sidecar_path(parties_home, None).is_file()
    _no_full_read(monkeypatch)
    again = resolve_home(parties_home, store=store)
    assert not again.full and again.relinked == [] and again.resolution.new_links == 0
    assert _view(again.resolution) == _view(first.resolution)
    # article facts come from the store, not the sidecar
    assert ("a1", "Acme Corp.", "winner", "Acme Corp.", "2026-01-05", "Harbor Ledger") in _view(again.resolution)
    store.close()


def test_it_agrees_with_resolving_the_whole_corpus(parties_home):
    store = Store(parties_home)
    warm = resolve_home(parties_home, store=store, save=False)
    whole = resolve_corpus(store, home=parties_home, save=False)
    assert _view(warm.resolution) == _view(whole)
    store.close()


def test_an_appended_record_is_the_only_one_read_and_linked(parties_home, monkeypatch):
    store = Store(parties_home)
    before = resolve_home(parties_home, store=store)
    ids = {p.name: p.id for _, p in before.resolution.mentions}
    store_articles(parties_home, [make_article("a6", "2026-05-01", "Metro Money", "Acme and Hooli")])
    append_record(make_record("a6", ["Acme Inc."], ["Hooli"]), parties_home / "extractions.jsonl")
    _no_full_read(monkeypatch)
    after = resolve_home(parties_home, store=store)
    assert not after.full and after.relinked == ["a6"] and after.new_parties == 1
    mine = {(m.name, p.id) for m, p in after.resolution.mentions if m.article_id == "a6"}
    assert mine == {("Acme Inc.", ids["Acme Corp."]), ("Hooli", "hooli")}  # a known party keeps its id
    assert len(after.resolution.mentions) == len(before.resolution.mentions) + 2
    # a newer record of an old article replaces that article's mentions
    append_record(make_record("a5", [], ["Initech"], created_at="2999-01-01T00:00:00+00:00"),
                  parties_home / "extractions.jsonl")
    last = resolve_home(parties_home, store=store)
    assert last.relinked == ["a5"]
    assert [(m.role, p.name) for m, p in last.resolution.mentions if m.article_id == "a5"] == [("loser", "Initech")]
    store.close()


@pytest.mark.parametrize("change", ["rewrite", "overrides", "sidecar"])
def test_a_rewritten_file_a_new_parties_yaml_or_a_lost_sidecar_resolve_everything(parties_home, change):
    store = Store(parties_home)
    first = resolve_home(parties_home, store=store)
    if change == "rewrite":  # same records, different bytes: not an append
        path = parties_home / "extractions.jsonl"
        path.write_text("\n".join(reversed(path.read_text().splitlines())) + "\n")
    elif change == "overrides":
        (parties_home / "parties.yaml").write_text("ignore: [Initech]\n")
    else:
        sidecar_path(parties_home, None).unlink()
    again = resolve_home(parties_home, store=store)
    assert again.full
    names = {p.name for _, p in again.resolution.mentions}
    if change == "overrides":
        assert "Initech" not in names and "Initech" in {p.name for _, p in first.resolution.mentions}
        assert {lk.rule for lk in again.resolution.index.links if lk.name == "Initech"} == {"ignored"}
    else:
        assert _view(again.resolution) == _view(first.resolution)
    store.close()


def test_appended_records_of_another_model_are_read_once(parties_home, monkeypatch):
    resolve_home(parties_home, model="m", meta={})
    append_record(make_record("a1", ["Umbrella"], [], model="other:model", created_at="2999-01-01T00:00:00+00:00"),
                  parties_home / "extractions.jsonl")
    first = resolve_home(parties_home, model="m", meta={})
    assert first.relinked == [] and not first.full
    calls = []
    monkeypatch.setattr(state, "_appended", lambda *a: calls.append(a) or [])
    again = resolve_home(parties_home, model="m", meta={})
    assert calls == [] and again.relinked == []  # the sidecar moved past those lines


def test_a_model_filter_keeps_its_own_sidecar(parties_home):
    append_record(make_record("a1", ["Umbrella"], [], model="other:model", created_at="2999-01-01T00:00:00+00:00"),
                  parties_home / "extractions.jsonl")
    every = resolve_home(parties_home, meta={})
    one = resolve_home(parties_home, model="m", meta={})
    assert "Umbrella" in {m.name for m, _ in every.resolution.mentions}
    assert "Umbrella" not in {m.name for m, _ in one.resolution.mentions}
    assert sidecar_path(parties_home, "m") != sidecar_path(parties_home, None)
    assert json.loads(sidecar_path(parties_home, "m").read_text())["model"] == "m"
