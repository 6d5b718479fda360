"""`summarize` on the real corpus and store: bookkeeping, digest facts, map-reduce, CLI; and the
embedded model end to end (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.llm.fake import FakeProvider
from pipeline.summarize import read_summaries, summarize
from pipeline.types import ArticleAnalysis, Evidence, ExtractionRecord, PartyClaim, UnchangedClaim
from tests.conftest import CORPUS


def scripted(overview: str = "Prices fell across sectors [{first}]. Something else [bogus-id].",
             padding: int = 0) -> FakeProvider:
    """A fake that writes a summary or an overview depending on the schema it is asked for."""
    def reply(messages, schema):
        props = schema["properties"]
        if "summary" in props:
            title = messages[-1].content.split("\n", 1)[0]
            return {"summary": f"Summary of {title[7:60]}." + " More detail here." * padding}
        first = next(iter(__import__("re").findall(r"\[([^\]\s]+)\]", messages[-1].content)), "x")
        return {"overview": overview.format(first=first)}

    return FakeProvider(script=[reply])


def _store(home: Path):
    from pipeline.corpus.store import Store

    return Store(home=home, chroma_url="")


def test_new_bookkeeping_and_second_run_makes_no_llm_call(corpus_copy, tmp_path):
    store = _store(corpus_copy)
    n = len(store.list_articles())
    fake = scripted()
    first = summarize(model=fake, strategy="free", store=store)
    assert len(fake.calls) == n + 1  # one summary each, one overview (all fit the context)
    assert not first.nothing_new and first.llm_calls == n + 1
    arts, digs = read_summaries(corpus_copy / "summaries.jsonl")
    assert len(arts) == n and len(digs) == 1 and {a.prompt_hash for a in arts} and arts[0].model == "fake:scripted"
    assert Path(first.out) == corpus_copy / "digest.md" and Path(first.out).is_file()

    again = scripted()
    second = summarize(model=again, strategy="free", store=store)
    assert again.calls == [] and second.nothing_new and second.llm_calls == 0
    assert "Nothing new to summarize" in second.message and "no LLM call" in second.message
    assert len(read_summaries(corpus_copy / "summaries.jsonl")[0]) == n  # nothing appended

    from pipeline.corpus.ingest import ingest_paths

    new = tmp_path / "late.md"
    new.write_text("---\ntitle: Late Breaking Rail Deal\nsource: Freight Current\npublished_at: 2026-07-02\n---\n"
                   "Western Pacific Rail agreed to buy a short-line railroad. Shippers in the valley win "
                   "faster service; the short line's rivals lose traffic. Tariffs stay the same.\n")
    ingest_paths([new], store=store, progress=False)
    third_fake = scripted()
    third = summarize(model=third_fake, strategy="free", store=store)
    assert len(third_fake.calls) == 2  # the new article and the digest over it
    assert [a["title"] for a in third.articles] == ["Late Breaking Rail Deal"]
    assert third.digest.article_ids == [third.articles[0]["article_id"]]


def test_digest_counts_parties_and_disagreements_from_extraction_records(corpus_copy):
    from pipeline.records import append_record

    store = _store(corpus_copy)
    ids = {a.path: a.id for a in store.list_articles()}
    seed, eu = ids["corpus/seed-article.txt"], ids["corpus/sovereign-cloud-eu-regions.md"]

    def claim(party, quote):
        return PartyClaim(party=party, evidence=Evidence(quote=quote, status="exact"))

    append_record(ExtractionRecord(article_id=seed, model="m", prompt_hash="p", analysis=ArticleAnalysis(
        winners=[claim("Google Cloud", "Google Cloud and Oracle win."), claim("AWS", "AWS wins, partially.")],
        losers=[claim("Microsoft's stock", "Microsoft’s stock loses, short-term.")],
        unchanged=[UnchangedClaim(statement="Microsoft still owns roughly 49% of OpenAI",
                                  evidence=Evidence(quote="Microsoft still owns roughly 49%"))])))
    append_record(ExtractionRecord(article_id=eu, model="m", prompt_hash="p", analysis=ArticleAnalysis(
        winners=[claim("google cloud", "The licensing partners of Microsoft and Google win too")],
        losers=[claim("AWS", "AWS looks like the biggest loser on paper.")])))
    res = summarize(model=scripted(), strategy="free", store=store)
    d = res.digest
    top = d.winners[0]
    assert top.party == "Google Cloud" and top.count == 2 and set(top.articles) == {seed, eu}
    assert [(x.party, x.winner_in, x.loser_in) for x in d.disagreements] == [("AWS", [seed], [eu])]
    assert d.unchanged[0].article_id == seed
    assert len(d.without_extraction) == len(res.articles) - 2
    assert d.dropped_citations == ["bogus-id"] and "[bogus-id]" not in d.overview
    md = Path(res.out).read_text()
    for heading in ("## Overview", "## Most often named winners", "## Most often named losers",
                    "## What stays the same", "## Where articles disagree", "## Articles"):
        assert heading in md
    assert f"**AWS**: a winner in [{seed}]; a loser in [{eu}]" in md
    assert "**Google Cloud**: 2 article(s)" in md


def test_map_reduce_keeps_every_call_inside_a_small_context(corpus_copy):
    store = _store(corpus_copy)
    window = 1200
    fake = scripted(padding=15)  # summaries of ~50 tokens: 14 of them do not fit one call
    fake.context_window = window
    res = summarize(model=fake, strategy="free", store=store, max_tokens=200)
    n = len(store.list_articles())
    sizes = [sum(fake.count_tokens(m.content) for m in c["messages"]) for c in fake.calls]
    assert max(sizes) + 200 <= window  # prompt + answer always fit
    summary_calls = sum(1 for c in fake.calls if "summary" in c["schema"]["properties"])
    overview_calls = len(fake.calls) - summary_calls
    assert summary_calls > n  # long articles went through sections
    assert overview_calls > 1  # the digest was reduced in more than one step
    assert res.digest.overview.startswith("Prices fell")


def test_since_selects_by_date_and_rerun_reuses_the_digest(corpus_copy):
    store = _store(corpus_copy)
    fake = scripted()
    res = summarize(model=fake, strategy="free", store=store, since="2026-05-01")
    dates = [a["published_at"] for a in res.articles]
    assert dates and all(d and d[:10] >= "2026-05-01" for d in dates)
    assert len(fake.calls) == len(dates) + 1
    again = scripted()
    res2 = summarize(model=again, strategy="free", store=store, since="2026-05-01")
    assert again.calls == [] and res2.nothing_new and res2.digest.key == res.digest.key
    none = summarize(model=again, strategy="free", store=store, since="2030-01-01")
    assert none.nothing_new and "No articles published since 2030-01-01" in none.message


def test_cli_summarize_json_then_nothing_new(corpus_copy, monkeypatch):
    import pipeline.llm

    fake = scripted()
    monkeypatch.setattr(pipeline.llm, "get_provider", lambda spec=None, **kw: fake)
    out = corpus_copy.parent / "digest-out.md"
    r = CliRunner().invoke(app, ["summarize", "--strategy", "free", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["llm_calls"] == len(fake.calls) and data["digest"]["overview"]
    assert out.read_text().startswith("# Digest of")
    calls = len(fake.calls)
    r = CliRunner().invoke(app, ["summarize", "--new", "--strategy", "free"])
    assert r.exit_code == 0 and "Nothing new to summarize" in r.output
    assert len(fake.calls) == calls
    r = CliRunner().invoke(app, ["summarize", "--new", "--since", "2026-01-01"])
    assert r.exit_code == 1 and "alternatives" in r.output


@pytest.mark.slow
def test_summaries_with_the_embedded_model(home):
    from pipeline.corpus.ingest import ingest_paths

    store = _store(home)
    ingest_paths([CORPUS / "seed-article.txt", CORPUS / "regional-airline-merger.txt"], store=store, progress=False)
    res = summarize(store=store)  # default model: the embedded one, extractive strategy
    assert res.model.startswith("local") and res.strategy == "extractive"
    assert res.llm_calls == 2  # a pick per article; two leads need no pick for the overview
    for a in res.articles:
        text = store.get_article(a["article_id"]).text
        assert a["summary"] and a["spans"]
        assert all(text[s:e] in a["summary"] for s, e in a["spans"])  # verbatim sentences
    cited = set(__import__("re").findall(r"\[([^\]\s]+)\]", res.digest.overview))
    assert cited and cited <= {a["article_id"] for a in res.articles}
    again = summarize(store=store)
    assert again.nothing_new and again.llm_calls == 0
