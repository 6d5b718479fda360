"""The corpus side: read articles (ingest), cut them into chunks, embed them, keep them in Chroma.

Data flows ingest -> chunk -> embed -> store; `manifest` records what each article became so
re-runs touch only what changed.
"""
