"""Self-check for the party-resolution gold in evals/parties/ (pairs of party mentions, same or not).

Why: `pipeline eval --parties` scores merges against these labels, so a name the article never
wrote, a pair filed in the wrong split, or two labels that contradict each other (a ~ b, b ~ c,
but a ≁ c) would skew precision and recall without anyone noticing.

Usage:  python evals/check_parties.py [FILE_OR_DIR ...]     (default: evals/parties)
Prints counts; exit 0 when every file passes, 1 otherwise (each problem names file:line and id).
Stdlib + PyYAML only; article text is read the way evals/check_gold.py reads it.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
_gold = importlib.import_module("check_gold")  # sibling script (evals/ is not a package)
ws, split_of, ArticleTexts = _gold.ws, _gold.split_of, _gold.ArticleTexts

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / "evals" / "parties"
SPLITS = ("dev", "test")
# Parts labeled apart from dev/test and scored once (not hashed: the whole file is that part).
EXTRA_SPLITS = ("holdout", *_gold.FRESH_PARTS)
KINDS = ("variant", "cross", "hard", "easy")  # same-article same party, cross-article same party, negatives
PAIR_KEYS = {"id", "kind", "same", "a", "b", "why"}
MENTION_KEYS = {"article", "name", "verbatim", "note"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-{1,2}[a-z0-9]+)*$")
# What issue #17 asks of the whole set (dev and test together).
MINIMUMS = {"pairs": 150, "hard": 40, "generic": 10}


def fold(text: str) -> str:
    """Case, curly quotes and runs of whitespace do not count when finding a name in its article."""
    return ws(text.replace("\u2019", "'").replace("\u2018", "'")).casefold()


def occurs(name: str, body: str) -> bool:
    """The name as a whole word or phrase of the article (case-insensitive)."""
    return re.search(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", fold(body)) is not None


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ["pairs", "dev", "test", "holdout", *_gold.FRESH_PARTS, "same", "different", "variant", "cross", "hard", "easy", "generic",
         "mentions", "articles"], 0))
    errors: list[str] = field(default_factory=list)


Mention = tuple[str, str]  # (article path, name as written)


def _mention(m: Any, where: str, texts: ArticleTexts, errors: list[str]) -> Mention | None:
    if not isinstance(m, dict) or not {"article", "name"} <= set(m) or set(m) - MENTION_KEYS:
        errors.append(f"{where}: a mention is {{article, name}} (optionally verbatim: false with a note)")
        return None
    ref, name = m["article"], m["name"]
    if not isinstance(ref, str) or not isinstance(name, str) or not name.strip():
        errors.append(f"{where}: 'article' and 'name' must be non-empty strings")
        return None
    body = texts.body(ref)
    if body is None:
        errors.append(f"{where}: article {ref!r} does not exist or cannot be read (give a repo-relative path)")
    elif m.get("verbatim", True) is False:
        if not isinstance(m.get("note"), str) or not m["note"].strip():
            errors.append(f"{where}: a mention with verbatim: false needs a 'note' saying what it stands for")
    elif not occurs(name, body):
        errors.append(f"{where}: {name!r} does not occur in {ref} (mark a descriptor verbatim: false with a note)")
    return (ref, name)


class _Groups:
    """Union-find over mentions labeled the same party."""

    def __init__(self) -> None:
        self.parent: dict[Mention, Mention] = {}

    def find(self, m: Mention) -> Mention:
        self.parent.setdefault(m, m)
        while self.parent[m] != m:
            self.parent[m] = self.parent[self.parent[m]]
            m = self.parent[m]
        return m

    def union(self, a: Mention, b: Mention) -> None:
        self.parent[self.find(a)] = self.find(b)


def check(targets: Iterable[Path]) -> Report:
    """Validate every party-gold file under `targets` (files or folders)."""
    report, texts, groups = Report(), ArticleTexts(), _Groups()
    seen: dict[str, str] = {}
    pair_at: dict[frozenset[Mention], str] = {}
    apart: list[tuple[str, Mention, Mention]] = []
    generic: list[tuple[str, Mention]] = []
    mentions: set[Mention] = set()
    files: list[Path] = []
    for t in targets:
        files += sorted([*t.glob("*.yaml"), *t.glob("*.yml")]) if t.is_dir() else [t]
    if not files:
        report.errors.append("no party gold files found")
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            report.errors.append(f"{path}: cannot read: {exc}")
            continue
        if (not isinstance(data, dict) or data.get("split") not in (*SPLITS, *EXTRA_SPLITS)
                or not isinstance(data.get("pairs"), list)):
            report.errors.append(f"{path}: top level must be a mapping with 'split' "
                                 f"({', '.join((*SPLITS, *EXTRA_SPLITS))}) and a 'pairs' list")
            continue
        if unknown := set(data) - {"split", "pairs", "generic"}:
            report.errors.append(f"{path}: unknown top-level keys {sorted(unknown)}")
        lines = _gold.section_lines(path)
        items = [("pairs", i, p) for i, p in enumerate(data["pairs"])]
        items += [("generic", i, g) for i, g in enumerate(data.get("generic") or [])]
        for section, i, item in items:
            iid = item.get("id") if isinstance(item, dict) else None
            where = f"{path}:{lines.get((section, i), 0)}: {iid or f'{section}[{i}]'}"
            if not isinstance(item, dict):
                report.errors.append(f"{where}: must be a mapping")
                continue
            if not isinstance(iid, str) or not ID_RE.match(iid):
                report.errors.append(f"{where}: 'id' must be a stable kebab-case string")
            else:
                if iid in seen:
                    report.errors.append(f"{where}: duplicate id (first in {seen[iid]})")
                seen[iid] = str(path)
                if data["split"] in SPLITS and split_of(iid) != data["split"]:
                    report.errors.append(f"{where}: belongs in the {split_of(iid)} part by the sha256 split rule")
            report.counts[data["split"]] += 1
            if section == "generic":
                m = _mention({k: v for k, v in item.items() if k != "id"}, where, texts, report.errors)
                if m is not None:
                    generic.append((where, m))
                    mentions.add(m)
                report.counts["generic"] += 1
                continue
            report.counts["pairs"] += 1
            if unknown := set(item) - PAIR_KEYS:
                report.errors.append(f"{where}: unknown keys {sorted(unknown)}")
            if item.get("kind") not in KINDS:
                report.errors.append(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
            else:
                report.counts[item["kind"]] += 1
            same = item.get("same")
            if not isinstance(same, bool):
                report.errors.append(f"{where}: 'same' must be true or false")
                continue
            if item.get("kind") in ("variant", "cross") and not same:
                report.errors.append(f"{where}: a {item['kind']} pair is one party (same: true); use hard or easy")
            if item.get("kind") in ("hard", "easy") and same:
                report.errors.append(f"{where}: a {item['kind']} pair is a negative (same: false)")
            if item.get("kind") == "hard" and not (isinstance(item.get("why"), str) and item["why"].strip()):
                report.errors.append(f"{where}: a hard negative needs a 'why' (what the article distinguishes)")
            a = _mention(item.get("a"), f"{where}: a", texts, report.errors)
            b = _mention(item.get("b"), f"{where}: b", texts, report.errors)
            if a is None or b is None:
                continue
            if a == b:
                report.errors.append(f"{where}: a and b are the same mention")
            if item.get("kind") in ("variant",) and a[0] != b[0]:
                report.errors.append(f"{where}: a variant pair is two names in one article (use cross)")
            if item.get("kind") == "cross" and a[0] == b[0]:
                report.errors.append(f"{where}: a cross pair is two articles (use variant)")
            key = frozenset((a, b))
            if key in pair_at:
                report.errors.append(f"{where}: the same two mentions are already paired (as {pair_at[key]})")
            pair_at.setdefault(key, str(iid))
            mentions.update((a, b))
            report.counts["same" if same else "different"] += 1
            if same:
                groups.union(a, b)
            else:
                apart.append((where, a, b))
    for where, a, b in apart:
        if groups.find(a) == groups.find(b):
            report.errors.append(f"{where}: labeled different, but other pairs make {a[1]!r} and {b[1]!r} the same party")
    for where, m in generic:
        if m in groups.parent:  # only mentions of a same: true pair are in the union-find
            report.errors.append(f"{where}: a generic mention is labeled the same party as a named one")
    report.counts["mentions"] = len(mentions)
    report.counts["articles"] = len({ref for ref, _ in mentions})
    return report


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    report = check([Path(a) for a in args] or [DEFAULT_DIR])
    c = report.counts
    parts = ", ".join(f"{s} {c[s]}" for s in (*SPLITS, *EXTRA_SPLITS))
    print(f"{c['pairs']} pairs ({c['same']} same, {c['different']} different; variant {c['variant']}, cross "
          f"{c['cross']}, hard {c['hard']}, easy {c['easy']}), {c['generic']} generic; {parts} items; "
          f"{c['mentions']} mentions in {c['articles']} articles")
    if not args:
        report.errors += [f"the set has {c[k]} {k}, fewer than the {n} issue #17 asks for"
                          for k, n in MINIMUMS.items() if c[k] < n]
    for e in report.errors:
        print("  " + e, file=sys.stderr)
    print(f"{len(report.errors)} problems")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
