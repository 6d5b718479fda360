"""Batch summaries of what is new, and a digest across them: who wins, who loses, what stays.

Bookkeeping lives in `$PIPELINE_HOME/summaries.jsonl` (one atomic line per summary or digest,
keyed by article, model and prompt hash), so a re-run with nothing new makes no LLM call.
The digest's winners/losers/unchanged/disagreements are counted from extraction records (exact,
cited, no model involved); the model writes only the overview, by map-reduce over the summaries
so that it fits any context window. Small models (the embedded default) pick sentences instead
of writing prose: summaries and overview are verbatim article sentences, grounded by construction.
"""

from pipeline.summarize.digest import digest_facts, map_reduce, pack, party_key, pieces
from pipeline.templates import PROMPTS_DIR, Prompt, load_prompt
from pipeline.summarize.records import (DIGEST_FILE, SUMMARIES_FILE, DigestRecord, Disagreement, PartyTally,
                                        SummaryRecord, UnchangedItem, append_jsonl, latest_digest,
                                        latest_summaries, read_summaries, summaries_path)
from pipeline.summarize.run import SummarizeResult, render_markdown, summarize

__all__ = ["DIGEST_FILE", "PROMPTS_DIR", "SUMMARIES_FILE", "DigestRecord", "Disagreement", "PartyTally",
           "Prompt", "SummarizeResult", "SummaryRecord", "UnchangedItem", "append_jsonl", "digest_facts",
           "latest_digest", "latest_summaries", "load_prompt", "map_reduce", "pack", "party_key", "pieces",
           "read_summaries", "render_markdown", "summaries_path", "summarize"]
