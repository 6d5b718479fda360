"""Bytes → clean text: encoding detection, Unicode NFC, whitespace.

Every later offset (chunks, evidence quotes) points into the text this module returns, so
normalization is deterministic and happens exactly once, at ingest.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing (or break quoting) and carry no meaning in prose.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_HSPACE = re.compile(r"[^\S\n]+")  # whitespace other than newline
_MANY_NEWLINES = re.compile(r"\n{3,}")
_BINARY_SNIFF = 8192


class DecodeError(ValueError):
    """The bytes are not text we can read with confidence."""


def looks_binary(data: bytes) -> bool:
    """NUL bytes never occur in text files (UTF-16 aside, which carries a BOM)."""
    head = data[:_BINARY_SNIFF]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first; otherwise a confident charset-normalizer guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if looks_binary(data):
        raise DecodeError("binary file (contains NUL bytes), not text")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # chaos is charset-normalizer's "mess" ratio; a confident guess of prose is near zero.
    if best is None or best.chaos > 0.1 or best.encoding is None:
        raise DecodeError(
            "not UTF-8 and the encoding could not be detected with confidence "
            f"(first bad byte at offset {utf8_error.start}); convert the file to UTF-8"
        )
    return str(best), best.encoding


def normalize_text(text: str) -> str:
    """NFC, unified newlines, no control or invisible characters, tidy whitespace.

    Paragraph structure survives: single newlines stay single, blank-line runs become one blank
    line, spaces and tabs collapse to one space, lines are stripped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_INVISIBLE)
    text = _CONTROL.sub(" ", text.replace("\t", " "))
    text = _HSPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def normalize_inline(value: str) -> str:
    """Metadata values (title, author): one line, NFC, single spaces."""
    value = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    return " ".join(value.split())
