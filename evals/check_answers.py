"""Self-check for the answer gold in evals/answers/ (questions for `ask` and what a good answer cites).

Why: the answer eval scores fact recall and attribution against these quotes, so a mistyped
quote, a fact filed under the wrong article, an "unanswerable" question that still lists facts,
or a question sitting in the wrong split would silently skew every figure it produces.

Usage:  python evals/check_answers.py [FILE_OR_DIR ...]     (default: evals/answers)
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
DEFAULT_DIR = REPO / "evals" / "answers"
SPLITS = ("dev", "test")
# Parts labeled apart from dev/test and scored once (not hashed: the whole file is that part; its ids
# must still not collide with dev or test ids).
EXTRA_SPLITS = _gold.FRESH_PARTS
TRAPS = {"carrier"}  # another party's article tempts with an anaphor ("the carrier", "the airline")
REQUIRED = {"id", "question", "articles", "answerable", "entities"}
OPTIONAL = {"parts", "off_topic", "trap"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REAL_PREFIX = "corpus/wikinews/"
# What the issue asks of the whole set (dev and test together), and of the fresh part on its own.
MINIMUMS = {"questions": 48, "real": 26, "unanswerable": 6, "multi_part": 4, "carrier_trap": 2}
FRESH_MINIMUMS = {"questions": 18, "real": 12, "unanswerable": 7, "multi_part": 7, "carrier_trap": 3}


@dataclass
class Report:
    """Counts over every checked file, and the problems found."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ["questions", "dev", "test", *_gold.FRESH_PARTS, "real", "unanswerable", "multi_part", "carrier_trap", "facts", "off_topic"], 0))
    errors: list[str] = field(default_factory=list)


def _quotes(items: Any, what: str, texts: ArticleTexts, where: str, errors: list[str]) -> list[tuple[str, str]]:
    """Validate a list of {quote, article}; return the (article, quote) pairs that are well formed."""
    if not isinstance(items, list) or not items:
        errors.append(f"{where}: '{what}' must be a non-empty list of {{quote, article}}")
        return []
    out = []
    for n, item in enumerate(items):
        at = f"{where}: {what}[{n}]"
        if not isinstance(item, dict) or set(item) != {"quote", "article"}:
            errors.append(f"{at}: must have exactly the keys 'quote' and 'article'")
            continue
        quote, ref = item["quote"], item["article"]
        if not isinstance(quote, str) or not quote.strip() or not isinstance(ref, str):
            errors.append(f"{at}: 'quote' and 'article' must be non-empty strings")
            continue
        body = texts.body(ref)
        if body is None:
            errors.append(f"{at}: article {ref!r} does not exist or cannot be read (give a repo-relative path)")
        elif ws(quote) not in body:
            errors.append(f"{at}: quote not found verbatim in {ref}: {quote!r}")
        out.append((ref, ws(quote)))
    return out


def _question(q: Any, where: str, texts: ArticleTexts, report: Report) -> None:
    errors = report.errors
    if not isinstance(q, dict):
        errors.append(f"{where}: question must be a mapping")
        return
    if missing := REQUIRED - set(q):
        errors.append(f"{where}: missing keys {sorted(missing)}")
    if unknown := set(q) - REQUIRED - OPTIONAL:
        errors.append(f"{where}: unknown keys {sorted(unknown)}")
    if not isinstance(q.get("question"), str) or not q["question"].strip():
        errors.append(f"{where}: 'question' must be a non-empty string")
    ents = q.get("entities")
    if not isinstance(ents, list) or not ents or not all(isinstance(e, str) and e.strip() for e in ents):
        errors.append(f"{where}: 'entities' must be a non-empty list of names (the party asked about, with aliases)")
    arts = q.get("articles")
    if not isinstance(arts, list) or not all(isinstance(a, str) for a in arts):
        errors.append(f"{where}: 'articles' must be a list of source paths")
        arts = []
    for a in arts:
        if texts.body(a) is None:
            errors.append(f"{where}: article {a!r} does not exist or cannot be read")
    if q.get("trap") is not None and q["trap"] not in TRAPS:
        errors.append(f"{where}: 'trap' must be one of {sorted(TRAPS)}")
    answerable, parts = q.get("answerable"), q.get("parts")
    if not isinstance(answerable, bool):
        errors.append(f"{where}: 'answerable' must be true or false")
    elif not answerable:
        if parts:
            errors.append(f"{where}: an unanswerable question has no parts (the corpus does not say)")
        if arts:
            errors.append(f"{where}: an unanswerable question lists no articles")
        report.counts["unanswerable"] += 1
    elif not isinstance(parts, list) or not parts:
        errors.append(f"{where}: an answerable question needs 'parts', one per part of the question")
    gold: set[tuple[str, str]] = set()
    for n, part in enumerate(parts if isinstance(parts, list) else []):
        at = f"{where}: parts[{n}]"
        if not isinstance(part, dict) or set(part) != {"ask", "facts"}:
            errors.append(f"{at}: must have exactly the keys 'ask' and 'facts'")
            continue
        if not isinstance(part["ask"], str) or not part["ask"].strip():
            errors.append(f"{at}: 'ask' must be a non-empty string")
        facts = _quotes(part["facts"], "facts", texts, at, errors)
        report.counts["facts"] += len(facts)
        gold.update(facts)
    if answerable is True:
        cited = {ref for ref, _ in gold}
        for ref in sorted(cited - set(arts)):
            errors.append(f"{where}: a fact quotes {ref} but 'articles' does not list it")
        for ref in sorted(set(arts) - cited):
            errors.append(f"{where}: 'articles' lists {ref} but no fact quotes it")
        report.counts["multi_part"] += isinstance(parts, list) and len(parts) > 1
    if "off_topic" in q:
        for ref, quote in _quotes(q["off_topic"], "off_topic", texts, where, errors):
            report.counts["off_topic"] += 1
            if (ref, quote) in gold:
                errors.append(f"{where}: off_topic repeats a gold fact: {quote!r}")
    report.counts["real"] += any(a.startswith(REAL_PREFIX) for a in arts)
    report.counts["carrier_trap"] += q.get("trap") == "carrier"


def check(targets: Iterable[Path]) -> Report:
    """Validate every answer-gold file under `targets` (files or folders)."""
    report, texts = Report(), ArticleTexts(collapse=True)
    seen: dict[str, str] = {}
    files: list[Path] = []
    for t in targets:
        files += sorted([*t.glob("*.yaml"), *t.glob("*.yml")]) if t.is_dir() else [t]
    if not files:
        report.errors.append("no answer gold files found")
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            report.errors.append(f"{path}: cannot read: {exc}")
            continue
        if (not isinstance(data, dict) or data.get("split") not in (*SPLITS, *EXTRA_SPLITS)
                or not isinstance(data.get("questions"), list)):
            report.errors.append(f"{path}: top level must be a mapping with 'split' "
                                 f"({', '.join((*SPLITS, *EXTRA_SPLITS))}) and a 'questions' list")
            continue
        if unknown := set(data) - {"split", "questions"}:
            report.errors.append(f"{path}: unknown top-level keys {sorted(unknown)}")
        lines = _gold.section_lines(path)
        for i, q in enumerate(data["questions"]):
            qid = q.get("id") if isinstance(q, dict) else None
            where = f"{path}:{lines.get(('questions', i), 0)}: {qid or f'questions[{i}]'}"
            if not isinstance(qid, str) or not ID_RE.match(qid):
                report.errors.append(f"{where}: 'id' must be a stable kebab-case string")
            else:
                if qid in seen:
                    report.errors.append(f"{where}: duplicate id (first in {seen[qid]})")
                seen[qid] = str(path)
                if data["split"] in SPLITS and split_of(qid) != data["split"]:
                    report.errors.append(f"{where}: belongs in the {split_of(qid)} part by the sha256 split rule")
            report.counts["questions"] += 1
            report.counts[data["split"]] += 1
            _question(q, where, texts, report)
    return report


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    report = check([Path(a) for a in args] or [DEFAULT_DIR])
    c = report.counts
    parts = ", ".join(f"{s} {c[s]}" for s in (*SPLITS, *EXTRA_SPLITS))
    print(f"{c['questions']} questions ({parts}): real coverage {c['real']}, "
          f"unanswerable {c['unanswerable']}, multi-part {c['multi_part']}, carrier trap {c['carrier_trap']}; "
          f"{c['facts']} gold facts, {c['off_topic']} off-topic sentences")
    for e in report.errors:
        print("  " + e, file=sys.stderr)
    print(f"{len(report.errors)} problems")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
