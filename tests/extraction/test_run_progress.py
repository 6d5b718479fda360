"""`run_extraction`'s progress goes through the one Progress protocol (pipeline.progress)."""

from __future__ import annotations

from pipeline.extraction.run import _progress


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, stage, total=None, note=""):
        self.events.append(("start", stage, total))

    def update(self, stage, done, total=None, note=""):
        self.events.append(("update", stage, done, total, note))

    def finish(self, stage, note):
        self.events.append(("finish", stage, note))


def test_a_reporter_sees_start_updates_and_finish():
    rec = Recorder()
    with _progress(rec, 2) as (advance, describe):
        describe("article-one")
        advance()
        advance()
    assert rec.events[0] == ("start", "extract", 2)
    assert ("update", "extract", 0, 2, "article-one") in rec.events
    assert rec.events[-2] == ("update", "extract", 2, 2, "article-one")
    assert rec.events[-1] == ("finish", "extract", "2/2")


def test_false_or_nothing_to_do_reports_nothing():
    rec = Recorder()
    with _progress(rec, 0) as (advance, describe):
        advance()
    with _progress(False, 3) as (advance, describe):
        advance()
    assert rec.events == []
