"""extractions.jsonl: atomic appends, torn lines, duplicates, newest-per-article."""

from __future__ import annotations

import json
import logging
import threading

from pipeline.records import append_record, latest_for, latest_records, read_records, records_path
from pipeline.types import ArticleAnalysis, Evidence, ExtractionRecord, PartyClaim


def rec(article_id: str, created_at: str = "2026-01-01T00:00:00+00:00", model: str = "fake:scripted",
        prompt_hash: str = "abc", party: str = "Acme") -> ExtractionRecord:
    ev = Evidence(quote="Acme wins.", start=0, end=10, status="exact")
    return ExtractionRecord(article_id=article_id, model=model, prompt_hash=prompt_hash, created_at=created_at,
                            analysis=ArticleAnalysis(winners=[PartyClaim(party=party, evidence=ev)]))


def test_records_path_follows_pipeline_home(home):
    assert records_path() == home / "extractions.jsonl"
    assert records_path(home / "x") == home / "x" / "extractions.jsonl"


def test_append_then_read_round_trips(home):
    append_record(rec("a"))
    append_record(rec("b"))
    got = read_records()
    assert [r.article_id for r in got] == ["a", "b"]
    assert got[0].analysis.winners[0].party == "Acme"
    lines = records_path().read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["schema_version"] for line in lines)


def test_torn_last_line_is_skipped_with_a_warning_and_the_next_append_starts_fresh(home, caplog):
    append_record(rec("a"))
    path = records_path()
    full = rec("b").model_dump_json()
    with open(path, "a") as fh:
        fh.write(full[: len(full) // 2])  # a writer killed inside its write
    with caplog.at_level(logging.WARNING, logger="pipeline.records"):
        assert [r.article_id for r in read_records()] == ["a"]
    assert "torn last line" in caplog.text
    append_record(rec("c"))
    assert [r.article_id for r in read_records()] == ["a", "c"]  # c did not glue onto the torn line


def test_exact_duplicate_lines_are_dropped_but_newer_records_are_kept(home):
    r = rec("a")
    append_record(r)
    append_record(r)
    append_record(rec("a", created_at="2026-02-01T00:00:00+00:00", party="Beta"))
    got = read_records()
    assert len(got) == 2
    assert latest_records()["a"].analysis.winners[0].party == "Beta"


def test_invalid_middle_line_is_skipped(home):
    path = records_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rec("a").model_dump_json() + "\n{\"article_id\": 5}\nnot json\n" + rec("b").model_dump_json() + "\n")
    assert [r.article_id for r in read_records()] == ["a", "b"]


def test_latest_for_filters_model_and_prompt(home):
    append_record(rec("a", model="m1", prompt_hash="p1"))
    append_record(rec("a", model="m2", prompt_hash="p1", created_at="2026-03-01T00:00:00+00:00"))
    append_record(rec("b", model="m1", prompt_hash="p2"))
    assert set(latest_for("m1")) == {"a", "b"}
    assert set(latest_for("m1", "p1")) == {"a"}
    assert latest_for("m2")["a"].created_at.startswith("2026-03")


def test_missing_file_reads_as_empty(home):
    assert read_records() == [] and latest_records() == {}


def test_concurrent_appends_from_threads_never_interleave(home):
    def writer(k: int) -> None:
        for i in range(25):
            append_record(rec(f"t{k}-{i}", party="P" * 3000))  # long lines

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = records_path().read_text().splitlines()
    assert len(lines) == 100
    assert {json.loads(line)["article_id"] for line in lines} == {f"t{k}-{i}" for k in range(4) for i in range(25)}
