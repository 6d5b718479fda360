"""Self-check for the hand-labeled gold files in evals/gold/.

Why: the scorer trusts gold evidence to be verbatim article text. This script catches a
mistyped quote, a curly/straight apostrophe mix-up, a quote taken from page boilerplate or
front matter, or a malformed item before it silently skews eval numbers.

Usage:  python evals/check_gold.py [GOLD_FILE_OR_DIR ...]     (default: evals/gold)
Exit 0 when every file passes, 1 otherwise. Stdlib + PyYAML only; it does not import `pipeline`.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
FIELDS = ("winners", "losers", "unchanged")
# Conventions for the project's own explicit-style gold set in evals/gold/ (the public format
# itself allows any count). Real coverage (evals/gold-real/) lists what each article supports:
# an article may have no winner and nothing unchanged, a market roundup many losers.
RANGES = {"winners": (2, 6), "losers": (2, 6), "unchanged": (1, 5)}
RANGED_DIR = REPO / "evals" / "gold"
PARTY_KEYS = {"party", "aliases", "evidence", "required"}
UNCHANGED_KEYS = {"statement", "evidence", "required"}
MD_MARKUP = set("*_#[]`")
# Text inside these elements is page furniture, not the article.
HTML_SKIP = {"script", "style", "aside", "nav", "footer", "figure", "noscript", "iframe", "form", "header"}


def ws(text: str) -> str:
    """Collapse whitespace so HTML line wrapping does not break a match."""
    return re.sub(r"\s+", " ", text).strip()


class _ArticleText(HTMLParser):
    """Collects paragraph/heading text inside <article>, skipping furniture and ad boxes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.in_article = 0
        self.parts: list[str] = []

    def _skipped(self) -> bool:
        return any(s for _, s in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "source"}:
            return
        classes = " ".join(v or "" for k, v in attrs if k == "class").split()
        is_ad = any(c == "ad" or c.startswith(("ad-", "ad--")) for c in classes)
        self.stack.append((tag, tag in HTML_SKIP or is_ad))
        if tag == "article":
            self.in_article += 1

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == "article":
                self.in_article -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_article and not self._skipped():
            self.parts.append(data)


def article_text(path: Path) -> tuple[str, list[str]]:
    """Return (body text evidence must come from, problems with the file itself)."""
    raw = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".md":
        m = re.match(r"\A---\r?\n.*?\r?\n---\r?\n", raw, re.S)
        if not m:
            return raw, ["markdown file has no YAML front matter"]
        return raw[m.end():], []
    if suffix in {".html", ".htm"}:
        parser = _ArticleText()
        parser.feed(raw)
        if not parser.parts:
            return "", ["no visible text inside <article>"]
        return " ".join(parser.parts), []
    if suffix == ".json":
        obj = json.loads(raw)
        return str(obj.get("body", "")), [] if obj.get("body") else ["JSON has no 'body'"]
    if suffix == ".jsonl":
        lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
        probs = [] if len(lines) == 1 else [f"expected one article per .jsonl file, found {len(lines)}"]
        return "\n\n".join(str(o.get("body", "")) for o in lines), probs
    return raw, []


# Parts of the answer and party gold labeled apart and scored once (not hashed: the whole file is
# that part). One list, so a new part is added here and nowhere else in the checkers.
FRESH_PARTS = ("fresh", "fresh2", "fresh3", "fresh4", "fresh5")


def split_of(item_id: str) -> str:
    """The dev/test rule of the answer and party gold, fixed before any scorer or resolver was
    tuned: about 40 % of ids go to test."""
    return "test" if int(hashlib.sha256(item_id.encode("utf-8")).hexdigest(), 16) % 5 < 2 else "dev"


class ArticleTexts:
    """Article bodies by repo-relative path, read once (None: not a readable corpus file)."""

    def __init__(self, collapse: bool = False) -> None:
        self.collapse = collapse  # whitespace collapsed, for quotes that may span a line break
        self.cache: dict[str, str | None] = {}

    def body(self, ref: str) -> str | None:
        if ref not in self.cache:
            path = REPO / ref
            if Path(ref).is_absolute() or not path.is_file():
                self.cache[ref] = None
            else:
                text, probs = article_text(path)
                self.cache[ref] = None if probs else (ws(text) if self.collapse else text)
        return self.cache[ref]


def section_lines(path: Path) -> dict[tuple[str, int], int]:
    """(top-level list, index) -> 1-based line of that item, for error messages."""
    root = yaml.compose(path.read_text(encoding="utf-8"))
    out: dict[tuple[str, int], int] = {}
    if isinstance(root, yaml.MappingNode):
        for key, val in root.value:
            if isinstance(val, yaml.SequenceNode):
                out.update({(key.value, i): n.start_mark.line + 1 for i, n in enumerate(val.value)})
    return out


def item_lines(path: Path) -> dict[tuple[str, int], int]:
    """Map (field, index) to the 1-based line of that item, for error messages."""
    out: dict[tuple[str, int], int] = {}
    root = yaml.compose(path.read_text(encoding="utf-8"))
    if isinstance(root, yaml.MappingNode):
        for key, val in root.value:
            if key.value in FIELDS and isinstance(val, yaml.SequenceNode):
                for i, node in enumerate(val.value):
                    out[(key.value, i)] = node.start_mark.line + 1
    return out


def item_kinds(path: Path) -> dict[int, str]:
    """Trailing '# explicit' / '# implied' comments, by line (reporting only)."""
    kinds = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.search(r"#\s*(explicit|implied)\s*$", line)
        if m and line.lstrip().startswith("-"):
            kinds[n] = m.group(1)
    return kinds


def check_file(gold: Path) -> tuple[list[str], str]:
    errors: list[str] = []
    try:
        data = yaml.safe_load(gold.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [f"{gold}: invalid YAML: {exc}"], ""
    if not isinstance(data, dict) or not isinstance(data.get("article"), str):
        return [f"{gold}: top level must be a mapping with an 'article' path"], ""
    unknown = set(data) - {"article", *FIELDS}
    if unknown:
        errors.append(f"{gold}: unknown top-level keys {sorted(unknown)}")
    art = Path(data["article"])
    art_path = art if art.is_absolute() else (Path.cwd() / art if (Path.cwd() / art).exists() else REPO / art)
    if not art_path.exists():
        return errors + [f"{gold}: article {data['article']!r} does not exist"], ""
    try:
        body, probs = article_text(art_path)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return errors + [f"{gold}: cannot read article {art}: {exc}"], ""
    errors += [f"{gold}: {art}: {p}" for p in probs]
    body_ws = ws(body)
    raw = art_path.read_text(encoding="utf-8")
    if art_path.suffix.lower() in {".html", ".htm"}:
        raw = html.unescape(raw)
    lines = item_lines(gold)
    kinds = item_kinds(gold)
    counts = {"explicit": 0, "implied": 0, "unmarked": 0, "optional": 0}
    summary = []
    for field in FIELDS:
        items = data.get(field) or []
        if not isinstance(items, list):
            errors.append(f"{gold}: '{field}' must be a list")
            continue
        lo, hi = RANGES[field]
        if gold.resolve().parent == RANGED_DIR and not lo <= len(items) <= hi:
            errors.append(f"{gold}: '{field}' has {len(items)} items, convention is {lo}-{hi}")
        names: set[str] = set()
        required = 0
        for i, item in enumerate(items):
            line = lines.get((field, i), 0)
            where = f"{gold}:{line}: {field}[{i}]"
            if not isinstance(item, dict):
                errors.append(f"{where}: item must be a mapping")
                continue
            key = "statement" if field == "unchanged" else "party"
            allowed = UNCHANGED_KEYS if field == "unchanged" else PARTY_KEYS
            if set(item) - allowed:
                errors.append(f"{where}: unknown keys {sorted(set(item) - allowed)}")
            name = item.get(key)
            if not isinstance(name, str) or not name.strip():
                errors.append(f"{where}: '{key}' must be a non-empty string")
                continue
            if key == "party" and len(name.split()) > 6:
                errors.append(f"{where}: party {name!r} is too long; use a short name")
            if name.casefold() in names:
                errors.append(f"{where}: duplicate {key} {name!r}")
            names.add(name.casefold())
            aliases = item.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
                errors.append(f"{where}: 'aliases' must be a list of non-empty strings")
            req = item.get("required", True)
            if not isinstance(req, bool):
                errors.append(f"{where}: 'required' must be true or false")
            required += bool(req)
            counts["optional"] += req is False
            counts[kinds.get(line, "unmarked")] += 1
            ev = item.get("evidence")
            if ev is None:
                continue
            if not isinstance(ev, str) or not ev.strip():
                errors.append(f"{where}: 'evidence' must be a non-empty string")
                continue
            if ev not in raw and ws(ev) not in ws(raw) and ev not in body:
                errors.append(f"{where}: evidence not found verbatim in {art}: {ev!r}")
            elif ws(ev) not in body_ws:
                errors.append(f"{where}: evidence is in the file but not in the article body: {ev!r}")
            if art_path.suffix.lower() == ".md" and MD_MARKUP & set(ev):
                errors.append(f"{where}: markdown evidence contains markup characters: {ev!r}")
        summary.append(f"{field} {len(items)} ({required} req)")
    kind = f"explicit {counts['explicit']}, implied {counts['implied']}, optional {counts['optional']}"
    if counts["unmarked"]:
        kind += f", unmarked {counts['unmarked']}"
    return errors, f"{gold.name}: {', '.join(summary)}; {kind}"


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or [REPO / "evals" / "gold"]
    files: list[Path] = []
    for t in targets:
        files += sorted(t.glob("*.yaml")) + sorted(t.glob("*.yml")) if t.is_dir() else [t]
    if not files:
        print("no gold files found", file=sys.stderr)
        return 1
    all_errors: list[str] = []
    for f in files:
        errors, line = check_file(f)
        print(("FAIL " if errors else "ok   ") + (line or f.name))
        all_errors += errors
    for e in all_errors:
        print("  " + e, file=sys.stderr)
    print(f"{len(files)} gold files, {len(all_errors)} problems")
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
