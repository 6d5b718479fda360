"""`python -m tests.reliability.hostile.probe DIR [MEM_MB] [SECONDS]`: read every file in DIR with
the ingest readers, one at a time, under a memory cap and a per-file alarm, and print one JSON
object `{name: {"outcome", "errors", "articles", "seconds"}}`.

Outcomes: `ok` (articles produced), `fail` (clear per-file errors), `crash` (an exception escaped
the reader: it would abort the whole ingest run), `timeout`, `memory`. Run it in a subprocess:
a reader that explodes must not take the test process (or the shared machine) down with it.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import time
from pathlib import Path


class _Timeout(BaseException):
    pass


def _alarm(*_: object) -> None:
    raise _Timeout()


def main() -> None:
    folder = Path(sys.argv[1])
    mem_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    from pipeline.corpus.ingest.files import read_file  # import before capping memory

    resource.setrlimit(resource.RLIMIT_DATA, (mem_mb << 20, mem_mb << 20))
    signal.signal(signal.SIGALRM, _alarm)
    out: dict[str, dict[str, object]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        t0 = time.monotonic()
        signal.alarm(seconds)
        try:
            cands, fails = read_file(path, 10 << 20)
            signal.alarm(0)
            res: dict[str, object] = {
                "outcome": "ok" if cands else "fail",
                "errors": [f.error for f in fails], "where": [f.path for f in fails],
                "articles": [{"id": c.article.id, "title": c.article.title, "text": c.article.text[:2000],
                              "text_len": len(c.article.text), "metadata": json.dumps(c.article.metadata)[:2000],
                              "metadata_len": len(json.dumps(c.article.metadata)), "url": c.article.url,
                              "source": c.article.source} for c in cands]}
        except _Timeout:
            res = {"outcome": "timeout", "errors": [f"no result within {seconds}s"]}
        except MemoryError:
            signal.alarm(0)
            res = {"outcome": "memory", "errors": [f"MemoryError over {mem_mb} MB"]}
        except BaseException as exc:  # noqa: BLE001 - the point is to see what escapes
            signal.alarm(0)
            res = {"outcome": "crash", "errors": [f"{type(exc).__name__}: {str(exc)[:300]}"]}
        res["seconds"] = round(time.monotonic() - t0, 3)
        out[path.name] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
