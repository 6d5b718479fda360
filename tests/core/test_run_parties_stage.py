"""The `parties` stage of `pipeline run` and the digest's resolution: no model call, and a
parties.yaml that cannot be read is reported without stopping the run."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.corpus.store import Store
from pipeline.run import RunResult, StageResult, _parties
from pipeline.summarize.run import _resolution
from tests.parties.conftest import write_home


def _result(home: Path) -> RunResult:
    return RunResult(report=home / "report.html", home=home, models={}, stages=[])


def test_the_stage_links_new_records_then_finds_nothing_new(home):
    write_home(home)
    store = Store(home)
    result, stage = _result(home), StageResult("parties")
    assert _parties(home, store, stage, result) == []
    assert result.parties == 4  # Amazon Web Services (and AWS), Acme, Globex, Initech; no "customers"
    assert stage.data["linked_articles"] == 5 and stage.data["new_links"] > 0
    assert stage.detail.startswith("4 parties, ") and "new name(s) linked" in stage.detail
    again = StageResult("parties")
    assert _parties(home, store, again, _result(home)) == [] and again.detail == "4 parties, nothing new"
    store.close()


def test_an_unreadable_parties_yaml_is_reported_and_the_digest_groups_by_name(home, caplog):
    write_home(home)
    (home / "parties.yaml").write_text("merge: [just-one]\n", encoding="utf-8")
    store = Store(home)
    stage = StageResult("parties")
    failed = _parties(home, store, stage, _result(home))
    store.close()
    assert failed and failed[0]["path"] == "parties" and "parties.yaml" in failed[0]["error"]
    assert stage.detail.startswith("failed: ")
    with caplog.at_level(logging.WARNING):
        assert _resolution() is None
    assert "grouping by name" in caplog.text
