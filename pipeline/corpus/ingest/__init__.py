"""Ingest: files → normalized `Article`s → chunks → embeddings → store (see `runner`)."""

from __future__ import annotations

from pipeline.corpus.ingest.runner import IngestReport, ingest_paths

__all__ = ["IngestReport", "ingest_paths"]
