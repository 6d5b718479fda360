"""Summarize pieces that need no model: prompts, bookkeeping file, digest facts, map-reduce."""

from __future__ import annotations

import json

import pytest

from pipeline.summarize import (DigestRecord, Prompt, SummaryRecord, append_jsonl, digest_facts,
                                load_prompt, map_reduce, pack, party_key, read_summaries)
from pipeline.types import ArticleAnalysis, Evidence, ExtractionRecord, PartyClaim, UnchangedClaim


def _rec(aid: str, winners=(), losers=(), unchanged=()) -> ExtractionRecord:
    def claim(p):
        return PartyClaim(party=p, reason="", evidence=Evidence(quote=f"{p} quote in {aid}"))

    return ExtractionRecord(article_id=aid, model="fake", prompt_hash="h", analysis=ArticleAnalysis(
        winners=[claim(p) for p in winners], losers=[claim(p) for p in losers],
        unchanged=[UnchangedClaim(statement=s, evidence=Evidence(quote=s)) for s in unchanged]))


def test_prompt_sections_render_and_hash_changes_with_text():
    p = Prompt("t", "=== system ===\nBe brief {{ x }}.\n=== user ===\nQ: {{ q }}\n")
    msgs = p.messages(x="now", q="why?")
    assert msgs == [{"role": "system", "content": "Be brief now."}, {"role": "user", "content": "Q: why?"}]
    assert Prompt("t", p.text + " ").hash != p.hash
    with pytest.raises(Exception, match="q"):
        p.messages(x="only")  # a missing variable is an error, not an empty string


@pytest.mark.parametrize("name", ["answer", "answer_extractive", "summarize", "summarize_extractive",
                                  "digest", "digest_extractive"])
def test_shipped_prompts_render(name):
    vals = dict(question="q", passages="p", ids="a#0", sentences="1. s", n=1, title="t", text="x",
                partial=False, items="1. s", most=2, summaries="s", facts="f")
    msgs = load_prompt(name).messages(**vals)
    assert msgs[0]["role"] == "system" and msgs[-1]["role"] == "user"
    assert all(m["content"] for m in msgs)


def test_party_key_merges_surface_forms():
    assert party_key("The Google Cloud") == party_key("google cloud") == "google cloud"
    assert party_key("Microsoft’s") == party_key("Microsoft") == "microsoft"
    assert party_key("AT&T") == "at&t"


def test_digest_facts_counts_articles_and_finds_disagreements():
    records = {
        "a": _rec("a", winners=["Google Cloud", "AWS"], losers=["Microsoft"], unchanged=["Azure stays primary"]),
        "b": _rec("b", winners=["google cloud", "Microsoft", "AWS"], losers=["Intel"]),
        "c": _rec("c", winners=["Oracle"], losers=["Oracle"]),  # one article both ways: no disagreement
    }
    f = digest_facts(["a", "b", "c", "d"], records)
    winners = {t.party: t for t in f["winners"]}
    assert winners["Google Cloud"].count == 2 and winners["Google Cloud"].articles == ["a", "b"]
    assert winners["AWS"].count == 2
    assert f["winners"][0].count == 2 and f["losers"][0].count == 1
    assert winners["Google Cloud"].quotes["b"] == "google cloud quote in b"
    dis = {d.party: d for d in f["disagreements"]}
    assert set(dis) == {"Microsoft"}
    assert dis["Microsoft"].winner_in == ["b"] and dis["Microsoft"].loser_in == ["a"]
    assert [u.statement for u in f["unchanged"]] == ["Azure stays primary"]
    assert f["without_extraction"] == ["d"]


def test_pack_respects_budget():
    items = ["a" * 10, "b" * 10, "c" * 25, "d" * 5]
    assert pack(items, 20, len) == [[0, 1], [2], [3]]


def test_map_reduce_fits_budget_at_every_call():
    calls = []

    def step(group, final):
        assert sum(len(g) for g in group) <= 40  # never more than the budget per call
        calls.append((len(group), final))
        return ["s" * 8]  # each call condenses its group to 8 "tokens"

    out = map_reduce(["x" * 15] * 12, 40, len, step)
    assert out == ["s" * 8]
    assert calls[-1][1] is True and sum(1 for c in calls if c[1]) == 1
    assert calls[0] == (2, False)  # 15+15 fits, a third would not
    # level 1: 6 groups of 2; level 2: 6×8=48 > 40 → groups of 5 and 1; level 3: final over 2
    assert len(calls) == 6 + 2 + 1


def test_map_reduce_truncates_an_item_larger_than_the_budget():
    seen = []
    out = map_reduce(["word " * 500], 100, lambda s: len(s.split()), lambda g, f: seen.append(g) or ["ok"])
    assert out == ["ok"] and len(seen[0][0].split()) <= 51


def test_append_jsonl_survives_a_torn_line(tmp_path):
    path = tmp_path / "summaries.jsonl"
    rec = SummaryRecord(article_id="a", model="fake", prompt_hash="p", summary="S.")
    append_jsonl(path, rec)
    with open(path, "ab") as fh:
        fh.write(b'{"kind": "article", "article_id": "tor')  # a writer killed mid-line
    dig = DigestRecord(key="k", article_ids=["a"], model="fake", prompt_hash="d", overview="O [a]")
    append_jsonl(path, dig)
    arts, digs = read_summaries(path)
    assert [a.article_id for a in arts] == ["a"] and [d.key for d in digs] == ["k"]
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["kind"] == "digest"
