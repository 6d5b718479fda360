"""Adapters that let other frameworks use the corpus as-is (each imports its framework lazily)."""
