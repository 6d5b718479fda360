"""Submit → poll → collect for extraction and summaries, against the real store and the real
synchronous code, with the vendors behind `httpx` mock transports (see `conftest.py`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.batch import JobStore, collect, submit_extract_batch, submit_summarize_batch
from pipeline.batch.vendor import BATCH_DISCOUNT
from pipeline.llm import ledger, prices
from pipeline.records import read_records
from pipeline.corpus.store import Store

from tests.batch.conftest import (AnthropicBatchVendor, OpenAIBatchVendor, answer,
                                  anthropic_client, openai_client)

OPENAI = "openai:gpt-4o-mini"
ANTHROPIC = "anthropic:claude-3-5-haiku-latest"


def _ids(store: Store) -> list[str]:
    return sorted(a.id for a in store.list_articles())


def _ledger_rows(home: Path) -> list[dict]:
    import sqlite3

    con = sqlite3.connect(home / "ledger.sqlite")
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM attempts ORDER BY id")]
    con.close()
    return rows


def _check_grounded(store: Store, records) -> None:
    for rec in records:
        text = store.get_article(rec.article_id).text
        claims = [*rec.analysis.winners, *rec.analysis.losers, *rec.analysis.unchanged]
        assert claims, rec
        for c in claims:
            assert c.evidence.status in ("exact", "fuzzy")
            assert text[c.evidence.start:c.evidence.end] == c.evidence.quote


# ------------------------------------------------------------------ extraction, OpenAI


def test_extract_batch_partial_failure_expiry_and_invalid_output(home, corpus):
    ids = _ids(corpus)
    bad, failing, expiring = ids

    def plan(cid, body):
        aid = job_map[cid]
        if aid == failing:
            return ("http", 500, "server_error", "The server had an error processing your request.")
        if aid == expiring:
            return ("expire",)
        if aid == bad:  # schema-invalid output: re-asked synchronously
            return ("ok", {"summary": 5, "winners": "everyone"})
        return ("ok", answer(body))

    vendor = OpenAIBatchVendor(plan, sync=answer)
    client = openai_client(vendor)
    job = submit_extract_batch(ids, OPENAI, store=corpus, client=client)
    job_map = job.custom_id_map
    assert job.status == "submitted" and job.batch_id.startswith("batch_")
    assert sorted(job_map.values()) == ids and len(job.items) == 3

    first = collect(client=client, store=corpus)
    assert [r.status for r in first] == ["in_progress"] and not read_records()
    (report,) = collect(client=client, store=corpus)

    assert report.status == "collected" and report.vendor_status == "expired"
    assert sorted(report.stored) == ids
    assert sorted((r["article_id"], r["outcome"]) for r in report.retried) == sorted(
        [(failing, "errored"), (expiring, "expired")])
    assert report.failed == []
    assert report.from_batch == 1  # the invalid answer was consumed, then re-asked
    # two retries + one re-ask, all synchronous
    assert report.sync_calls == 3 and len(vendor.sync_bodies) == 3
    reask = [b for b in vendor.sync_bodies if len(b["messages"]) > 2]
    assert len(reask) == 1 and "invalid" in reask[0]["messages"][-1]["content"]

    records = read_records()
    assert sorted(r.article_id for r in records) == ids
    from pipeline.extraction.extract import prompt_hash

    assert {r.model for r in records} == {OPENAI}
    assert {r.prompt_hash for r in records} == {prompt_hash("single")}
    assert {r.strategy for r in records} == {"single"}
    _check_grounded(corpus, records)
    assert JobStore().get(job.job_id).status == "collected"

    # nothing left: a further collect does nothing and calls nobody
    n = len(vendor.requests)
    assert collect(client=client, store=corpus) == [] and len(vendor.requests) == n


def test_batch_costs_are_recorded_at_half_price(home, corpus):
    ids = _ids(corpus)
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1)
    client = openai_client(vendor)
    submit_extract_batch(ids, OPENAI, store=corpus, client=client)
    (report,) = collect(client=client, store=corpus)
    assert report.from_batch == 3 and report.sync_calls == 0 and not vendor.sync_bodies

    rows = [r for r in _ledger_rows(home) if r["status"] == "ok"]
    assert len(rows) == 3
    for row in rows:
        full = prices.cost_of(OPENAI, row["input_tokens"], row["output_tokens"])
        assert full and row["cost_usd"] == pytest.approx(full * BATCH_DISCOUNT)
        assert row["mode"] == "batch:json_schema" and row["stage"] == "extract"
    total = sum(r["cost_usd"] for r in rows)
    assert report.usage.cost_usd == pytest.approx(total)
    assert sum(r.usage.cost_usd for r in read_records()) == pytest.approx(total)
    assert ledger.summary()["totals"]["cost_usd"] == pytest.approx(total, abs=1e-6)


def test_no_retry_reports_failed_items_instead(home, corpus):
    ids = _ids(corpus)
    vendor = OpenAIBatchVendor(
        lambda cid, body: ("expire",) if cid.startswith("00001") else ("ok", answer(body)),
        polls_to_end=1, sync=answer)
    client = openai_client(vendor)
    submit_extract_batch(ids, OPENAI, store=corpus, client=client)
    (report,) = collect(client=client, store=corpus, retry=False)
    assert report.status == "collected" and report.sync_calls == 0 and not vendor.sync_bodies
    assert [(f["article_id"], f["outcome"]) for f in report.failed] == [(ids[1], "expired")]
    assert sorted(r.article_id for r in read_records()) == [ids[0], ids[2]]


def test_long_articles_are_batched_per_section_with_no_synchronous_call(home, corpus, monkeypatch):
    from pipeline.llm.openai import OpenAIProvider

    monkeypatch.setattr(OpenAIProvider, "context_window", 2600)  # forces several sections
    ids = _ids(corpus)
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1)
    client = openai_client(vendor)
    job = submit_extract_batch(ids, OPENAI, store=corpus, client=client)
    parts = {aid: sum(1 for i in job.items if i.article_id == aid) for aid in ids}
    assert max(parts.values()) > 1, parts
    (report,) = collect(client=client, store=corpus)
    # every planned request is exactly one the extractor makes: all answered from the batch
    assert report.from_batch == len(job.items) and report.sync_calls == 0 and report.unused == 0
    records = read_records()
    assert {r.article_id: r.stats["sections"] for r in records} == parts
    _check_grounded(corpus, records)


def test_changed_prompt_answers_synchronously_and_still_bills_the_batch(home, corpus, monkeypatch,
                                                                       tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(Path(__file__).resolve().parents[2] / "prompts", prompts)
    monkeypatch.setenv("PIPELINE_PROMPTS", str(prompts))
    ids = _ids(corpus)[:1]
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1, sync=answer)
    client = openai_client(vendor)
    submit_extract_batch(ids, OPENAI, store=corpus, client=client)
    p = prompts / "extract.md"
    p.write_text(p.read_text(encoding="utf-8").replace("You analyze", "You carefully analyze"),
                 encoding="utf-8")
    (report,) = collect(client=client, store=corpus)
    assert report.unused == 1 and report.sync_calls == 1 and report.from_batch == 0
    unused = [r for r in _ledger_rows(home) if r["status"] == "batch-unused"]
    assert len(unused) == 1
    assert unused[0]["cost_usd"] == pytest.approx(
        prices.cost_of(OPENAI, unused[0]["input_tokens"], unused[0]["output_tokens"]) * BATCH_DISCOUNT)
    assert [r.article_id for r in read_records()] == ids


def test_interrupted_collect_resumes_without_duplicates(home, corpus, monkeypatch):
    import pipeline.records as records_mod

    ids = _ids(corpus)
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1)
    client = openai_client(vendor)
    submit_extract_batch(ids, OPENAI, store=corpus, client=client)

    real_append = records_mod.append_record
    calls = {"n": 0}

    def append_then_die(rec, path=None):
        calls["n"] += 1
        real_append(rec, path)
        if calls["n"] == 2:  # killed after the 2nd record hit the disk, before bookkeeping
            raise KeyboardInterrupt

    monkeypatch.setattr(records_mod, "append_record", append_then_die)
    with pytest.raises(KeyboardInterrupt):
        collect(client=client, store=corpus)
    monkeypatch.setattr(records_mod, "append_record", real_append)
    assert len(read_records()) == 2

    (report,) = collect(client=client, store=corpus)
    assert report.status == "collected"
    records = read_records()
    assert sorted(r.article_id for r in records) == ids  # each exactly once
    # the resumed run used only the one remaining answer; none was billed twice
    assert report.from_batch == 1 and report.sync_calls == 0
    rows = _ledger_rows(home)
    assert len([r for r in rows if r["status"] == "ok"]) == 3
    assert not [r for r in rows if r["status"] == "batch-unused"]  # the 2nd answer: billed once


def test_failed_synchronous_reask_is_retried_next_collect_without_double_billing(home, corpus):
    ids = _ids(corpus)[:1]
    state = {"sync": ("http", 400, "invalid_request_error", "context_length_exceeded")}
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", {"summary": 1, "winners": 2}),
                               polls_to_end=1, sync=lambda body: state["sync"])
    client = openai_client(vendor)
    submit_extract_batch(ids, OPENAI, store=corpus, client=client)
    (first,) = collect(client=client, store=corpus)
    assert first.status == "ended" and first.failed[0]["will_retry"] is True
    assert "context_length_exceeded" in first.failed[0]["error"] and read_records() == []

    state["sync"] = None  # the vendor recovers
    vendor.sync = answer
    (second,) = collect(client=client, store=corpus)
    assert second.status == "collected" and [r.article_id for r in read_records()] == ids
    batch_rows = [r for r in _ledger_rows(home) if (r["mode"] or "").startswith("batch:")]
    assert len(batch_rows) == 2  # the invalid answer was replayed twice...
    assert [r["cost_usd"] > 0 for r in batch_rows] == [True, False]  # ...and billed once


def test_whole_batch_failure_is_reported(home, corpus):
    vendor = OpenAIBatchVendor(lambda c, b: ("ok", answer(b)), polls_to_end=1,
                               fail_validation="Requests must all use the same model")
    client = openai_client(vendor)
    job = submit_extract_batch(_ids(corpus), OPENAI, store=corpus, client=client)
    (report,) = collect(client=client, store=corpus)
    assert report.status == "failed" and "same model" in report.message
    stored = JobStore().get(job.job_id)
    assert stored.status == "failed" and {i.state for i in stored.items} == {"failed"}
    assert not read_records() and not vendor.sync_bodies


def test_submit_refuses_unknown_articles_and_small_models(home, corpus):
    from pipeline.batch.vendor import BatchUnsupported

    vendor = OpenAIBatchVendor(lambda c, b: ("ok", {}))
    with pytest.raises(KeyError, match="no-such-article"):
        submit_extract_batch(["no-such-article"], OPENAI, store=corpus, client=openai_client(vendor))
    with pytest.raises(BatchUnsupported):
        submit_extract_batch(_ids(corpus), "local", store=corpus)
    assert vendor.requests == [] and JobStore().list() == []


# ------------------------------------------------------------------ extraction, Anthropic


def test_anthropic_extract_batch_with_errored_expired_and_canceled_items(home, corpus):
    ids = _ids(corpus)
    outcome = {0: ("http", 500, "api_error", "Internal server error"), 1: ("expire",),
               2: ("cancel",)}

    def plan(cid, params):
        i = int(cid[:5])
        return ("ok", answer(params)) if i not in outcome else outcome[i]

    vendor = AnthropicBatchVendor(lambda cid, p: plan(cid, p), sync=answer)
    client = anthropic_client(vendor)
    job = submit_extract_batch(ids, ANTHROPIC, store=corpus, client=client)
    assert job.batch_id.startswith("msgbatch_")
    assert collect(client=client, store=corpus)[0].status == "in_progress"
    (report,) = collect(client=client, store=corpus, retry=False)
    assert report.status == "collected"
    assert sorted(f["outcome"] for f in report.failed) == ["canceled", "errored", "expired"]
    assert read_records() == []


def test_anthropic_extract_batch_stores_grounded_records_at_half_price(home, corpus):
    ids = _ids(corpus)
    vendor = AnthropicBatchVendor(lambda cid, p: ("ok", answer(p)))
    client = anthropic_client(vendor)
    submit_extract_batch(ids, ANTHROPIC, store=corpus, client=client)
    (report,) = collect(client=client, store=corpus, wait=True, poll_interval=0.01)
    assert report.status == "collected" and report.from_batch == 3 and report.sync_calls == 0
    records = read_records()
    assert sorted(r.article_id for r in records) == ids and {r.model for r in records} == {ANTHROPIC}
    _check_grounded(corpus, records)
    for row in [r for r in _ledger_rows(home) if r["status"] == "ok"]:
        assert row["mode"] == "batch:tool"
        assert row["cost_usd"] == pytest.approx(
            prices.cost_of(ANTHROPIC, row["input_tokens"], row["output_tokens"]) * BATCH_DISCOUNT)


def test_anthropic_failed_items_are_retried_synchronously(home, corpus):
    ids = _ids(corpus)
    vendor = AnthropicBatchVendor(
        lambda cid, p: ("expire",) if cid.startswith("00002") else ("ok", answer(p)), sync=answer,
        polls_to_end=1)
    client = anthropic_client(vendor)
    submit_extract_batch(ids, ANTHROPIC, store=corpus, client=client)
    (report,) = collect(client=client, store=corpus)
    assert report.status == "collected", report
    assert [(r["article_id"], r["outcome"]) for r in report.retried] == [(ids[2], "expired")]
    assert len(vendor.sync_bodies) == 1 and sorted(r.article_id for r in read_records()) == ids


# ------------------------------------------------------------------ summaries


def test_summarize_batch_then_digest(home, corpus):
    from pipeline.summarize import read_summaries

    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1, sync=answer)
    client = openai_client(vendor)
    out = home / "digest.md"
    job = submit_summarize_batch(OPENAI, out=str(out), store=corpus, client=client)
    assert job is not None and job.kind == "summarize" and len(job.items) == 3
    (report,) = collect(client=client, store=corpus)
    assert report.status == "collected" and sorted(report.stored) == _ids(corpus)
    # three summaries from the batch; the digest overview (depends on them) is one sync call
    assert report.from_batch == 3 and report.sync_calls == 1 and report.unused == 0
    summaries, digests = read_summaries()
    assert sorted(s.article_id for s in summaries) == _ids(corpus)
    texts = {a.id: a.text for a in corpus.list_articles()}
    for s in summaries:
        assert s.model == OPENAI and s.summary and s.summary in texts[s.article_id]
        assert s.usage.cost_usd == pytest.approx(
            prices.cost_of(OPENAI, s.usage.input_tokens, s.usage.output_tokens) * BATCH_DISCOUNT)
    assert len(digests) == 1 and sorted(digests[0].article_ids) == _ids(corpus)
    assert report.out == str(out) and "Digest of 3 article(s)" in out.read_text(encoding="utf-8")
    # nothing new: no batch is sent
    assert submit_summarize_batch(OPENAI, store=corpus, client=client) is None
    assert len(JobStore().list()) == 1


def test_summarize_long_article_batches_its_sections_and_reduces_synchronously(home, corpus,
                                                                              monkeypatch):
    from pipeline.llm.openai import OpenAIProvider

    monkeypatch.setattr(OpenAIProvider, "context_window", 900)
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1, sync=answer)
    client = openai_client(vendor)
    job = submit_summarize_batch(OPENAI, store=corpus, client=client)
    assert len(job.items) > 3  # at least one article split into sections
    (report,) = collect(client=client, store=corpus)
    assert report.status == "collected" and report.unused == 0
    assert report.from_batch == len(job.items)


# ------------------------------------------------------------------ JSON shapes


def test_job_record_shape(home, corpus):
    vendor = OpenAIBatchVendor(lambda c, b: ("ok", answer(b)))
    job = submit_extract_batch(_ids(corpus), OPENAI, store=corpus, client=openai_client(vendor))
    data = json.loads(JobStore().get(job.batch_id).model_dump_json())
    for key in ("job_id", "batch_id", "provider", "model", "kind", "status", "created_at",
                "updated_at", "items", "meta", "counts"):
        assert key in data
    assert data["provider"] == "openai" and data["kind"] == "extract"
    assert (home / "batches.sqlite").is_file()


def test_submit_killed_after_the_vendor_call_is_recovered_from_batch_metadata(home, corpus,
                                                                              monkeypatch):
    ids = _ids(corpus)
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1)
    client = openai_client(vendor)
    real_update = JobStore.update

    def die(self, job_id, **fields):
        if "batch_id" in fields:
            raise KeyboardInterrupt  # killed between the vendor's answer and our bookkeeping
        return real_update(self, job_id, **fields)

    monkeypatch.setattr(JobStore, "update", die)
    with pytest.raises(KeyboardInterrupt):
        submit_extract_batch(ids, OPENAI, store=corpus, client=client)
    monkeypatch.setattr(JobStore, "update", real_update)
    (job,) = JobStore().list()
    assert job.status == "preparing" and job.batch_id is None and len(vendor.batches) == 1

    (report,) = collect(client=client, store=corpus)
    assert report.batch_id == next(iter(vendor.batches)) and report.status == "collected"
    assert sorted(r.article_id for r in read_records()) == ids


def test_unsubmitted_job_is_reported(home, corpus, monkeypatch):
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)))
    client = openai_client(vendor)
    from pipeline.batch.openai_batch import OpenAIBatchBackend

    def crash(self, requests, *, metadata):
        raise KeyboardInterrupt

    monkeypatch.setattr(OpenAIBatchBackend, "submit", crash)
    with pytest.raises(KeyboardInterrupt):
        submit_extract_batch(_ids(corpus), OPENAI, store=corpus, client=client)
    (report,) = collect(client=client, store=corpus)
    assert report.status == "preparing" and "submit the work again" in report.message
    assert vendor.batches == {}


def test_budget_is_checked_before_submitting(home, corpus):
    from pipeline.llm.base import BudgetExceeded
    from pipeline.llm.options import run_options

    vendor = OpenAIBatchVendor(lambda c, b: ("ok", answer(b)))
    with run_options(max_cost=1e-7), pytest.raises(BudgetExceeded, match="after the batch discount"):
        submit_extract_batch(_ids(corpus), OPENAI, store=corpus, client=openai_client(vendor))
    assert vendor.requests == [] and JobStore().list() == []
    with run_options(max_cost=1.0):  # ample: submitted
        job = submit_extract_batch(_ids(corpus), OPENAI, store=corpus, client=openai_client(vendor))
    assert 0 < job.meta["estimated_cost_usd"] < 1.0
