"""`pipeline eval --answers` end to end on a two-airline store: the JSON report, the gate's exit
code, Markdown and JUnit files; with a scripted picker standing in for the model."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.llm.fake import FakeProvider
from tests.query.test_ask_focus import BLUEJET, SKYWAY

pytestmark = pytest.mark.slow  # real MiniLM embeddings and Chroma

GOLD = """split: dev
questions:
- id: skyway-why-and-action
  question: Why did Skyway's profit fall, and what did it do about it?
  articles: [docs/skyway.txt]
  entities: [Skyway, Skyway Airlines]
  parts:
  - ask: why
    facts:
    - {quote: "The carrier said higher jet fuel prices were the main reason the profit fell so sharply.", article: docs/skyway.txt}
  - ask: what it did
    facts:
    - {quote: "Skyway added a fuel surcharge of $15 to every ticket sold from next month.", article: docs/skyway.txt}
  off_topic:
  - {quote: "The carrier reported a drop in quarterly profit as it cut fares to fill seats.", article: docs/bluejet.txt}
- id: skyway-ceo-pay
  question: How much is Skyway's chief executive paid?
  articles: []
  answerable: false
  entities: [Skyway]
"""


@pytest.fixture()
def airline_home(tmp_path, home, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "skyway.txt").write_text(SKYWAY, encoding="utf-8")
    (docs / "bluejet.txt").write_text(BLUEJET, encoding="utf-8")
    r = CliRunner().invoke(app, ["ingest", str(docs), "--json"])
    assert r.exit_code == 0, r.output
    (tmp_path / "answers.yaml").write_text(GOLD, encoding="utf-8")
    import pipeline.llm

    monkeypatch.setattr(pipeline.llm, "get_provider",
                        lambda spec=None, **kw: FakeProvider(script=[{"found": True, "picks": [1, 2, 3]}]))
    return tmp_path


def test_answer_eval_json_markdown_junit_and_a_passing_gate(airline_home):
    md, xml = airline_home / "a.md", airline_home / "a.xml"
    r = CliRunner().invoke(app, ["eval", "--answers", "--answers-set", str(airline_home / "answers.yaml"), "--json",
                                 "--markdown", str(md), "--junit", str(xml), "--min-attribution-precision", "0.9"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    ov = rep["overall"]
    assert ov["questions"] == 2 and ov["attribution_precision"] == 1.0 and ov["fact_recall"] == 1.0
    assert rep["per_question"][0]["misattributed"] == []
    assert rep["gate"]["passed"] and rep["gate"]["checks"][0]["name"] == "attribution_precision"
    assert "| overall |" in md.read_text()
    suites = {s.get("name"): s for s in ET.parse(xml).getroot()}
    assert suites["questions"].get("tests") == "2"


def test_a_floor_above_the_figure_fails_the_gate_with_exit_1(airline_home):
    # a fact from the other airline's article: an answer about Skyway never covers it, so recall is below 1
    gold = airline_home / "answers-floor.yaml"
    gold.write_text(GOLD + """- id: skyway-uncoverable
  question: Why did Skyway's profit fall?
  articles: [docs/skyway.txt]
  entities: [Skyway]
  parts:
  - ask: why
    facts:
    - {quote: "Bluejet said it would retire six older jets next year to save money.", article: docs/bluejet.txt}
""", encoding="utf-8")
    args = ["eval", "--answers", "--answers-set", str(gold), "--json"]
    first = json.loads(CliRunner().invoke(app, args).stdout)
    fact_recall = first["overall"]["fact_recall"]
    assert fact_recall is not None and 0.5 < fact_recall < 1.0
    r = CliRunner().invoke(app, [*args, "--min-fact-recall", "0.5", "--min-attribution-precision", "1.0"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, [*args, "--min-fact-recall", str(round(fact_recall + 0.01, 4))])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["gate"]["passed"] is False


def test_answer_gold_naming_missing_articles_exits_2(airline_home):
    bad = airline_home / "bad.yaml"
    bad.write_text(GOLD.replace("docs/skyway.txt", "docs/nowhere.txt"), encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "--answers", "--answers-set", str(bad)])
    assert r.exit_code == 2 and "nowhere.txt" in r.output
