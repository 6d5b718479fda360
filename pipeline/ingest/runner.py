"""The ingest run: read → classify (new / unchanged / changed / duplicate) → chunk → embed → store.

Holds the writer lock for the whole run. Starts by finishing whatever an interrupted run left
pending, so a killed ingest is completed by the next one. Unchanged articles cost no embedding;
a changed article re-embeds only chunks whose text is new.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from pipeline.chunk import chunk_article
from pipeline.ingest import dedupe
from pipeline.ingest.files import Candidate, discover, max_file_bytes, read_file
from pipeline.lock import writer_lock
from pipeline.manifest import Row
from pipeline.types import Article, Chunk

GROUP_CHUNKS = 256  # embed this many chunks at once across articles (batching), then write


@dataclass
class IngestReport:
    """The `pipeline ingest --json` document (first four keys are the public contract)."""

    ingested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    replaced: list[dict[str, str]] = field(default_factory=list)  # {"id", "replaces"}
    recovered: list[str] = field(default_factory=list)  # finished from an interrupted run
    chunks_embedded: int = 0
    chunks_reused: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested, "skipped": self.skipped, "duplicates": self.duplicates,
            "failed": self.failed, "replaced": self.replaced, "recovered": self.recovered,
            "chunks_embedded": self.chunks_embedded, "chunks_reused": self.chunks_reused,
        }


def fingerprint(article: Article) -> str:
    """Equal fingerprints mean nothing to do: same text, same metadata, same id."""
    data = article.model_dump(exclude={"path", "text", "injection_flags"})
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class _Job:
    article: Article
    chunks: list[Chunk]
    replaces: str | None


class _Progress:
    """rich progress on stderr, or nothing."""

    def __init__(self, enabled: bool, stack: ExitStack) -> None:
        self._p = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._p = stack.enter_context(Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True))

    def task(self, description: str, total: int) -> Callable[[int], None]:
        if self._p is None or total == 0:
            return lambda n: None
        tid = self._p.add_task(description, total=total)
        return lambda n: self._p.advance(tid, n)  # type: ignore[union-attr]


def _injection_flags(text: str) -> list[dict[str, Any]]:
    """Passages that read as instructions to a model, flagged once at ingest (see pipeline.injection)."""
    try:
        from pipeline.injection import detect_injection, flags_as_dicts
    except ImportError:  # the reliability layer is optional for ingest
        return []
    return flags_as_dicts(detect_injection(text))


class _Classifier:
    """Decides new / unchanged / changed / duplicate against the store plus this run's picks."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.manifest = store.manifest
        self.lsh = dedupe.NearDuplicateIndex()
        self.by_hash: dict[str, tuple[str, str]] = {}  # content hash -> (id, source_key)
        for article_id, content_hash, source_key, blob in self.manifest.signatures():
            if blob:
                self.lsh.add(article_id, dedupe.from_bytes(blob))
            self.by_hash.setdefault(content_hash, (article_id, source_key))

    def classify(self, cand: Candidate, report: IngestReport) -> Row | None:
        """A pending Row to write, or None when the article is skipped or a duplicate."""
        article = cand.article
        existing = self.manifest.by_source_key(cand.source_key)
        fp = fingerprint(article)
        if existing is not None and existing.fingerprint == fp:
            if self.store.has_chunks(existing.chunk_ids):
                report.skipped.append(existing.article.id)
                return None
            # Stored, but its vectors are gone (a wiped or different Chroma): write it again.
        mh = dedupe.signature(article.text)
        exact = self.by_hash.get(article.content_hash)
        if exact is not None and exact[1] != cand.source_key:
            report.duplicates.append({"id": article.id, "duplicate_of": exact[0],
                                      "path": article.path, "similarity": 1.0})
            return None
        exclude = {existing.article.id} if existing is not None else set()
        near = self.lsh.match(mh, exclude=exclude)
        if near is not None:
            report.duplicates.append({"id": article.id, "duplicate_of": near[0],
                                      "path": article.path, "similarity": round(near[1], 3)})
            return None
        if existing is not None:
            self.lsh.remove(existing.article.id)
            if self.by_hash.get(existing.article.content_hash, ("",))[0] == existing.article.id:
                del self.by_hash[existing.article.content_hash]
        self.lsh.add(article.id, mh)
        self.by_hash[article.content_hash] = (article.id, cand.source_key)
        article.injection_flags = _injection_flags(article.text)
        return Row(article=article, source_key=cand.source_key, fingerprint=fp,
                   minhash=dedupe.to_bytes(mh), chunk_ids=[], status="pending",
                   replaces=existing.article.id if existing is not None else None)


def _write_group(store: Any, embedder: Any, jobs: list[_Job], report: IngestReport,
                 advance: Callable[[int], None], on_done: Callable[[_Job], None]) -> None:
    """Embed a group's chunks in one batched call (reusing vectors for unchanged chunk text)."""
    reuse: dict[str, np.ndarray] = {}
    for job in jobs:
        if job.replaces:
            old = store.manifest.get(job.replaces)
            if old is not None:
                reuse.update(store.old_embeddings(old.chunk_ids))
    texts = sorted({c.text for job in jobs for c in job.chunks if c.text not in reuse})
    vectors = dict(zip(texts, embedder.embed(texts, progress=advance))) if texts else {}
    report.chunks_embedded += len(texts)
    for job in jobs:
        report.chunks_reused += sum(1 for c in job.chunks if c.text not in vectors)
        matrix = (np.stack([vectors[c.text] if c.text in vectors else reuse[c.text] for c in job.chunks])
                  if job.chunks else np.zeros((0, embedder.dim), dtype=np.float32))
        store.write_article(job.article, job.chunks, matrix)
        on_done(job)


def _run_jobs(store: Any, embedder_factory: Callable[[], Any], jobs: list[_Job], report: IngestReport,
              progress: _Progress, on_done: Callable[[_Job], None]) -> None:
    """Write jobs in groups; a failing group is reported and left pending for the next run."""
    if not jobs:
        return
    advance = progress.task("embedding", sum(len(j.chunks) for j in jobs))
    groups: list[list[_Job]] = [[]]
    size = 0
    for job in jobs:
        if size >= GROUP_CHUNKS:
            groups.append([])
            size = 0
        groups[-1].append(job)
        size += len(job.chunks)
    for group in groups:
        finished: set[str] = set()

        def mark(job: _Job) -> None:
            finished.add(job.article.id)
            on_done(job)

        try:
            _write_group(store, embedder_factory(), group, report, advance, mark)
        except Exception as exc:  # one bad group must not lose the rest of the run
            for job in group:
                if job.article.id not in finished:
                    report.failed.append({
                        "path": job.article.path,
                        "error": f"could not embed or store {job.article.id} ({type(exc).__name__}: {exc}); "
                                 "it stays pending and the next ingest retries it",
                    })


def ingest_paths(paths: list[Path | str], store: Any = None, progress: bool = True,
                 embedder: Any = None, max_file_mb: float | None = None, wait: float = 0.0) -> IngestReport:
    """Ingest files and folders into the store; see `IngestReport` for what happened to each."""
    from pipeline.embed import configured_model_name, get_embedder
    from pipeline.store import EmbeddingModelMismatch, Store

    own_store = store is None
    store = store or Store()
    report = IngestReport()
    model = embedder.model_name if embedder is not None else configured_model_name()
    if model != store.embedding_model:
        raise EmbeddingModelMismatch(
            f"the embedder is {model!r} but this store is opened for {store.embedding_model!r}")

    def get_emb() -> Any:
        return embedder or get_embedder()

    max_bytes = max_file_bytes(max_file_mb)
    with ExitStack() as stack:
        stack.enter_context(writer_lock(store.home, wait=wait))
        if own_store:
            stack.callback(store.close)
        bar = _Progress(progress, stack)
        _ = store.collection  # fail fast on a model mismatch or an unreachable server
        store.flush_deletes()
        pending = [
            _Job(row.article, chunk_article(row.article), row.replaces) for row in store.manifest.pending()
        ]
        _run_jobs(store, get_emb, pending, report, bar, lambda j: report.recovered.append(j.article.id))

        files, failures = discover(paths)
        report.failed += [f.as_dict() for f in failures]
        classifier = _Classifier(store)
        jobs: list[_Job] = []
        advance = bar.task("reading", len(files))
        for path in files:
            candidates, problems = read_file(path, max_bytes)
            report.failed += [p.as_dict() for p in problems]
            for cand in candidates:
                try:
                    row = classifier.classify(cand, report)
                    if row is None:
                        continue
                    chunks = chunk_article(row.article)
                    row.chunk_ids = [c.id for c in chunks]
                    store.begin_article(row)
                except Exception as exc:  # never let one article stop the run
                    report.failed.append({"path": cand.article.path,
                                          "error": f"cannot ingest {cand.article.id}: {type(exc).__name__}: {exc}"})
                    continue
                jobs.append(_Job(row.article, chunks, row.replaces))
            advance(1)

        def done(job: _Job) -> None:
            report.ingested.append(job.article.id)
            if job.replaces and job.replaces != job.article.id:
                report.replaced.append({"id": job.article.id, "replaces": job.replaces})

        _run_jobs(store, get_emb, jobs, report, bar, done)
    return report
