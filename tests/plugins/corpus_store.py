"""The real corpus ingested into a real store once per test process (for summarize/ask/retrieve).

Ingest embeds ~110 chunks, so it runs once and is shared; tests that write to `$PIPELINE_HOME`
take a private copy (`corpus_copy`), the others read the shared one (`corpus_home`).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import CORPUS

_SHARED: dict[str, Path] = {}
_ENV_CLEAR = ("PIPELINE_MODEL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "CHROMA_HOST", "CHROMA_PORT")


def shared_corpus_home() -> Path:
    if "home" not in _SHARED:
        from pipeline.corpus.ingest import ingest_paths
        from pipeline.corpus.store import Store

        root = Path(tempfile.mkdtemp(prefix="pipeline-use-"))
        atexit.register(shutil.rmtree, root, True)
        home = root / "home"
        store = Store(home=home, chroma_url="")
        report = ingest_paths([CORPUS], store=store, progress=False)
        assert not report.failed, report.failed
        store.close()
        _SHARED["home"] = home
    return _SHARED["home"]


def _env(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("PIPELINE_HOME", str(home))
    for var in _ENV_CLEAR:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def corpus_home(monkeypatch) -> Path:
    """PIPELINE_HOME → the shared ingested corpus (do not write to it beyond caches)."""
    home = shared_corpus_home()
    _env(monkeypatch, home)
    return home


@pytest.fixture
def corpus_copy(tmp_path, monkeypatch) -> Path:
    """PIPELINE_HOME → a private copy of the ingested corpus, free to write."""
    home = tmp_path / "home"
    shutil.copytree(shared_corpus_home(), home, ignore=shutil.ignore_patterns("bm25", "lock*"))
    _env(monkeypatch, home)
    return home


@pytest.fixture
def retriever(corpus_home):
    """A Retriever over the shared store (one per test: cheap once the store is open)."""
    from pipeline.query.retrieve import Retriever
    from pipeline.corpus.store import Store

    return Retriever(Store(home=corpus_home, chroma_url=""))
