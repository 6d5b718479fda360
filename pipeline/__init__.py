"""pipeline: LLM-powered article analysis (ingest → chunk → store → extract → summarize/ask → evaluate)."""

__version__ = "0.1.0"
