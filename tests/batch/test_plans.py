"""A batch carries exactly the calls the synchronous code makes, and collecting it gives exactly
the synchronous results: both read the stages' own plans (`single.plan`, `summary_plan`).
The vendor is the OpenAI mock of `tests.batch.conftest`; its wire bodies are compared."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pipeline.batch import collect, submit_extract_batch, submit_summarize_batch
from pipeline.batch.plans import summarize_targets
from pipeline.batch.vendor import backend_for
from pipeline.extraction.extract import extract_article
from pipeline.llm.options import run_options
from pipeline.records import read_records
from pipeline.summarize import SummaryRecord, append_jsonl, read_summaries, summaries_path
from pipeline.summarize.plan import free_summary
from pipeline.templates import load_prompt
from tests.batch.conftest import OpenAIBatchVendor, answer, openai_client
from tests.conftest import CORPUS
from tests.extraction.conftest import StubStore, make_article

OPENAI = "openai:gpt-4o-mini"
FILES = {"ev": "ev-price-cuts-lfp-plant.txt", "air": "regional-airline-merger.txt"}


@pytest.fixture
def setup(home, monkeypatch):
    """Two articles (one long enough to split at the window set per test), the mock vendor
    answering batch and synchronous requests alike, and the provider both paths use."""
    arts = [make_article((CORPUS / f).read_text(encoding="utf-8"), id=i, title=i)
            for i, f in FILES.items()]
    vendor = OpenAIBatchVendor(lambda cid, body: ("ok", answer(body)), polls_to_end=1, sync=answer)
    client = openai_client(vendor)
    return arts, StubStore(arts), vendor, client, backend_for(OPENAI, client=client).llm


def _batched(vendor: OpenAIBatchVendor) -> list[dict]:
    """The request bodies of the uploaded batch file, in file order."""
    (f,) = [f for f in vendor.files.values() if f["purpose"] == "batch"]
    return [json.loads(x)["body"] for x in f["_data"].splitlines() if x.strip()]


def test_extract_batch_carries_the_synchronous_requests_and_collects_the_same_records(setup,
                                                                                      monkeypatch):
    from pipeline.llm.openai import OpenAIProvider

    monkeypatch.setattr(OpenAIProvider, "context_window", 4500)  # 3 sections
    arts, store, vendor, client, provider = setup
    job = submit_extract_batch([a.id for a in arts], OPENAI, store=store, client=client)
    assert len(job.items) > len(arts)  # the long article is split into sections
    with run_options(use_cache=False):
        sync = {a.id: extract_article(a, provider, strategy="single") for a in arts}
    assert vendor.sync_bodies == _batched(vendor)  # same calls, same order, byte for byte
    assert [i.request["key"] for i in job.items if i.article_id == "ev"] == [
        f"section-{n}" for n in range(sync["ev"].stats["sections"])]

    vendor.sync_bodies.clear()
    (report,) = collect(client=client, store=store)
    assert report.status == "collected" and report.sync_calls == 0 and not vendor.sync_bodies
    got = {r.article_id: r for r in read_records()}
    assert set(got) == set(sync)
    for aid, rec in sync.items():
        assert got[aid].analysis == rec.analysis and got[aid].analysis.winners
        for key in ("sections", "claims", "exact", "reasks", "calls"):
            assert got[aid].stats[key] == rec.stats[key], key
        assert got[aid].prompt_hash == rec.prompt_hash


def test_summary_batch_carries_the_first_level_and_collects_the_same_summaries(setup, monkeypatch):
    from pipeline.llm.openai import OpenAIProvider

    monkeypatch.setattr(OpenAIProvider, "context_window", 900)
    arts, store, vendor, client, provider = setup
    job = submit_summarize_batch(OPENAI, store=store, client=client)
    batched = _batched(vendor)
    by_article = [i.article_id for i in job.items]
    sync = {}
    for a in sorted(arts, key=lambda a: a.id):  # the order summaries are made
        start = len(vendor.sync_bodies)
        with run_options(use_cache=False):
            sync[a.id] = free_summary(a, provider, 300)[0]
        planned = [b for b, aid in zip(batched, by_article) if aid == a.id]
        # the synchronous summary asks the planned calls first; reduce steps follow
        assert vendor.sync_bodies[start:start + len(planned)] == planned
    assert len(vendor.sync_bodies) > len(batched)  # some article needed a reduce step

    (report,) = collect(client=client, store=store)
    assert report.status == "collected" and report.from_batch == len(job.items)
    assert report.unused == 0
    summaries = {s.article_id: s.summary for s in read_summaries()[0]}
    assert summaries == sync


def test_summary_batch_leaves_out_what_the_run_would_reuse(home):
    old = make_article("Acme wins a contract. Beta loses a customer.", id="old")
    new = make_article("Gamma wins a tender. Delta loses a plant.", id="new")
    old.published_at = new.published_at = "2024-05-01"
    append_jsonl(summaries_path(), SummaryRecord(
        article_id="old", model=OPENAI, requested_model=OPENAI, summary="Acme wins.",
        prompt_hash=load_prompt("summarize").hash, content_hash=old.content_hash, strategy="free"))
    assert [a.id for a in summarize_targets([old, new], OPENAI, None)] == ["new"]
    # --since takes both articles, but the run reuses the stored summary: no request for it
    assert [a.id for a in summarize_targets([old, new], OPENAI, "2024-01-01")] == ["new"]
    old.text += " It changed."
    old.content_hash = "changed"
    assert [a.id for a in summarize_targets([old, new], OPENAI, "2024-01-01")] == ["old", "new"]


def test_batch_imports_no_private_names_from_other_modules():
    root = Path(__file__).resolve().parents[2] / "pipeline" / "batch"
    private = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_")]
    assert private == []
