"""The ingest run: read → classify (new / unchanged / changed / duplicate) → chunk → embed → store.

Holds the writer lock for the whole run. Starts by finishing whatever an interrupted run left
pending, so a killed ingest is completed by the next one. Unchanged articles cost no embedding;
a changed article re-embeds only chunks whose text is new.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from pipeline import config
from pipeline.corpus.chunk import chunk_article
from pipeline.corpus.ingest import dedupe
from pipeline.corpus.ingest.files import Candidate, discover, max_file_bytes, read_file
from pipeline.lock import writer_lock
from pipeline.progress import ConsoleProgress, Progress
from pipeline.corpus.manifest import Row
from pipeline.types import Article, Chunk, InjectionFlag

if TYPE_CHECKING:
    from pipeline.corpus.embed import Embedder
    from pipeline.corpus.store import Store

GROUP_CHUNKS = 1024  # chunks embedded per call across articles: full, length-sorted batches, one upsert


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
    """Ingest's two bars (reading, embedding) on a `Progress` reporter; True: a bar on stderr."""

    def __init__(self, progress: bool | Progress, stack: ExitStack) -> None:
        self._p: Progress | None = None
        if progress is True:
            self._p = stack.enter_context(ConsoleProgress(transient=True))
        elif progress is not False:
            self._p = progress

    def growing_task(self, description: str) -> tuple[Callable[[int], None], Callable[[int], None]]:
        """(advance, grow): a bar whose total grows as work is found; shown once there is some."""
        if self._p is None:
            return (lambda n: None), (lambda n: None)
        p = self._p
        state = {"total": 0, "done": 0}

        def grow(n: int) -> None:
            if n:
                if not state["total"]:
                    p.start(description, n)
                state["total"] += n
                p.update(description, state["done"], state["total"])

        def advance(n: int) -> None:
            state["done"] += n
            p.update(description, state["done"], state["total"] or None)

        return advance, grow

    def task(self, description: str, total: int) -> Callable[[int], None]:
        if self._p is None or total == 0:
            return lambda n: None
        p = self._p
        p.start(description, total)
        state = {"done": 0}

        def advance(n: int) -> None:
            state["done"] += n
            p.update(description, state["done"], total)

        return advance


def _injection_flags(text: str) -> list[InjectionFlag]:
    """Passages that read as instructions to a model, flagged once at ingest (see pipeline.text.injection)."""
    try:
        from pipeline.text.injection import detect_injection
    except ImportError:  # the reliability layer is optional for ingest
        return []
    return detect_injection(text)


class _Classifier:
    """Decides new / unchanged / changed / duplicate against the store plus this run's picks."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.manifest = store.manifest
        self.lsh = dedupe.NearDuplicateIndex()
        self.by_hash: dict[str, tuple[str, str]] = {}  # content hash -> (id, source_key)
        self.picked: dict[str, str] = {}  # id -> path of the articles this run stores
        self.manifest.rehash_minhashes(dedupe.signature_bytes, dedupe.VERSION)
        for article_id, content_hash, source_key, blob in self.manifest.signatures():
            if blob:
                self.lsh.add(article_id, dedupe.from_bytes(blob))
            self.by_hash.setdefault(content_hash, (article_id, source_key))

    def _path_of(self, article_id: str) -> str | None:
        """Where the kept copy came from: the same id at another path (a second checkout) reads as
        a copy of itself unless the message shows both paths."""
        if article_id in self.picked:
            return self.picked[article_id]
        row = self.manifest.get(article_id, complete_only=False)
        return row.article.path if row is not None else None

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
            report.duplicates.append({"id": article.id, "duplicate_of": exact[0], "path": article.path,
                                      "similarity": 1.0, "duplicate_path": self._path_of(exact[0])})
            return None
        exclude = {existing.article.id} if existing is not None else set()
        near = self.lsh.match(mh, exclude=exclude)
        if near is not None:
            report.duplicates.append({"id": article.id, "duplicate_of": near[0], "path": article.path,
                                      "similarity": round(near[1], 3), "duplicate_path": self._path_of(near[0])})
            return None
        if existing is not None:
            self.lsh.remove(existing.article.id)
            if self.by_hash.get(existing.article.content_hash, ("",))[0] == existing.article.id:
                del self.by_hash[existing.article.content_hash]
        self.lsh.add(article.id, mh)
        self.by_hash[article.content_hash] = (article.id, cand.source_key)
        self.picked[article.id] = article.path
        article.injection_flags = _injection_flags(article.text)
        return Row(article=article, source_key=cand.source_key, fingerprint=fp,
                   minhash=dedupe.to_bytes(mh), chunk_ids=[], status="pending",
                   replaces=existing.article.id if existing is not None else None)


class _Writer:
    """Collects jobs into groups of ~GROUP_CHUNKS chunks; embeds and writes each group as it fills.

    Embedding many articles' chunks in one call keeps batches full and length-sorted; writing a
    group in one Chroma upsert saves ~30 ms per article. Streaming (rather than reading every
    file first) bounds memory, and a killed run keeps the groups it finished.
    Reading is not overlapped with embedding on purpose: the forward pass already keeps every
    core busy, and a second thread slowed it by more than it saved (measured in docs/benchmarks.md).
    """

    def __init__(self, store: Store, embedder_factory: Callable[[], Embedder], report: IngestReport,
                 progress: _Progress, on_done: Callable[[_Job], None]) -> None:
        self.store, self.embedder_factory, self.report, self.on_done = store, embedder_factory, report, on_done
        self.advance, self.grow = progress.growing_task("embedding")
        self._group: list[_Job] = []
        self._size = 0

    def add(self, job: _Job) -> None:
        self._group.append(job)
        self._size += len(job.chunks)
        self.grow(len(job.chunks))
        if self._size >= GROUP_CHUNKS:
            self.flush()

    def flush(self) -> None:
        """Embed and write the current group; a failing group is reported and left pending."""
        group, self._group, self._size = self._group, [], 0
        if not group:
            return
        finished: set[str] = set()
        by_id = {job.article.id: job for job in group}

        def completed(article: Article) -> None:
            finished.add(article.id)
            self.on_done(by_id[article.id])

        try:
            reuse: dict[str, np.ndarray] = {}
            for job in group:
                if job.replaces:
                    old = self.store.manifest.get(job.replaces)
                    if old is not None:
                        reuse.update(self.store.old_embeddings(old))
            texts = sorted({c.text for job in group for c in job.chunks if c.text not in reuse})
            vectors = dict(zip(texts, self.embedder_factory().embed(texts, progress=self.advance))) if texts else {}
            self.report.chunks_embedded += len(texts)
            items = []
            for job in group:
                self.report.chunks_reused += sum(1 for c in job.chunks if c.text not in vectors)
                matrix = (np.stack([vectors[c.text] if c.text in vectors else reuse[c.text] for c in job.chunks])
                          if job.chunks else np.zeros((0, 0), dtype=np.float32))
                items.append((job.article, job.chunks, matrix))
            self.store.write_articles(items, on_complete=completed)
        except Exception as exc:  # one bad group must not lose the rest of the run
            for job in group:
                if job.article.id not in finished:
                    self.report.failed.append({
                        "path": job.article.path,
                        "error": f"could not embed or store {job.article.id} ({type(exc).__name__}: {exc}); "
                                 "it stays pending and the next ingest retries it",
                    })


FILE_STATE_VERSION = 1  # bump when reading or normalizing changes what a file yields
RACY_SECONDS = 2.0


def _changed_before(path: str, when: float) -> bool:
    try:
        return os.stat(path).st_ctime < when
    except OSError:
        return False


@lru_cache(maxsize=1)
def _package_version() -> str:
    try:
        return importlib.metadata.version("article-pipeline")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def file_signature(path: Path) -> str | None:
    """What must be unchanged for a file to be skipped unread: size, modification and change
    times, inode, and the reader's version. The change time cannot be set back by tools that keep
    the modification time (`cp -p`, `rsync -t`), so new content never passes for old."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (f"{FILE_STATE_VERSION}:{_package_version()}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
            f":{st.st_ino}")


class _Unchanged:
    """Files an earlier ingest read in full and that have not changed since.

    Re-ingesting an unchanged corpus used to read, parse and hash every file and ask Chroma for
    every article's chunks (~3 ms an article); a file whose signature matches skips all of that,
    provided the store still holds exactly the manifest's chunks (it does after every finished
    run; a wiped or foreign Chroma does not, and then every file is read as before).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.states = store.manifest.file_states()
        self._complete: set[str] | None = None

    def ids(self, key: str, signature: str | None) -> list[str] | None:
        state = self.states.get(key)
        if signature is None or state is None or state[0] != signature or not self.store.consistent():
            return None
        if self._complete is None:
            self._complete = self.store.manifest.complete_ids()
        if not state[1] or not set(state[1]) <= self._complete:
            return None
        return state[1]

    def remember(self, seen: list[tuple[str, str | None, list[str], bool]]) -> None:
        """Record the files read in full this run whose articles are all stored; forget the rest.

        A file changed within the last RACY_SECONDS is not recorded: an edit in the same clock
        tick as our read could leave its times equal to the ones we saw (git's "racy" files)."""
        complete = self.store.manifest.complete_ids()
        settled = time.time() - RACY_SECONDS
        keep = [(k, sig, ids) for k, sig, ids, clean in seen
                if clean and sig and ids and set(ids) <= complete and _changed_before(k, settled)]
        kept = {k for k, _, _ in keep}
        drop = [k for k, _, _, _ in seen if k not in kept and k in self.states]
        if keep:
            self.store.manifest.put_file_states(keep)
        if drop:
            self.store.manifest.forget_files(drop)


def ingest_paths(paths: Sequence[Path | str], store: Store | None = None, progress: bool | Progress = True,
                 embedder: Embedder | None = None, max_file_mb: float | None = None,
                 wait: float = 0.0, settings: config.Settings | None = None) -> IngestReport:
    """Ingest files and folders into the store; see `IngestReport` for what happened to each.
    `settings`: the caller's (`Context.settings`); None reads them here, once."""
    from pipeline.corpus.embed import configured_model_name, get_embedder
    from pipeline.corpus.store import EmbeddingModelMismatch, Store

    settings = settings if settings is not None else config.load_settings()  # library entry point
    own_store = store is None
    store = store or Store(settings=settings)
    report = IngestReport()
    model = embedder.model_name if embedder is not None else configured_model_name()
    if model != store.embedding_model:
        raise EmbeddingModelMismatch(
            f"the embedder is {model!r} but this store is opened for {store.embedding_model!r}")

    def get_emb() -> Embedder:
        return embedder or get_embedder()

    max_bytes = max_file_bytes(max_file_mb, settings)
    with ExitStack() as stack:
        stack.enter_context(writer_lock(store.home, wait=wait))
        if own_store:
            stack.callback(store.close)
        bar = _Progress(progress, stack)
        _ = store.collection  # fail fast on a model mismatch or an unreachable server
        store.new_run()
        store.flush_deletes()
        recovering = _Writer(store, get_emb, report, bar, lambda j: report.recovered.append(j.article.id))
        for pending in store.manifest.pending():
            recovering.add(_Job(pending.article, chunk_article(pending.article), pending.replaces))
        recovering.flush()

        def done(job: _Job) -> None:
            report.ingested.append(job.article.id)
            if job.replaces and job.replaces != job.article.id:
                report.replaced.append({"id": job.article.id, "replaces": job.replaces})

        files, failures = discover(list(paths))
        report.failed += [f.as_dict() for f in failures]
        unchanged = _Unchanged(store)
        classifier: _Classifier | None = None  # loads every stored signature: only when needed
        writer = _Writer(store, get_emb, report, bar, done)
        advance = bar.task("reading", len(files))
        seen: list[tuple[str, str | None, list[str], bool]] = []
        for path in files:
            key, signature = str(path.resolve()), file_signature(path)
            ids = unchanged.ids(key, signature)
            if ids is not None:
                report.skipped.extend(ids)
                advance(1)
                continue
            classifier = classifier or _Classifier(store)
            n_skipped, n_duplicates, n_failed = len(report.skipped), len(report.duplicates), len(report.failed)
            produced: list[str] = []
            candidates, problems = read_file(path, max_bytes)
            report.failed += [p.as_dict() for p in problems]
            for cand in candidates:
                try:
                    row = classifier.classify(cand, report)
                    if row is None:
                        continue
                    chunks = chunk_article(row.article)
                    row.chunk_ids = [c.id for c in chunks]
                    row.chunk_spans = [(c.start, c.end, c.tokens) for c in chunks]
                    store.begin_article(row)
                except Exception as exc:  # never let one article stop the run
                    report.failed.append({"path": cand.article.path,
                                          "error": f"cannot ingest {cand.article.id}: {type(exc).__name__}: {exc}"})
                    continue
                produced.append(row.article.id)
                writer.add(_Job(row.article, chunks, row.replaces))
            clean = len(report.duplicates) == n_duplicates and len(report.failed) == n_failed
            seen.append((key, signature, report.skipped[n_skipped:] + produced, clean))
            advance(1)
        writer.flush()
        unchanged.remember(seen)
    return report
