"""evals/check_parties.py: the party gold passes its own checker and meets issue #17's minimums; the
checker rejects the mistakes that would silently skew merge precision and recall, naming file and id."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

SEED = "corpus/seed-article.txt"


def _checker() -> ModuleType:
    """Load the script once (dataclasses need it registered in sys.modules)."""
    if "check_parties" not in sys.modules:
        spec = importlib.util.spec_from_file_location("check_parties", REPO / "evals" / "check_parties.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules["check_parties"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["check_parties"]


def _id(split: str, stem: str) -> str:
    """An id that the sha256 rule puts in `split`."""
    return next(f"{stem}-{n}" for n in range(200) if _checker().split_of(f"{stem}-{n}") == split)


def _pair(pid: str, a: str, b: str, same: bool, kind: str, why: str = "", art: str = SEED) -> dict[str, Any]:
    item = {"id": pid, "kind": kind, "same": same, "a": {"article": art, "name": a}, "b": {"article": art, "name": b}}
    return {**item, "why": why} if why else item


def _write(tmp_path: Path, pairs: list[dict[str, Any]], generic: list[dict[str, Any]] | None = None) -> Path:
    f = tmp_path / "dev.yaml"
    f.write_text(yaml.safe_dump({"split": "dev", "pairs": pairs, **({"generic": generic} if generic else {})}),
                 encoding="utf-8")
    return f


def test_the_project_set_passes_and_meets_the_minimums(capsys):
    assert _checker().main([]) == 0, capsys.readouterr().err
    report = _checker().check([REPO / "evals" / "parties"])
    c = report.counts
    assert c["pairs"] >= 150 and c["hard"] >= 40 and c["generic"] >= 10
    assert c["same"] >= 60 and c["different"] >= 60 and c["cross"] >= 20 and c["variant"] >= 20
    assert c["test"] > 0.25 * (c["dev"] + c["test"]) and c["dev"] > c["test"]


def test_a_good_file_passes(tmp_path):
    f = _write(tmp_path, [_pair(_id("dev", "ok"), "Microsoft Azure", "Azure", True, "variant"),
                          _pair(_id("dev", "ok2"), "Microsoft", "Azure", False, "hard", "parent vs platform")],
               [{"id": _id("dev", "gen"), "article": SEED, "name": "shareholders"}])
    assert _checker().check([f]).errors == []


D1, D2, D3, T1, G1 = (_id("dev", "a"), _id("dev", "b"), _id("dev", "c"), _id("test", "a"), _id("dev", "g"))


@pytest.mark.parametrize("pairs, generic, expect", [
    ([_pair(D1, "Microsoft", "Microsoft Bing", False, "easy")], [], "'Microsoft Bing' does not occur in"),
    ([_pair(T1, "Microsoft", "Azure", False, "easy")], [], "belongs in the test part"),
    ([_pair(D1, "Microsoft", "Azure", False, "hard")], [], "a hard negative needs a 'why'"),
    ([_pair(D1, "Microsoft", "Azure", False, "variant")], [], "a variant pair is one party"),
    ([_pair(D1, "Microsoft", "Azure", True, "easy")], [], "a easy pair is a negative"),
    ([_pair(D1, "Microsoft", "Azure", True, "cross")], [], "a cross pair is two articles"),
    ([_pair(D1, "Microsoft", "Azure", False, "easy"), _pair(D1, "OpenAI", "Azure", False, "easy")], [],
     "duplicate id"),
    ([_pair(D1, "Azure", "Microsoft Azure", True, "variant"), _pair(D2, "Microsoft Azure", "Microsoft", True, "variant"),
      _pair(D3, "Azure", "Microsoft", False, "hard", "platform")], [],
     "labeled different, but other pairs make 'Azure' and 'Microsoft' the same party"),
    ([_pair(D1, "shareholders", "Microsoft", True, "variant")], [{"id": G1, "article": SEED, "name": "shareholders"}],
     "a generic mention is labeled the same party"),
    ([_pair(D1, "Microsoft", "Azure", False, "easy", art="corpus/nope.txt")], [], "does not exist or cannot be read"),
])
def test_mistakes_are_named_with_file_and_id(tmp_path, pairs, generic, expect):
    f = _write(tmp_path, pairs, generic)
    errors = _checker().check([f]).errors
    assert any(expect in e and str(f) in e for e in errors), errors


def test_a_descriptor_may_be_unwritten_only_with_a_note(tmp_path):
    pair = _pair(_id("dev", "desc"), "OpenAI", "the ChatGPT maker", True, "variant")
    pair["b"]["verbatim"] = False
    assert any("needs a 'note'" in e for e in _checker().check([_write(tmp_path, [pair])]).errors)
    pair["b"]["note"] = "OpenAI, as a claim might describe it"
    assert _checker().check([_write(tmp_path, [pair])]).errors == []


@pytest.mark.parametrize("part", ["holdout", "fresh", "fresh2", "fresh3", "fresh4", "fresh5"])
def test_an_unhashed_part_must_not_repeat_or_contradict_dev(tmp_path, part):
    dev = _write(tmp_path, [_pair(D1, "Microsoft Azure", "Azure", True, "variant")])
    hold = tmp_path / f"{part}.yaml"

    def write_holdout(pairs: list[dict[str, Any]]) -> list[str]:
        hold.write_text(yaml.safe_dump({"split": part, "pairs": pairs}), encoding="utf-8")
        return _checker().check([dev, hold]).errors

    # ids of either hash part are fine in an unhashed file, which counts apart from dev and test
    assert write_holdout([_pair(T1, "Microsoft", "OpenAI", False, "easy"),
                          _pair(D2, "Microsoft", "Azure", False, "hard", "parent vs platform")]) == []
    counts = _checker().check([dev, hold]).counts
    assert counts[part] == 2 and counts["dev"] == 1 and counts["test"] == 0
    errors = write_holdout([_pair(D2, "Azure", "Microsoft Azure", True, "variant")])  # b, a of dev's pair
    assert any("already paired (as " + D1 in e and str(hold) in e for e in errors), errors
    errors = write_holdout([_pair(D2, "Azure", "Microsoft Azure", False, "hard", "x")])
    assert any("labeled different, but other pairs make" in e for e in errors), errors


def test_an_unknown_split_is_named(tmp_path):
    f = tmp_path / "extra.yaml"
    f.write_text(yaml.safe_dump({"split": "final", "pairs": []}), encoding="utf-8")
    errors = _checker().check([f]).errors
    assert any(str(f) in e and "dev, test, holdout, fresh, fresh2, fresh3, fresh4, fresh5" in e for e in errors), errors


@pytest.mark.parametrize("part", ["fresh", "fresh2", "fresh3", "fresh4", "fresh5"])
def test_the_fresh_part_is_labeled_apart_and_meets_its_own_minimums(part):
    """evals/parties/fresh*.yaml: every kind present, hard negatives explained, and no pair of it
    joins two mentions that dev, test or holdout already pair (the whole-set check names those)."""
    c = _checker().check([REPO / "evals" / "parties" / f"{part}.yaml"]).counts
    assert c[part] == c["pairs"] + c["generic"] and c["dev"] == c["test"] == c["holdout"] == 0
    assert c["pairs"] >= 130 and c["generic"] >= 10 and c["hard"] >= 40 and c["cross"] >= 25
    assert c["variant"] >= 40 and c["easy"] >= 10
