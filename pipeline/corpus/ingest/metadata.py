"""RawDoc → Article: normalized text, tidy metadata, dates, and the stable id.

The id is `readable-slug-<8 hex of the text hash>`: the same article text under the same title gets
the same id on every machine, so gold files and extractions can name articles by id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pipeline.corpus.ingest.normalize import normalize_inline, normalize_text
from pipeline.corpus.ingest.readers import RawDoc, ReadError
from pipeline.text.dates import parse_date
from pipeline.types import Article

SLUG_MAX = 48
HASH_LEN = 8
_TITLE_LINE_MAX = 160


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by '-', cut at a word boundary."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_MAX:
            break
        slug = candidate
    return slug or (words[0][:SLUG_MAX] if words else "article")


def make_id(title: str, text_hash: str) -> str:
    return f"{slugify(title)}-{text_hash[:HASH_LEN]}"


def humanize_stem(stem: str) -> str:
    words = re.sub(r"[_\-.]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"


def _split_title_line(text: str) -> tuple[str | None, str]:
    """Plain text: a short first line without closing punctuation, followed by more text, is the headline."""
    first, sep, rest = text.partition("\n")
    line = first.strip()
    if (sep and rest.strip() and 0 < len(line) <= _TITLE_LINE_MAX
            and not re.search(r"[.!?;,:…]['\"”’)]*$", line)):
        return line, rest
    return None, text

def build_article(doc: RawDoc, display_path: str, stem: str) -> Article:
    """Normalize one RawDoc into an Article (raises ReadError if nothing is left)."""
    body = doc.body
    title = doc.title
    if doc.title_in_body and not title:
        title, body = _split_title_line(normalize_text(body))
    text = normalize_text(body)
    if not text:
        raise ReadError("empty file (no text after normalization)")
    title = normalize_inline(title) if title else ""
    if not title:
        title = humanize_stem(stem)
    metadata = dict(doc.metadata)
    published_at, _ts = parse_date(doc.published_at)
    if doc.published_at not in (None, "") and published_at is None:
        metadata["published_at_raw"] = str(doc.published_at)
    h = content_hash(text)

    def clean(v: str | None) -> str | None:
        return (normalize_inline(v) or None) if v else None

    return Article(
        id=make_id(title, h),
        title=title,
        text=text,
        path=display_path,
        content_hash=h,
        format=doc.format,
        source=clean(doc.source),
        author=clean(doc.author),
        published_at=published_at,
        url=clean(doc.url),
        metadata=metadata,
    )
