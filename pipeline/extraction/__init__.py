"""Extraction internals: prompts, strategies (`single`, `small`), merging, batch runs.

The public entry points live in `pipeline.extraction.extract`.
"""
