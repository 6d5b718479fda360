"""Retrieval pieces that need no store: fusion, dates, the BM25 index and its cache, set files."""

from __future__ import annotations

import pytest

from pipeline.evaluate.retrieval import load_retrieval_set
from pipeline.query.bm25 import BM25Index, corpus_key, load_or_build_index
from pipeline.query.retrieve import RetrievalError, rrf
from pipeline.text.dates import DateError, parse_since
from pipeline.types import Chunk


def _chunk(aid: str, i: int, text: str) -> Chunk:
    return Chunk(id=f"{aid}#{i}", article_id=aid, index=i, start=0, end=len(text), text=text,
                 tokens=len(text.split()))


CHUNKS = [
    _chunk("air", 0, "The regional airline merger leaves smaller airports with fewer routes."),
    _chunk("grid", 0, "Utilities are installing grid batteries to shave evening peaks."),
    _chunk("grid", 1, "Battery storage winners include lithium suppliers; gas peaker plants lose."),
    _chunk("chips", 0, "Export rules push foundries to build fabs in allied countries."),
]


def test_rrf_rewards_agreement_between_rankers():
    fused = rrf([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert max(fused, key=fused.get) == "b"  # ranked 2nd and 1st beats 1st and 3rd
    assert rrf([["x"], []]) == {"x": pytest.approx(1 / 61)}


def test_parse_since_dates_and_errors():
    assert parse_since("2026-01-02") == 1767312000
    assert parse_since("2026-01-02T01:00:00+01:00") == 1767312000
    assert parse_since(None) is None
    with pytest.raises(DateError, match="not a date"):
        parse_since("yesterday")


def test_bm25_ranks_stemmed_keyword_match_first(tmp_path):
    index = load_or_build_index(CHUNKS, tmp_path)
    top = index.top("who installs a battery?", 3)
    assert top[0][0] == "grid#0"  # "installing"/"installs" and "batteries"/"battery" share stems
    assert {cid for cid, _ in top} <= {"grid#0", "grid#1"}
    assert index.top("zeppelin", 3) == []  # no term in the corpus: no hits, not random ones
    only = index.top("batteries", 3, allowed={"chips#0", "air#0"})
    assert only == []


def test_bm25_cache_is_reused_and_rebuilt_when_chunks_change(tmp_path, monkeypatch):
    from pipeline.query import bm25

    bm25._memo.clear()
    first = load_or_build_index(CHUNKS, tmp_path)
    key = corpus_key(c.id for c in CHUNKS)
    assert (tmp_path / key / "ids.json").is_file()
    bm25._memo.clear()
    built = []
    monkeypatch.setattr(BM25Index, "build", classmethod(lambda cls, *a, **k: built.append(1)))
    again = load_or_build_index(CHUNKS, tmp_path)  # from disk, not rebuilt
    assert built == [] and again.ids == first.ids
    monkeypatch.undo()
    bm25._memo.clear()
    more = CHUNKS + [_chunk("sat", 0, "Satellite phones reach rural valleys.")]
    grown = load_or_build_index(more, tmp_path)
    assert "sat#0" in grown.ids and grown.top("satellite", 1)[0][0] == "sat#0"
    dirs = [p.name for p in tmp_path.iterdir() if p.is_dir()]
    assert dirs == [corpus_key(c.id for c in more)]  # the stale index was removed


def test_damaged_cache_is_rebuilt(tmp_path):
    from pipeline.query import bm25

    bm25._memo.clear()
    load_or_build_index(CHUNKS, tmp_path)
    key = corpus_key(c.id for c in CHUNKS)
    (tmp_path / key / "params.index.json").write_text("{not json")
    bm25._memo.clear()
    index = load_or_build_index(CHUNKS, tmp_path)
    assert index.top("fabs", 1)[0][0] == "chips#0"


@pytest.mark.parametrize("body,err", [
    ("questions: []", "non-empty 'questions'"),
    ("questions:\n  - {question: '', relevant: [a]}", "question 1: needs a non-empty 'question'"),
    ("questions:\n  - {question: why, relevant: []}", "question 1: 'relevant' must be"),
    ("questions: [\n", "invalid YAML"),
])
def test_retrieval_set_errors_name_file_and_question(tmp_path, body, err):
    p = tmp_path / "set.yaml"
    p.write_text(body)
    with pytest.raises(RetrievalError, match=err) as exc:
        load_retrieval_set(p)
    assert str(p) in str(exc.value)


def test_retrieval_set_loads_k_and_single_relevant(tmp_path):
    p = tmp_path / "set.yaml"
    p.write_text("k: 3\nquestions:\n  - {question: 'who wins?', relevant: corpus/a.txt}\n")
    qs, k = load_retrieval_set(p)
    assert k == 3 and qs[0]["relevant"] == ["corpus/a.txt"] and qs[0]["id"] == "q1"
