"""Gold-file loading and validation: every problem names the file, the line and what is wrong."""

from __future__ import annotations

import pytest

from pipeline.evaluate.gold import GoldError, load_gold
from tests.evaluate.conftest import write_gold

GOOD = """\
article: corpus/seed-article.txt
winners:
  - {party: Google Cloud, aliases: [Google, GCP], evidence: "Google Cloud and Oracle win.", required: true}
  - Oracle
losers:
  - party: Anthropic
    evidence: Anthropic and other competitors lose strategic leverage.
  - {party: Microsoft's stock, required: false}
unchanged:
  - {statement: "Microsoft still has board representation", evidence: "Microsoft still has board representation."}
"""


def _problems(tmp_path, text: str, name: str = "g") -> list[str]:
    write_gold(tmp_path, name, text)
    with pytest.raises(GoldError) as exc:
        load_gold([tmp_path])
    return [str(p) for p in exc.value.problems]


def test_valid_file_loads_with_defaults(tmp_path):
    write_gold(tmp_path, "seed", GOOD)
    [g] = load_gold([tmp_path])
    assert g.ref == "corpus/seed-article.txt" and g.line == 1
    w = g.items["winners"]
    assert [i.text for i in w] == ["Google Cloud", "Oracle"]
    assert w[0].aliases == ("Google", "GCP") and w[0].required and w[0].line == 3
    assert w[1].required and w[1].evidence is None and w[1].aliases == ()  # shorthand item
    assert g.items["losers"][1].required is False and g.items["losers"][0].line == 6
    assert g.items["unchanged"][0].text == "Microsoft still has board representation"


def test_empty_fields_are_allowed(tmp_path):
    write_gold(tmp_path, "e", "article: a1\nwinners:\nlosers: []\nunchanged: []\n")
    [g] = load_gold([tmp_path])
    assert g.items == {"winners": [], "losers": [], "unchanged": []}


@pytest.mark.parametrize("text, line, needle", [
    ("winners: []\n", 1, "missing required key `article:`"),
    ("article: a\nwinner:\n  - X\n", 2, "unknown key 'winner'; did you mean 'winners'?"),
    ("article: a\nwinners:\n  - {party: X, required: yes please}\n", 3, "`required` must be true or false"),
    ("article: a\nwinners:\n  - {aliases: [X]}\n", 3, "missing required key `party:`"),
    ("article: a\nwinners:\n  - ok\n  - {statement: X}\n", 4, "`winners` items use `party:`, not `statement:`"),
    ("article: a\nunchanged:\n  - {party: X}\n", 3, "`unchanged` items use `statement:`, not `party:`"),
    ("article: a\nlosers:\n  - party: X\n    aliases: Y\n", 4, "`aliases` must be a list"),
    ("article: a\nlosers: X\n", 2, "`losers` must be a list"),
    ("article: a\nwinners:\n  - {party: X}\narticle: b\n", 4, "duplicate key 'article'"),
    ("article: a\nwinners:\n  - {party: Google}\n  - {party: google}\n", 4, "repeats the item at line 3"),
    ("article: a\nwinners:\n  - {party: X\n", 4, "invalid YAML"),
    ("article: a\nwinners:\n  - party: [X]\n", 3, "`party` must be a non-empty string, got a list"),
    ("article: ''\nwinners: []\n", 1, "`article` must be a non-empty string"),
    ("- a\n- b\n", 1, "top level must be a mapping"),
    ("article: a\n", 1, "no `winners`, `losers` or `unchanged` list"),
    ("article: a\nwinners:\n  - {party: X, evidence: [q]}\n", 3, "`evidence` must be a non-empty string"),
])
def test_validation_errors_name_file_line_and_problem(tmp_path, text, line, needle):
    probs = _problems(tmp_path, text)
    assert any(p.startswith(f"{tmp_path / 'g.yaml'}:{line}: ") and needle in p for p in probs), probs


def test_all_problems_of_all_files_reported_at_once(tmp_path):
    write_gold(tmp_path, "a", "article: x\nwinners:\n  - {party: X, required: maybe}\n")
    write_gold(tmp_path, "b", "article: y\nlosers:\n  - {reason: r}\n")
    with pytest.raises(GoldError) as exc:
        load_gold([tmp_path])
    msg = str(exc.value)
    assert f"{tmp_path / 'a.yaml'}:3:" in msg and f"{tmp_path / 'b.yaml'}:3:" in msg


def test_same_article_in_two_files(tmp_path):
    write_gold(tmp_path, "a", "article: x\nwinners: [A]\n")
    write_gold(tmp_path, "b", "\narticle: x\nwinners: [B]\n")
    with pytest.raises(GoldError, match=r"b\.yaml:2: article 'x' is already labeled in .*a\.yaml:1"):
        load_gold([tmp_path])


def test_missing_paths_and_empty_dirs(tmp_path):
    with pytest.raises(GoldError, match="no such gold file or directory"):
        load_gold([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(GoldError, match="no \\*.yaml gold files"):
        load_gold([tmp_path / "empty"])
    write_gold(tmp_path, "blank", "")
    with pytest.raises(GoldError, match="blank.yaml: empty gold file"):
        load_gold([tmp_path / "blank.yaml"])


def test_files_and_dirs_combined_without_duplicates(tmp_path):
    a = write_gold(tmp_path, "a", "article: x\nwinners: [A]\n")
    write_gold(tmp_path, "b", "article: y\nwinners: [B]\n")
    got = load_gold([a, tmp_path])
    assert [g.ref for g in got] == ["x", "y"]


def test_project_gold_set_and_eval_config_load():
    """The repository's own gold files and CI config pass the validator the gate uses."""
    from pipeline.evaluate.settings import load_settings_file
    from tests.conftest import REPO

    golds = load_gold([REPO / "evals" / "gold"])
    assert len(golds) >= 10
    assert any(g.ref.endswith("seed-article.txt") for g in golds)
    assert all(any(g.items[f] for f in ("winners", "losers", "unchanged")) for g in golds)
    s = load_settings_file(REPO / "evals" / "config.toml")
    assert s.model == "local" and s.min_schema_valid_rate == 1.0 and s.baseline == "evals/baseline.json"


def test_check_gold_applies_count_conventions_only_to_the_explicit_set(tmp_path):
    """evals/check_gold.py: the real-coverage gold lists what each article supports (maybe no
    winner, many losers); the 2-6 / 1-5 ranges hold for the explicit set in evals/gold only."""
    import subprocess
    import sys

    from tests.conftest import REPO

    real = subprocess.run([sys.executable, "evals/check_gold.py", "evals/gold-real/dev", "evals/gold-real/test"],
                          cwd=REPO, capture_output=True, text=True)
    assert real.returncode == 0, real.stdout + real.stderr
    assert "26 gold files, 0 problems" in real.stdout
    held = subprocess.run([sys.executable, "evals/check_gold.py", "evals/gold-real/holdout"],
                          cwd=REPO, capture_output=True, text=True)
    assert held.returncode == 0 and "11 gold files, 0 problems" in held.stdout, "holdout gold fails check_gold"
    fresh = subprocess.run([sys.executable, "evals/check_gold.py", "evals/gold-real/fresh"],
                           cwd=REPO, capture_output=True, text=True)
    assert fresh.returncode == 0 and "12 gold files, 0 problems" in fresh.stdout, "fresh gold fails check_gold"
    explicit = subprocess.run([sys.executable, "evals/check_gold.py"], cwd=REPO, capture_output=True, text=True)
    assert explicit.returncode == 0 and "14 gold files, 0 problems" in explicit.stdout
    # the range still binds in evals/gold: a file there with one winner fails
    bad = REPO / "evals" / "gold" / "zz-tmp-range-check.yaml"
    bad.write_text("article: corpus/seed-article.txt\nwinners:\n  - {party: Oracle, evidence: \"Google Cloud and "
                   "Oracle win.\"}\nlosers: []\nunchanged: []\n", encoding="utf-8")
    try:
        one = subprocess.run([sys.executable, "evals/check_gold.py", str(bad)], cwd=REPO, capture_output=True, text=True)
    finally:
        bad.unlink()
    assert one.returncode == 1 and "convention is 2-6" in one.stdout + one.stderr
