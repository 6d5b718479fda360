"""One reader per file format: bytes → `RawDoc`s (un-normalized body plus metadata).

Readers raise `ReadError` with a message that names the problem (the caller adds the file);
a JSON Lines file reports a bad line as its own failure so the good lines still ingest.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from pipeline.errors import UsageError
from pipeline.corpus.ingest.normalize import DecodeError, decode_bytes, looks_binary

FORMATS: dict[str, str] = {
    ".txt": "txt", ".text": "txt",
    ".md": "md", ".markdown": "md",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}

# Known metadata fields and the names they also go by; everything else is kept in `metadata`.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("body", "text", "content"),
    "source": ("source", "publication", "outlet", "publisher", "site"),
    "author": ("author", "authors", "byline"),
    "published_at": ("published_at", "published", "date", "pubdate", "publish_date"),
    "url": ("url", "link", "canonical_url"),
}


class ReadError(UsageError, ValueError):
    """A file (or one record of it) cannot be read as an article."""


@dataclass
class RawDoc:
    body: str
    format: str
    title: str | None = None
    source: str | None = None
    author: str | None = None
    published_at: Any = None
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    record: str | None = None  # key of this article inside a multi-article file
    title_in_body: bool = False  # plain text: the first line may be the headline


@dataclass
class RecordError:
    """A bad record inside an otherwise readable multi-record file."""

    where: str  # e.g. "line 3"
    error: str


def supported_suffixes() -> str:
    return " ".join(sorted(FORMATS))


def _text(data: bytes) -> str:
    if not data.strip():
        raise ReadError("empty file")
    if looks_binary(data):
        raise ReadError("binary file (contains NUL bytes), not text")
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        raise ReadError(str(exc)) from None
    if not text.strip():
        raise ReadError("empty file")
    return text


def _jsonable(value: Any) -> Any:
    """Metadata must survive JSON (manifest) round trips: dates become ISO strings."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _as_str(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list) and name == "author":
        return ", ".join(str(v) for v in value if v) or None
    if isinstance(value, (dict, list)):
        raise ReadError(f"field {name!r} must be a string, got {type(value).__name__}")
    return str(value)


def _from_mapping(data: dict[str, Any], fmt: str, body: str | None = None) -> RawDoc:
    """Split a mapping into known fields (by alias) and kept metadata."""
    fields: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    alias_of = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
    for key, value in data.items():
        name = alias_of.get(str(key).lower())
        if name and name not in fields and value not in (None, ""):
            fields[name] = value
        else:
            rest[str(key)] = value
    if body is None:
        raw_body = fields.get("body")
        if raw_body is None:
            raise ReadError("missing 'body' field (the article text)")
        if not isinstance(raw_body, str):
            raise ReadError(f"field 'body' must be a string, got {type(raw_body).__name__}")
        body = raw_body
    if not body.strip():
        raise ReadError("empty body")
    published = fields.get("published_at")
    return RawDoc(
        body=body,
        format=fmt,
        title=_as_str("title", fields.get("title")),
        source=_as_str("source", fields.get("source")),
        author=_as_str("author", fields.get("author")),
        published_at=published if isinstance(published, (dt.date, dt.datetime)) else _as_str("published_at", published),
        url=_as_str("url", fields.get("url")),
        metadata=_jsonable(rest),
    )


def read_txt(data: bytes) -> list[RawDoc]:
    return [RawDoc(body=_text(data), format="txt", title_in_body=True)]


_FM_OPEN = re.compile(r"\A(?:---|\+\+\+)[ \t]*\r?\n")
_H1 = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\n|\Z)")


def _yaml_problem(exc: Exception) -> str:
    """'did not find expected ',' or ']' at line 3, column 1' (file lines, counting the opening ---)."""
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} at line {mark.line + 2}, column {mark.column + 1}" if mark is not None else problem


MAX_FRONT_MATTER_BYTES = 64 * 1024  # real front matter is a few lines; more is a mistake or an attack


@lru_cache(maxsize=1)  # stateless; building its two classes per Markdown file cost more than parsing
def _front_matter_handler() -> Any:
    """A YAML handler whose loader is safe (no Python tags) and refuses aliases.

    Aliases let a few hundred bytes expand to gigabytes ("billion laughs"); articles never need them.
    """
    import frontmatter
    import yaml

    class _NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise ReadError("front matter uses YAML aliases/anchors, which are not allowed")
            return super().compose_node(parent, index)

    fast = getattr(yaml, "CSafeLoader", None)  # libyaml's parser: ~10x faster than pure Python

    class _Handler(frontmatter.YAMLHandler):
        def load(self, fm: str, **kwargs: object) -> Any:
            if len(fm.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
                raise ReadError(f"front matter is over the {MAX_FRONT_MATTER_BYTES // 1024} KB limit")
            if fast is not None and "*" not in fm:  # an alias is written `*name`: none can occur
                return yaml.load(fm, Loader=fast)  # noqa: S506 - libyaml's safe loader
            return yaml.load(fm, Loader=_NoAliasLoader)  # noqa: S506 - safe loader subclass

    return _Handler()


# (pattern, replacement, literals): a rule runs only when one of its literals, which every match
# contains, is in the text; `in` scans ~50x faster than a regex that finds nothing.
_MD_RULES: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(r"<!--.*?-->", re.S), "", ("<!--",)),  # comments
    (re.compile(r"^[ \t]*(```|~~~).*$", re.M), "", ("```", "~~~")),  # code fences (content kept)
    (re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M), "", ("-", "*", "_")),  # horizontal rules
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M), r"\1", ("#",)),  # ATX headings
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), "", (">",)),  # block quotes
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1", ("![",)),  # images -> alt text
    # links; one character per step in the target, not `[^()\s]+` inside `*`: that nesting
    # backtracks exponentially on a long target with no closing parenthesis (a hang on one file)
    (re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:[ \t]+\"[^\"]*\")?\)"), r"\1", ("](",)),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1", ("][",)),  # reference links
    (re.compile(r"^[ \t]*\[[^\]]+\]:[ \t]*\S+.*$", re.M), "", ("]:",)),  # link definitions
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2", ("**", "__")),  # strong
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])"), r"\1", ("*",)),  # emphasis *x*
    (re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])"), r"\1", ("_",)),  # emphasis _x_
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1", ("~~",)),  # strikethrough
    (re.compile(r"`([^`\n]+)`"), r"\1", ("`",)),  # inline code
]


def markdown_to_text(md: str) -> str:
    """Markdown → the plain text a reader sees: markup gone, list markers and paragraphs kept.

    Quotes an LLM (or a person) copies from an article do not carry `**` or link targets, so
    the stored text must not either, or exact evidence matching would fail on every bold phrase.
    """
    for pattern, repl, literals in _MD_RULES:
        if any(lit in md for lit in literals):
            md = pattern.sub(repl, md)
    return md


def read_md(data: bytes) -> list[RawDoc]:
    text = _text(data)
    meta: dict[str, Any] = {}
    body = text
    if _FM_OPEN.match(text):
        delim = text[:3]
        close = re.search(rf"^{re.escape(delim)}[ \t]*$", text[4:], re.M)
        if not close:
            raise ReadError(f"malformed front matter: opened with {delim} but never closed")
        if len(text[:close.start() + 4].encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
            raise ReadError(f"front matter is over the {MAX_FRONT_MATTER_BYTES // 1024} KB limit")
        import frontmatter
        import yaml

        try:
            post = frontmatter.loads(text, handler=_front_matter_handler() if delim == "---" else None)
        except ReadError:
            raise
        except RecursionError:
            raise ReadError("malformed front matter: nested too deeply") from None
        except yaml.YAMLError as exc:
            raise ReadError(f"malformed front matter (YAML): {_yaml_problem(exc)}") from None
        except Exception as exc:  # toml / other handlers, or a non-mapping document
            raise ReadError(f"malformed front matter: {exc}") from None
        if not isinstance(post.metadata, dict):
            raise ReadError("malformed front matter: expected key: value pairs")
        meta, body = dict(post.metadata), post.content
    if "body" in meta or "text" in meta or "content" in meta:
        # The markdown body is the article; a front-matter field of that name is just metadata.
        meta = {(f"fm_{k}" if k in ("body", "text", "content") else k): v for k, v in meta.items()}
    doc = _from_mapping(meta, "md", body=body)
    m = _H1.match(doc.body)
    if m and (not doc.title or " ".join(m.group(1).split()) == " ".join(doc.title.split())):
        doc.title = doc.title or m.group(1).strip()
        doc.body = doc.body[m.end():]  # the headline is the title, not the first paragraph
    doc.body = markdown_to_text(doc.body)
    if not doc.body.strip():
        raise ReadError("empty body (only front matter or a heading)")
    return [doc]


_MIN_HTML_WORDS = 8


def read_html(data: bytes) -> list[RawDoc]:
    text = _text(data)
    if not re.search(r"<\s*[a-zA-Z!][^>]*>", text):
        raise ReadError("malformed HTML: no tags found")
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        doc = trafilatura.bare_extraction(
            text, with_metadata=True, include_comments=False, include_tables=True,
            include_images=False, deduplicate=False,
        )
    except Exception as exc:  # lxml parser errors surface in various types
        raise ReadError(f"malformed HTML: {exc}") from None
    body = (getattr(doc, "text", None) or "") if doc is not None else ""
    if len(body.split()) < _MIN_HTML_WORDS:  # a nav link or two is what's left of a page with no article
        raise ReadError("malformed HTML or no article text found (only boilerplate?)")
    title = getattr(doc, "title", None)
    lines = body.split("\n", 1)
    if title and lines[0].strip() == title.strip():
        body = lines[1] if len(lines) > 1 else ""
        if not body.strip():
            raise ReadError("no article text found in HTML (only a headline)")
    metadata: dict[str, Any] = {}
    for key in ("description", "categories", "tags", "hostname"):
        value = getattr(doc, key, None)
        if value:
            metadata[key] = value
    return [RawDoc(
        body=body, format="html", title=title,
        source=getattr(doc, "sitename", None), author=getattr(doc, "author", None),
        published_at=getattr(doc, "date", None), url=getattr(doc, "url", None),
        metadata=_jsonable(metadata),
    )]


def _record_key(obj: dict[str, Any], index: int) -> str:
    for key in ("id", "url", "link"):
        value = obj.get(key)
        if isinstance(value, (str, int)) and str(value):
            return str(value)
    return str(index)


def read_json(data: bytes) -> list[RawDoc]:
    text = _text(data)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ReadError("malformed JSON: nested too deeply") from None
    if isinstance(obj, dict) and isinstance(obj.get("articles"), list):
        obj = obj["articles"]
    if isinstance(obj, dict):
        return [_from_mapping(obj, "json")]
    if not isinstance(obj, list) or not obj:
        raise ReadError("JSON must be an article object or a non-empty list of article objects")
    docs: list[RawDoc] = []
    for i, item in enumerate(obj):
        if not isinstance(item, dict):
            raise ReadError(f"item {i} is a {type(item).__name__}, expected an article object")
        try:
            doc = _from_mapping(item, "json")
        except ReadError as exc:
            raise ReadError(f"item {i}: {exc}") from None
        doc.record = _record_key(item, i)
        docs.append(doc)
    return docs


def read_jsonl(data: bytes) -> list[RawDoc | RecordError]:
    text = _text(data)
    out: list[RawDoc | RecordError] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(RecordError(f"line {lineno}", f"malformed JSON: {exc.msg} at column {exc.colno}"))
            continue
        except RecursionError:
            out.append(RecordError(f"line {lineno}", "malformed JSON: nested too deeply"))
            continue
        if not isinstance(obj, dict):
            out.append(RecordError(f"line {lineno}", f"expected an article object, got {type(obj).__name__}"))
            continue
        try:
            doc = _from_mapping(obj, "jsonl")
        except ReadError as exc:
            out.append(RecordError(f"line {lineno}", str(exc)))
            continue
        doc.record = _record_key(obj, lineno)
        out.append(doc)
    if not out:
        raise ReadError("empty file (no JSON lines)")
    return out


READERS: dict[str, Callable[[bytes], list[Any]]] = {
    "txt": read_txt, "md": read_md, "html": read_html, "json": read_json, "jsonl": read_jsonl,
}
