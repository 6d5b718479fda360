"""Gather what the report shows from `$PIPELINE_HOME`: articles, the latest extraction record
per article, summaries and the digest, the last eval result and the last run. No LLM call.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import config
from pipeline.report.view import ReportInputs
from pipeline.types import Article, Usage

if TYPE_CHECKING:
    from pipeline.parties import Resolution

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"
EVAL_RESULT = Path("eval") / "last.json"  # written by `pipeline eval` (see save_eval_result)
LAST_RUN = Path("runs") / "last.json"  # written by `pipeline run`


def default_report_path(home: Path | None = None) -> Path:
    return (Path(home) if home else config.home()) / REPORT_NAME


def _read_json(path: Path) -> Any | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored, not readable JSON (%s)", path, exc)
        return None


def load_articles(home: Path) -> list[Article]:
    """Every stored article with its normalized text (the offsets' reference)."""
    from pipeline.corpus.store import Store

    store = Store(home)
    try:
        return list(store.list_articles())  # from the manifest: no Chroma, no model
    finally:
        store.close()


def load_summaries(home: Path) -> tuple[dict[str, str], dict[str, Any] | None, str | None, Usage]:
    """(article id → summary, latest digest record as JSON, digest Markdown, their LLM usage) as
    saved by `pipeline summarize`; empty when nothing was summarized yet."""
    from pipeline.summarize import DIGEST_FILE, SUMMARIES_FILE, latest_digest, latest_summaries

    path = home / SUMMARIES_FILE
    latest = latest_summaries(path)
    summaries = {aid: rec.summary for aid, rec in latest.items() if rec.summary}
    digest = latest_digest(path)
    usage = Usage()
    for rec in latest.values():  # the digest's own usage repeats its run's summaries: not added
        usage = usage.add(rec.usage)
    md_path = home / DIGEST_FILE
    markdown = md_path.read_text(encoding="utf-8") if md_path.is_file() else None
    return summaries, (digest.model_dump(mode="json") if digest else None), markdown, usage


def load_eval_file(path: Path) -> dict[str, Any]:
    """A `pipeline eval --json` document, checked enough to be shown; ValueError names the problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the eval result ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("overall"), dict) \
            or not isinstance(data.get("articles"), list):
        raise ValueError(f"{path}: not a `pipeline eval --json` result (needs \"overall\" and \"articles\")")
    return data


def save_eval_result(result: dict[str, Any], home: Path | None = None) -> Path:
    """Keep the last eval result where the report finds it (atomic write)."""
    path = (Path(home) if home else config.home()) / EVAL_RESULT
    _write_json(path, result)
    return path


def save_last_run(summary: dict[str, Any], home: Path | None = None) -> Path:
    path = (Path(home) if home else config.home()) / LAST_RUN
    _write_json(path, summary)
    return path


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


class _Listed:
    """The articles already read, as the `ArticleStore` party resolution asks for (no second open)."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = {a.id: a for a in articles}

    def list_articles(self) -> list[Article]:
        return list(self.articles.values())

    def get_article(self, article_id: str) -> Article:
        return self.articles[article_id]

    def find_article(self, ref: str) -> Article | None:
        return self.articles.get(ref)

    def close(self) -> None:
        pass


def load_parties(home: Path, articles: list[Article]) -> Resolution:
    """The corpus's parties as `pipeline parties` resolves them (saved index, parties.yaml), read
    only: building a report never writes the index."""
    from pipeline.parties import resolve_corpus

    return resolve_corpus(_Listed(articles), home=home, save=False)


def load_inputs(home: Path | None = None) -> ReportInputs:
    from pipeline.records import latest_records, records_path

    home = Path(home) if home else config.home()
    articles = load_articles(home)
    summaries, digest_record, digest, summary_usage = load_summaries(home)
    known = {a.id for a in articles}
    records = {k: v for k, v in latest_records(records_path(home)).items() if k in known}
    evaluation = _read_json(home / EVAL_RESULT)
    last_run = _read_json(home / LAST_RUN)
    return ReportInputs(articles=articles, records=records, summaries=summaries, digest=digest,
                        digest_record=digest_record, other_usage=summary_usage,
                        evaluation=evaluation if isinstance(evaluation, dict) else None,
                        last_run=last_run if isinstance(last_run, dict) else None,
                        parties=load_parties(home, articles))


def build_report(home: Path | None = None, out: Path | None = None) -> Path:
    """Rebuild the report from saved state; returns its path."""
    from pipeline.report.builder import write_report

    home = Path(home) if home else config.home()
    return write_report(load_inputs(home), Path(out) if out else default_report_path(home))
