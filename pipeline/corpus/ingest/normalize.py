"""Bytes → clean text: encoding detection, Unicode NFC, whitespace.

Every later offset (chunks, evidence quotes) points into the text this module returns, so
normalization is deterministic and happens exactly once, at ingest.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.errors import UsageError

# Characters that render as nothing (or break quoting) and carry no meaning in prose.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")  # a regex scans ~10x faster than str.translate
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_HSPACE = re.compile(r"[^\S\n]+")  # whitespace other than newline
_MANY_NEWLINES = re.compile(r"\n{3,}")
_SPACES = re.compile(" {2,}")
_BINARY_SNIFF = 8192


class DecodeError(UsageError, ValueError):
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
    best = _confident_guess(data)  # (text, encoding)
    if best is None:
        raise DecodeError(
            "not UTF-8 and the encoding could not be detected with confidence "
            f"(first bad byte at offset {utf8_error.start}); convert the file to UTF-8"
        )
    return best


_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_CJK = ("cp932", "shift_jis", "euc_jp", "gb2312", "gb18030", "gbk", "big5", "euc_kr", "cp949", "iso2022_jp")


def _confident_guess(data: bytes) -> tuple[str, str] | None:
    """Decoded text when charset-normalizer is sure (low mess, coherent language), else None.

    Short or ambiguous byte runs decode "cleanly" in dozens of code pages; without a coherent
    language signal that is a guess, and a wrong guess silently corrupts every quote later.
    UTF-16/32 without a BOM is never trusted. Among equally good guesses Western code pages win
    (cp1250 would turn Latin-1 "très" into "trčs").
    """
    from charset_normalizer import from_bytes

    has_bom = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    good = []
    for r in from_bytes(data):
        enc = r.encoding or ""
        if r.chaos > 0.1 or (enc.startswith(("utf_16", "utf_32")) and not has_bom):
            continue
        if r.coherence >= 0.2 or has_bom or (enc in _CJK and len(data) >= 20):
            good.append(r)
    if not good:
        return None
    top = max(r.coherence for r in good)
    western = [r for r in good if r.encoding in _WESTERN and r.coherence >= top - 0.05]
    pick = (western or good)[0]
    text = str(pick)
    return (text, str(pick.encoding)) if _mostly_text(text) else None


def _mostly_text(text: str) -> bool:
    """Decoded prose is letters, digits, punctuation and spaces, not private-use or control codes."""
    if not text:
        return False
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Co", "Cn", "Cs", "Cc") and ch not in "\n\r\t")
    return bad / len(text) < 0.02


def normalize_text(text: str) -> str:
    """NFC, unified newlines, no control or invisible characters, tidy whitespace.

    Paragraph structure survives: single newlines stay single, blank-line runs become one blank
    line, spaces and tabs collapse to one space, lines are stripped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text).replace("\t", " ")
    lines = text.split("\n")
    if all(line.isprintable() for line in lines):
        # The usual case, and ~10x faster than the regexes: printable lines hold no invisible or
        # control character and no whitespace but the ASCII space (Python counts every other
        # separator as unprintable), so only runs of spaces are left to collapse.
        if "  " in text:
            lines = [_SPACES.sub(" ", line) for line in lines]
    else:
        text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
        lines = _HSPACE.sub(" ", text).split("\n")
    text = "\n".join([line.strip() for line in lines])
    if "\n\n\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def normalize_inline(value: str) -> str:
    """Metadata values (title, author): one line, NFC, single spaces."""
    value = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    return " ".join(value.split())
