"""Quote alignment: exact, normalized, elided, fuzzy, unverified; sentence offsets."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.text.ground import locate, normalize, verify
from pipeline.text.sentences import sentences

TEXT = ("Microsoft and OpenAI quietly amended their partnership terms this week. The headline: "
        "Microsoft\u2019s license to OpenAI intellectual property is no longer exclusive.\n"
        "Google Cloud and Oracle win. Both have been pitching \u201cyou can run any model on any cloud\u201d "
        "for years \u2014 and now they can.\nThe stock dropped 2.4% in after-hours trading Tuesday before "
        "stabilizing.")


def test_exact_quote_gets_exact_offsets():
    ev = locate("Google Cloud and Oracle win.", TEXT)
    assert ev.status == "exact"
    assert TEXT[ev.start:ev.end] == ev.quote == "Google Cloud and Oracle win."


def test_straight_quotes_align_to_curly_ones_and_return_the_article_words():
    ev = locate("Microsoft's license to OpenAI intellectual property is no longer exclusive", TEXT)
    assert ev.status == "fuzzy" and ev.score == 100.0
    assert ev.quote == TEXT[ev.start:ev.end]
    assert "\u2019" in ev.quote  # the article's own apostrophe, not the model's


def test_whitespace_case_and_dash_differences_are_normalized():
    ev = locate('"you can run any model on any cloud" for years - and NOW they can', TEXT)
    assert ev.status == "fuzzy"
    assert TEXT[ev.start:ev.end] == ev.quote
    assert ev.quote.endswith("now they can")


def test_surrounding_quote_marks_are_stripped_for_an_exact_hit():
    ev = locate("\u201cGoogle Cloud and Oracle win.\u201d", TEXT)
    assert ev.status == "exact" and ev.quote == "Google Cloud and Oracle win."


def test_elided_quote_spans_from_first_to_last_part():
    ev = locate("The stock dropped 2.4% ... before stabilizing.", TEXT)
    assert ev.status == "fuzzy"
    assert ev.quote == "The stock dropped 2.4% in after-hours trading Tuesday before stabilizing."


def test_paraphrase_close_enough_is_fuzzy_with_a_score():
    ev = locate("The stock fell 2.4% in after-hours trading on Tuesday before stabilizing", TEXT)
    assert ev.status == "fuzzy"
    assert 85 <= ev.score < 100
    assert TEXT[ev.start:ev.end] == ev.quote
    assert "after-hours trading Tuesday" in ev.quote


def test_invented_quote_is_unverified_not_dropped():
    ev = locate("Elon Musk buys Twitter for the fourth time this year", TEXT)
    assert ev.status == "unverified"
    assert ev.quote == "Elon Musk buys Twitter for the fourth time this year"
    assert ev.start is None and ev.end is None


def test_min_score_controls_fuzzy_acceptance():
    quote = "The stock fell 2.4% in after-hours trading on Tuesday before stabilizing"
    assert locate(quote, TEXT, min_score=99.5).status == "unverified"


def test_empty_quote_is_unverified():
    assert locate("", TEXT).status == "unverified"
    assert locate("   ", TEXT).status == "unverified"


def test_within_prefers_the_section_and_offsets_stay_global():
    text = "Prices rise. Section two. Prices rise."
    ev = locate("Prices rise.", text, within=(13, len(text)))
    assert ev.start == text.rindex("Prices rise.")
    assert text[ev.start:ev.end] == "Prices rise."


def test_verify_checks_offsets_against_the_quote():
    ev = locate("Google Cloud and Oracle win.", TEXT)
    assert verify(ev, TEXT)
    assert not verify(ev.model_copy(update={"start": ev.start + 1}), TEXT)


def test_normalize_maps_back_to_source_offsets():
    n = normalize("A\u00a0\u00a0\u201cB\u201d \u2014 C\u200b")
    assert n.text == 'a "b" - c'
    s, e = n.span(2, 5)
    assert "A\u00a0\u00a0\u201cB\u201d \u2014 C\u200b"[s:e] == "\u201cB\u201d"


def test_sentences_have_exact_offsets_and_respect_abbreviations():
    text = "Mr. Smith joined the U.S. Army in 2001. He left.\nNew paragraph here! And \u201cquoted.\u201d Done"
    spans = sentences(text)
    assert [s.text for s in spans] == ["Mr. Smith joined the U.S. Army in 2001.", "He left.",
                                       "New paragraph here!", "And \u201cquoted.\u201d", "Done"]
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert [s.paragraph for s in spans] == [0, 0, 1, 1, 1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=300), st.data())
def test_a_quote_cut_from_any_unicode_text_is_found_exactly(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    ev = locate(quote, text)
    if not quote.strip():
        assert ev.status == "unverified"
        return
    assert ev.status == "exact"
    assert text[ev.start:ev.end] == ev.quote
    assert ev.quote.strip() == quote.strip() or ev.quote == quote


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=60))
def test_locate_never_returns_offsets_that_do_not_match(text, quote):
    ev = locate(quote, text)
    assert ev.status in ("exact", "fuzzy", "unverified")
    if ev.status != "unverified":
        assert 0 <= ev.start <= ev.end <= len(text)
        assert text[ev.start:ev.end] == ev.quote


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_sentences_offsets_hold_on_arbitrary_text(text):
    for s in sentences(text):
        assert text[s.start:s.end] == s.text
        assert s.text.strip() == s.text and s.text
