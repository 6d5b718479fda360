"""The one heading detector: which lines title a section rather than say something.

Chunking keeps a heading with the paragraph it opens (never ends a chunk on it), and the small
extraction strategy reads a heading ("Who wins") as the label of the sentences under it and
never as a claim; both ask the same question, so one rule answers it.
"""

from __future__ import annotations

import re

MAX_HEADING_WORDS = 12
_CLOSING = re.compile(r"[.!?\u2026:;,]\W*$")  # a sentence's end (possibly inside quotes)


def is_heading(text: str, whole_paragraph: bool = True) -> bool:
    """A markdown `#` line, or a short capitalized paragraph of its own without closing punctuation.

    `whole_paragraph` is False for a sentence that shares its paragraph with others: then only
    the `#` marker makes it a heading.
    """
    t = text.strip()
    if t.startswith("#"):
        return True
    if not whole_paragraph or len(t.split()) > MAX_HEADING_WORDS:
        return False
    return not _CLOSING.search(t) and t[:1].isupper()
