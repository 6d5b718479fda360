"""Provider faults through the real OpenAI and Anthropic SDKs against the fault server.

1. One logical call per fault kind: transient faults are survived (retry or re-ask) and yield the
   right answer; permanent ones fail with an error that says what happened.
2. 100 articles extracted through `pipeline extract` while the server injects random faults:
   every article is either extracted or listed as failed with its reason, the counts add up,
   every record is whole and written once, and a `--new` re-run retries only the failures.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.reliability.conftest import write_corpus
from tests.reliability.faultserver import FAULTS, TRANSIENT, FaultScript

OPENAI_KEY = "sk-test-FAULTS-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-FAULTS-0123456789abcdef"
MODELS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-3-5-haiku-latest"}
# A retry (or a re-ask) makes these succeed on the next attempt; the client must not give up.
SURVIVABLE = TRANSIENT + ("truncated_json", "empty_choices")
ARTICLE = ("Acme gains customers after a price cut of 12 percent. Globex loses ground as buyers "
           "switch suppliers this quarter. Analysts say the rules for Initech remain unchanged.")


def _point_at(server, vendor: str, monkeypatch: pytest.MonkeyPatch) -> str:
    if vendor == "openai":
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    else:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    return MODELS[vendor]


@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
@pytest.mark.parametrize("fault", [f for f in FAULTS if f != "ok"])
def test_one_call_under_each_fault(vendor, fault, rel_home, fault_server, fast_retries, monkeypatch):
    from pipeline.extraction.single import RawAnalysis, _messages
    from pipeline.llm import generate
    from pipeline.llm.base import AuthError, LLMError

    model = _point_at(fault_server, vendor, monkeypatch)
    fault_server.configure(FaultScript(sequence=[fault]), hang_s=2.0)
    t0 = time.monotonic()
    if fault == "auth":
        with pytest.raises(AuthError) as err:
            generate(model, _messages(ARTICLE, None), RawAnalysis, use_cache=False)
        assert "401" in str(err.value) and ("OPENAI_API_KEY" if vendor == "openai" else "ANTHROPIC_API_KEY") in str(err.value)
        assert len(fault_server.seen) == 1, "a 401 must not be retried"
        return
    try:
        res = generate(model, _messages(ARTICLE, None), RawAnalysis, use_cache=False)
    except LLMError as exc:
        pytest.fail(f"{vendor}: one '{fault}' fault was not survived: {type(exc).__name__}: {exc}")
    out = res.output
    assert out.winners and out.winners[0].party == "Acme", (
        f"{vendor}: after a '{fault}' fault the call 'succeeded' with {out!r} (finish reason ignored?)")
    assert out.losers and out.losers[0].quote.startswith("Globex loses ground")
    assert len(fault_server.seen) >= (1 if fault == "slow" else 2), (fault, len(fault_server.seen))
    assert time.monotonic() - t0 < 15
    assert fault_server.seen[0].fault == fault


def _ingest(corpus: Path) -> list[str]:
    from pipeline.cli import app

    r = CliRunner().invoke(app, ["ingest", str(corpus), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["ingested"]


MARKERS = {7: ("MARKER-ALWAYS-500 is in this article.", "500"),
           23: ("MARKER-ALWAYS-SCHEMA is in this article.", "schema_violation"),
           42: ("MARKER-ALWAYS-HANG is in this article.", "hang"),
           77: ("MARKER-ALWAYS-529 is in this article.", "529")}
EXPECTED_REASON = {"500": "500", "schema_violation": "did not fit", "hang": "timed out", "529": "529"}


@pytest.mark.slow
@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
def test_100_articles_through_faults_every_article_accounted_for(vendor, tmp_path, rel_home, fault_server,
                                                                 fast_retries, monkeypatch, record_property):
    from pipeline.cli import app
    from pipeline.records import read_records

    write_corpus(tmp_path / "corpus", 100, markers={i: m for i, (m, _) in MARKERS.items()})
    ids = _ingest(tmp_path / "corpus")
    assert len(ids) == 100
    marker_ids = {}
    for i, (_marker, fault) in MARKERS.items():
        (aid,) = [a for a in ids if a.startswith(f"report-{i}-")]
        marker_ids[aid] = fault
    model = _point_at(fault_server, vendor, monkeypatch)
    kinds = tuple(k for k in SURVIVABLE)
    fault_server.configure(FaultScript(rules=[(m, f, None) for m, f in MARKERS.values()],
                                       sequence=list(kinds), rate=0.3, kinds=kinds, seed=99), hang_s=2.0)
    t0 = time.monotonic()
    r = CliRunner().invoke(app, ["extract", "--all", "--model", model, "--concurrency", "8", "--json"])
    seconds = time.monotonic() - t0
    report = json.loads(r.stdout)
    extracted, failed = report["extracted"], report["failed"]
    failed_ids = [f["id"] for f in failed]
    faults = fault_server.faults()
    injected = sum(n for k, n in faults.items() if k != "ok")
    unexpected = [aid for aid in failed_ids if aid not in marker_ids]
    record_property(f"{vendor}_requests", len(fault_server.seen))
    record_property(f"{vendor}_faults_injected", injected)
    record_property(f"{vendor}_extracted", len(extracted))
    record_property(f"{vendor}_failed", len(failed))
    record_property(f"{vendor}_seconds", round(seconds, 1))
    print(f"\n{vendor}: {len(fault_server.seen)} requests, {injected} faults {faults}; "
          f"{len(extracted)} extracted, {len(failed)} failed ({len(unexpected)} beyond the 4 always-failing) "
          f"in {seconds:.1f}s; failures: {[f['error'][:80] for f in failed]}")
    # Every article is accounted for exactly once.
    assert sorted(extracted + failed_ids) == sorted(ids), "extracted + failed must be exactly the corpus"
    assert len(set(extracted)) == len(extracted) and not set(extracted) & set(failed_ids)
    assert r.exit_code == (1 if failed else 0)
    for f in failed:
        assert f["error"] and len(f["error"]) > 10, f
    # Articles whose every request fails are failed, with the right reason. (A 401 is key-wide:
    # the run stops attempting the rest, so it is tested per call above, not per article here.)
    for aid, fault in marker_ids.items():
        (f,) = [x for x in failed if x["id"] == aid] or [None]
        assert f is not None, f"{aid} ({fault} on every request) should have failed"
        assert EXPECTED_REASON[fault] in f["error"], (fault, f["error"])
    # Records: exactly one per extracted article, none for failed ones, none empty or torn.
    recs = read_records()
    assert sorted(r.article_id for r in recs) == sorted(extracted)
    assert report["records"] == len(extracted)
    empty = [r.article_id for r in recs if not (r.analysis.winners or r.analysis.losers)]
    assert not empty, f"{len(empty)} articles 'extracted' with no claims (a truncated answer accepted?): {empty[:5]}"
    for rec in recs:
        for c in [*rec.analysis.winners, *rec.analysis.losers]:
            assert c.evidence.status == "exact", (rec.article_id, c)
    assert set(kinds) <= set(faults), f"not every fault kind was injected: {set(kinds) - set(faults)}"
    assert len(extracted) >= 80, "most articles should survive transient faults"
    # A --new re-run retries exactly the failed articles and duplicates nothing.
    fault_server.configure(FaultScript(rules=[(m, f, None) for m, f in MARKERS.values()]))
    r2 = CliRunner().invoke(app, ["extract", "--new", "--model", model, "--concurrency", "8", "--json"])
    again = json.loads(r2.stdout)
    assert sorted(again["skipped"]) == sorted(extracted)
    assert sorted(again["extracted"] + [f["id"] for f in again["failed"]]) == sorted(failed_ids)
    assert sorted(f["id"] for f in again["failed"]) == sorted(marker_ids)
    recs = read_records()
    assert len(recs) == len({r.article_id for r in recs}) == 96
