"""evals/check_answers.py: the answer gold passes its own checker and meets issue #18's minimums;
the checker rejects the mistakes that would silently skew an answer eval, naming file and id."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO

LION = "corpus/wikinews/answers/lion-air-voice-recorder-recovered.md"
KARAJ = "corpus/wikinews/answers/iranian-cargo-plane-crashes-karaj.md"
FACT = "Lion Air has been funding extended searches for both the recorder and outstanding human remains."


def _checker() -> ModuleType:
    """Load the script once (dataclasses need it registered in sys.modules)."""
    if "check_answers" not in sys.modules:
        spec = importlib.util.spec_from_file_location("check_answers", REPO / "evals" / "check_answers.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules["check_answers"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["check_answers"]


def _qid(split: str, stem: str) -> str:
    """An id that the sha256 rule puts in `split`."""
    want = 2 if split == "test" else 5
    for n in range(200):
        qid = f"{stem}-{n}"
        if (int(hashlib.sha256(qid.encode()).hexdigest(), 16) % 5 < 2) == (want == 2):
            return qid
    raise AssertionError("no id found")


def _write(tmp_path: Path, split: str, body: str) -> Path:
    path = tmp_path / f"{split}.yaml"
    path.write_text(f"split: {split}\nquestions:\n{body}", encoding="utf-8")
    return path


def _good(qid: str, quote: str = FACT, article: str = LION) -> str:
    return (f"- id: {qid}\n  question: What has Lion Air done since the crash?\n  articles: [{article}]\n"
            f"  answerable: true\n  entities: [Lion Air]\n  parts:\n  - ask: what it did\n    facts:\n"
            f"    - quote: \"{quote}\"\n      article: {article}\n"
            f"  off_topic:\n  - quote: State media reported the cockpit voice recorder was recovered.\n"
            f"    article: {KARAJ}\n")


def test_committed_answer_gold_passes_and_meets_the_minimums(capsys):
    mod = _checker()
    assert mod.main([]) == 0, capsys.readouterr().err
    c = mod.check([REPO / "evals" / "answers"]).counts
    assert c["questions"] >= 48 and c["real"] >= 26 and c["unanswerable"] >= 6
    assert c["multi_part"] >= 4 and c["carrier_trap"] >= 2
    assert 0.3 <= c["test"] / (c["dev"] + c["test"]) <= 0.5  # "about 40 % test" (the fresh part is apart)
    assert c["questions"] == c["dev"] + c["test"] + c["fresh"] + c["fresh2"] + c["fresh3"] + c["fresh4"] + c["fresh5"]
    assert "0 problems" in capsys.readouterr().out


def test_every_committed_question_sits_in_the_split_its_id_hashes_to():
    import yaml

    mod = _checker()
    for split in ("dev", "test"):
        data = yaml.safe_load((REPO / "evals" / "answers" / f"{split}.yaml").read_text(encoding="utf-8"))
        assert data["split"] == split and data["questions"]
        assert {mod.split_of(q["id"]) for q in data["questions"]} == {split}


@pytest.mark.parametrize("part", ["fresh", "fresh2", "fresh3", "fresh4", "fresh5"])
def test_committed_fresh_part_meets_its_own_minimums(part):
    mod = _checker()
    report = mod.check([REPO / "evals" / "answers" / f"{part}.yaml"])
    assert report.errors == []
    c = report.counts
    assert c[part] == c["questions"] and c["dev"] == c["test"] == 0
    assert all(c[k] >= n for k, n in mod.FRESH_MINIMUMS.items()), (c, mod.FRESH_MINIMUMS)


def test_a_fresh_part_is_not_hashed_but_its_ids_must_not_collide(tmp_path):
    mod = _checker()
    ids = [_qid("dev", "lion-air-searches"), _qid("test", "lion-air-searches")]
    fresh = _write(tmp_path, "fresh", "".join(_good(q) for q in ids))
    report = mod.check([fresh])
    assert report.errors == [] and report.counts["fresh"] == 2 and report.counts["dev"] == report.counts["test"] == 0
    dev_dir = tmp_path / "d"
    dev_dir.mkdir()
    dev = _write(dev_dir, "dev", _good(ids[0]))
    errors = mod.check([dev, fresh]).errors
    assert any("duplicate id" in e and ids[0] in e and str(fresh) in e for e in errors), errors


def test_an_unknown_split_is_rejected_naming_the_allowed_ones(tmp_path):
    mod = _checker()
    path = _write(tmp_path, "holdout", _good(_qid("dev", "lion-air-searches")))
    errors = mod.check([path]).errors
    assert any(str(path) in e and "(dev, test, fresh, fresh2, fresh3, fresh4, fresh5)" in e for e in errors), errors


def test_a_valid_tmp_file_passes_and_counts(tmp_path):
    mod = _checker()
    qid = _qid("dev", "lion-air-searches")
    report = mod.check([_write(tmp_path, "dev", _good(qid))])
    assert report.errors == []
    assert report.counts["questions"] == 1 and report.counts["real"] == 1 and report.counts["off_topic"] == 1


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda q: q.replace("both the recorder", "the recorder"), "quote not found verbatim"),
    (lambda q: q.replace("  answerable: true", "  answerable: false"), "unanswerable question has no parts"),
    (lambda q: q.replace(f"articles: [{LION}]", f"articles: [{LION}, {KARAJ}]"), "no fact quotes it"),
    (lambda q: q.replace(f"articles: [{LION}]", "articles: [corpus/nope.md]"), "does not exist"),
    (lambda q: q.replace("  entities: [Lion Air]\n", ""), "missing keys ['entities']"),
    (lambda q: q.replace("State media reported the cockpit voice recorder was recovered.", FACT)
               .replace(f"    article: {KARAJ}", f"    article: {LION}"), "off_topic repeats a gold fact"),
])
def test_checker_names_file_and_id_for_each_mistake(tmp_path, mutate, message):
    mod = _checker()
    qid = _qid("dev", "lion-air-searches")
    path = _write(tmp_path, "dev", mutate(_good(qid)))
    errors = mod.check([path]).errors
    assert any(message in e and str(path) in e and qid in e for e in errors), errors


def test_checker_rejects_wrong_split_and_duplicate_ids(tmp_path, capsys):
    mod = _checker()
    qid = _qid("test", "lion-air-searches")
    dev = _write(tmp_path, "dev", _good(qid))
    assert mod.main([str(dev)]) == 1
    assert f"{qid}: belongs in the test part" in capsys.readouterr().err
    test_dir = tmp_path / "t"
    test_dir.mkdir()
    _write(test_dir, "test", _good(qid) + _good(qid))
    errors = mod.check([test_dir]).errors
    assert any("duplicate id" in e and qid in e for e in errors), errors


def test_checker_runs_as_a_script():
    import subprocess

    run = subprocess.run([sys.executable, "evals/check_answers.py"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "0 problems" in run.stdout and "carrier trap" in run.stdout
