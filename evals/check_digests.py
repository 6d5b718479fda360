"""Self-check for the digest gold in evals/digests/ (the key facts of each real article).

Why: the digest eval scores fact recall against these quotes, so a mistyped quote, a fact filed
under the wrong article, an article labeled twice or left out, or an article in the wrong split
would silently skew every figure it produces.

Usage:  python evals/check_digests.py [FILE ...]     (default: evals/digests/*.yaml)
Prints counts; exit 0 when every file passes, 1 otherwise (each problem names file and article).
Stdlib + PyYAML only; article text is read the way evals/check_gold.py reads it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
_gold = importlib.import_module("check_gold")  # sibling script (evals/ is not a package)
article_text, ws = _gold.article_text, _gold.ws

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / "evals" / "digests"
REAL = REPO / "corpus" / "wikinews"
# The extraction gold's split: dev/ -> dev; test/ and holdout/ -> test; answers/ (no extraction
# gold) -> dev.
SPLIT_OF = {"dev": "dev", "answers": "dev", "test": "test", "holdout": "test"}
# The fresh parts (added from 2026-12-07) have no key facts yet, so the whole-set check below does
# not ask for them.
NO_DIGEST_GOLD = set(_gold.FRESH_PARTS)
MIN_FACTS, MAX_FACTS = 3, 5


def _norm(text: str) -> str:
    t = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return ws(t)


def check(files: list[Path]) -> tuple[dict[str, int], list[str]]:
    counts = {"articles": 0, "facts": 0, "dev": 0, "test": 0}
    errors: list[str] = []
    seen: dict[str, Path] = {}
    for f in files:
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            errors.append(f"{f}: cannot read: {exc}")
            continue
        split = (data or {}).get("split")
        if split not in ("dev", "test") or not isinstance(data.get("articles"), list):
            errors.append(f"{f}: expected 'split: dev|test' and an 'articles' list")
            continue
        for i, item in enumerate(data["articles"], start=1):
            art = str((item or {}).get("article", ""))
            facts = (item or {}).get("facts")
            where = f"{f.name}: article {i} ({art or '?'})"
            path = REPO / art
            if not art.startswith("corpus/wikinews/") or not path.is_file():
                errors.append(f"{where}: not a file under corpus/wikinews/")
                continue
            if art in seen:
                errors.append(f"{where}: already labeled in {seen[art].name}")
            seen[art] = f
            want = SPLIT_OF.get(path.parent.name)
            if want != split:
                errors.append(f"{where}: belongs in the {want} part, not {split}")
            if not isinstance(facts, list) or not MIN_FACTS <= len(facts) <= MAX_FACTS \
                    or not all(isinstance(q, str) and q.strip() for q in facts):
                errors.append(f"{where}: needs {MIN_FACTS}-{MAX_FACTS} quotes (non-empty strings)")
                continue
            body, problems = article_text(path)
            errors += [f"{where}: {p}" for p in problems]
            text = _norm(body)
            for n, q in enumerate(facts, start=1):
                if _norm(q) not in text:
                    errors.append(f"{where}: fact {n} is not verbatim in the article: {q[:80]!r}")
            if len({_norm(q) for q in facts}) != len(facts):
                errors.append(f"{where}: a fact is listed twice")
            counts["articles"] += 1
            counts["facts"] += len(facts)
            counts[split] += 1
    if files == sorted(DEFAULT_DIR.glob("*.yaml")):  # the whole set: every real article labeled
        for path in sorted(REAL.glob("*/*.md")):
            rel = path.relative_to(REPO).as_posix()
            if rel not in seen and path.parent.name not in NO_DIGEST_GOLD:
                errors.append(f"{rel}: a real article with no key facts in evals/digests/")
    return counts, errors


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(DEFAULT_DIR.glob("*.yaml"))
    counts, errors = check(files)
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    for e in errors:
        print(f"error: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
