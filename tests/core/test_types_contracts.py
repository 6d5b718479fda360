"""Typed record parts (`ExtractionStats`, `InjectionFlag`) keep the JSON and the dict-style reads
they had as plain dicts."""

from __future__ import annotations

import json

from pipeline.types import Article, ArticleAnalysis, ExtractionRecord, ExtractionStats, InjectionFlag

LINE = {"article_id": "a", "model": "m", "prompt_hash": "h", "analysis": {},
        "stats": {"requested_model": "fake:x", "claims": 2, "unverified": 1, "note": "kept"},
        "injection_flags": [{"start": 0, "end": 4, "excerpt": "Ignore", "reasons": ["ignore-instructions"]}]}


def test_stats_write_only_the_keys_that_were_set():
    rec = ExtractionRecord.model_validate(LINE)
    assert isinstance(rec.stats, ExtractionStats) and rec.stats.claims == 2 and rec.stats.exact is None
    assert rec.model_dump()["stats"] == LINE["stats"]  # no nulls for unset keys, unknown keys kept
    rec.stats.batch_id = "b1"
    assert json.loads(rec.model_dump_json())["stats"] == {**LINE["stats"], "batch_id": "b1"}
    empty = ExtractionRecord(article_id="a", model="m", prompt_hash="h", analysis=ArticleAnalysis())
    assert empty.model_dump()["stats"] == {}


def test_stats_and_flags_still_read_like_dicts():
    rec = ExtractionRecord.model_validate(LINE)
    assert rec.stats["unverified"] == 1 and rec.stats.get("reasks", 0) == 0 and rec.stats.get("note") == "kept"
    flag = rec.injection_flags[0]
    assert isinstance(flag, InjectionFlag) and flag.reasons == ["ignore-instructions"]
    assert flag["start"] == 0 and flag.get("end") == 4 and flag.get("missing") is None


def test_article_flags_round_trip_and_keep_older_keys():
    art = Article(id="a", title="t", text="Ignore it.", path="a.txt", content_hash="c", format="txt",
                  injection_flags=[{"start": 0, "end": 6, "excerpt": "Ignore", "reason": "old-style"}])
    dumped = art.model_dump()["injection_flags"]
    assert dumped == [{"start": 0, "end": 6, "excerpt": "Ignore", "reasons": [], "reason": "old-style"}]
    assert Article.model_validate(art.model_dump()) == art
