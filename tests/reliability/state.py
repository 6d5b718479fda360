"""Read a `$PIPELINE_HOME` the way an auditor would, straight from the files, and check invariants.

`snapshot(home)` reads the manifest with plain sqlite3 (read-only URI) and, with `chroma=True`,
every id in the Chroma collection, plus the JSONL logs line by line (torn lines counted, not
hidden). Run it as `python -m tests.reliability.state HOME [--chroma]` from tests so the test
process never holds a Chroma client on a store that a later subprocess writes.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def manifest_rows(home: Path) -> list[dict[str, Any]]:
    path = home / "manifest.sqlite"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT id, source_key, path, status, chunk_ids, content_hash, replaces "
                            "FROM articles").fetchall()
        deletes = [r[0] for r in conn.execute("SELECT chunk_id FROM pending_deletes")]
    finally:
        conn.close()
    out = [dict(r) | {"chunk_ids": json.loads(r["chunk_ids"])} for r in rows]
    for r in out:
        r["_pending_deletes"] = deletes
    return out


def chroma_ids(home: Path) -> list[str]:
    import os

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings

    if not (home / "chroma").exists():
        return []
    client = chromadb.PersistentClient(path=str(home / "chroma"), settings=Settings(anonymized_telemetry=False))
    try:
        col = client.get_collection("chunks")
    except Exception:
        return []
    ids: list[str] = []
    offset = 0
    while True:
        got = col.get(include=[], limit=1000, offset=offset)
        ids += got["ids"]
        if len(got["ids"]) < 1000:
            return ids
        offset += 1000


def jsonl_lines(path: Path) -> dict[str, Any]:
    """Valid records and torn/invalid lines of a JSONL log."""
    good: list[dict[str, Any]] = []
    bad: list[int] = []
    if path.exists():
        for n, line in enumerate(path.read_bytes().split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                good.append(json.loads(line))
            except ValueError:
                bad.append(n)
    return {"records": good, "bad_lines": bad}


def snapshot(home: Path, chroma: bool = False) -> dict[str, Any]:
    rows = manifest_rows(home)
    snap: dict[str, Any] = {
        "rows": rows,
        "pending_deletes": rows[0]["_pending_deletes"] if rows else [],
        "extractions": jsonl_lines(home / "extractions.jsonl"),
        "summaries": jsonl_lines(home / "summaries.jsonl"),
    }
    if chroma:
        snap["chroma_ids"] = chroma_ids(home)
    return snap


def snapshot_subprocess(home: Path, chroma: bool = True, env: dict[str, str] | None = None) -> dict[str, Any]:
    repo = Path(__file__).resolve().parents[2]
    args = [sys.executable, "-m", "tests.reliability.state", str(home)] + (["--chroma"] if chroma else [])
    p = subprocess.run(args, cwd=str(repo), capture_output=True, text=True, timeout=180, env=env)
    if p.returncode != 0:
        raise AssertionError(f"state snapshot failed: {p.stderr[-3000:]}")
    return json.loads(p.stdout)


def store_problems(snap: dict[str, Any], *, final: bool) -> list[str]:
    """Invariant violations. Always: no duplicate ids/source keys among complete rows, every complete
    row's chunks present in Chroma. When `final`: nothing pending and Chroma == manifest exactly."""
    problems: list[str] = []
    complete = [r for r in snap["rows"] if r["status"] == "complete"]
    for what, key in (("article id", "id"), ("source", "source_key")):
        dup = [k for k, n in Counter(r[key] for r in complete).items() if n > 1]
        if dup:
            problems.append(f"duplicate {what}s among complete articles: {dup[:5]}")
    chunk_owner = Counter(c for r in complete for c in r["chunk_ids"])
    shared = [c for c, n in chunk_owner.items() if n > 1]
    if shared:
        problems.append(f"chunk ids claimed by two articles: {shared[:5]}")
    if "chroma_ids" in snap:
        have = set(snap["chroma_ids"])
        if len(have) != len(snap["chroma_ids"]):
            problems.append("Chroma returned duplicate ids")
        missing = [c for c in chunk_owner if c not in have]
        if missing:
            problems.append(f"{len(missing)} chunks of complete articles missing from Chroma: {missing[:5]}")
        if final:
            extra = have - set(chunk_owner)
            if extra:
                problems.append(f"{len(extra)} chunks in Chroma belong to no complete article: {sorted(extra)[:5]}")
            total = sum(len(r["chunk_ids"]) for r in complete)
            if len(have) != total:
                problems.append(f"Chroma holds {len(have)} chunks, manifest articles sum to {total}")
    if final:
        pending = [r["id"] for r in snap["rows"] if r["status"] != "complete"]
        if pending:
            problems.append(f"articles still pending after a completed run: {pending[:5]}")
        if snap["pending_deletes"]:
            problems.append(f"{len(snap['pending_deletes'])} chunk deletions still queued")
    return problems


if __name__ == "__main__":
    home = Path(sys.argv[1])
    print(json.dumps(snapshot(home, chroma="--chroma" in sys.argv[2:])))
