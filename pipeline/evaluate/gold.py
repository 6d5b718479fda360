"""Hand-labeled gold files (`evals/gold/*.yaml`): loading and validation.

The format is a public contract that users write by hand, so every problem is reported with
the file, the line and what is wrong, all problems of all files at once. Line numbers come from
the YAML node marks (we compose the node tree instead of `safe_load`, which forgets them and
silently keeps the last of two duplicate keys).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from pipeline.errors import UsageError
from pipeline.evaluate.names import normalize_name, normalize_statement

FIELDS: tuple[str, ...] = ("winners", "losers", "unchanged")
TEXT_KEY = {"winners": "party", "losers": "party", "unchanged": "statement"}
TOP_KEYS = {"article", *FIELDS, "title", "notes", "note", "comment", "labeled_by", "source"}
# Keys an item may carry besides its text key; `reason`/`notes`/`implied` are for humans.
ITEM_KEYS = {"aliases", "evidence", "required", "reason", "notes", "note", "comment", "implied"}
GOLD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class GoldItem:
    """One expected (or, with `required: false`, acceptable) claim."""

    field: str
    text: str  # the party (winners/losers) or the statement (unchanged)
    aliases: tuple[str, ...] = ()
    evidence: str | None = None
    required: bool = True
    line: int = 0
    index: int = 0
    implied: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.text, *self.aliases)


@dataclass
class GoldArticle:
    ref: str  # the `article:` value: a source path or an article id
    file: Path
    line: int
    items: dict[str, list[GoldItem]] = field(default_factory=dict)

    def field_items(self, name: str) -> list[GoldItem]:
        return self.items.get(name, [])


@dataclass(frozen=True)
class GoldProblem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class GoldError(UsageError, ValueError):
    """One or more malformed gold files; `problems` lists each with file and line."""

    def __init__(self, problems: Sequence[GoldProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def gold_files(sources: Iterable[str | Path]) -> list[Path]:
    """Expand directories to their `*.yaml`/`*.yml` files (sorted); keep files as given."""
    out: list[Path] = []
    problems: list[GoldProblem] = []
    for src in sources:
        p = Path(src)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix in GOLD_SUFFIXES and q.is_file())
            if not found:
                problems.append(GoldProblem(p, 0, "directory has no *.yaml gold files"))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            problems.append(GoldProblem(p, 0, "no such gold file or directory"))
    if problems:
        raise GoldError(problems)
    seen: set[Path] = set()
    unique: list[Path] = []
    for p in out:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            unique.append(p)
    return unique


def load_gold(sources: Iterable[str | Path]) -> list[GoldArticle]:
    """Load and validate every gold file; raise `GoldError` listing all problems."""
    files = gold_files(sources)
    articles: list[GoldArticle] = []
    problems: list[GoldProblem] = []
    for path in files:
        art, probs = parse_gold_file(path)
        problems.extend(probs)
        if art is not None:
            articles.append(art)
    first_seen: dict[str, GoldArticle] = {}
    for art in articles:
        prev = first_seen.get(art.ref)
        if prev is not None:
            problems.append(GoldProblem(art.file, art.line,
                                        f"article {art.ref!r} is already labeled in {prev.file}:{prev.line}"))
        else:
            first_seen[art.ref] = art
    if problems:
        raise GoldError(problems)
    return articles


def parse_gold_file(path: Path) -> tuple[GoldArticle | None, list[GoldProblem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [GoldProblem(path, 0, f"cannot read: {exc}")]
    return parse_gold_text(text, path)


def parse_gold_text(text: str, path: Path) -> tuple[GoldArticle | None, list[GoldProblem]]:
    """Validate one gold document; returns the article (None when unusable) and problems."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        return None, [GoldProblem(path, line, f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [GoldProblem(path, 0, f"invalid YAML: {exc}")]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None, [GoldProblem(path, 0, "empty gold file: expected a mapping with `article:`")]
    if len(nodes) > 1:
        return None, [GoldProblem(path, _line(nodes[1]), "expected one YAML document per gold file")]
    return _Parser(path).article(nodes[0])


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[GoldProblem] = []
        self._constructor = yaml.SafeLoader("")

    def err(self, node: yaml.Node, message: str) -> None:
        self.problems.append(GoldProblem(self.path, _line(node), message))

    def value(self, node: yaml.Node) -> Any:
        return self._constructor.construct_object(node, deep=True)

    def mapping(self, node: yaml.MappingNode, allowed: set[str], what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, val_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.err(key_node, f"{what}: keys must be plain strings")
                continue
            if key in out:
                self.err(key_node, f"{what}: duplicate key {key!r} (first at line {_line(out[key][0])})")
                continue
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(sorted(allowed))}"
                self.err(key_node, f"{what}: unknown key {key!r}{extra}")
                continue
            out[key] = (key_node, val_node)
        return out

    def string(self, node: yaml.Node, what: str) -> str | None:
        val = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            val = node.value  # e.g. an article id that looks numeric
        if not isinstance(val, str) or not val.strip():
            self.err(node, f"{what} must be a non-empty string, got {_describe(node, val)}")
            return None
        return val.strip()

    def article(self, root: yaml.Node) -> tuple[GoldArticle | None, list[GoldProblem]]:
        if not isinstance(root, yaml.MappingNode):
            self.err(root, "top level must be a mapping with `article:` and the lists "
                           "`winners`, `losers`, `unchanged`")
            return None, self.problems
        keys = self.mapping(root, TOP_KEYS, "gold file")
        ref = None
        line = _line(root)
        if "article" not in keys:
            self.err(root, "missing required key `article:` (the article's source path or id)")
        else:
            key_node, val_node = keys["article"]
            line = _line(key_node)
            ref = self.string(val_node, "`article`")
        items = {name: self.items(name, keys[name][1]) if name in keys else [] for name in FIELDS}
        if not any(name in keys for name in FIELDS):
            self.err(root, "no `winners`, `losers` or `unchanged` list: nothing to score")
        if ref is None or self.problems:
            return None, self.problems
        return GoldArticle(ref=ref, file=self.path, line=line, items=items), self.problems

    def items(self, name: str, node: yaml.Node) -> list[GoldItem]:
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            return []  # `winners:` left empty
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, f"`{name}` must be a list of items, got {_describe(node, None)}")
            return []
        out: list[GoldItem] = []
        seen: dict[str, int] = {}
        for idx, item_node in enumerate(node.value):
            item = self.item(name, idx, item_node)
            if item is None:
                continue
            key = normalize_name(item.text) if name != "unchanged" else normalize_statement(item.text)
            if key in seen:
                self.err(item_node, f"`{name}` item {item.text!r} repeats the item at line {seen[key]}")
                continue
            seen[key] = item.line
            out.append(item)
        return out

    def item(self, name: str, idx: int, node: yaml.Node) -> GoldItem | None:
        text_key = TEXT_KEY[name]
        where = f"`{name}` item {idx + 1}"
        if isinstance(node, yaml.ScalarNode):  # shorthand: `- Google Cloud`
            text = self.string(node, where)
            return GoldItem(name, text, line=_line(node), index=idx) if text else None
        if not isinstance(node, yaml.MappingNode):
            self.err(node, f"{where} must be a mapping like {{{text_key}: ..., evidence: ...}}")
            return None
        other = "statement" if text_key == "party" else "party"
        keys = self.mapping(node, ITEM_KEYS | {text_key, other}, where)
        if other in keys:
            self.err(keys[other][0], f"{where}: `{name}` items use `{text_key}:`, not `{other}:`")
            return None
        if text_key not in keys:
            self.err(node, f"{where}: missing required key `{text_key}:`")
            return None
        text = self.string(keys[text_key][1], f"{where}: `{text_key}`")
        aliases: list[str] = []
        if "aliases" in keys:
            anode = keys["aliases"][1]
            if isinstance(anode, yaml.ScalarNode) and self.value(anode) is None:
                pass
            elif not isinstance(anode, yaml.SequenceNode):
                self.err(anode, f"{where}: `aliases` must be a list of strings, e.g. [Google, GCP]")
            else:
                for a in anode.value:
                    s = self.string(a, f"{where}: alias")
                    if s:
                        aliases.append(s)
        evidence = None
        if "evidence" in keys:
            enode = keys["evidence"][1]
            if not (isinstance(enode, yaml.ScalarNode) and self.value(enode) is None):
                evidence = self.string(enode, f"{where}: `evidence`")
        required = self.flag(keys, "required", where, default=True)
        implied = self.flag(keys, "implied", where, default=False)
        if text is None:
            return None
        return GoldItem(name, text, tuple(aliases), evidence, required, _line(node), idx, implied)

    def flag(self, keys: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str, default: bool) -> bool:
        if key not in keys:
            return default
        node = keys[key][1]
        val = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(val, bool):
            self.err(node, f"{where}: `{key}` must be true or false, got {_describe(node, val)}")
            return default
        return val


def _describe(node: yaml.Node, val: Any) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if val is None:
        return "nothing"
    return f"{type(val).__name__} {node.value!r}"
