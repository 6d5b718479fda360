"""The query side: find chunks for a question (retrieve) and answer it with citations (ask)."""
