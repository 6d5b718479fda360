"""`pipeline parties`: counts, window, timeline, parties.yaml edits, errors, and the --json contract."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import REPO

runner = CliRunner()

# the --json contract (docs/parties.md, "pipeline parties --json"): only ever extended
LIST_KEYS = {"parties", "total", "window", "model", "groups", "resolution"}
ROW_KEYS = {"id", "name", "aliases", "kind", "winner", "loser", "unchanged", "articles", "first_seen", "last_seen", "sources"}
RESOLUTION_KEYS = {"articles", "parties", "relinked_articles", "new_links", "full"}
TIMELINE_KEYS = {"party", "window", "model", "groups", "resolution", "counts", "timeline"}
ENTRY_KEYS = {"article_id", "article_title", "published_at", "source", "role", "name", "quote", "start", "end",
              "status", "reason"}


def run(*args: str):
    return runner.invoke(app, ["parties", *args])


def as_json(*args: str):
    res = run(*args, "--json")
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_the_json_keys_are_the_documented_contract(records_home):
    data = as_json()
    assert set(data) == LIST_KEYS and set(data["resolution"]) == RESOLUTION_KEYS
    assert all(set(r) == ROW_KEYS for r in data["parties"])
    assert set(data["window"]) == {"since", "until", "source"}
    assert set(next(iter(data["parties"][0]["sources"].values()))) == {"winner", "loser", "unchanged"}
    one = as_json("--party", "Globex")
    assert set(one) == TIMELINE_KEYS and all(set(e) == ENTRY_KEYS for e in one["timeline"])
    assert {"id", "name", "aliases"} <= set(one["party"]) and set(one["counts"]) == {"winner", "loser", "unchanged"}
    doc = (REPO / "docs" / "parties.md").read_text(encoding="utf-8")
    assert "pipeline parties --json" in doc
    assert all(f"`{k}`" in doc for k in LIST_KEYS | ROW_KEYS | RESOLUTION_KEYS | TIMELINE_KEYS | ENTRY_KEYS)


def test_counts_per_party_and_the_table(records_home):
    data = as_json()
    counts = {p["name"]: (p["winner"], p["loser"], p["unchanged"]) for p in data["parties"]}
    assert counts == {"Amazon Web Services": (2, 1, 1), "Acme Corp.": (2, 1, 0), "Globex": (1, 1, 0),
                      "Initech": (1, 1, 0)}  # "AWS" is Amazon Web Services' initials; no "customers"
    assert data["total"] == 4 and data["resolution"]["articles"] == 5 and data["resolution"]["full"]
    assert as_json()["resolution"]["full"] is False  # the second call reads nothing new
    res = run("--top", "2")
    assert res.exit_code == 0 and "Acme Corp." in res.stdout and "top 2 of 4" in res.stdout
    assert "customers" not in res.stdout and "Companies" not in res.stdout
    assert [p["name"] for p in as_json("--top", "1")["parties"]] == ["Amazon Web Services"]


def test_since_until_and_source_filter_the_counts(records_home):
    data = as_json("--since", "2026-02-01", "--until", "2026-03-31")
    assert {p["name"]: (p["winner"], p["loser"]) for p in data["parties"]} == {
        "Amazon Web Services": (1, 1), "Acme Corp.": (0, 1), "Globex": (1, 0)}
    assert data["window"] == {"since": "2026-02-01", "until": "2026-03-31", "source": None}
    src = as_json("--source", "Harbor Ledger")
    assert {p["name"] for p in src["parties"]} == {"Amazon Web Services", "Acme Corp.", "Globex", "Initech"}
    assert all(set(p["sources"]) == {"Harbor Ledger"} for p in src["parties"])


def test_a_party_timeline_is_in_published_order_with_quotes_and_aliases(records_home):
    data = as_json("--party", "acme's stock")
    assert data["party"]["name"] == "Acme Corp."
    assert {"Acme Corp.", "Acme", "Acme's stock"} <= set(data["party"]["aliases"])
    assert [(e["published_at"], e["role"], e["name"]) for e in data["timeline"]] == [
        ("2026-01-05", "winner", "Acme Corp."), ("2026-02-10", "loser", "Acme"),
        ("2026-04-20", "winner", "Acme's stock")]
    assert data["timeline"][1]["quote"] == "Acme loses in a2."
    assert data["counts"] == {"winner": 2, "loser": 1, "unchanged": 0}
    res = run("--party", "Acme", "--since", "2026-02-01")
    assert res.exit_code == 0 and "2026-02-10" in res.stdout and "2026-01-05" not in res.stdout
    assert "Acme loses in a2." in res.stdout


def test_merge_and_split_round_trip_through_parties_yaml_keeping_other_entries(records_home):
    path = records_home / "parties.yaml"
    res = run("--merge", "Globex", "Initech")  # a merger: one party from now on
    assert res.exit_code == 0, res.stderr
    assert "Globex" in res.stdout and "merge Globex + Initech" in res.stderr.replace("\n", " ")
    assert yaml.safe_load(path.read_text()) == {"merge": [["Globex", "Initech"]], "ignore": ["Hooli"]}
    merged = {p["name"]: p for p in as_json()["parties"]}
    assert (merged["Globex"]["winner"], merged["Globex"]["loser"]) == (2, 2) and "Initech" not in merged
    assert set(merged["Globex"]["aliases"]) >= {"Globex", "Initech"}
    out = as_json("--split", "Globex", "Initech")
    assert out["edited"]["section"] == "split" and len(out["edited"]["parties"]) == 2
    data = yaml.safe_load(path.read_text())
    assert data["split"] == [["Globex", "Initech"]] and not data.get("merge") and data["ignore"] == ["Hooli"]
    apart = {p["name"]: (p["winner"], p["loser"]) for p in as_json()["parties"]}
    assert apart["Globex"] == (1, 1) and apart["Initech"] == (1, 1)
    ignored = as_json("--ignore", "Globex")
    assert ignored["parties"] == [] and "Globex" not in {p["name"] for p in as_json()["parties"]}
    assert yaml.safe_load(path.read_text())["ignore"] == ["Hooli", "Globex"]


def test_errors_go_through_the_one_handler(records_home):
    res = run("--party", "Globx")
    assert res.exit_code == 2 and res.stderr.startswith("error: no party named 'Globx'")
    assert "did you mean 'Globex'" in res.stderr.replace("\n", " ") and res.stdout == ""
    res = run("--since", "2026-13-01")
    assert res.exit_code == 2 and "error: --since '2026-13-01': not a date" in res.stderr
    res = run("--merge", "Acme")
    assert res.exit_code == 2 and "--merge needs two or more names" in res.stderr
    res = run("--merge", "--split", "A", "B")
    assert res.exit_code == 2 and "exclude each other" in res.stderr
    res = run("Acme")
    assert res.exit_code == 2 and "names go with --merge" in res.stderr
    (records_home / "parties.yaml").write_text("merge: [oops]\n")
    res = run()
    assert res.exit_code == 2 and "parties.yaml" in res.stderr
    # an unreadable file is never rewritten by an edit: the user's text stays as it was
    res = run("--merge", "Acme", "Globex")
    assert res.exit_code == 2 and "parties.yaml" in res.stderr
    assert (records_home / "parties.yaml").read_text() == "merge: [oops]\n"


def test_an_empty_home_says_what_to_run(home):
    res = run()
    assert res.exit_code == 0 and "pipeline extract --new" in res.stderr
    assert as_json()["parties"] == []
    assert not home.exists()  # a read with nothing to read leaves no trace
